"""Reads and the who-may rules of outcome reports, shared by their services, pages and template tags.

- Who may see a report: ``OutcomeReport.objects.visible_to(user)``, always.
- Who may write one (start, edit, submit, amend): among those who may see it, the workshop's assigned
  facilitators and the initiative's team (``reports_writable_by``).
- Who may review one (approve, return): among those who may see it, the initiative's team members with
  the role *lead* (``reports_reviewable_by``).
- The public summary of an approved report is the one deliberate exception to the report's level: anyone
  who may see the workshop reads it on the workshop page (``approved_public_summaries``).
"""

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery

from core.levels import Role
from core.rule_queries import RuleQuery
from core.visibility import is_reader, seen_by

from .models import Assignment, OutcomeReport, OutcomeReportVersion

WRITER_ROLES_EXCLUDED = (Role.PARTICIPANT, Role.OBSERVER)


def _team_memberships():
    from dialogues.models import TeamMembership  # noqa: PLC0415 (facilitators builds on dialogues)

    return TeamMembership


def _writes_q(user, prefix):
    """``Q``: ``user`` facilitates the workshop (``prefix`` leads to it), or is on its initiative's team."""
    team = _team_memberships().objects.filter(initiative=OuterRef(f"{prefix}initiative"), user=user)
    assigned = Assignment.objects.filter(workshop=OuterRef(f"{prefix}id" if prefix else "pk"), facilitator__user=user)
    return Q(Exists(team)) | Q(Exists(assigned))


def may_write_at_all(user):
    return is_reader(user) and user.role not in WRITER_ROLES_EXCLUDED


def reports_writable_by(user):
    """The reports ``user`` may write: reports they may see, of a workshop they facilitate or whose team they are on."""
    if not may_write_at_all(user):
        return OutcomeReport.objects.none()
    return OutcomeReport.objects.visible_to(user).filter(_writes_q(user, "workshop__"))


def reports_reviewable_by(user):
    """The reports ``user`` may approve or return: reports they may see, of an initiative they lead."""
    if not may_write_at_all(user):
        return OutcomeReport.objects.none()
    TeamMembership = _team_memberships()
    leads = TeamMembership.objects.filter(
        initiative=OuterRef("workshop__initiative"), user=user, role=TeamMembership.Role.LEAD
    )
    return OutcomeReport.objects.visible_to(user).filter(Exists(leads))


def may_write_report(user, report):
    return report is not None and report.pk is not None and reports_writable_by(user).filter(pk=report.pk).exists()


def may_review_report(user, report):
    return report is not None and report.pk is not None and reports_reviewable_by(user).filter(pk=report.pk).exists()


def may_start_report(user, workshop):
    """Whether ``user`` may start a report of ``workshop`` (which they may see): its facilitators and team."""
    if not may_write_at_all(user):
        return False
    seen = seen_by(workshop, user)
    if seen is not None:  # read for them: they are cleared for it, and staff it exactly when on its team or assigned
        return seen.staffed
    from dialogues.models import Workshop  # noqa: PLC0415

    return Workshop.objects.visible_to(user).filter(pk=workshop.pk).filter(_writes_q(user, "")).exists()


def report_permissions(user, report):
    """Both answers for one report in one query: ``(may write, may review)``."""
    if not may_write_at_all(user) or report is None:
        return False, False
    TeamMembership = _team_memberships()
    leads = TeamMembership.objects.filter(
        initiative=OuterRef("workshop__initiative"), user=user, role=TeamMembership.Role.LEAD
    )
    row = (
        OutcomeReport.objects.visible_to(user)
        .filter(pk=report.pk)
        .annotate(
            may_write=ExpressionWrapper(_writes_q(user, "workshop__"), output_field=BooleanField()),
            may_review=Exists(leads),
        )
        .values_list("may_write", "may_review")
        .first()
    )
    return tuple(row) if row else (False, False)


def _reports_of_workshop(user, workshop):
    return (
        OutcomeReport.objects.visible_to(user)
        .filter(workshop=workshop)
        .select_related("session")
        .order_by(F("session__starts_at").asc(nulls_first=True), "session__pk")
    )


def _approved_reports_of_workshop(user, workshop):
    """Not ``visible_to(user)``: ``approved_public_summaries``. ``user`` is only the shape the query is kept for."""
    approved_text = OutcomeReportVersion.objects.filter(
        report=OuterRef("pk"), number=OuterRef("approved_version")
    ).values("content__public_summary")[:1]
    return (
        OutcomeReport.objects.filter(workshop=workshop, approved_version__isnull=False)
        .select_related("session")
        .annotate(approved_public_summary=Subquery(approved_text))
        .order_by(F("session__starts_at").asc(nulls_first=True), "session__pk")
        .only("pk", "status", "public_summary", "approved_version", "session__title", "session__starts_at")
    )


# Compiled once per shape of user (``core.rule_queries``); the stand-in is an id no workshop has.
_REPORTS_OF_WORKSHOP = RuleQuery(_reports_of_workshop, workshop=-736_400_001)
_APPROVED_REPORTS_OF_WORKSHOP = RuleQuery(_approved_reports_of_workshop, workshop=-736_400_002)


def reports_of_workshop(user, workshop):
    """The reports of ``workshop`` that ``user`` may see, the workshop's own first, then by session (a list)."""
    return list(_REPORTS_OF_WORKSHOP.for_user(user, workshop=workshop.pk))


def approved_public_summaries(workshop, *, viewer):
    """The public summaries of the approved reports of ``workshop``, as they were approved, for anyone who may
    see the workshop (``viewer``): ``[(report, text)]`` with a non-empty text.

    Deliberately not ``visible_to``: the public summary is written for anyone to read, and is released with
    the report's approval (the text of the approved version, even while an amendment is being written).
    The caller has checked that ``viewer`` may see ``workshop``; nothing else of the report is shown.
    """
    summaries = []
    for report in _APPROVED_REPORTS_OF_WORKSHOP.for_user(viewer, workshop=workshop.pk):
        text = report.approved_public_summary
        if text is None:  # no version kept of the approved text: the report itself, if it is still approved
            text = report.public_summary if report.status == OutcomeReport.Status.APPROVED else ""
        if text and text.strip():
            summaries.append((report, text))
    return summaries
