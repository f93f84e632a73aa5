from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("audit/", views.access_log, name="access-log"),
    path("choices/<slug:source>/", views.choice_options, name="choice-options"),
]
