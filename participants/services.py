"""Changes to participants, their consents, and organisations.

The rules of what may be stored are checked here, so that the pages, the Django admin, commands and
tasks all meet the same refusals: a ``ValidationError``, keyed by field where the rule is about one.
The forms ask the same checks (``participant_refusals``, ``organization_refusals``) to show them next
to the field before anything is saved.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.db import clash_refused, record_saved, records_imported

from .models import ConsentRecord, Organization, Participant, SanctionsEntry, SanctionsHit, VettingCase

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


def participant_refusals(*, pk=None, email="", codename="", risk_level=None, taken=None):
    """What the rules refuse in these values of a participant (``pk``: the one being changed, if any).

    Returns a dict field → ``ValidationError``, empty if nothing is refused. The database holds e-mail
    and codename unique as typed; here they are unique whatever their case. Uniqueness is checked
    against all participants, including those the editor cannot see: the constraint holds for everyone,
    and the messages say no more than that the value is taken. A high-risk person must have a
    codename, since it is shown instead of their name. ``taken``: the e-mail addresses and codenames
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
    return errors


def _participant_errors(participant, *, by, taken=None):
    """The rules' refusals of ``participant`` as ``by`` would store it: ``participant_refusals``, and a
    level above the editor's clearance."""
    errors = participant_refusals(
        pk=participant.pk,
        email=participant.email,
        codename=participant.codename,
        risk_level=participant.risk_level,
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
    return participant


@transaction.atomic
def participant_update(*, participant, by, consents=None, **changes):
    """Change ``participant`` (the instance passed is changed too, also when the change is refused);
    ``consents`` is None to leave the consents alone, or the kinds given, as for ``participant_create``."""
    _refuse_unknown_fields(changes, PARTICIPANT_FIELDS)
    for field, value in changes.items():
        setattr(participant, field, list(value) if field == "languages" else value)
    _refuse_invalid_participant(participant, by=by)
    with clash_refused(CLASH_MESSAGE):
        participant.save()
    if consents is not None:
        participant_consents_set(participant=participant, given=consents, by=by)
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
    return records_imported(Participant, participants, relations=("organization", "user"))


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


@transaction.atomic
def vetting_case_create(*, participant, **fields):
    """One vetting case, as it stands (``vetting_cases_import`` records many): a decision has a date, an
    approval an expiry after it, and conditions are stated."""
    return record_saved(VettingCase(participant=participant), fields)


@transaction.atomic
def vetting_case_update(*, case, **changes):
    """Change a vetting case (its status, checks, decision, expiry), under the same rules."""
    return record_saved(case, changes)


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
