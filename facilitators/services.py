"""State changes of the facilitators app: facilitators and their assignments, outcome reports with their
versions, action items and Track I briefings. Keyword-only, one transaction each; every record is
validated by its model (``full_clean``) before it is saved.

An outcome report is started here with its first version, and each change is a new version; its workflow
(submission, review, amendment) is described at "Outcome reports" below.
"""

import datetime as dt
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.db import clash_refused, record_saved
from core.levels import Level, Role
from core.visibility import assigned_q, is_reader, team_q
from dialogues.models import TeamMembership

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
    _report_level_checked(report, None)
    report.full_clean()
    with clash_refused(_report_taken_message(report.session)):
        report.save()
    _report_version_kept(report, author)
    _report_event(report, "created", author)
    return report


# --- Outcome reports ---------------------------------------------------------------------------------
#
# draft → submitted → approved, or submitted → returned (with comments) → submitted again; an approved
# report is locked, and amending it starts a new draft version that is approved again (the approved
# version stays readable). Each save is a new version (``OutcomeReportVersion``) and each step an
# ``OutcomeReportEvent``. Saves are optimistic: the page sends the version it was opened at, and a
# conditional UPDATE on that version refuses a save when someone else saved in between.
#
# Who: the workshop's assigned facilitators and the initiative's team write (start, save, submit, amend);
# the initiative's team members with the role *lead* review (approve, return). See ``outcome_reports``.

# What each version keeps: the text, the public summary and the level.
REPORT_VERSION_FIELDS = (*REPORT_TEXT_FIELDS, "public_summary", "level")

REPORT_CHANGED_MEANWHILE = _(
    "Someone else saved this report since you opened it (it is now at version %(version)s). Nothing was "
    "saved: copy your changes, reopen the report and apply them to the latest version."
)
REPORT_NOT_WRITER = _("Only the workshop's facilitators and the initiative's team may write its outcome report.")
REPORT_NOT_REVIEWER = _("Only a lead of the initiative's team may approve or return an outcome report.")


def _report_content(report):
    return {name: getattr(report, name) for name in REPORT_VERSION_FIELDS}


def _report_level_checked(report, by):
    """The report's level: never below its workshop's (nor its initiative's), nor above the writer's clearance.

    The model cannot hold this as a database check: the floor is the level of other rows (the workshop's and
    its initiative's), and a CHECK constraint sees one row only. ``effective_level`` takes the maximum, so
    that the visibility rule and every page treat a report as at least as secret as its workshop anyway.
    """
    floor = report.workshop.effective_level
    if report.level is None:
        report.level = floor
    if report.level < floor:
        raise ValidationError(
            {
                "level": _("A report's level may be raised, never lowered below its workshop's (%(level)s).")
                % {"level": Level(floor).label}
            },
            code="level_below_workshop",
        )
    if by is not None and report.level > by.clearance:
        raise ValidationError(
            {"level": _("You may not give a report a level above your own clearance.")}, code="level_above_clearance"
        )


def _report_event(report, action, by, **fields):
    from .models import OutcomeReportEvent  # noqa: PLC0415

    return OutcomeReportEvent.objects.create(report=report, action=action, version=report.version, by=by, **fields)


def _report_version_kept(report, by):
    return OutcomeReportVersion.objects.create(
        report=report, number=report.version, content=_report_content(report), saved_by=by
    )


def _report_writer_checked(report, by):
    from .outcome_reports import may_write_report  # noqa: PLC0415

    if not may_write_report(by, report):
        raise ValidationError(REPORT_NOT_WRITER, code="not_writer")


def _report_reviewer_checked(report, by):
    from .outcome_reports import may_review_report  # noqa: PLC0415

    if not may_review_report(by, report):
        raise ValidationError(REPORT_NOT_REVIEWER, code="not_reviewer")


def _report_moved(report, *, expected_version=None, statuses, **changes):
    """Change ``report``'s row only if it is still in one of ``statuses`` (and at ``expected_version``): a
    conditional UPDATE, so that of two people acting on the same version only the first gets through. The
    refusal says what happened in between. ``report`` is refreshed from the database either way."""
    rows = OutcomeReport.objects.filter(pk=report.pk, status__in=statuses)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    moved = rows.update(updated_at=timezone.now(), **changes)
    report.refresh_from_db()
    if moved != 1:
        raise _report_refusal(report, expected_version=expected_version, statuses=statuses)
    return report


