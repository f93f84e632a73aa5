"""Scoped reads of the participants app: one ``visible_to(user)`` per model."""

from django.db import models
from django.db.models import Case, OuterRef, Q, Subquery, Value, When

from core.levels import Level
from core.rule_queries import RuleQuery
from core.visibility import (
    identity_rule,
    invitee_identity_rule,
    invitee_rule,
    is_admin,
    is_organisation_member,
    participant_rule,
)


def sees_organisations(user):
    """Organisations are INTERNAL records: admins and staff cleared for INTERNAL see all of them, nobody
    else any. ``visible_to`` and the links to organisation pages both ask this."""
    return is_organisation_member(user) and user.clearance >= Level.INTERNAL


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.all() if sees_organisations(user) else self.none()


class ParticipantQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(participant_rule(user, self.model))

    def identity_q(self, user):
        """True for participants whose identity (name, e-mail, affiliation) the user may see
        (``core.visibility.identity_rule``)."""
        return identity_rule(user, self.model)

    def with_identity_for(self, user):
        """Annotate whether each participant's identity is visible to ``user`` (see ``display_name``)."""
        return self.annotate(
            identity_visible_to_viewer=Case(
                When(self.identity_q(user), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def invitees_visible_to(self, user, workshop):
        """The invitees of ``workshop`` that ``visible_to(user)`` gives, each annotated as by
        ``with_identity_for(user)``: the same rows and flags, by the invitee rules of ``core.visibility``,
        which ask less of a workshop the user has read (``seen_workshop``)."""
        identity = invitee_identity_rule(user, workshop, self.model)
        return (
            self.filter(invitations__workshop=workshop)  # one invitation per participant and workshop
            .filter(invitee_rule(user, workshop, self.model))
            .annotate(
                identity_visible_to_viewer=Case(
                    When(identity, then=Value(True)), default=Value(False), output_field=models.BooleanField()
                )
            )
        )

    def with_vetting_status(self):
        """The status of each participant's standing vetting case (``VettingCaseQuerySet.standing_first``), the
        one thing staff may see of vetting."""
        VettingCase = self.model.vetting_cases.rel.related_model
        latest = VettingCase.objects.filter(participant=OuterRef("pk")).standing_first()
        return self.annotate(
            vetting_status=Subquery(latest.values("status")[:1]),
            vetting_expires_at=Subquery(latest.values("expires_at")[:1]),
        )


class VettingCaseQuerySet(models.QuerySet):
    def standing_first(self):
        """The cases in the order that puts first the one that stands: the latest decided, else the latest
        opened. A renewal opened before an approval runs out leaves the approval standing until it expires
        or the renewal is decided; a rejection ends it at once."""
        return self.order_by(models.F("decided_at").desc(nulls_last=True), "-created_at", "-pk")

    def visible_to(self, user):
        if not is_admin(user) or user.clearance < Level.CONFIDENTIAL:
            return self.none()
        Participant = self.model.participant.field.related_model
        return self.filter(participant__in=Participant.objects.visible_to(user))


class SanctionsEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_admin(user) or user.clearance < Level.CONFIDENTIAL:
            return self.none()
        return self.all()


class SanctionsHitQuerySet(VettingCaseQuerySet):
    pass


class SanctionsListQuerySet(SanctionsEntryQuerySet):
    """The imported versions of the lists: CONFIDENTIAL work of admins alone, like their entries."""


class ScreeningRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins cleared for CONFIDENTIAL; a run of one participant only when that participant is visible to
        them (a run of everyone names no one)."""
        if not is_admin(user) or user.clearance < Level.CONFIDENTIAL:
            return self.none()
        Participant = self.model.participant.field.related_model
        return self.filter(Q(participant__isnull=True) | Q(participant__in=Participant.objects.visible_to(user)))


def _participants_by_id(user, ids):
    from .models import Participant

    return (
        Participant._default_manager.visible_to(user)
        .with_vetting_status()
        .select_related("organization")
        .filter(pk__in_array=ids)
    )


_PARTICIPANTS_BY_ID = RuleQuery(_participants_by_id, ids=[-1])


def participants_in_order_of(user, page):
    """The participants of ``page`` that ``user`` may see, pairs of an id and whether the viewer sees the
    name, in its order: each with its vetting status, organisation and ``identity_visible_to_viewer`` as the
    pair says. One query; an id that is not among these (removed, or hidden, since it was read) is left
    out. For lists that read a page's ids apart from its rows (``ParticipantPages``, ``ranking.RankedSearch``)."""
    ids = [pk for pk, _named in page]
    rows = {participant.pk: participant for participant in _PARTICIPANTS_BY_ID.for_user(user, ids=ids)} if ids else {}
    shown = []
    for pk, named in page:
        if pk in rows:
            rows[pk].identity_visible_to_viewer = named
            shown.append(rows[pk])
    return shown
