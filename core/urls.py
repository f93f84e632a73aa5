from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("audit/", views.access_log, name="access-log"),
    path("choices/<slug:source>/", views.choice_options, name="choice-options"),
    path("outbox/", views.outbox_page, name="outbox"),
    path("outbox/<int:pk>/resend/", views.outbox_resend, name="outbox-resend"),
]