def _report_refusal(report, *, expected_version, statuses):
    if expected_version is not None and report.version != expected_version:
        return ValidationError(REPORT_CHANGED_MEANWHILE, code="stale", params={"version": report.version})
    if report.status == OutcomeReport.Status.APPROVED:
        message = _("This report is approved and locked: start an amendment to change it.")
    elif report.status == OutcomeReport.Status.SUBMITTED and OutcomeReport.Status.SUBMITTED not in statuses:
        message = _("This report is submitted and waits for review: it can be changed once it is returned.")
    else:
        message = _("This report is %(status)s: that step is not open to it now.") % {
            "status": report.get_status_display().lower()
        }
    return ValidationError(message, code="wrong_status")


@transaction.atomic
def outcome_report_start(*, workshop, by, session=None, level=None):
    """Start the outcome report of ``workshop`` (or of one of its agenda ``session``s), written by ``by``: a
    draft at version 1, at the workshop's level unless raised. One report per workshop and one per session."""
    from .outcome_reports import may_start_report  # noqa: PLC0415

    if not may_start_report(by, workshop):
        raise ValidationError(REPORT_NOT_WRITER, code="not_writer")
    if session is not None and session.workshop_id != workshop.pk:
        raise ValidationError({"session": _("Choose a session of this workshop's agenda.")}, code="other_session")
    report = OutcomeReport(workshop=workshop, session=session, author=by, level=level)
    _report_level_checked(report, by)
    taken = OutcomeReport.objects.filter(workshop=workshop, session=session)
    if taken.exists():
        raise ValidationError(_report_taken_message(session), code="taken")
    report.full_clean(validate_constraints=False)
    with clash_refused(_report_taken_message(session)):
        report.save()
    _report_version_kept(report, by)
    _report_event(report, "created", by)
    return report


def _report_taken_message(session):
    if session is None:
        return _("This workshop has an outcome report already: open it instead.")
    return _("This session has an outcome report already: open it instead.")


@transaction.atomic
def outcome_report_save(*, report, by, expected_version, **changes):
    """Save new text (and level) of ``report``, which ``by`` opened at ``expected_version``: a new version.

    ``changes``: any of the five sections, ``public_summary`` and ``level``. Refused if someone else saved
    since (never a silent overwrite), and unless the report is a draft or returned. Nothing changed: no new
    version."""
    unknown = set(changes) - set(REPORT_VERSION_FIELDS)
    if unknown:
        raise TypeError(f"outcome_report_save() got unexpected fields: {', '.join(sorted(unknown))}")
    _report_writer_checked(report, by)
    if report.version != expected_version:
        raise ValidationError(REPORT_CHANGED_MEANWHILE, code="stale", params={"version": report.version})
    if report.status not in OutcomeReport.EDITABLE:
        raise _report_refusal(report, expected_version=None, statuses=OutcomeReport.EDITABLE)
    changes = {name: value for name, value in changes.items() if getattr(report, name) != value}
    if not changes:
        return report
    candidate = OutcomeReport(**{f.attname: getattr(report, f.attname) for f in report._meta.concrete_fields})
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.workshop = report.workshop
    _report_level_checked(candidate, by)
    candidate.full_clean(validate_constraints=False, validate_unique=False)
    changes = {name: getattr(candidate, name) for name in changes}  # as cleaned
    _report_moved(
        report,
        expected_version=expected_version,
        statuses=OutcomeReport.EDITABLE,
        version=expected_version + 1,
        **changes,
    )
    _report_version_kept(report, by)
    _report_event(report, "saved", by)
    return report


def outcome_report_attributions(*, report, user):
    """The non-attribution check of ``report``'s text as ``user`` may see it: the hits of the names,
    codenames and organisations of the workshop's invitees that ``user`` may see (never another)."""
    from .attribution import attribution_terms, find_attributions  # noqa: PLC0415

    texts = {name: getattr(report, name) for name in (*REPORT_TEXT_FIELDS, "public_summary")}
    return find_attributions(texts, attribution_terms(user, report.workshop))


