"""Scoped reads of accounts: ``visible_to(user)``.

Accounts are not confidential records, with one exception: a participant's sign-in account carries
their name and e-mail, so it is their identity, and is seen only by whoever may see that identity.
"""

from django.apps import apps
from django.db import models

from core.visibility import is_reader


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every account, except those of participants whose identity (or record) is hidden from ``user``."""
        if not is_reader(user):
            return self.none()
        Participant = apps.get_model("participants", "Participant")
        shown = Participant.objects.visible_to(user).filter(Participant.objects.identity_q(user))
        hidden_accounts = (
            Participant.objects.filter(user__isnull=False).exclude(pk__in=shown.values("pk")).values("user_id")
        )
        return self.exclude(pk__in=hidden_accounts)
