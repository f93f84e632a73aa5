"""Changes to participants, their consents, and organisations.

The rules of what may be stored are checked here, so that the pages, the Django admin, commands and
tasks all meet the same refusals: a ``ValidationError``, keyed by field where the rule is about one.
The forms ask the same checks (``participant_refusals``, ``organization_refusals``) to show them next
to the field before anything is saved.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_countries import countries

from core import outbox
from core.db import clash_refused, record_saved, records_imported
from core.levels import Level, Role
from core.visibility import is_admin

from . import screening
from .models import (
    ConsentRecord,
    Organization,
    Participant,
    SanctionsEntry,
    SanctionsHit,
    VettingCase,
    VettingCaseEvent,
)

# The consents recorded through the participant form; others (photography) are left alone.
FORM_CONSENT_KINDS = (ConsentRecord.Kind.DATA_PROCESSING, ConsentRecord.Kind.CHATHAM_HOUSE)

# A unique value taken by a row saved in the meantime, after the checks below found it free.
CLASH_MESSAGE = _(
    "The record could not be saved because another one was saved with the same details at the same time. "
    "Check the e-mail address, codename or name and try again."
)

# A participant's details as the pages and the admin edit them, in the order their forms show them.
PARTICIPANT_DETAILS = (
    "full_name",
    "codename",
    "email",
    "date_of_birth",
    "nationality",
    "languages",
    "gender",
    "organization",
    "title",
    "category",
    "personal_capacity",
    "risk_level",
    "level",
)
# What the services take: the details, and the sign-in account (the admin and the demo link one).
PARTICIPANT_FIELDS = frozenset({*PARTICIPANT_DETAILS, "user"})
ORGANIZATION_FIELDS = frozenset({"name", "kind", "country"})


def _refuse_unknown_fields(fields, known):
    unknown = set(fields) - known
    if unknown:
        raise TypeError(f"Not editable here: {', '.join(sorted(unknown))}")


def _refuse_invalid(record, errors):
    """Raise ``errors`` (field → ``ValidationError``) together with what the model's own validation refuses.

    The model's validation (field values, choices, constraints) skips the fields already refused, so
    that a field gets the rule's message rather than the database constraint's name.
    """
    errors = dict(errors)
    try:
        record.full_clean(exclude=list(errors))
    except ValidationError as invalid:
        errors = {**invalid.error_dict, **errors}
    if errors:
        raise ValidationError(errors)


# --- Participants


# The earliest date of birth taken: an earlier one is a typing slip.
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def date_of_birth_refusal(date_of_birth):
    """Why ``date_of_birth`` is refused (a ``ValidationError``), or None: not after today, not before 1900."""
    if not isinstance(date_of_birth, dt.date):
        return None
    if isinstance(date_of_birth, dt.datetime):
        date_of_birth = date_of_birth.date()
    if date_of_birth > timezone.localdate():
        return ValidationError(_("The date of birth cannot be in the future."), code="born_in_the_future")
    if date_of_birth < EARLIEST_BIRTH:
        return ValidationError(
            _("Enter a date of birth on or after %(earliest)s."),
            code="born_too_early",
            params={"earliest": EARLIEST_BIRTH.isoformat()},
        )
    return None


def participant_refusals(*, pk=None, email="", codename="", risk_level=None, date_of_birth=None, taken=None):
    """What the rules refuse in these values of a participant (``pk``: the one being changed, if any).

    Returns a dict field → ``ValidationError``, empty if nothing is refused. The database holds e-mail
    and codename unique as typed; here they are unique whatever their case. Uniqueness is checked
    against all participants, including those the editor cannot see: the constraint holds for everyone,
    and the messages say no more than that the value is taken. A high-risk person must have a
    codename, since it is shown instead of their name. A date of birth is not in the future, nor before
    1900 (``date_of_birth_refusal``). ``taken``: the e-mail addresses and codenames
    known to be taken, upper-cased (``{"email": set, "codename": set}``), where an import has asked for
    all its rows at once; otherwise they are asked here.
    """
    errors = {}
    if taken is None:
        others = Participant.objects.exclude(pk=pk)
        email_taken = bool(email) and others.filter(email__iexact=email).exists()
        codename_taken = bool(codename) and others.filter(codename__iexact=codename).exists()
    else:
        email_taken, codename_taken = email.upper() in taken["email"], codename.upper() in taken["codename"]
    if email and email_taken:
        errors["email"] = ValidationError(
            _("This e-mail address is already registered for another participant."), code="duplicate_email"
        )
    if codename and codename_taken:
        errors["codename"] = ValidationError(
            _("This codename is already in use; choose another."), code="duplicate_codename"
        )
    if risk_level is not None and int(risk_level) >= Participant.RiskLevel.HIGH and not codename:
        errors["codename"] = ValidationError(
            _("A high-risk participant must have a codename: it is shown instead of their name."),
            code="high_risk_without_codename",
        )
    born_refused = date_of_birth_refusal(date_of_birth)
    if born_refused is not None:
        errors["date_of_birth"] = born_refused
    return errors


def _participant_errors(participant, *, by, taken=None):
    """The rules' refusals of ``participant`` as ``by`` would store it: ``participant_refusals``, and a
    level above the editor's clearance."""
    errors = participant_refusals(
        pk=participant.pk,
        email=participant.email,
        codename=participant.codename,
        risk_level=participant.risk_level,
        date_of_birth=participant.date_of_birth,
        taken=taken,
    )
    if participant.level > by.clearance:
        errors.setdefault(
            "level",
            ValidationError(
                _("A participant's level may not exceed the editor's clearance."), code="level_above_clearance"
            ),
        )
    return errors


