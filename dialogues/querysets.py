"""Scoped reads of the dialogues app: one ``visible_to(user)`` per model, all built on the rules of
``core.visibility``."""

from django.db import models
from django.db.models import Q

from core.levels import Role
from core.visibility import (
    assigned_initiative_q,
    assigned_q,
    attending_q,
    initiative_rule,
    is_reader,
    own_participant_q,
    staffed_workshop_rule,
    team_q,
    visibility_q,
    workshop_rule,
)

# The invitation statuses (``Invitation.Status``) of someone who comes to the workshop.
ATTENDING = ("accepted", "attended")


class InitiativeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(initiative_rule(user))

    def observed_by(self, user):
        """Initiatives an observer may see aggregate numbers of: attached to them as observer, and no
        higher than their clearance (being attached does not open a level they are not cleared for)."""
        if not (user.is_authenticated and user.is_active and user.role == Role.OBSERVER):
            return self.none()
        return self.filter(observers=user, level__lte=user.clearance)


class InitiativeChildQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(initiative_rule(user, prefix="initiative__"))


class TeamMembershipQuerySet(InitiativeChildQuerySet):
    pass


class PartyQuerySet(InitiativeChildQuerySet):
    pass


class FundingQuerySet(InitiativeChildQuerySet):
    pass


class WorkshopQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(workshop_rule(user))

    def staffed_by(self, user):
        """Workshops the user runs (on the initiative's team, or assigned facilitator) and is cleared for.

        This, not ``visible_to``, opens the identities of high-risk invitees: seeing a workshop as
        INTERNAL staff of the organisation is not enough.
        """
        return self.filter(staffed_workshop_rule(user))


class AgendaSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(workshop_rule(user, prefix="workshop__"))


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        # The invitee sees an invitation once it is on its way: a draft is the team's plan (perhaps for
        # someone not yet vetted), and would tell them of a workshop they may never be invited to.
        grants = None
        if is_reader(user):
            grants = own_participant_q(user, "participant") & ~Q(status=self.model.Status.DRAFT)
        return self.filter(workshop_rule(user, prefix="workshop__", grants=grants))


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_reader(user):
            return self.none()
        Audience = self.model.Audience
        for_facilitators = Q(audience__in=[Audience.FACILITATORS, Audience.ATTENDEES])
        on_initiative = visibility_q(
            user,
            levels=["level", "initiative__level"],
            team=team_q(user, "initiative_id"),
            grants=for_facilitators & assigned_initiative_q(user, "initiative_id"),
        )
        on_workshop = visibility_q(
            user,
            levels=["level", "workshop__level", "workshop__initiative__level"],
            team=team_q(user, "workshop__initiative_id"),
            grants=(for_facilitators & assigned_q(user, "workshop_id"))
            | (Q(audience=Audience.ATTENDEES) & attending_q(user, "workshop_id", ATTENDING)),
        )
        return self.filter((Q(initiative__isnull=False) & on_initiative) | (Q(workshop__isnull=False) & on_workshop))


class DocumentVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        Document = self.model.document.field.related_model
        return self.filter(document__in=Document.objects.visible_to(user))
