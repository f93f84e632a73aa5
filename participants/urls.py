from django.urls import path

from . import sanctions_views, vetting_views, views

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="participant-list"),
    path("new/", views.participant_create, name="participant-create"),
    path("<int:pk>/", views.participant_detail, name="participant-detail"),
    path("<int:pk>/edit/", views.participant_update, name="participant-update"),
    path("organisations/", views.organization_list, name="organization-list"),
    path("organisations/new/", views.organization_create, name="organization-create"),
    path("organisations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("organisations/<int:pk>/edit/", views.organization_update, name="organization-update"),
    path("sanctions/", sanctions_views.sanctions_lists, name="sanctions-lists"),
    path("screening/<int:pk>/", sanctions_views.screening_progress, name="screening-progress"),
    path("sanctions-hits/<int:pk>/resolve/", sanctions_views.sanctions_hit_resolve, name="sanctions-hit-resolve"),
    path("vetting/", vetting_views.vetting_queue, name="vetting-queue"),
    path("vetting/<int:pk>/", vetting_views.vetting_case, name="vetting-case"),
    path("<int:pk>/vetting/new/", vetting_views.vetting_open, name="vetting-open"),
]