def _refuse_invalid_participant(participant, *, by):
    _refuse_invalid(participant, _participant_errors(participant, by=by))


@transaction.atomic
def participant_create(*, by, consents=(), **fields):
    """A new participant with ``fields`` (model field values; the rest take their defaults) and the
    consents of ``consents`` (kinds of ``FORM_CONSENT_KINDS``) recorded as given by ``by``."""
    _refuse_unknown_fields(fields, PARTICIPANT_FIELDS)
    if "languages" in fields:
        fields["languages"] = list(fields["languages"])
    participant = Participant(**fields)
    _refuse_invalid_participant(participant, by=by)
    with clash_refused(CLASH_MESSAGE):
        participant.save()
    participant_consents_set(participant=participant, given=consents, by=by)
    # Screened against the current sanctions lists once committed (Celery; nothing when no list yet).
    screening.screening_run_request(participant=participant, reason="created", by=by)
    return participant


@transaction.atomic
def participant_update(*, participant, by, consents=None, **changes):
    """Change ``participant`` (the instance passed is changed too, also when the change is refused);
    ``consents`` is None to leave the consents alone, or the kinds given, as for ``participant_create``."""
    _refuse_unknown_fields(changes, PARTICIPANT_FIELDS)
    screened_as = screening.screening_fields(participant)
    for field, value in changes.items():
        setattr(participant, field, list(value) if field == "languages" else value)
    _refuse_invalid_participant(participant, by=by)
    with clash_refused(CLASH_MESSAGE):
        participant.save()
    if consents is not None:
        participant_consents_set(participant=participant, given=consents, by=by)
    if screening.screening_fields(participant) != screened_as:  # a new name, date of birth or nationality
        screening.screening_run_request(participant=participant, reason="changed", by=by)
    return participant


