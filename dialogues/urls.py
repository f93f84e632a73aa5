from django.urls import path

from . import attendance_views, invitation_views, views

app_name = "dialogues"

urlpatterns = [
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/new/", views.initiative_create, name="initiative-create"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative-detail"),
    path("initiatives/<int:pk>/edit/", views.initiative_update, name="initiative-update"),
    path("initiatives/<int:pk>/workshops/new/", views.workshop_create, name="workshop-create"),
    path("workshops/", views.workshop_list, name="workshop-list"),
    path("workshops/calendar/", views.workshop_calendar, name="workshop-calendar"),
    path("workshops/<int:pk>/", views.workshop_detail, name="workshop-detail"),
    path("workshops/<int:pk>/edit/", views.workshop_update, name="workshop-update"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("workshops/<int:pk>/candidates/", invitation_views.workshop_candidates, name="workshop-candidates"),
    path("workshops/<int:pk>/invitations/add/", invitation_views.invitation_add, name="invitation-add"),
    path("workshops/<int:pk>/invitations/send/", invitation_views.invitations_send, name="invitations-send"),
    path("invitations/<int:pk>/party/", invitation_views.invitation_change_party, name="invitation-party"),
    path("invitations/<int:pk>/remove/", invitation_views.invitation_remove, name="invitation-remove"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("workshops/<int:pk>/attendance/", attendance_views.workshop_attendance, name="workshop-attendance"),
]
