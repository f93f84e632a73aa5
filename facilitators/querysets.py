"""Scoped reads of the facilitators app, built on the workshop and report rules of ``core.visibility``."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from core.levels import Level
from core.visibility import (
    assigned_q,
    is_organisation_member,
    is_reader,
    own_participant_q,
    report_rule,
    team_q,
    visibility_q,
    workshop_rule,
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
        return self.filter(workshop_rule(user, prefix="workshop__"))


class OutcomeReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(report_rule(user))


class ActionItemQuerySet(models.QuerySet):
    def owned_by_q(self, user):
        """``Q``: the item is owned by ``user``, as a team member or through their own participant record."""
        return Q(owner=user) | own_participant_q(user, "owner_participant")

    def visible_to(self, user):
        # Its owner sees it: a team member who owns it, or the participant whose own record owns it.
        grants = self.owned_by_q(user) if is_reader(user) else None
        return self.filter(report_rule(user, prefix="report__", grants=grants))


class TrackOneBriefingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """As its anchor report, at the briefing's own level too, and only if every report it drew on is
        visible: a briefing must not tell of a report (another workshop's) the user may not see."""
        if not is_reader(user):
            return self.none()
        anchor = visibility_q(
            user,
            levels=["level", "report__level", "report__workshop__level", "report__workshop__initiative__level"],
            team=team_q(user, "report__workshop__initiative_id"),
            grants=assigned_q(user, "report__workshop_id"),
        )
        drawn_on = self.model.reports.through._default_manager.filter(trackonebriefing_id=OuterRef("pk"))
        hidden = drawn_on.exclude(report_rule(user, prefix="outcomereport__"))
        return self.filter(anchor & ~Exists(hidden))
