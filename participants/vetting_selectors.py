"""Reads of the vetting work (issue 16): the queue, a case with its history, and the weekly digest. Every
one starts from ``VettingCase.objects.visible_to(user)``: admins cleared for CONFIDENTIAL records, and
only the cases of participants they may see."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.levels import Level, RiskLevel
from core.visibility import identity_rule, initiative_rule, is_admin

from .models import Participant, SanctionsHit, VettingCase, VettingCaseEvent
from .selectors import participant_search_q
from .services import NOT_PROPOSING_INVITATION_STATUSES, VettingAction

# The queue's status filter: open cases unless another status is asked for.
OPEN = "open"
# The digest: approvals running out within this many days, and cases open for longer than this many.
DIGEST_EXPIRY_DAYS = 30
DIGEST_OPEN_DAYS = 14
# The most cases each list of a digest names (the rest are counted).
DIGEST_LIST_SIZE = 50


def vetting_can_work(user):
    """Whether the vetting pages open to the user at all: admins cleared for CONFIDENTIAL records (the rule
    of ``VettingCase.objects.visible_to``). Everyone else is answered 404, as for a page that does not exist."""
    return is_admin(user) and user.clearance >= Level.CONFIDENTIAL


def _invitations():
    """The invitation model's manager, through the reverse relation (participants come before dialogues)."""
    return Participant.invitations.rel.related_model._default_manager


def _proposing_invitations(user):
    """Invitations the user may see that propose their participant for a workshop (neither declined nor
    withdrawn)."""
    return _invitations().visible_to(user).exclude(status__in=NOT_PROPOSING_INVITATION_STATUSES)


