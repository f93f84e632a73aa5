"""Scoped reads of accounts: ``visible_to(user)``.

Accounts are not confidential records, with one exception: a participant's sign-in account carries
their name and e-mail, so it is their identity, and is seen only by whoever may see that identity.
"""

from django.db import models
from django.db.models import Q

from core.visibility import identity_rule, is_reader, participant_rule


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every account, except those of participants whose identity (or record) is hidden from ``user``."""
        if not is_reader(user):
            return self.none()
        shown = participant_rule(user, self.model, prefix="participant__") & identity_rule(
            user, self.model, prefix="participant__"
        )
        return self.filter(Q(participant__isnull=True) | shown)
