"""The follow-up reminders: which are due, and whether each is still due when its turn to be sent comes.

- To the owner of an open action item: ``PARLEY_ACTION_REMINDER_DAYS`` before it is due (once), on the due
  date, and once a week (an ISO week) while it is overdue; keyed by the due date, so that a new due date
  reminds again.
- To each facilitator assigned to a workshop that ended more than 48 hours ago without a submitted report:
  then once a week.
- To each lead of the initiative (``TeamMembership.Role.LEAD``) when a submitted report has waited more
  than five days for approval: once per submission.

Each message is written with a unique key (``core.outbox``), so that running this twice writes it once, and
is checked again when composed (``still_due``): done meanwhile, moved, no longer the recipient's to see.
A recipient is told only of what they may see: a workshop or report hidden from them is never in a reminder.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core import outbox
from dialogues.models import Invitation, TeamMembership, Workshop

from .models import ActionItem, Assignment, OutcomeReport

ACTION_DUE_SOON = "action_item_due_soon"
ACTION_DUE_TODAY = "action_item_due_today"
ACTION_OVERDUE = "action_item_overdue"
ACTION_KINDS = (ACTION_DUE_SOON, ACTION_DUE_TODAY, ACTION_OVERDUE)
REPORT_LATE = "report_late"
REPORT_AWAITING_APPROVAL = "report_awaiting_approval"

REPORT_DUE_AFTER = dt.timedelta(hours=48)
APPROVAL_DUE_AFTER = dt.timedelta(days=5)
WEEK = dt.timedelta(days=7)
OPEN = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)
# A participant who owns an action is told of it while they are one who took part in the workshop.
OWNER_INVITATIONS = (Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED)


def today_of(now):
    return timezone.localdate(now)


def iso_week(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def action_kind_on(due_on, today):
    """Which reminder an open item due on ``due_on`` has due ``today`` (or ``None``)."""
    if due_on is None:
        return None
    if due_on < today:
        return ACTION_OVERDUE
    if due_on == today:
        return ACTION_DUE_TODAY
    if due_on <= today + dt.timedelta(days=settings.PARLEY_ACTION_REMINDER_DAYS):
        return ACTION_DUE_SOON
    return None


def action_message(item, today):
    kind = action_kind_on(item.due_on, today)
    if kind is None:
        return None
    data = {"due_on": item.due_on.isoformat()}
    key = f"{kind}:{item.pk}:{item.due_on.isoformat()}"
    if kind == ACTION_OVERDUE:
        data["week"] = iso_week(today)
        key += f":{data['week']}"
    return outbox.Message(kind=kind, key=key, record=item, data=data)


def unsubmitted_q():
    """Workshops without a submitted report of the whole workshop (submitted, approved, or approved once
    and being amended)."""
    submitted = OutcomeReport.objects.filter(workshop=OuterRef("pk"), session__isnull=True).filter(
        Q(status__in=(OutcomeReport.Status.SUBMITTED, OutcomeReport.Status.APPROVED))
        | Q(approved_version__isnull=False)
    )
    return ~Q(Exists(submitted))


def report_late_number(workshop, now):
    """0 for the first reminder (48 hours after the end), then 1, 2 … a week apart; ``None`` before."""
    waited = now - (workshop.ends_at + REPORT_DUE_AFTER)
    if waited < dt.timedelta(0):
        return None
    return waited // WEEK


def follow_up_reminders_enqueue(*, now=None):
    now = now or timezone.now()
    today = today_of(now)
    messages = []
    horizon = today + dt.timedelta(days=settings.PARLEY_ACTION_REMINDER_DAYS)
    items = (
        ActionItem.objects.filter(status__in=OPEN, due_on__lte=horizon)
        .filter(Q(owner__isnull=False) | Q(owner_participant__isnull=False))
        .only("pk", "due_on")
    )
    for item in items.iterator(chunk_size=1000):
        message = action_message(item, today)
        if message is not None:
            messages.append(message)

    late = Workshop.objects.filter(ends_at__lte=now - REPORT_DUE_AFTER).exclude(status=Workshop.Status.CANCELLED)
    assignments = Assignment.objects.filter(workshop__in=late.filter(unsubmitted_q())).select_related(
        "workshop", "facilitator"
    )
    for assignment in assignments.iterator(chunk_size=1000):
        workshop, user_id = assignment.workshop, assignment.facilitator.user_id
        number = report_late_number(workshop, now)
        data = {"user": user_id, "number": number}
        key = f"{REPORT_LATE}:{workshop.pk}:{user_id}:{number}"
        messages.append(outbox.Message(kind=REPORT_LATE, key=key, record=workshop, data=data))

    waiting = OutcomeReport.objects.filter(
        status=OutcomeReport.Status.SUBMITTED, submitted_at__lte=now - APPROVAL_DUE_AFTER
    ).select_related("workshop")
    for report in waiting.iterator(chunk_size=1000):
        leads = TeamMembership.objects.filter(
            initiative_id=report.workshop.initiative_id, role=TeamMembership.Role.LEAD, user__is_active=True
        ).values_list("user_id", flat=True)
        submitted = report.submitted_at.isoformat()
        for user_id in leads:
            key = f"{REPORT_AWAITING_APPROVAL}:{report.pk}:{user_id}:{int(report.submitted_at.timestamp())}"
            data = {"user": user_id, "submitted_at": submitted}
            messages.append(outbox.Message(kind=REPORT_AWAITING_APPROVAL, key=key, record=report, data=data))
    return len(outbox.enqueue_many(messages))


# --- Still due? (asked again when each message is composed) ------------------------------------------------


def user_of(data):
    user_id = data.get("user")
    if type(user_id) is not int:
        return None
    return get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()


def action_item_still_due(kind, item, data, *, now=None):
    """Whether a reminder about ``item`` is still to be sent: the item is open, still due on the date the
    reminder was for, the reminder is still the one due today, and its owner may still see it (a participant
    owner without an account: still one who took part in the workshop) and has an address."""
    today = today_of(now or timezone.now())
    if item.status not in OPEN or item.due_on is None or data.get("due_on") != item.due_on.isoformat():
        return False
    if action_kind_on(item.due_on, today) != kind:
        return False
    if kind == ACTION_OVERDUE and data.get("week") != iso_week(today):
        return False  # a later week's reminder takes its place
    return owner_may_be_told(item)


def owner_may_be_told(item):
    if item.owner_id is not None:
        owner = item.owner
        return bool(
            owner.is_active and owner.email and ActionItem.objects.visible_to(owner).filter(pk=item.pk).exists()
        )
    participant = item.owner_participant
    if participant is None or not participant.email:
        return False
    if participant.user_id is not None:
        return ActionItem.objects.visible_to(participant.user).filter(pk=item.pk).exists()
    workshop = item.report.workshop
    return (
        workshop.status != Workshop.Status.CANCELLED
        and Invitation.objects.filter(workshop=workshop, participant=participant, status__in=OWNER_INVITATIONS).exists()
    )


def report_late_still_due(workshop, user, *, now=None):
    """The workshop ended more than 48 hours ago, was not cancelled, still has no submitted report; ``user``
    still facilitates it, may see it and has an address."""
    now = now or timezone.now()
    if user is None or not user.email or workshop.status == Workshop.Status.CANCELLED:
        return False
    if workshop.ends_at + REPORT_DUE_AFTER > now:
        return False
    if not Workshop.objects.filter(pk=workshop.pk).filter(unsubmitted_q()).exists():
        return False
    if not Assignment.objects.filter(workshop=workshop, facilitator__user=user).exists():
        return False
    return Workshop.objects.visible_to(user).filter(pk=workshop.pk).exists()


def approval_still_due(report, user, data):
    """The report is still submitted (the same submission) and ``user`` is still a lead of its initiative,
    may see it and has an address."""
    if user is None or not user.email or report.status != OutcomeReport.Status.SUBMITTED:
        return False
    if report.submitted_at is None or data.get("submitted_at") != report.submitted_at.isoformat():
        return False
    lead = TeamMembership.objects.filter(
        initiative_id=report.workshop.initiative_id, user=user, role=TeamMembership.Role.LEAD
    )
    return lead.exists() and OutcomeReport.objects.visible_to(user).filter(pk=report.pk).exists()
