"""State changes of the facilitators app: facilitators and their assignments, outcome reports with their
versions, action items and Track I briefings. Keyword-only, one transaction each; every record is
validated by its model (``full_clean``) before it is saved.

An outcome report is created here with its first version; changing one (a new version each time, and
its submission and approval) belongs to the outcome reports' own pages, still to come.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.db import clash_refused, record_saved

from .models import ActionItem, Assignment, Facilitator, OutcomeReport, OutcomeReportVersion, TrackOneBriefing

# The text of a report, as each version keeps it.
REPORT_TEXT_FIELDS = ("summary", "convergence", "divergence", "options", "next_steps")


@transaction.atomic
def facilitator_create(*, user, **fields):
    """Make ``user`` a facilitator (``fields``: languages, expertise)."""
    return record_saved(Facilitator(user=user), fields)


@transaction.atomic
def assignment_create(*, workshop, facilitator, role=Assignment.Role.LEAD):
    """Assign a facilitator to a workshop, once."""
    return record_saved(Assignment(workshop=workshop, facilitator=facilitator), {"role": role})


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
    return record_saved(ActionItem(report=report, title=title), fields)


@transaction.atomic
def track_one_briefing_create(*, report, briefed_by, **fields):
    """Record that ``briefed_by`` took the outcome of ``report`` to official diplomacy (``fields``:
    recipient, briefing level, date, what was shared)."""
    return record_saved(TrackOneBriefing(report=report, briefed_by=briefed_by), fields)


@transaction.atomic
def facilitator_update(*, facilitator, **changes):
    return record_saved(facilitator, changes)


@transaction.atomic
def facilitator_delete(*, facilitator):
    """Take a facilitator's profile away (the account stays); one with assignments is kept."""
    with clash_refused(_("This facilitator has assignments: the profile cannot be deleted.")):
        facilitator.delete()


@transaction.atomic
def assignment_update(*, assignment, **changes):
    """Change an assignment (the role, or who facilitates which workshop), once per workshop and facilitator."""
    return record_saved(assignment, changes)


@transaction.atomic
def assignment_delete(*, assignment):
    assignment.delete()


@transaction.atomic
def action_item_update(*, item, **changes):
    return record_saved(item, changes)


@transaction.atomic
def action_item_delete(*, item):
    item.delete()


@transaction.atomic
def track_one_briefing_update(*, briefing, **changes):
    """Correct the record of a briefing; it is never deleted (the record of what went to official diplomacy)."""
    return record_saved(briefing, changes)
