"""Confidentiality levels and roles: the vocabulary every app shares."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PUBLIC = 10, _("Public")
    INTERNAL = 20, _("Internal")
    CONFIDENTIAL = 30, _("Confidential")
    STRICTLY_CONFIDENTIAL = 40, _("Strictly confidential")


class RiskLevel(models.IntegerChoices):
    """How much harm a participant would come to if their involvement were known (``Participant.RiskLevel``).

    HIGH protects the identity: see ``core.visibility.identity_rule``."""

    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    FACILITATOR = "facilitator", _("Facilitator")
    PARTICIPANT = "participant", _("Participant")
    OBSERVER = "observer", _("Observer")


def assignable_levels(user):
    """The levels a user may give a record: never above their own clearance."""
    return [(value, label) for value, label in Level.choices if value <= user.clearance]


def level_check(field="level"):
    """A check constraint that keeps a level column to the known levels."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": Level.values}),
        name="%(app_label)s_%(class)s_" + f"{field}_known",
    )