@transaction.atomic
def outcome_report_submit(*, report, by, expected_version, confirmed=()):
    """Submit ``report`` (as ``by`` read it, at ``expected_version``) for review by the initiative's lead.

    The non-attribution check runs on the text: each hit must be in ``confirmed`` (the hits' keys) as an
    attribution intended, otherwise nothing is submitted; the confirmations are recorded with the step."""
    _report_writer_checked(report, by)
    if report.version != expected_version:
        raise ValidationError(REPORT_CHANGED_MEANWHILE, code="stale", params={"version": report.version})
    if report.status not in OutcomeReport.EDITABLE:
        raise _report_refusal(report, expected_version=None, statuses=OutcomeReport.EDITABLE)
    if not report.summary.strip():
        raise ValidationError({"summary": _("Write the summary before submitting the report.")}, code="no_summary")
    hits = outcome_report_attributions(report=report, user=by)
    confirmed = {str(key) for key in confirmed}
    unconfirmed = [hit for hit in hits if str(hit.key) not in confirmed]
    if unconfirmed:
        raise ValidationError(
            ngettext(
                "The text names an invitee, an organisation or a codename without your confirmation. "
                "Rephrase it, or tick it as an attribution intended.",
                "The text names %(count)s invitees, organisations or codenames without your confirmation. "
                "Rephrase each one, or tick it as an attribution intended.",
                len(unconfirmed),
            ),
            code="attributions",
            params={"count": len(unconfirmed)},
        )
    _report_moved(
        report,
        expected_version=expected_version,
        statuses=OutcomeReport.EDITABLE,
        status=OutcomeReport.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    recorded = [
        {"key": str(hit.key), "field": hit.field, "term": hit.term, "excerpt": f"{hit.before}{hit.match}{hit.after}"}
        for hit in hits
    ]
    _report_event(report, "submitted", by, attributions_confirmed=recorded)
    return report


@transaction.atomic
def outcome_report_return(*, report, by, comment):
    """Return a submitted ``report`` to its writers with ``comment`` (required): a lead of the initiative."""
    _report_reviewer_checked(report, by)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should change: a report is returned with comments.")})
    _report_moved(
        report, statuses=(OutcomeReport.Status.SUBMITTED,), status=OutcomeReport.Status.RETURNED, review_comment=comment
    )
    _report_event(report, "returned", by, comment=comment)
    return report


@transaction.atomic
def outcome_report_approve(*, report, by):
    """Approve a submitted ``report``: a lead of the initiative. Its current version is locked as approved,
    and its public summary is released on the workshop page."""
    _report_reviewer_checked(report, by)
    _report_moved(
        report,
        statuses=(OutcomeReport.Status.SUBMITTED,),
        status=OutcomeReport.Status.APPROVED,
        approved_by=by,
        approved_at=timezone.now(),
        approved_version=F("version"),
        review_comment="",
    )
    if not report.versions.filter(number=report.version).exists():
        _report_version_kept(report, by)  # a report made before versions were kept: its approved text, kept now
    _report_event(report, "approved", by)
    return report


@transaction.atomic
def outcome_report_amend(*, report, by):
    """Start amending an approved ``report``: a new draft version, to be approved again. The approved version
    stays readable (and its public summary stays on the workshop page) until a new one is approved."""
    _report_writer_checked(report, by)
    _report_moved(
        report,
        statuses=(OutcomeReport.Status.APPROVED,),
        status=OutcomeReport.Status.DRAFT,
        version=F("version") + 1,
    )
    _report_version_kept(report, by)
    _report_event(report, "amended", by)
    return report


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


# --- Action items ----------------------------------------------------------------------------------------
#
# An action agreed in a report, with one owner: a member of the initiative's team (or a facilitator
# assigned to the workshop), cleared for the report's level, or a participant who took part in the
# workshop (``ActionItem.owner`` or ``owner_participant``, never both). The workshop's assigned
# facilitators and the initiative's team add and change them (``by``; ``None`` for the system: the demo,
# imports); the owner marks their own done, a participant owner by the signed link of their reminders.

# Invitations that make a participant one who may own an action of the workshop: they were (to be) there.
ACTION_OWNER_INVITATIONS = ("accepted", "attended")
# A due date further ahead than this is a typing error, not a plan.
ACTION_DUE_LONGEST = dt.timedelta(days=5 * 366)


def action_item_may_manage(*, user, report):
    """Whether ``user`` may add and change the action items of ``report``: they may see it and are an assigned
    facilitator of its workshop or on its initiative's team."""
    from .action_items import may_manage_action_items

    return may_manage_action_items(user, report)


def action_item_may_complete(*, user, item):
    """Whether ``user`` may mark ``item`` done: its owner (a user, or the account of the participant owner)
    while they may see it, or one who may manage the report's items."""
    if not is_reader(user):
        return False
    owns = item.owner_id == user.pk or (
        item.owner_participant_id is not None and item.owner_participant.user_id == user.pk
    )
    if owns and ActionItem.objects.visible_to(user).filter(pk=item.pk).exists():
        return True
    return action_item_may_manage(user=user, report=item.report)


def _action_item_owner_checked(item):
    from dialogues.models import Invitation

    workshop = item.report.workshop
    if item.owner_id is not None and item.owner_participant_id is not None:
        raise ValidationError(_("An action has one owner: a team member or a participant, not both."))
    if item.owner_id is not None:
        on_team = TeamMembership.objects.filter(initiative_id=workshop.initiative_id, user_id=item.owner_id)
        assigned = Assignment.objects.filter(workshop_id=workshop.pk, facilitator__user_id=item.owner_id)
        if not (on_team.exists() or assigned.exists()):
            raise ValidationError(
                {"owner": _("The owner must be on the initiative's team or facilitate the workshop.")}
            )
        owner = item.owner
        if not owner.is_active or owner.clearance < item.report.effective_level:
            raise ValidationError(
                {"owner": _("The owner must have an active account cleared for the level of this report.")}
            )
    if item.owner_participant_id is not None:
        invited = Invitation.objects.filter(
            workshop_id=workshop.pk, participant_id=item.owner_participant_id, status__in=ACTION_OWNER_INVITATIONS
        )
        if not invited.exists():
            raise ValidationError(
                {"owner_participant": _("The owner must be a participant who accepted or attended this workshop.")}
            )


def _action_item_due_checked(item, *, today=None):
    if item.due_on is None:
        return
    today = today or timezone.localdate()
    workshop = item.report.workshop
    first_day = workshop.starts_at.astimezone(workshop.zone).date()
    if item.due_on < first_day:
        raise ValidationError({"due_on": _("The due date cannot be before the workshop started.")})
    if item.due_on > today + ACTION_DUE_LONGEST:
        raise ValidationError({"due_on": _("The due date is too far ahead: at most five years from today.")})


def _action_item_saved(item, *, before=None):
    """Validate and save ``item``: its owner and due date when new or changed (``before``: the stored
    values), its completion moment with its status; a new owner spends the done-links sent before."""
    owners = ("owner_id", "owner_participant_id")
    changed = before is None or any(getattr(before, name) != getattr(item, name) for name in owners)
    if changed:
        _action_item_owner_checked(item)
        if before is not None:
            item.token_sequence += 1
    if before is None or before.due_on != item.due_on:
        _action_item_due_checked(item)
    if item.status == ActionItem.Status.DONE:
        item.completed_at = item.completed_at or timezone.now()
    else:
        item.completed_at = None
    item.full_clean()
    with clash_refused():
        item.save()
    return item


def _action_item_manager_checked(by, report):
    if by is not None and not action_item_may_manage(user=by, report=report):
        raise PermissionDenied(_("You may not add or change the action items of this report."))


@transaction.atomic
def action_item_create(*, report, title, by=None, **fields):
    """An action agreed in ``report`` (``fields``: description, owner or owner_participant, due date,
    status, completion), added by ``by`` (one who may manage the report's items)."""
    _action_item_manager_checked(by, report)
    fields.setdefault("created_by", by)
    item = ActionItem(report=report, title=title, **fields)
    return _action_item_saved(item)


@transaction.atomic
def action_item_update(*, item, by=None, **changes):
    """Change an action (its text, owner, due date, status): ``completed_at`` follows the status."""
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("report__workshop").get(pk=item.pk)
    _action_item_manager_checked(by, item.report)
    before = ActionItem(owner_id=item.owner_id, owner_participant_id=item.owner_participant_id, due_on=item.due_on)
    for name, value in changes.items():
        setattr(item, name, value)
    return _action_item_saved(item, before=before)


@transaction.atomic
def action_item_mark_done(*, item, by=None, sequence=None):
    """Mark ``item`` done: by ``by`` (its owner, or one who may manage it), or by the holder of the signed
    done-link (``by`` None, ``sequence`` the link's), whose link is then spent (``token_sequence`` rises).
    Refused when it is closed already (done or dropped), or when the link was used or superseded meanwhile."""
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("report__workshop", "owner_participant")
        .get(pk=item.pk)
    )
    if by is None and sequence is None:
        raise PermissionDenied(_("Only the owner or the report's team may mark this action done."))
    if by is not None and not action_item_may_complete(user=by, item=item):
        raise PermissionDenied(_("Only the owner or the report's team may mark this action done."))
    if item.status in (ActionItem.Status.DONE, ActionItem.Status.DROPPED):
        raise ValidationError(_("This action is closed already."))
    if sequence is not None and sequence != item.token_sequence:
        raise ValidationError(_("This link has been used already: please use the latest one you were sent."))
    item.status = ActionItem.Status.DONE
    item.completed_at = timezone.now()
    item.token_sequence += 1
    item.full_clean()
    item.save(update_fields=["status", "completed_at", "token_sequence"])
    return item


