from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialoguesConfig(AppConfig):
    name = "dialogues"
    verbose_name = _("Dialogues")

    def ready(self):
        from . import choices  # noqa: F401  (registers the app's type-ahead sources)
        from .messages import register_kinds

        register_kinds()