@transaction.atomic
def participant_consents_set(*, participant, given, by):
    """Make the participant's current consents of the form's kinds match ``given``.

    A consent newly given creates a record; a consent no longer given withdraws the current record
    (``withdrawn_at``). Records are never deleted: the history of consent stays.
    """
    given = set(given)
    now = timezone.now()
    current = set(
        participant.consents.filter(withdrawn_at__isnull=True, kind__in=FORM_CONSENT_KINDS).values_list(
            "kind", flat=True
        )
    )
    for kind in FORM_CONSENT_KINDS:
        if kind in given and kind not in current:
            ConsentRecord.objects.create(participant=participant, kind=kind, given_at=now, recorded_by=by)
        elif kind not in given and kind in current:
            participant.consents.filter(kind=kind, withdrawn_at__isnull=True).update(
                withdrawn_at=Greatest(F("given_at"), Value(now))
            )


# --- Organisations


def organization_refusals(*, pk=None, name="", country="", taken=None):
    """What the rules refuse in these values of an organisation (``pk``: the one being changed, if any):
    a dict field → ``ValidationError``. A name is unique within its country whatever its case. ``taken``:
    the (upper-cased name, country) pairs known to be taken, where an import has asked for all its rows
    at once; otherwise asked here."""
    if taken is None:
        clash = bool(name) and Organization.objects.filter(name__iexact=name, country=country).exclude(pk=pk).exists()
    else:
        clash = bool(name) and (name.upper(), str(country)) in taken
    if not clash:
        return {}
    if country:
        message = _("An organisation called “%(name)s” in %(country)s already exists.") % {
            "name": name,
            "country": countries.name(country),
        }
    else:
        message = _("An organisation called “%(name)s” with no country already exists.") % {"name": name}
    return {"name": ValidationError(message, code="duplicate_organization")}


def _refuse_invalid_organization(organization):
    _refuse_invalid(
        organization,
        organization_refusals(pk=organization.pk, name=organization.name, country=organization.country),
    )


@transaction.atomic
def organization_create(*, by, **fields):
    _refuse_unknown_fields(fields, ORGANIZATION_FIELDS)
    organization = Organization(**fields)
    _refuse_invalid_organization(organization)
    with clash_refused(CLASH_MESSAGE):
        organization.save()
    return organization


@transaction.atomic
def organization_update(*, organization, by, **changes):
    """Change ``organization`` (the instance passed is changed too, also when the change is refused)."""
    _refuse_unknown_fields(changes, ORGANIZATION_FIELDS)
    for field, value in changes.items():
        setattr(organization, field, value)
    _refuse_invalid_organization(organization)
    with clash_refused(CLASH_MESSAGE):
        organization.save()
    return organization


# --- Imports (many records at once), vetting and sanctions screening, recorded as they stand


def _upper_cased(field):
    """``field`` upper-cased, as ``iexact`` compares it: the expression that a btree index holds for e-mail
    addresses, codenames and organisation names (``Meta.indexes``), so that a check of many values at
    once looks each of them up rather than reading the table (at 100,000 participants: 0.5 ms, not 100)."""
    return Upper(field)


def _values_taken(participants):
    """The e-mail addresses and codenames of ``participants`` that stored participants hold already, whatever
    their case, upper-cased (``{"email": set, "codename": set}``): one query for all of them."""
    emails = {participant.email for participant in participants if participant.email}
    codenames = {participant.codename for participant in participants if participant.codename}
    taken = {"email": set(), "codename": set()}
    stored = (
        Participant.objects.annotate(email_key=_upper_cased("email"), codename_key=_upper_cased("codename"))
        .filter(
            Q(email_key__in=[Upper(Value(email)) for email in emails])
            | Q(codename_key__in=[Upper(Value(codename)) for codename in codenames])
        )
        .order_by()
        .values_list("email", "codename")
    )
    for email, codename in stored:
        taken["email"].add(email.upper())
        taken["codename"].add(codename.upper())
    return taken


