"""Scoped reads of the facilitators app, built on the workshop and report rules of ``core.visibility``."""

from django.db import models
from django.db.models import Q

from core.levels import Level
from core.visibility import is_organisation_member, is_reader, report_rule, workshop_rule


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
    def visible_to(self, user):
        grants = Q(owner=user) if is_reader(user) else None
        return self.filter(report_rule(user, prefix="report__", grants=grants))


class TrackOneBriefingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(report_rule(user, prefix="report__"))
