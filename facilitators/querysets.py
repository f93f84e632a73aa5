"""Scoped reads of the facilitators app, built on the workshop rule of ``dialogues``."""

from django.db import models
from django.db.models import Q

from core.levels import Level
from core.visibility import NOTHING, is_organisation_member, is_reader, visibility_q
from dialogues.querysets import assigned_workshop_ids, team_initiative_ids


def report_rule(user, prefix="", grants=None):
    """An outcome report (and what hangs off it): its own level, its workshop's and initiative's."""
    if not is_reader(user):
        return NOTHING
    opened = Q(**{f"{prefix}workshop_id__in": assigned_workshop_ids(user)})
    if grants is not None:
        opened |= grants
    return visibility_q(
        user,
        levels=[f"{prefix}level", f"{prefix}workshop__level", f"{prefix}workshop__initiative__level"],
        team=Q(**{f"{prefix}workshop__initiative_id__in": team_initiative_ids(user)}),
        grants=opened,
    )


class FacilitatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_reader(user):
            return self.none()
        if is_organisation_member(user) and user.clearance >= Level.INTERNAL:
            return self.all()
        return self.filter(user=user)


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from dialogues.models import Workshop

        return self.filter(workshop__in=Workshop.objects.visible_to(user))


class OutcomeReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(report_rule(user))


class ActionItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        grants = Q(owner=user) if is_reader(user) else None
        return self.filter(report_rule(user, prefix="report__", grants=grants))


class TrackOneBriefingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(report_rule(user, prefix="report__"))