@transaction.atomic
def organizations_import(*, by, rows):
    """Many new organisations at once, in one insert (``rows``: dicts of the fields ``organization_create``
    takes). Each row is refused as ``organization_create`` refuses it, as if the rows were created one
    after the other: a name taken in its country, whatever its case, by a stored organisation or an
    earlier row (asked in one query for all rows). Returns the organisations in the order of ``rows``."""
    for fields in rows:
        _refuse_unknown_fields(fields, ORGANIZATION_FIELDS)
    organizations = [Organization(**fields) for fields in rows]
    names = {organization.name for organization in organizations if organization.name}
    stored = (
        Organization.objects.annotate(name_key=_upper_cased("name"))
        .filter(name_key__in=[Upper(Value(name)) for name in names])
        .order_by()
        .values_list("name", "country")
    )
    taken = {(name.upper(), country) for name, country in stored}
    for organization in organizations:
        errors = organization_refusals(name=organization.name, country=organization.country, taken=taken)
        if errors:
            raise ValidationError(errors)
        taken.add((organization.name.upper(), str(organization.country)))
    return records_imported(Organization, organizations)


@transaction.atomic
def participants_import(*, by, rows):
    """Many new participants at once, in one insert (``rows``: dicts of the fields ``participant_create``
    takes, consents aside). Each row is refused as ``participant_create`` refuses it, as if the rows were
    created one after the other: an e-mail address or codename taken by a stored participant or by an
    earlier row is refused (asked in one query for all rows). The database's own constraints are held by
    the insert (``core.db.records_imported``). Returns the participants in the order of ``rows``."""
    for fields in rows:
        _refuse_unknown_fields(fields, PARTICIPANT_FIELDS)
    participants = [Participant(**{**fields, "languages": list(fields.get("languages", ()))}) for fields in rows]
    taken = _values_taken(participants)
    for participant in participants:
        errors = _participant_errors(participant, by=by, taken=taken)
        if errors:
            raise ValidationError(errors)
        taken["email"].add(participant.email.upper())
        taken["codename"].add(participant.codename.upper())
    imported = records_imported(Participant, participants, relations=("organization", "user"))
    if imported:  # one screening of everyone (a run covers one person or all), not one per row
        screening.screening_run_request(participant=None, reason="imported", by=by)
    return imported


@transaction.atomic
def consent_records_import(*, by, rows):
    """Record many consents of any kind (photography too) at once, as recorded by ``by`` (``rows``: dicts of
    ``participant``, ``kind``, ``given_at`` and perhaps ``withdrawn_at``, never before it was given)."""
    consents = [ConsentRecord(**row, recorded_by=by) for row in rows]
    return records_imported(ConsentRecord, consents, relations=("participant", "recorded_by"))


@transaction.atomic
def vetting_cases_import(*, rows):
    """Record many vetting cases as they stand, at once (``rows``: dicts of ``participant``, ``status``,
    ``reviewer``, the checks done, decision, expiry). A decision has a date, an approval an expiry after
    it, and conditions are stated: the insert refuses a row without."""
    cases = [VettingCase(**row) for row in rows]
    return records_imported(VettingCase, cases, relations=("participant", "reviewer"))


@transaction.atomic
def sanctions_entries_import(*, rows):
    """Store many entries of sanctions lists at once, in one insert (``rows``: dicts of the fields
    ``sanctions_entry_create`` takes); a reference is unique within its list ``source`` (the insert
    refuses a second). Returns the entries in the order of ``rows``."""
    return records_imported(SanctionsEntry, [SanctionsEntry(**row) for row in rows])


@transaction.atomic
def sanctions_hits_import(*, rows):
    """Record many sanctions hits at once, in one insert (``rows``: dicts of the fields ``sanctions_hit_create``
    takes, ``participant`` and ``entry`` given as stored records); a resolved hit says who resolved it and
    when. Returns the hits in the order of ``rows``."""
    hits = [SanctionsHit(**row) for row in rows]
    return records_imported(SanctionsHit, hits, relations=("participant", "entry", "resolved_by"))


@transaction.atomic
def sanctions_entry_create(*, source, reference, name, **fields):
    """Store one entry of a sanctions list (``reference`` is unique within its list ``source``)."""
    return record_saved(SanctionsEntry(source=source, reference=reference, name=name), fields)