@transaction.atomic
def action_item_drop(*, item, by=None):
    """Drop an action that is no longer to be done (it stays on the report, closed)."""
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("report__workshop").get(pk=item.pk)
    _action_item_manager_checked(by, item.report)
    if item.status == ActionItem.Status.DROPPED:
        return item
    item.status = ActionItem.Status.DROPPED
    item.completed_at = None
    item.full_clean()
    item.save(update_fields=["status", "completed_at"])
    return item


@transaction.atomic
def action_item_delete(*, item):
    item.delete()


def follow_up_reminders_enqueue(*, now=None):
    """Write the follow-up reminders that are due to the outbox (``facilitators.reminders``); run twice,
    or by two beats at once, each is still written once. Returns how many were written."""
    from .reminders import follow_up_reminders_enqueue as enqueue

    return enqueue(now=now)


# --- Track I briefings ---------------------------------------------------------------------------------
#
# A briefing draws on one or more approved reports of one initiative (``reports``); ``report`` is its
# anchor, one of them. It is logged by the initiative's team, or by a facilitator assigned to the
# workshops of every report it draws on; its level is never below the highest level of those reports.

# Where the day starts first: a briefing dated "today" anywhere on Earth is not in the future.
EARLIEST_ZONE = zoneinfo.ZoneInfo("Pacific/Kiritimati")


