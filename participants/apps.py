from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self):
        from . import choices  # noqa: F401  (registers the app's type-ahead sources)
        from .messages import register_kinds

        register_kinds()