@transaction.atomic
def sanctions_hit_create(*, participant, entry, score, **fields):
    """Record that ``participant`` matched ``entry`` with ``score`` (0 to 100); a resolved hit says who
    resolved it and when."""
    return record_saved(SanctionsHit(participant=participant, entry=entry, score=score), fields)


# --- Single records, changes and deletions (the admin's pages)


@transaction.atomic
def participant_delete(*, participant, by):
    """Delete a participant with their consents, vetting cases and sanctions hits; one who was invited
    to a workshop is kept (the database holds the invitations to them)."""
    with clash_refused(_("This participant has invitations: they cannot be deleted.")):
        participant.delete()


@transaction.atomic
def organization_delete(*, organization, by):
    """Delete an organisation no participant belongs to."""
    with clash_refused(_("Participants belong to this organisation: it cannot be deleted.")):
        organization.delete()


@transaction.atomic
def consent_record_create(*, participant, kind, by, **fields):
    """Record one consent of any kind (photography too), as recorded by ``by`` (``fields``: ``given_at``,
    perhaps ``withdrawn_at``, never before it was given). ``consent_records_import`` records many."""
    return record_saved(ConsentRecord(participant=participant, kind=kind, recorded_by=by), fields)


@transaction.atomic
def consent_record_update(*, consent, by, **changes):
    """Record when a consent was withdrawn (``withdrawn_at``; ``None``: it was not). What was consented to,
    and when, stays as recorded; a consent record is never deleted (the history of consent stays)."""
    _refuse_unknown_fields(changes, {"withdrawn_at"})
    return record_saved(consent, changes)


# --- Vetting: a case per participant, worked through by admins (issue 16)
#
# A case is opened (pending), its checks and assessment recorded (in review), then decided: approved,
# approved with conditions, or rejected. The decision's date and an approval's expiry are the system's.
# An approval needs every required check recorded and no open sanctions hit; for a person proposed for a
# STRICTLY_CONFIDENTIAL workshop it waits for a second admin (four eyes), who neither recorded checks
# nor proposed it. Every change is written to the case's history (``VettingCaseEvent``).

VETTING_CHECKS = ("identity_checked", "references_checked", "conflict_of_interest_checked", "sanctions_screened")
VETTING_ASSESSMENT_FIELDS = (
    *VETTING_CHECKS,
    "references",
    "conflict_of_interest",
    "risk_assessment",
    "risk_rationale",
    "notes",
)
# The case's confidential notes: the history says that they changed, never what they said (a note taken
# back stays taken back).
VETTING_TEXT_KEPT_OUT_OF_HISTORY = frozenset({"notes"})
VETTING_DECISIONS = (
    VettingCase.Status.APPROVED,
    VettingCase.Status.APPROVED_WITH_CONDITIONS,
    VettingCase.Status.REJECTED,
)
# Invitations that no longer propose their participant for the workshop.
NOT_PROPOSING_INVITATION_STATUSES = ("declined", "withdrawn")


class VettingAction:
    """What a history entry records (``VettingCaseEvent.action``)."""

    OPENED = "opened"
    CHECKS_RECORDED = "checks_recorded"
    PROPOSED = "approval_proposed"
    DECIDED = "decided"
    CONFIRMED = "approval_confirmed"
    RETURNED = "approval_returned"


def vetting_validity():
    """How long an approval holds from its decision (``PARLEY_VETTING_VALIDITY_DAYS``, twelve months by default)."""
    return dt.timedelta(days=settings.PARLEY_VETTING_VALIDITY_DAYS)


def _refuse_unless_vetter(by):
    if not (is_admin(by) and by.clearance >= Level.CONFIDENTIAL):
        raise ValidationError(_("Only admins cleared for CONFIDENTIAL records vet participants."), code="not_a_vetter")