def track_one_briefing_may_log(*, user, report):
    """Whether ``user`` may log a briefing drawing on ``report``: they may see it, it is approved, and
    they are on its initiative's team or an assigned facilitator of its workshop."""
    if not is_reader(user) or user.role == Role.PARTICIPANT or report.approved_version is None:
        return False
    return (
        OutcomeReport.objects.visible_to(user)
        .filter(pk=report.pk)
        .filter(team_q(user, "workshop__initiative_id") | assigned_q(user, "workshop_id"))
        .exists()
    )


def track_one_briefing_may_change(*, user, briefing):
    """Whether ``user`` may correct ``briefing`` (which they may see): as for logging one on all its reports."""
    reports = _briefing_reports(briefing)
    return _may_log_on(user, reports)


def _briefing_reports(briefing):
    """The reports a briefing draws on, its anchor always among them."""
    reports = {briefing.report_id: briefing.report}
    prefetched = "reports" in getattr(briefing, "_prefetched_objects_cache", {})
    drawn_on = briefing.reports.all() if prefetched else briefing.reports.select_related("workshop")
    reports.update((report.pk, report) for report in drawn_on)
    return list(reports.values())


def _may_log_on(user, reports):
    """On the team of the reports' initiative, or assigned to the workshop of every one of them."""
    if not is_reader(user) or user.role == Role.PARTICIPANT or not reports:
        return False
    initiative_ids = {report.workshop.initiative_id for report in reports}
    if len(initiative_ids) == 1 and TeamMembership.objects.filter(initiative_id__in=initiative_ids, user=user).exists():
        return True
    workshop_ids = {report.workshop_id for report in reports}
    assigned = Assignment.objects.filter(workshop_id__in=workshop_ids, facilitator__user=user)
    return assigned.values("workshop_id").distinct().count() == len(workshop_ids)


