"""Reads of the facilitators app, each built on a model's one ``visible_to(user)``."""

import datetime as dt

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.pagination import counted_list
from core.rule_queries import RuleQuery
from core.visibility import assigned_workshop_ids
from dialogues.models import Invitation, Workshop
from dialogues.selectors import initiative_visible_flag

from .models import Assignment, Facilitator, OutcomeReport

_OUTCOME_REPORTS_IN_DRAFT_BY = RuleQuery(
    lambda user: (
        OutcomeReport.objects.visible_to(user)
        .filter(author=user, status=OutcomeReport.Status.DRAFT)
        .select_related("workshop", "session")
        .order_by("-updated_at", "-pk")
    )
)


def outcome_reports_in_draft_by(user):
    """The user's own outcome reports still in draft, most recently changed first."""
    return counted_list(_OUTCOME_REPORTS_IN_DRAFT_BY.for_user(user))


# --- The facilitator's workspace: the workshops they are assigned to --------------------------------------

# A workshop's report is late once it ended this long ago without a submitted or approved report.
REPORT_LATE_AFTER = dt.timedelta(hours=48)
REPORT_DONE = (OutcomeReport.Status.SUBMITTED, OutcomeReport.Status.APPROVED)


def facilitator_profile_of(user):
    """The user's facilitator profile, or ``None``."""
    return Facilitator.objects.visible_to(user).filter(user=user).first()


def _assigned_workshops(user, now):
    """The workshops the user may see and is assigned to, each with their role, the state of its outcome
    report (the workshop's own, not a session's: ``report_id``, ``report_status``, ``None`` without one),
    its number of session reports, whether attendance is still to be recorded (started, not cancelled,
    an accepted invitee not yet marked) and whether its report is late (``REPORT_LATE_AFTER``).
    Reports and invitations are those the user may see; each is a subquery of the one query."""
    reports = OutcomeReport.objects.visible_to(user).filter(workshop=OuterRef("pk"))
    workshop_report = reports.filter(session__isnull=True)
    session_reports = reports.filter(session__isnull=False).order_by().values("workshop").annotate(n=Count("pk"))
    role = Assignment.objects.filter(workshop=OuterRef("pk"), facilitator__user=user).values("role")[:1]
    unmarked = Invitation.objects.visible_to(user).filter(workshop=OuterRef("pk"), status=Invitation.Status.ACCEPTED)
    held = ~Q(status=Workshop.Status.CANCELLED)
    return (
        Workshop.objects.visible_to(user)
        .filter(pk__in=assigned_workshop_ids(user))
        .select_related("initiative")
        .annotate(
            my_role=Subquery(role),
            report_id=Subquery(workshop_report.values("pk")[:1]),
            report_status=Subquery(workshop_report.values("status")[:1]),
            session_report_count=Coalesce(Subquery(session_reports.values("n"), output_field=IntegerField()), 0),
            initiative_visible=initiative_visible_flag(user),
            attendance_due=ExpressionWrapper(
                held & Q(starts_at__lte=now) & Q(Exists(unmarked)), output_field=BooleanField()
            ),
            report_late=ExpressionWrapper(
                held
                & Q(ends_at__lt=now - REPORT_LATE_AFTER)
                & ~Q(Exists(workshop_report.filter(status__in=REPORT_DONE))),
                output_field=BooleanField(),
            ),
        )
    )


def assigned_workshops_of(user, *, now=None):
    """The facilitator's workshops in two lists, as querysets to page through: ``upcoming`` (not ended yet:
    in progress or to come, soonest first) and ``past`` (latest first); and ``late``, how many reports are
    late and how many workshops still need their attendance recorded, over all of them (one query)."""
    now = now or timezone.now()
    workshops = _assigned_workshops(user, now)
    late = workshops.order_by().aggregate(
        reports=Count("pk", filter=Q(report_late=True)), attendance=Count("pk", filter=Q(attendance_due=True))
    )
    return {
        "upcoming": workshops.filter(ends_at__gte=now).order_by("starts_at", "pk"),
        "past": workshops.filter(ends_at__lt=now).order_by("-starts_at", "-pk"),
        "late": late,
    }


def with_role_labels(workshops):
    """Each workshop of a page with ``my_role_label``: the user's role in it, in words."""
    for workshop in workshops:
        workshop.my_role_label = Assignment.Role(workshop.my_role).label if workshop.my_role else ""
        workshop.report_status_label = (
            OutcomeReport.Status(workshop.report_status).label if workshop.report_status else None
        )
    return workshops