def _history_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _case_changes(case, values):
    """``{field: [before, after]}`` of the ``values`` that differ from ``case``'s; the notes only as "changed"."""
    changes = {}
    for field, value in values.items():
        before = getattr(case, field)
        if before == value:
            continue
        if field in VETTING_TEXT_KEPT_OUT_OF_HISTORY:
            changes[field] = "changed"
        else:
            changes[field] = [_history_value(before), _history_value(value)]
    return changes


def _case_saved(case, *, by, action, changes):
    case.full_clean()
    with clash_refused():
        case.save()
    VettingCaseEvent.objects.create(case=case, actor=by, action=action, changes=changes)
    return case


def _case_locked(case):
    """The case as stored, locked until the change commits: two admins acting at once act one after the other."""
    return VettingCase.objects.select_for_update().select_related("participant").get(pk=case.pk)


def _refuse_unless_status(case, *statuses):
    if case.status in statuses:
        return
    if case.status == VettingCase.Status.AWAITING_CONFIRMATION:
        message = _("An approval of this case awaits a second admin: confirm it or send it back first.")
    elif case.status in VettingCase.DECIDED:
        message = _("This case is decided and closed; open a new case to vet the participant again.")
    else:
        message = _("No approval awaits confirmation on this case.")
    raise ValidationError(message, code="case_status")


def vetting_case_missing_checks(case):
    """The labels of what an approval still needs recorded on ``case`` (empty: nothing)."""
    missing = [VettingCase._meta.get_field(name).verbose_name for name in VETTING_CHECKS if not getattr(case, name)]
    if case.risk_assessment is None:
        missing.append(VettingCase._meta.get_field("risk_assessment").verbose_name)
    if not case.risk_rationale.strip():
        missing.append(VettingCase._meta.get_field("risk_rationale").verbose_name)
    return missing


def _refuse_unready_approval(case):
    """An approval needs every required check recorded and no open sanctions hit of the participant."""
    problems = []
    missing = vetting_case_missing_checks(case)
    if missing:
        problems.append(
            ValidationError(
                _("An approval needs every check recorded first. Still missing: %(missing)s."),
                code="checks_missing",
                params={"missing": ", ".join(str(label) for label in missing)},
            )
        )
    open_hits = SanctionsHit.objects.filter(participant_id=case.participant_id, status=SanctionsHit.Status.OPEN).count()
    if open_hits:
        problems.append(
            ValidationError(
                ngettext_lazy(
                    "%(count)s sanctions hit of this participant is still open: clear or confirm it before approving.",
                    "%(count)s sanctions hits of this participant are still open: "
                    "clear or confirm them before approving.",
                    "count",
                ),
                code="open_sanctions_hit",
                params={"count": open_hits},
            )
        )
    if problems:
        raise ValidationError(problems)


def vetting_needs_second_admin(participant):
    """Whether an approval of ``participant`` needs a second admin's confirmation: they are proposed for
    (invited to, neither declined nor withdrawn) a workshop whose effective level is STRICTLY_CONFIDENTIAL
    (its own level or its initiative's). Through the reverse relation: participants come before dialogues."""
    strict = Level.STRICTLY_CONFIDENTIAL
    return (
        Participant.invitations.rel.related_model._default_manager.filter(participant=participant)
        .exclude(status__in=NOT_PROPOSING_INVITATION_STATUSES)
        .filter(Q(workshop__level__gte=strict) | Q(workshop__initiative__level__gte=strict))
        .exists()
    )


def vetting_case_confirmers_excluded(case):
    """The accounts that may not confirm ``case``'s approval: whoever recorded checks on it (now or earlier,
    from its history) and whoever proposed the approval."""
    excluded = {case.checks_recorded_by_id, case.proposed_by_id}
    excluded |= set(
        case.events.filter(action=VettingAction.CHECKS_RECORDED, actor__isnull=False).values_list("actor_id", flat=True)
    )
    return excluded - {None}


