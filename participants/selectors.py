"""Reads of the participants app. Every one starts from a model's ``visible_to(user)``."""

import datetime as dt

from django.db.models import BooleanField, Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.pagination import counted_list
from core.visibility import is_organisation_member, workshop_rule

from .models import ConsentRecord, Organization, Participant, SanctionsHit, VettingCase
from .querysets import sees_organisations

NOT_VETTED = "none"


# --- Who may work on what (the views ask these, and so do the links to them) ---------------------


def participant_can_work_on(user):
    """The participant list, new participants and edits are the organisation's work: admins and staff.

    Anyone else gets 403 there, and is shown no link to them; they reach the participants they may
    see through the workshops those are invited to.
    """
    return is_organisation_member(user)


def participant_can_edit(user, participant):
    """Whether the user may change this participant (a row of ``participants_for(user)``): the
    organisation's work, on a person whose identity the user may see, since the form shows all of it."""
    return participant_can_work_on(user) and participant.identity_visible


def organization_can_work_on(user):
    """The organisation list, new organisations and edits: admins and staff, like participants."""
    return is_organisation_member(user)


def organization_can_see(user):
    """Whether organisation pages open to the user at all (``Organization.objects.visible_to``)."""
    return sees_organisations(user)


def participant_search_q(user, text):
    """Search that never matches a name, e-mail or affiliation the user may not see.

    The codename is searched always; full name, e-mail and organisation name only where
    ``identity_q(user)`` holds.
    """
    # The organisation through a subquery rather than a join, so that every arm of the OR is a
    # condition on the participant table that its indexes can serve.
    organisations = Organization.objects.filter(name__icontains=text).values("pk")
    identity_text = Q(full_name__icontains=text) | Q(email__icontains=text) | Q(organization__in=organisations)
    return Q(codename__icontains=text) | (Participant.objects.identity_q(user) & identity_text)


def participants_for(user):
    """Participants the user may see, annotated with identity and vetting status.

    Ordered by what the viewer is shown (name where visible, otherwise codename): ordering by the
    real name would let the position of a masked row hint at the hidden name.
    """
    return (
        Participant.objects.visible_to(user)
        .with_identity_for(user)
        .with_vetting_status()
        .select_related("organization")
        .annotate(
            shown_name=Case(
                When(identity_visible_to_viewer=True, then=F("full_name")),
                default=F("codename"),
            )
        )
        .order_by(Lower("shown_name"), "pk")
    )


def participant_list_for(
    user,
    *,
    search="",
    category="",
    risk_level=None,
    nationality="",
    organization=None,
    level=None,
    vetting_status="",
):
    participants = participants_for(user)
    if search:
        participants = participants.filter(participant_search_q(user, search))
    if category:
        participants = participants.filter(category=category)
    if risk_level is not None:
        participants = participants.filter(risk_level=risk_level)
    if nationality:
        participants = participants.filter(nationality=nationality)
    if organization is not None:
        # The affiliation is identity: filtering by it must not place a masked participant.
        participants = participants.filter(Participant.objects.identity_q(user), organization=organization)
    if level is not None:
        participants = participants.filter(level=level)
    if vetting_status == NOT_VETTED:
        participants = participants.filter(vetting_status__isnull=True)
    elif vetting_status:
        participants = participants.filter(vetting_status=vetting_status)
    return participants


def vetting_status_label(status, expires_at):
    """What staff may know of vetting: the latest case's status, and whether an approval has expired."""
    if not status:
        return _("Not vetted")
    label = VettingCase.Status(status).label
    if status in VettingCase.APPROVED_STATUSES and expires_at is not None and expires_at <= timezone.now():
        return _("%(status)s (expired)") % {"status": label}
    return label


def with_vetting_labels(participants):
    """The participants as a list, each with ``vetting_label`` (from ``with_vetting_status``)."""
    participants = list(participants)
    for participant in participants:
        participant.vetting_label = vetting_status_label(participant.vetting_status, participant.vetting_expires_at)
    return participants


def participant_get_for(user, pk):
    """One participant the user may see (404 for hidden and missing alike)."""
    return get_object_or_404(participants_for(user), pk=pk)


def participant_invitations_for(user, participant):
    """The participant's invitations the user may see; ``workshop_visible`` says whether the workshop's
    page opens to them (a participant sees their own invitation, not the workshop's page)."""
    # Through the reverse relation and the workshop rule of ``core.visibility``: participants come
    # before dialogues and do not import it.
    workshop_visible = Case(
        When(workshop_rule(user, prefix="workshop__"), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        participant.invitations.visible_to(user)
        .select_related("workshop", "party")
        .annotate(workshop_visible=workshop_visible)
        .order_by("-workshop__starts_at", "pk")
    )


def participant_vetting_cases_for(user, participant):
    """Vetting cases are CONFIDENTIAL and for admins only; everyone else gets none."""
    return VettingCase.objects.visible_to(user).filter(participant=participant).select_related("reviewer")


def participant_consents(participant):
    return ConsentRecord.objects.filter(participant=participant).order_by("kind", "-given_at")


def participant_active_consent_kinds(participant):
    return set(
        ConsentRecord.objects.filter(participant=participant, withdrawn_at__isnull=True).values_list("kind", flat=True)
    )


def _identity_visible_participants(user):
    return Participant.objects.visible_to(user).filter(Participant.objects.identity_q(user))


def organization_list_for(user, *, search="", kind="", country=""):
    """Organisations with the number of their participants whose affiliation the user may see."""
    counted = (
        _identity_visible_participants(user)
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(number=Count("pk"))
        .values("number")
    )
    organizations = Organization.objects.visible_to(user).annotate(
        participant_count=Coalesce(Subquery(counted), Value(0))
    )
    if search:
        organizations = organizations.filter(name__icontains=search)
    if kind:
        organizations = organizations.filter(kind=kind)
    if country:
        organizations = organizations.filter(country=country)
    return organizations.order_by(Lower("name"), "pk")


def organization_get_for(user, pk):
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


def organization_participants_for(user, organization):
    """Participants of an organisation, limited to those whose affiliation the user may see.

    Listing a masked participant under an organisation would disclose their affiliation.
    """
    return (
        _identity_visible_participants(user)
        .with_identity_for(user)
        .filter(organization=organization)
        .order_by(Lower("full_name"), "pk")
    )


# --- The vetting work (the admin's dashboard shows these) ----------------------------------------


def participants_awaiting_vetting(user):
    """Participants whose vetting is pending or in review: their number and the first of them."""
    people = (
        Participant.objects.visible_to(user)
        .with_identity_for(user)
        .with_vetting_status()
        .filter(vetting_status__in=[VettingCase.Status.PENDING, VettingCase.Status.IN_REVIEW])
    )
    queue = counted_list(people.order_by("pk"))
    labels = dict(VettingCase.Status.choices)
    for person in queue["items"]:
        person.vetting_status_label = labels.get(person.vetting_status, person.vetting_status)
    return queue


def vetting_approvals_expiring(user, days=30):
    """Participants whose approval runs out within ``days``, soonest first."""
    now = timezone.now()
    people = (
        Participant.objects.visible_to(user)
        .with_identity_for(user)
        .with_vetting_status()
        .filter(
            vetting_status__in=VettingCase.APPROVED_STATUSES,
            vetting_expires_at__gt=now,
            vetting_expires_at__lte=now + dt.timedelta(days=days),
        )
    )
    return counted_list(people.order_by("vetting_expires_at", "pk"))


def open_sanctions_hit_count(user):
    return SanctionsHit.objects.visible_to(user).filter(status=SanctionsHit.Status.OPEN).count()