def _briefing_checked(*, user, briefing, reports, anchor):
    """The reports of ``briefing`` checked for ``user`` (see the comment above); returns them, anchor first."""
    reports = list({report.pk: report for report in reports if report is not None}.values())
    if not reports:
        raise ValidationError({"reports": _("Choose at least one report the briefing drew on.")})
    # Read again, as ``user`` may see them: a report they may not see is refused like a missing one.
    ids = [report.pk for report in reports]
    reports = list(
        OutcomeReport.objects.visible_to(user).filter(pk__in=ids).select_related("workshop__initiative").order_by("pk")
    )
    if len(reports) != len(ids):
        raise ValidationError({"reports": _("Choose reports you may see.")})
    if len({report.workshop.initiative_id for report in reports}) > 1:
        raise ValidationError({"reports": _("A briefing draws on reports of one initiative only.")})
    if any(report.approved_version is None for report in reports):
        raise ValidationError({"reports": _("A briefing draws on approved reports only.")})
    if not _may_log_on(user, reports):
        raise ValidationError(_("Only the initiative's team and the facilitators of these workshops log briefings."))
    if anchor is None or anchor.pk not in ids:
        anchor = reports[0]
    else:
        anchor = next(report for report in reports if report.pk == anchor.pk)
    floor = max(report.effective_level for report in reports)
    if briefing.level is None:
        briefing.level = floor
    if briefing.level < floor:
        raise ValidationError(
            {
                "level": _("The briefing's level may not be below that of the reports it drew on (%(level)s).")
                % {"level": Level(floor).label}
            }
        )
    if briefing.level > user.clearance:
        raise ValidationError({"level": _("You may not give a briefing a level above your own clearance.")})
    if briefing.briefed_on is not None:
        if briefing.briefed_on > timezone.localdate(timezone=EARLIEST_ZONE):
            raise ValidationError({"briefed_on": _("A briefing is logged once it has happened: this date is ahead.")})
        began = min(report.workshop.local_starts_at.date() for report in reports)
        if briefing.briefed_on < began:
            raise ValidationError({"briefed_on": _("The briefing is dated before the workshop it drew on began.")})
    if briefing.briefed_by_id is not None and briefing.briefed_by_id != user.pk:
        seen = OutcomeReport.objects.visible_to(briefing.briefed_by).filter(pk__in=ids).count()
        if seen != len(ids):
            raise ValidationError({"briefed_by": _("Who briefed must be someone who may see every report drawn on.")})
    briefing.report = anchor
    return reports


def _briefing_saved(*, user, briefing, reports, anchor, fields):
    for name, value in fields.items():
        setattr(briefing, name, value)
    if briefing.briefed_by_id is None:
        briefing.briefed_by = user
    reports = _briefing_checked(user=user, briefing=briefing, reports=reports, anchor=anchor)
    record_saved(briefing, {})
    briefing.reports.set(reports)
    return briefing


@transaction.atomic
def track_one_briefing_create(*, user, reports=(), report=None, briefed_by=None, level=None, **fields):
    """Log a briefing by ``user`` (or, ``briefed_by``, someone who may see the same reports) drawing on
    ``reports`` (``report``, the anchor, is always among them). ``fields``: recipient, recipient role,
    briefing level, date, what was shared. ``level``: by default the highest of the reports'."""
    briefing = TrackOneBriefing(briefed_by=briefed_by, level=level)
    return _briefing_saved(user=user, briefing=briefing, reports=[report, *reports], anchor=report, fields=fields)


@transaction.atomic
def track_one_briefing_update(*, briefing, user, reports=None, report=None, **changes):
    """Correct the record of a briefing (by those who may log one on its reports, before and after); it is
    never deleted (the record of what went to official diplomacy)."""
    visible = TrackOneBriefing.objects.visible_to(user).filter(pk=briefing.pk).exists()
    if not (visible and track_one_briefing_may_change(user=user, briefing=briefing)):
        raise ValidationError(_("Only the initiative's team and the facilitators of these workshops log briefings."))
    if reports is None:
        reports = _briefing_reports(briefing)
    anchor = report if report is not None else briefing.report
    reports = [report, *reports] if report is not None else list(reports)
    return _briefing_saved(user=user, briefing=briefing, reports=reports, anchor=anchor, fields=changes)