@transaction.atomic
def vetting_case_open(*, participant, by, notes=""):
    """Open a vetting case of ``participant`` (pending, ``by`` its reviewer); one open case at a time."""
    _refuse_unless_vetter(by)
    # The participant's row locked: two admins opening a case at once open one.
    if not Participant.objects.visible_to(by).select_for_update().filter(pk=participant.pk).exists():
        raise ValidationError(_("This participant cannot be vetted by you."), code="not_visible")
    if VettingCase.objects.filter(participant=participant, status__in=VettingCase.OPEN).exists():
        raise ValidationError(
            _("This participant already has an open vetting case: work on that one."), code="case_open"
        )
    case = VettingCase(participant=participant, reviewer=by, notes=notes.strip())
    changes = {"status": [None, case.status]}
    if case.notes:
        changes["notes"] = "changed"
    return _case_saved(case, by=by, action=VettingAction.OPENED, changes=changes)


@transaction.atomic
def vetting_case_record(*, case, by, **values):
    """Record checks and assessment on an open case (``values``: fields of ``VETTING_ASSESSMENT_FIELDS``);
    ``by`` is then who recorded the checks, and a pending case is in review. Returns the case as stored."""
    _refuse_unknown_fields(values, frozenset(VETTING_ASSESSMENT_FIELDS))
    _refuse_unless_vetter(by)
    case = _case_locked(case)
    _refuse_unless_status(case, VettingCase.Status.PENDING, VettingCase.Status.IN_REVIEW)
    for name in ("references", "conflict_of_interest", "risk_rationale", "notes"):
        if name in values:
            values[name] = (values[name] or "").strip()
    changes = _case_changes(case, values)
    if not changes:
        return case
    for field, value in values.items():
        setattr(case, field, value)
    case.checks_recorded_by = by
    if case.reviewer_id is None:
        case.reviewer = by
    if case.status == VettingCase.Status.PENDING:
        case.status = VettingCase.Status.IN_REVIEW
        changes["status"] = [VettingCase.Status.PENDING, VettingCase.Status.IN_REVIEW]
    return _case_saved(case, by=by, action=VettingAction.CHECKS_RECORDED, changes=changes)


@transaction.atomic
def vetting_case_decide(*, case, by, decision, conditions="", reason=""):
    """Decide an open case: approve, approve with ``conditions`` (required), or reject with ``reason``
    (required). The decision is dated now, and an approval expires after ``vetting_validity()``. An
    approval of someone proposed for a STRICTLY_CONFIDENTIAL workshop waits for a second admin instead
    (``vetting_case_confirm``). Returns the case as stored."""
    _refuse_unless_vetter(by)
    case = _case_locked(case)
    _refuse_unless_status(case, VettingCase.Status.PENDING, VettingCase.Status.IN_REVIEW)
    conditions, reason = (conditions or "").strip(), (reason or "").strip()
    errors = {}
    if decision not in VETTING_DECISIONS:
        errors["decision"] = ValidationError(_("Choose a decision: approve, approve with conditions, or reject."))
    elif decision == VettingCase.Status.APPROVED_WITH_CONDITIONS and not conditions:
        errors["conditions"] = ValidationError(_("Write the conditions of the approval."), code="conditions_missing")
    elif decision == VettingCase.Status.REJECTED and not reason:
        errors["reason"] = ValidationError(_("Give the reason for the rejection."), code="reason_missing")
    if errors:
        raise ValidationError(errors)
    approval = decision in VettingCase.APPROVED_STATUSES
    if approval:
        _refuse_unready_approval(case)
    values = {
        "conditions": conditions if decision == VettingCase.Status.APPROVED_WITH_CONDITIONS else "",
        "decision_reason": reason,
        "reviewer": by,
    }
    if approval and vetting_needs_second_admin(case.participant):
        values.update(status=VettingCase.Status.AWAITING_CONFIRMATION, proposed_status=decision, proposed_by=by)
        action = VettingAction.PROPOSED
    else:
        now = timezone.now()
        values.update(status=decision, decided_at=now, expires_at=now + vetting_validity() if approval else None)
        action = VettingAction.DECIDED
    changes = _case_changes(case, values)
    for field, value in values.items():
        setattr(case, field, value)
    return _case_saved(case, by=by, action=action, changes=changes)


