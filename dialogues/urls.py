from django.urls import path

from . import views

app_name = "dialogues"

urlpatterns = [
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/new/", views.initiative_create, name="initiative-create"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative-detail"),
    path("initiatives/<int:pk>/edit/", views.initiative_update, name="initiative-update"),
    path("initiatives/<int:pk>/workshops/new/", views.workshop_create, name="workshop-create"),
    path("workshops/", views.workshop_list, name="workshop-list"),
    path("workshops/<int:pk>/", views.workshop_detail, name="workshop-detail"),
    path("workshops/<int:pk>/edit/", views.workshop_update, name="workshop-update"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
]
