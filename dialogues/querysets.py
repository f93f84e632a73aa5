"""Scoped reads of the dialogues app: one ``visible_to(user)`` per model, all built on
``core.visibility.visibility_q``."""

from django.apps import apps
from django.db import models
from django.db.models import Q

from core.levels import Role
from core.visibility import NOTHING, is_reader, visibility_q


def team_initiative_ids(user):
    """Subquery: the initiatives whose team the user is on."""
    TeamMembership = apps.get_model("dialogues", "TeamMembership")
    return TeamMembership.objects.filter(user=user).values("initiative_id")


def assigned_workshop_ids(user):
    """Subquery: the workshops the user is an assigned facilitator of."""
    Assignment = apps.get_model("facilitators", "Assignment")
    return Assignment.objects.filter(facilitator__user=user).values("workshop_id")


def initiative_rule(user, prefix=""):
    """The rule for a record that belongs to an initiative (``prefix`` leads to the initiative)."""
    if not is_reader(user):
        return NOTHING
    id_path = f"{prefix}id" if prefix else "pk"
    return visibility_q(user, levels=[f"{prefix}level"], team=Q(**{f"{id_path}__in": team_initiative_ids(user)}))


def workshop_rule(user, prefix="", grants=None):
    """The rule for a record that belongs to a workshop (``prefix`` leads to the workshop)."""
    if not is_reader(user):
        return NOTHING
    id_path = f"{prefix}id" if prefix else "pk"
    opened = Q(**{f"{id_path}__in": assigned_workshop_ids(user)})
    if grants is not None:
        opened |= grants
    return visibility_q(
        user,
        levels=[f"{prefix}level", f"{prefix}initiative__level"],
        team=Q(**{f"{prefix}initiative_id__in": team_initiative_ids(user)}),
        grants=opened,
    )


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
        if not is_reader(user) or user.role == Role.PARTICIPANT:
            return self.none()
        return self.filter(level__lte=user.clearance, initiative__level__lte=user.clearance).filter(
            Q(initiative_id__in=team_initiative_ids(user)) | Q(pk__in=assigned_workshop_ids(user))
        )


class AgendaSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(workshop_rule(user, prefix="workshop__"))


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        # The invitee sees an invitation once it is on its way: a draft is the team's plan (perhaps for
        # someone not yet vetted), and would tell them of a workshop they may never be invited to.
        grants = (Q(participant__user=user) & ~Q(status=self.model.Status.DRAFT)) if is_reader(user) else None
        return self.filter(workshop_rule(user, prefix="workshop__", grants=grants))


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_reader(user):
            return self.none()
        Audience = self.model.Audience
        Invitation = apps.get_model("dialogues", "Invitation")
        Workshop = apps.get_model("dialogues", "Workshop")
        assigned = assigned_workshop_ids(user)
        for_facilitators = Q(audience__in=[Audience.FACILITATORS, Audience.ATTENDEES])
        attending = Invitation.objects.filter(
            participant__user=user,
            status__in=[Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED],
        ).values("workshop_id")
        on_initiative = visibility_q(
            user,
            levels=["level", "initiative__level"],
            team=Q(initiative_id__in=team_initiative_ids(user)),
            grants=for_facilitators
            & Q(initiative_id__in=Workshop.objects.filter(pk__in=assigned).values("initiative_id")),
        )
        on_workshop = visibility_q(
            user,
            levels=["level", "workshop__level", "workshop__initiative__level"],
            team=Q(workshop__initiative_id__in=team_initiative_ids(user)),
            grants=(for_facilitators & Q(workshop_id__in=assigned))
            | (Q(audience=Audience.ATTENDEES) & Q(workshop_id__in=attending)),
        )
        return self.filter((Q(initiative__isnull=False) & on_initiative) | (Q(workshop__isnull=False) & on_workshop))


class DocumentVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        Document = self.model.document.field.related_model
        return self.filter(document__in=Document.objects.visible_to(user))