def _cases_for(user):
    """The cases the user may see, with what a row of the queue or the case page shows: the participant
    (and whether their identity is visible to the user) and the number of their open sanctions hits."""
    open_hits = (
        SanctionsHit.objects.filter(participant=OuterRef("participant_id"), status=SanctionsHit.Status.OPEN)
        .order_by()
        .values("participant")
        .annotate(number=Count("pk"))
        .values("number")
    )
    return (
        VettingCase.objects.visible_to(user)
        .select_related("participant")
        .annotate(
            participant_identity_visible=Case(
                When(identity_rule(user, VettingCase, prefix="participant__"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            open_hit_count=Coalesce(Subquery(open_hits, output_field=IntegerField()), Value(0)),
        )
    )


def _with_identity(cases):
    """Each case's participant shown as the identity rule says (``Participant.display_name``)."""
    for case in cases:
        case.participant.identity_visible_to_viewer = case.participant_identity_visible
    return cases


@dataclass
class ProposedFor:
    """An initiative a participant is proposed for, as the viewer may know it: its codename, and whether
    its page opens to them."""

    pk: int
    codename: str
    visible: bool


def proposed_initiatives(user, participant_ids):
    """``{participant id: [ProposedFor]}``: the initiatives of the workshops each participant is invited to
    (neither declined nor withdrawn), of the invitations the user may see. One query."""
    rows = (
        _proposing_invitations(user)
        .filter(participant_id__in=list(participant_ids))
        .annotate(
            initiative_visible=Case(
                When(initiative_rule(user, prefix="workshop__initiative__"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("participant_id", "workshop__initiative__codename", "workshop__initiative_id")
        .values_list(
            "participant_id", "workshop__initiative_id", "workshop__initiative__codename", "initiative_visible"
        )
        .distinct()
    )
    found = {}
    for participant_id, pk, codename, visible in rows:
        initiatives = found.setdefault(participant_id, [])
        if not any(initiative.pk == pk for initiative in initiatives):
            initiatives.append(ProposedFor(pk, codename, visible))
    return found


def vetting_queue_for(user, *, status=OPEN, initiative=None, search=""):
    """The queue: cases of ``status`` (``OPEN``: pending, in review or awaiting confirmation), oldest first;
    ``initiative``: of people proposed for it (by an invitation the user may see); ``search``: in the
    participants' names or codenames, never matching a name the user may not see (``participant_search_q``)."""
    cases = _cases_for(user)
    cases = cases.filter(status__in=VettingCase.OPEN) if status in (OPEN, "") else cases.filter(status=status)
    if initiative is not None:
        proposed = _proposing_invitations(user).filter(
            participant=OuterRef("participant_id"), workshop__initiative=initiative
        )
        cases = cases.filter(Exists(proposed))
    if search:
        found = Participant.objects.visible_to(user).filter(participant_search_q(user, search)).order_by()
        cases = cases.filter(participant__in=found.values("pk"))
    return cases.order_by("created_at", "pk")


def vetting_queue_rows(user, cases, *, now=None):
    """A page of the queue, each case with its participant shown by the identity rule, its age in days and
    the initiatives the participant is proposed for (``proposed``). One query for the page's initiatives."""
    now = now or timezone.now()
    cases = _with_identity(list(cases))
    initiatives = proposed_initiatives(user, {case.participant_id for case in cases})
    for case in cases:
        case.age_days = (now - case.created_at).days
        case.proposed = initiatives.get(case.participant_id, [])
    return cases


def vetting_case_get_for(user, pk):
    """One case the user may see (404 for hidden and missing alike), with whom it names."""
    cases = _cases_for(user).select_related(
        "participant__organization", "reviewer", "checks_recorded_by", "proposed_by", "confirmed_by"
    )
    case = get_object_or_404(cases, pk=pk)
    _with_identity([case])
    return case


def vetting_case_open_for(participant):
    """The participant's open case, if any (the one to work on instead of opening another)."""
    return VettingCase.objects.filter(participant=participant, status__in=VettingCase.OPEN).order_by("-pk").first()


# --- The case's history ----------------------------------------------------------------------------

ACTION_LABELS = {
    VettingAction.OPENED: _("Case opened"),
    VettingAction.CHECKS_RECORDED: _("Checks and assessment recorded"),
    VettingAction.PROPOSED: _("Approval proposed, awaiting a second admin"),
    VettingAction.DECIDED: _("Decided"),
    VettingAction.CONFIRMED: _("Approval confirmed by a second admin"),
    VettingAction.RETURNED: _("Approval sent back to review"),
    # Sanctions hits (participants.sanctions, participants.screening).
    "sanctions_hit_cleared": _("Sanctions hit cleared"),
    "sanctions_hit_confirmed": _("Sanctions hit confirmed"),
    "sanctions_hit_carried_over": _("Sanctions hit: the earlier decision carried over to a new list version"),
}
# A carried-over sanctions hit's details, shown as recorded (``participants.screening``).
HIT_DETAILS = {
    "hit": _("sanctions hit"),
    "entry": _("list entry"),
    "decision": _("decision"),
    "carried_from": _("carried over from"),
}
_USER_FIELDS = {"reviewer", "checks_recorded_by", "proposed_by", "confirmed_by"}
_DATE_FIELDS = {"decided_at", "expires_at", "confirmed_at"}


@dataclass
class HistoryChange:
    label: str
    before: object = None
    after: object = None
    text: str = ""  # instead of before/after: the notes ("changed") or a reason given


@dataclass
class HistoryEntry:
    at: dt.datetime
    actor: object
    action: str
    changes: list = field(default_factory=list)


def _shown(name, value, users):
    """A value of the history as the page shows it: a status or risk by its label, an account by its name."""
    if value is None or value == "":
        return "—"
    if name in ("status", "proposed_status") and value in VettingCase.Status.values:
        return VettingCase.Status(value).label
    if name == "risk_assessment" and value in RiskLevel.values:
        return RiskLevel(value).label
    if name in _USER_FIELDS:
        return users.get(value, "—")
    if name in _DATE_FIELDS:
        try:
            return dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def vetting_case_history(events):
    """The case's history entries (``events``: a page of ``VettingCaseEvent``, with their actors), each change
    labelled as the page shows it: the accounts they name read in one query."""
    events = list(events)
    user_ids = {
        value
        for event in events
        for name, pair in event.changes.items()
        if name in _USER_FIELDS and isinstance(pair, list)
        for value in pair
        if value
    }
    accounts = get_user_model()._default_manager.filter(pk__in=user_ids) if user_ids else []
    users = {account.pk: str(account) for account in accounts}
    entries = []
    for event in events:
        entry = HistoryEntry(at=event.at, actor=event.actor, action=ACTION_LABELS.get(event.action, event.action))
        for name, change in event.changes.items():
            if name == "why":
                entry.changes.append(HistoryChange(label=_("why"), text=change))
                continue
            if name in HIT_DETAILS and event.action == "sanctions_hit_carried_over":
                if name == "decision" and change in SanctionsHit.Status.values:
                    change = SanctionsHit.Status(change).label
                entry.changes.append(HistoryChange(label=HIT_DETAILS[name], text=change))
                continue
            try:
                label = VettingCase._meta.get_field(name).verbose_name
            except FieldDoesNotExist:  # a field since removed: its name
                label = name
            if isinstance(change, list) and len(change) == 2:
                entry.changes.append(
                    HistoryChange(
                        label=label, before=_shown(name, change[0], users), after=_shown(name, change[1], users)
                    )
                )
            else:
                entry.changes.append(
                    HistoryChange(label=label, text=_("changed (the text is not kept in the history)"))
                )
        entries.append(entry)
    return entries


def vetting_case_events(case):
    return VettingCaseEvent.objects.filter(case=case).select_related("actor").order_by("-at", "-pk")


# --- The weekly digest -------------------------------------------------------------------------------


@dataclass
class VettingDigest:
    """What an admin's weekly digest says: approvals expiring soon (``expiring``) and cases open too long
    (``waiting``), each a list of cases (at most ``DIGEST_LIST_SIZE``) and how many there are in all."""

    expiring: list
    expiring_count: int
    waiting: list
    waiting_count: int

    def anchor(self):
        """The case the outbox message is about (who may see it may see the message's row); ``None`` when
        the digest is empty and nothing is sent."""
        cases = [*self.expiring, *self.waiting]
        return cases[0] if cases else None

    @property
    def empty(self):
        return not self.expiring_count and not self.waiting_count


def vetting_digest_for(user, *, now=None):
    """The digest of ``user``'s cases (``VettingCase.objects.visible_to(user)``): approvals that are their
    participant's latest case and run out within ``DIGEST_EXPIRY_DAYS``, soonest first; open cases opened
    more than ``DIGEST_OPEN_DAYS`` ago, oldest first."""
    now = now or timezone.now()
    later = VettingCase.objects.filter(participant=OuterRef("participant_id")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    cases = _cases_for(user)
    expiring = (
        cases.filter(
            status__in=VettingCase.APPROVED_STATUSES,
            expires_at__gt=now,
            expires_at__lte=now + dt.timedelta(days=DIGEST_EXPIRY_DAYS),
        )
        .exclude(Exists(later))
        .order_by("expires_at", "pk")
    )
    waiting = cases.filter(
        status__in=VettingCase.OPEN, created_at__lt=now - dt.timedelta(days=DIGEST_OPEN_DAYS)
    ).order_by("created_at", "pk")
    expiring_rows = _with_identity(list(expiring[:DIGEST_LIST_SIZE]))
    waiting_rows = _with_identity(list(waiting[:DIGEST_LIST_SIZE]))
    for case in waiting_rows:
        case.age_days = (now - case.created_at).days
    return VettingDigest(
        expiring=expiring_rows,
        expiring_count=len(expiring_rows) if len(expiring_rows) < DIGEST_LIST_SIZE else expiring.count(),
        waiting=waiting_rows,
        waiting_count=len(waiting_rows) if len(waiting_rows) < DIGEST_LIST_SIZE else waiting.count(),
    )
