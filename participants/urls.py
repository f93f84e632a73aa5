from django.urls import path

from . import views

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
]