@transaction.atomic
def vetting_case_confirm(*, case, by):
    """A second admin confirms the approval awaiting on ``case`` (four eyes): not one who recorded its
    checks or proposed it. The rules of an approval are asked again (a sanctions hit may have come up
    since). The decision is dated now, and expires after ``vetting_validity()``."""
    _refuse_unless_vetter(by)
    case = _case_locked(case)
    _refuse_unless_status(case, VettingCase.Status.AWAITING_CONFIRMATION)
    if by.pk in vetting_case_confirmers_excluded(case):
        raise ValidationError(
            _(
                "Four eyes: an admin who recorded the checks or proposed the approval cannot also confirm it. "
                "Another admin must confirm."
            ),
            code="four_eyes",
        )
    _refuse_unready_approval(case)
    now = timezone.now()
    values = {
        "status": case.proposed_status,
        "confirmed_by": by,
        "confirmed_at": now,
        "decided_at": now,
        "expires_at": now + vetting_validity(),
    }
    changes = _case_changes(case, values)
    for field, value in values.items():
        setattr(case, field, value)
    return _case_saved(case, by=by, action=VettingAction.CONFIRMED, changes=changes)


@transaction.atomic
def vetting_case_return(*, case, by, reason):
    """Send an approval awaiting confirmation back to review, with ``reason`` (required): the second
    admin's "not yet", or the proposer withdrawing it."""
    _refuse_unless_vetter(by)
    case = _case_locked(case)
    _refuse_unless_status(case, VettingCase.Status.AWAITING_CONFIRMATION)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Say why the approval goes back."), code="reason_missing")})
    values = {"status": VettingCase.Status.IN_REVIEW, "proposed_status": "", "proposed_by": None}
    changes = _case_changes(case, values)
    changes["why"] = reason
    for field, value in values.items():
        setattr(case, field, value)
    return _case_saved(case, by=by, action=VettingAction.RETURNED, changes=changes)


def _admins_to_digest():
    return (
        get_user_model()
        ._default_manager.filter(role=Role.ADMIN, is_active=True, clearance__gte=Level.CONFIDENTIAL)
        .exclude(email="")
    )


def vetting_digest_week(now=None):
    year, week, _day = timezone.localdate(now).isocalendar()
    return f"{year}-W{week:02d}"


@transaction.atomic
def vetting_digest_enqueue(*, now=None):
    """Weekly: each admin's digest of approvals expiring within 30 days and cases open longer than 14 days,
    of the cases they may see (``VettingCase.objects.visible_to``), into the outbox; none for an admin with
    nothing in it. Once per admin and ISO week: the key decides. Returns how many were written."""
    from .vetting_selectors import vetting_digest_for  # the selectors read the models this module writes

    week = vetting_digest_week(now)
    written = 0
    for admin in _admins_to_digest().order_by("pk"):
        digest = vetting_digest_for(admin, now=now)
        anchor = digest.anchor()
        if anchor is None:
            continue
        message = outbox.enqueue(
            kind="vetting_digest",
            key=f"vetting-digest:{admin.pk}:{week}",
            record=anchor,
            data={"admin": admin.pk, "week": week},
        )
        written += message is not None
    return written


@transaction.atomic
def sanctions_entry_update(*, entry, **changes):
    return record_saved(entry, changes)


@transaction.atomic
def sanctions_entry_delete(*, entry):
    """Delete an entry of a sanctions list, with the hits it gave."""
    entry.delete()


@transaction.atomic
def sanctions_hit_update(*, hit, **changes):
    """Change a sanctions hit: resolving it says who resolved it and when."""
    return record_saved(hit, changes)
