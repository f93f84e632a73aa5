"""State changes of the facilitators app: facilitators and their assignments, outcome reports with their
versions, action items and Track I briefings. Keyword-only, one transaction each; every record is
validated by its model (``full_clean``) before it is saved.
"""

from django.db import transaction

from core.db import clash_refused

from .models import ActionItem, Assignment, Facilitator, OutcomeReport, OutcomeReportVersion, TrackOneBriefing

# The text of a report, as each version keeps it.
REPORT_TEXT_FIELDS = ("summary", "convergence", "divergence", "options", "next_steps")


@transaction.atomic
def facilitator_create(*, user, **fields):
    """Make ``user`` a facilitator (``fields``: languages, expertise)."""
    facilitator = Facilitator(user=user, **fields)
    facilitator.full_clean()
    with clash_refused():
        facilitator.save()
    return facilitator


@transaction.atomic
def assignment_create(*, workshop, facilitator, role=Assignment.Role.LEAD):
    """Assign a facilitator to a workshop, once."""
    assignment = Assignment(workshop=workshop, facilitator=facilitator, role=role)
    assignment.full_clean()
    with clash_refused():
        assignment.save()
    return assignment


@transaction.atomic
def outcome_report_create(*, workshop, author, **fields):
    """An outcome report of ``workshop`` written by ``author``, as it stands (``fields``: its text, status,
    level, submission and approval); its text is kept as version 1."""
    report = OutcomeReport(workshop=workshop, author=author, **fields)
    report.full_clean()
    report.save()
    OutcomeReportVersion.objects.create(
        report=report,
        number=report.version,
        content={name: getattr(report, name) for name in REPORT_TEXT_FIELDS},
        saved_by=author,
    )
    return report


@transaction.atomic
def action_item_create(*, report, title, **fields):
    """An action agreed in ``report`` (``fields``: owner, due date, status, completion)."""
    item = ActionItem(report=report, title=title, **fields)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def track_one_briefing_create(*, report, briefed_by, **fields):
    """Record that ``briefed_by`` took the outcome of ``report`` to official diplomacy (``fields``:
    recipient, briefing level, date, what was shared)."""
    briefing = TrackOneBriefing(report=report, briefed_by=briefed_by, **fields)
    briefing.full_clean()
    briefing.save()
    return briefing
