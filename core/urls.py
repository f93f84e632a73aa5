from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.access_log, name="access-log"),
]
