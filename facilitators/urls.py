from django.urls import path  # noqa: F401  (the pages of the facilitators app join below)

app_name = "facilitators"

urlpatterns = []
