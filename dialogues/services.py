"""State changes of the dialogues app: initiatives and workshops. Keyword-only, one transaction each.

Views, the admin, tasks and commands all come through here, so the rules are checked here again
even where a form has checked them already: the model's own validation (``full_clean``), which the
forms run too, and what only a service can see (rows of the same save, the database at save time).

Rows that belong to a record (an initiative's parties, team and funding; a workshop's sessions) are
given as the complete list wanted: each a dict of field values with ``"id"``, a stored row's pk or
``None`` for a new one. Stored rows left out are removed; ``None`` instead of a list leaves them alone.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Max, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import outbox
from core.db import IMPORT_REFUSED, clash_refused, record_saved, records_imported, records_validated, row_refused
from core.fields import REMINDER_DAYS_LONGEST
from core.levels import Level
from participants.models import Participant
from participants.selectors import participant_vetting_refusal, participants_cleared_for, vetting_refusal

from . import rsvp, selectors
from .models import (
    AgendaSession,
    Document,
    DocumentVersion,
    Funding,
    Initiative,
    Invitation,
    InvitationReminder,
    Party,
    TeamMembership,
    Workshop,
)


def _check_clearance(*, level, by):
    if level > by.clearance:
        raise ValidationError(
            {
                "level": _("Choose a level no higher than your clearance (%(clearance)s).")
                % {"clearance": by.get_clearance_display()}
            }
        )


def _initiative_locked(initiative_id):
    """The initiative, read again and locked: its level cannot change while a team member or a workshop
    is checked against it (``initiative_update`` locks it too)."""
    return Initiative.objects.select_for_update().get(pk=initiative_id)


# --- Rows of a record ----------------------------------------------------------------------------


def _validated(record, *, parent_field, key):
    """Validate a row as its form would; a refusal comes under ``key`` (the list the row was given in).

    Unique values are left to the database: rows may trade them in one save (see ``_rows_written``).
    """
    try:
        record.full_clean(exclude=[parent_field], validate_unique=False)
    except ValidationError as refusal:
        raise ValidationError({key: refusal.messages}) from refusal


def _rows_written(model, rows, *, parent_field, parent, key, unique=None, make_room=None, once=None):
    """Make ``rows`` (the complete list, see above) the stored rows of ``model`` that belong to ``parent``.

    Every row is validated first, against the parent as it is being saved. Then rows left out are
    removed, and ``make_room(changing)`` is given the kept rows whose ``unique`` value changes, so that
    rows can trade such values in one save; then every row is saved. ``once``: the message when two
    rows ask for the same ``unique`` value.
    """
    stored = {record.pk: record for record in model.objects.select_for_update().filter(**{parent_field: parent})}
    asked = [row["id"] for row in rows if row.get("id") is not None]
    if len(set(asked)) < len(asked) or not set(asked) <= stored.keys():
        raise ValidationError(
            {key: _("Some rows were changed or removed meanwhile. Reload the page and make your changes again.")}
        )
    if unique is not None:
        values = [getattr(row[unique], "pk", row[unique]) for row in rows]
        if len(set(values)) < len(values):
            raise ValidationError({key: once})
        attname = model._meta.get_field(unique).attname
        before = {pk: getattr(record, attname) for pk, record in stored.items()}
    records = []
    for row in rows:
        record = stored[row["id"]] if row.get("id") is not None else model()
        for name, value in row.items():
            if name != "id":
                setattr(record, name, value)
        setattr(record, parent_field, parent)
        _validated(record, parent_field=parent_field, key=key)
        records.append(record)
    with clash_refused():
        model.objects.filter(pk__in=stored.keys() - set(asked)).delete()
        if unique is not None:
            changing = [record for record in records if record.pk and getattr(record, attname) != before[record.pk]]
            if changing:
                make_room(changing)
        for record in records:
            record.save()


def _rows_still_valid(queryset, *, parent_field, parent, key):
    """Validate every stored row again, against the parent as saved (its level raised, its times moved)."""
    for record in queryset:
        setattr(record, parent_field, parent)
        _validated(record, parent_field=parent_field, key=key)


def _team_led(initiative_id):
    """The team needs a lead: asked after every change to a team, so no change leaves it without one (as
    on the initiative's page, a team that has none is refused any change but the one that gives it a lead).
    In the change's transaction, the initiative locked (``_initiative_locked``): two changes at once cannot
    each take one of two leads away."""
    if not TeamMembership.objects.filter(initiative_id=initiative_id, role=TeamMembership.Role.LEAD).exists():
        raise ValidationError({"team": ValidationError(_("The team needs at least one lead."), code="no_lead")})


def _team_written(initiative, team):
    def make_room(moved):
        # A row given another member is one member leaving and another joining: removed before any row
        # is saved and added again after, so no row meets the "once per team" rule on the way.
        TeamMembership.objects.filter(pk__in=[membership.pk for membership in moved]).delete()
        for membership in moved:
            membership.pk = None

    _rows_written(
        TeamMembership,
        team,
        parent_field="initiative",
        parent=initiative,
        key="team",
        unique="user",
        make_room=make_room,
        once=TeamMembership.ONCE_PER_TEAM,
    )


def _parties_written(initiative, parties):
    kept = [row["id"] for row in parties if row.get("id") is not None]
    invited = (
        Party.objects.filter(initiative=initiative, pk__in=Invitation.objects.values("party_id"))
        .exclude(pk__in=kept)
        .values_list("name", flat=True)
    )
    if invited:
        raise ValidationError(
            {
                "parties": ValidationError(
                    _("These parties have invitations and cannot be removed: %(parties)s."),
                    code="party_invited",
                    params={"parties": ", ".join(invited)},
                )
            }
        )

    def make_room(renamed):
        # Renamed parties give up their names before any party is saved, so that two parties can swap
        # names, or one take the name of another: a name no form can post (the forms strip spaces).
        placeholder = Concat(Value(" renaming "), Cast("pk", output_field=CharField()), Value(" "))
        Party.objects.filter(pk__in=[party.pk for party in renamed]).update(name=placeholder)

    _rows_written(
        Party,
        parties,
        parent_field="initiative",
        parent=initiative,
        key="parties",
        unique="name",
        make_room=make_room,
        once=Party.OWN_NAME,
    )


# --- Initiatives ---------------------------------------------------------------------------------


@transaction.atomic
def initiative_create(*, created_by, observers=(), **fields):
    """Create an initiative; its creator joins the team as lead."""
    initiative = Initiative(created_by=created_by, **fields)
    _check_clearance(level=initiative.level, by=created_by)
    initiative.full_clean()
    with clash_refused():
        initiative.save()
    if observers:
        initiative.observers.set(observers)
    TeamMembership.objects.create(initiative=initiative, user=created_by, role=TeamMembership.Role.LEAD)
    return initiative


@transaction.atomic
def initiative_update(*, initiative, by, parties=None, team=None, fundings=None, observers=None, **changes):
    """Change an initiative, and its parties, team and funding (each ``None``, or the complete list of rows).

    A workshop is never less confidential than its initiative (``Initiative.clean``), and every team
    member is cleared for the initiative's level (``TeamMembership.clean``, asked of every member); a
    team given has a lead (``_team_led``).
    """
    Initiative.objects.select_for_update().filter(pk=initiative.pk).first()
    for field, value in changes.items():
        setattr(initiative, field, value)
    _check_clearance(level=initiative.level, by=by)
    try:
        initiative.full_clean()
    except ValidationError as refusal:
        raise selectors.initiative_refusal_for(by, initiative, refusal) from refusal
    with clash_refused():
        initiative.save()
    if observers is not None:
        initiative.observers.set(observers)
    if parties is not None:
        _parties_written(initiative, parties)
    if team is not None:
        _team_written(initiative, team)
        _team_led(initiative.pk)
    else:
        memberships = TeamMembership.objects.filter(initiative=initiative).select_related("user")
        _rows_still_valid(memberships, parent_field="initiative", parent=initiative, key="team")
    if fundings is not None:
        _rows_written(Funding, fundings, parent_field="initiative", parent=initiative, key="fundings")
    return initiative


@transaction.atomic
def initiative_delete(*, initiative, by):
    """Delete an initiative with its team, parties, funding and documents; one with workshops is kept."""
    if Workshop.objects.filter(initiative=initiative).exists():
        raise ValidationError(_("This initiative has workshops: it cannot be deleted."), code="has_workshops")
    initiative.delete()


# --- Teams ---------------------------------------------------------------------------------------


@transaction.atomic
def team_membership_add(*, initiative, user, role, by):
    """Put someone on an initiative's team (who may join it, cleared for its level: ``TeamMembership.clean``)."""
    membership = TeamMembership(initiative=_initiative_locked(initiative.pk), user=user, role=role)
    membership.full_clean()
    with clash_refused(TeamMembership.ONCE_PER_TEAM):
        membership.save()
    _team_led(initiative.pk)
    return membership


@transaction.atomic
def team_membership_change(*, membership, by, **changes):
    """Change a team member's role (or who holds the place, or on which team); the team keeps a lead (and
    so does the one the place leaves, when it moves to another)."""
    stored = TeamMembership.objects.select_for_update().filter(pk=membership.pk)
    stored_team = stored.values_list("initiative_id", flat=True).get()
    _initiative_locked(stored_team)
    for field, value in changes.items():
        setattr(membership, field, value)
    membership.initiative = _initiative_locked(membership.initiative_id)
    membership.full_clean()
    with clash_refused(TeamMembership.ONCE_PER_TEAM):
        membership.save()
    for team in {stored_team, membership.initiative_id}:
        _team_led(team)
    return membership


@transaction.atomic
def team_membership_remove(*, membership, by):
    """Take someone off an initiative's team; its last lead stays."""
    _initiative_locked(membership.initiative_id)
    TeamMembership.objects.filter(pk=membership.pk).delete()
    _team_led(membership.initiative_id)


# --- Workshops -----------------------------------------------------------------------------------


def _sessions_written(workshop, sessions):
    if sessions is not None:
        _rows_written(AgendaSession, sessions, parent_field="workshop", parent=workshop, key="sessions")
    else:  # its times may have moved: every session still falls within them (AgendaSession.clean)
        stored = AgendaSession.objects.filter(workshop=workshop)
        _rows_still_valid(stored, parent_field="workshop", parent=workshop, key="sessions")


@transaction.atomic
def workshop_create(*, initiative, by, sessions=(), **fields):
    """Create a workshop of an initiative, with its agenda (``sessions``: the list of rows)."""
    workshop = Workshop(initiative=_initiative_locked(initiative.pk), **fields)
    _check_clearance(level=workshop.level, by=by)
    workshop.full_clean()
    workshop.save()
    _sessions_written(workshop, sessions)
    return workshop


@transaction.atomic
def workshop_update(*, workshop, by, sessions=None, **changes):
    """Change a workshop and its agenda (``sessions``: ``None``, or the complete list of rows).

    Moving it (times, zone, place) or cancelling it tells every invitee who has had the invitation:
    the messages are written to the outbox with the change (``_invitees_told``).
    """
    stored = Workshop.objects.select_for_update().filter(pk=workshop.pk).values(*WHERE_AND_WHEN, "status").first()
    for field, value in changes.items():
        setattr(workshop, field, value)
    workshop.initiative = _initiative_locked(workshop.initiative_id)
    _check_clearance(level=workshop.level, by=by)
    workshop.full_clean()
    workshop.save()
    _sessions_written(workshop, sessions)
    _invitees_told(workshop, stored)
    return workshop


# --- Sending invitations, and telling invitees of changes (through the outbox) -------------------------

# What an invitee's calendar holds: a change to any of these is a reschedule.
WHERE_AND_WHEN = ("starts_at", "ends_at", "time_zone", "venue", "city", "country")
# Invitations whose invitee has been told of the workshop, or is about to be.
TOLD = (Invitation.Status.QUEUED, Invitation.Status.SENT, Invitation.Status.ACCEPTED)


def _invitees_told(workshop, stored):
    """After a reschedule or a cancellation: raise the calendar revision and write one message per
    invitee to the outbox (keyed by that revision, so saving twice never tells anyone twice)."""
    if stored is None or stored["status"] not in Workshop.OPEN_STATUSES:
        return
    cancelled = workshop.status == Workshop.Status.CANCELLED
    moved = any(getattr(workshop, field) != stored[field] for field in WHERE_AND_WHEN)
    if not (cancelled or moved):
        return
    Workshop.objects.filter(pk=workshop.pk).update(calendar_sequence=F("calendar_sequence") + 1)
    workshop.refresh_from_db(fields=["calendar_sequence"])
    sequence = workshop.calendar_sequence
    kind = "workshop_cancelled" if cancelled else "workshop_rescheduled"
    invitations = Invitation.objects.filter(workshop=workshop, status__in=TOLD).only("pk")
    data = {"sequence": sequence}
    outbox.enqueue_many(
        outbox.Message(kind=kind, key=f"{kind}:{invitation.pk}:{sequence}", record=invitation, data=data)
        for invitation in invitations.iterator(chunk_size=1000)
    )


def invitations_sendable(invitations):
    """Of these invitations, the drafts that can be e-mailed (the participant has an address)."""
    return invitations.filter(status=Invitation.Status.DRAFT).exclude(participant__email="")


@transaction.atomic
def invitations_send(*, workshop, invitations, by):
    """Send draft invitations of ``workshop``: each becomes *queued* and gets one message in the outbox
    (key ``invitation:<pk>``: an invitation is sent once). Drafts of people without an e-mail address stay
    drafts. A planned workshop moves to *inviting*. Returns how many messages were written."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.status not in Workshop.OPEN_STATUSES:
        raise ValidationError(_("Invitations can only be sent for a workshop that is still open."))
    if workshop.ends_at <= timezone.now():
        raise ValidationError(_("This workshop is over: its invitations can no longer be sent."))
    ids = [invitation.pk for invitation in invitations]
    chosen = invitations_sendable(Invitation.objects.filter(workshop=workshop, pk__in=ids))
    # Vetting is asked again when the invitation goes out: an approval may have expired since the draft.
    cleared = participants_cleared_for(workshop.effective_level, Participant.objects.all())
    lapsed = chosen.exclude(participant__in=cleared).count()
    if lapsed:
        raise ValidationError(
            ngettext(
                "%(count)s of the chosen participants is no longer cleared by vetting for this workshop "
                "(the approval expired or was replaced): remove the draft or renew the vetting first.",
                "%(count)s of the chosen participants are no longer cleared by vetting for this workshop "
                "(the approval expired or was replaced): remove their drafts or renew their vetting first.",
                lapsed,
            )
            % {"count": lapsed},
            code="not_vetted",
        )
    queued = list(chosen.select_for_update().values_list("pk", flat=True))
    if not queued:
        return 0
    Invitation.objects.filter(pk__in=queued).update(status=Invitation.Status.QUEUED, updated_at=timezone.now())
    if workshop.status == Workshop.Status.PLANNED:
        Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.INVITING)
    written = outbox.enqueue_many(
        outbox.Message(kind="invitation", key=f"invitation:{pk}", record=Invitation(pk=pk)) for pk in queued
    )
    return len(written)


def invitation_delivered(invitation, *, kind, now=None):
    """What sending a message changes (called in the transaction that marks it sent): the invitation
    itself makes the invitation *sent*; a reminder is recorded in its history."""
    now = now or timezone.now()
    if kind == "invitation":
        Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.QUEUED).update(
            status=Invitation.Status.SENT, sent_at=now
        )
    elif kind == "reminder_before":
        InvitationReminder.objects.create(invitation=invitation, kind=InvitationReminder.Kind.BEFORE_WORKSHOP)
    elif kind == "reminder_chase":
        InvitationReminder.objects.create(invitation=invitation, kind=InvitationReminder.Kind.CHASE)


@transaction.atomic
def invitation_reminders_enqueue(*, now=None):
    """Write the reminders that are due to the outbox (Celery beat runs this; run twice, or by two beats
    at once, each reminder is still written once: its key decides).

    - Before the workshop, to those who accepted: on each of the workshop's ``reminder_days``, keyed by
      the day and the calendar revision (a rescheduled workshop reminds again on its new dates).
    - To those who have not answered: after ``chase_after_days`` from sending, and again after as many
      days more; two chases at most.
    Returns how many reminders were written.
    """
    now = now or timezone.now()
    open_workshops = Workshop.objects.filter(status__in=Workshop.OPEN_STATUSES, starts_at__gt=now)
    messages = []
    horizon = now + dt.timedelta(days=REMINDER_DAYS_LONGEST + 1)
    accepted = Invitation.objects.filter(
        status=Invitation.Status.ACCEPTED,
        workshop__in=open_workshops.filter(starts_at__lte=horizon),
    ).select_related("workshop")
    for invitation in accepted.iterator(chunk_size=1000):
        workshop = invitation.workshop
        for days in sorted(workshop.reminder_days or []):
            if workshop.starts_at - dt.timedelta(days=days) <= now:
                key = f"reminder_before:{invitation.pk}:{days}:{workshop.calendar_sequence}"
                messages.append(outbox.Message(kind="reminder_before", key=key, record=invitation, data={"days": days}))
                break  # the nearest due day only: a late-added invitee is not reminded three times at once
    unanswered = Invitation.objects.filter(
        status=Invitation.Status.SENT, sent_at__isnull=False, workshop__in=open_workshops
    ).select_related("workshop")
    for invitation in unanswered.iterator(chunk_size=1000):
        waited = now - invitation.sent_at
        chases_due = min(waited // dt.timedelta(days=invitation.workshop.chase_after_days), MAX_CHASES)
        for number in range(1, chases_due + 1):
            key = f"reminder_chase:{invitation.pk}:{number}"
            messages.append(outbox.Message(kind="reminder_chase", key=key, record=invitation, data={"number": number}))
    return len(outbox.enqueue_many(messages))


MAX_CHASES = 2


@transaction.atomic
def invitation_purge_passport_details(*, now=None):
    """Clear the passport details kept for visa letters once their workshop ended long enough ago.

    Idempotent: purged invitations are skipped. Returns how many invitations were purged.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PARLEY_PASSPORT_RETENTION_DAYS)
    return (
        Invitation.objects.filter(workshop__ends_at__lt=cutoff, passport_purged_at__isnull=True)
        .exclude(passport_number="", passport_expires_on__isnull=True)
        .update(passport_number="", passport_expires_on=None, passport_purged_at=now)
    )


# --- Imports: many records at once, one insert per kind of record; documents --------------------------
# Each row is refused as the service that creates one refuses it; the database's own constraints (unique
# values, checks) are held by the insert (``core.db.records_imported``), which refuses the whole import.

INITIATIVE_ROW_LISTS = {"team": TeamMembership, "parties": Party, "fundings": Funding}


@transaction.atomic
def initiatives_import(*, rows):
    """Many new initiatives at once, with their teams, parties and funding (``rows``: dicts of the fields
    ``initiative_create`` takes, ``created_by`` and ``observers`` among them, and ``team``, ``parties`` and
    ``fundings``: lists of a row's fields, as ``initiative_update`` takes them, without ``"id"``).

    As ``initiative_create``, the creator joins the team as lead, and a level above the creator's clearance
    is refused; every member may join and is cleared for the level (``TeamMembership.clean``). Returns the
    initiatives in the order of ``rows``.
    """
    initiatives = []
    listed = {model: ([], []) for model in INITIATIVE_ROW_LISTS.values()}  # model -> (records, row numbers)
    for number, row in enumerate(rows, start=1):
        fields = {name: value for name, value in row.items() if name not in ("observers", *INITIATIVE_ROW_LISTS)}
        initiative = Initiative(**fields)
        try:
            _check_clearance(level=initiative.level, by=initiative.created_by)
        except ValidationError as refusal:
            raise row_refused(number, refusal) from refusal
        initiatives.append(initiative)
        given = {key: list(row.get(key, ())) for key in INITIATIVE_ROW_LISTS}
        given["team"].insert(0, {"user": initiative.created_by, "role": TeamMembership.Role.LEAD})
        for key, model in INITIATIVE_ROW_LISTS.items():
            records, numbers = listed[model]
            for values in given[key]:
                records.append(model(initiative=initiative, **values))
                numbers.append(number)
    records_validated(initiatives, relations=("created_by",))
    for records, numbers in listed.values():
        records_validated(records, relations=("initiative", "user"), numbers=numbers)
    Observer = Initiative.observers.through
    with clash_refused(IMPORT_REFUSED):
        Initiative.objects.bulk_create(initiatives)
        for model, (records, _numbers) in listed.items():
            model.objects.bulk_create(records)
        Observer.objects.bulk_create(
            Observer(initiative=initiative, user=user)
            for initiative, row in zip(initiatives, rows, strict=True)
            for user in row.get("observers", ())
        )
    return initiatives


@transaction.atomic
def workshops_import(*, by, rows):
    """Many new workshops with their agendas at once, in one insert each (``rows``: dicts of the fields
    ``workshop_create`` takes, with ``initiative``, and ``sessions``: the agenda's rows, all new).

    Each row is refused as ``workshop_create`` refuses it: a level above the clearance of ``by``, or what
    the models refuse (``Workshop.clean``: it ends after it starts, is not less confidential than its
    initiative, and is new as planned, inviting, confirmed or held once started; ``AgendaSession.clean``:
    every session falls within its workshop). The initiatives are read again and locked, as
    ``workshop_create`` does. Returns the workshops in the order of ``rows``.
    """
    initiatives = Initiative.objects.select_for_update().in_bulk({row["initiative"].pk for row in rows})
    workshops, sessions, numbers = [], [], []
    for number, row in enumerate(rows, start=1):
        fields = {name: value for name, value in row.items() if name not in ("initiative", "sessions")}
        workshop = Workshop(initiative=initiatives[row["initiative"].pk], **fields)
        try:
            _check_clearance(level=workshop.level, by=by)
        except ValidationError as refusal:
            raise row_refused(number, refusal) from refusal
        workshops.append(workshop)
        for session in row.get("sessions", ()):
            sessions.append(AgendaSession(workshop=workshop, **session))
            numbers.append(number)
    records_validated(workshops, relations=("initiative",))
    records_validated(sessions, relations=("workshop",), numbers=numbers)
    with clash_refused(IMPORT_REFUSED):
        Workshop.objects.bulk_create(workshops)
        AgendaSession.objects.bulk_create(sessions)
    for workshop in workshops:
        workshop.stored_status = workshop.status  # as Workshop.save records it: what a change starts from
    return workshops


@transaction.atomic
def invitations_import(*, rows):
    """Record many invitations as they stand, in one insert (``rows``: dicts of an invitation's fields,
    ``workshop``, ``participant`` and ``party`` given as stored records; status, answers, travel details).
    Each is validated as its model says (the party belongs to the workshop's initiative); one per
    workshop and participant (the insert refuses a second). Returns the invitations in the order of ``rows``."""
    invitations = [Invitation(**row) for row in rows]
    return records_imported(Invitation, invitations, relations=("workshop", "participant", "party"))


@transaction.atomic
def invitation_reminders_record(*, invitations, kind):
    """Record that a reminder of ``kind`` went to the invitee of each of ``invitations``."""
    reminders = [InvitationReminder(invitation=invitation, kind=kind) for invitation in invitations]
    return records_imported(InvitationReminder, reminders, relations=("invitation",))


@transaction.atomic
def documents_import(*, rows):
    """Many new documents at once, each with its first version (``rows``: dicts of the fields
    ``document_create`` takes, with ``by``, who files it and uploads its ``file``, as ``document_version_add``
    takes them). As there, a level above the clearance of ``by`` is refused. Returns the documents in the
    order of ``rows``."""
    documents, versions = [], []
    for number, row in enumerate(rows, start=1):
        document = Document(**{name: value for name, value in row.items() if name not in ("by", "file")})
        try:
            _check_clearance(level=document.level, by=row["by"])
        except ValidationError as refusal:
            raise row_refused(number, refusal) from refusal
        documents.append(document)
        versions.append(DocumentVersion(document=document, number=1, file=row["file"], uploaded_by=row["by"]))
    records_validated(documents, relations=("initiative", "workshop"))
    records_validated(versions, relations=("document", "uploaded_by"))
    with clash_refused(IMPORT_REFUSED):
        Document.objects.bulk_create(documents)
        DocumentVersion.objects.bulk_create(versions)
    return documents


@transaction.atomic
def document_create(*, by, initiative=None, workshop=None, **fields):
    """A document of an initiative or of a workshop (one of the two), at a level no higher than the
    clearance of ``by``. Its content comes in versions (``document_version_add``)."""
    document = Document(initiative=initiative, workshop=workshop, **fields)
    _check_clearance(level=document.level, by=by)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def document_version_add(*, document, file, by):
    """Add ``file`` (a ``File`` with a name) as the next version of ``document``, uploaded by ``by``."""
    _check_clearance(level=document.level, by=by)
    last = document.versions.aggregate(number=Max("number"))["number"] or 0
    version = DocumentVersion(document=document, number=last + 1, file=file, uploaded_by=by)
    version.full_clean()
    with clash_refused():
        version.save()
    return version


# --- One row of an initiative's or a workshop's lists, on its own (the admin's page of a party, a funding,
# a session): written as the whole list with that row added, changed or left out, by the service of the
# record it belongs to, so that the rules of the list hold for it (``initiative_update``, ``workshop_update``).

# Each kind of row: the field naming its record, and the argument under which that record's service takes it.
ROW_LISTS = {
    Party: ("initiative", "parties"),
    Funding: ("initiative", "fundings"),
    AgendaSession: ("workshop", "sessions"),
}


def _row_list_written(model, parent, *, by, rows):
    """Make ``rows`` the complete list of ``model`` rows of ``parent``, through ``parent``'s service."""
    parent_field, argument = ROW_LISTS[model]
    if parent_field == "initiative":
        initiative_update(initiative=_initiative_locked(parent.pk), by=by, **{argument: rows})
    else:
        workshop_update(workshop=Workshop.objects.select_for_update().get(pk=parent.pk), by=by, **{argument: rows})


def _rows_stored(model, parent):
    """The stored rows of ``model`` that belong to ``parent``, as rows of its list (every value given)."""
    parent_field, _argument = ROW_LISTS[model]
    names = [field.name for field in model._meta.concrete_fields if field.name not in ("id", parent_field)]
    stored = model.objects.filter(**{parent_field: parent}).order_by("pk")
    return [{"id": record.pk, **{name: getattr(record, name) for name in names}} for record in stored]


def _row_added(model, parent, fields, *, by):
    stored = _rows_stored(model, parent)
    _row_list_written(model, parent, by=by, rows=[*stored, {"id": None, **fields}])
    parent_field, _argument = ROW_LISTS[model]
    return model.objects.filter(**{parent_field: parent}).exclude(pk__in=[row["id"] for row in stored]).get()


def _row_changed(record, changes, *, by):
    parent_field, _argument = ROW_LISTS[type(record)]
    if parent_field in changes:
        raise TypeError(f"A row stays with its {parent_field}.")
    parent = getattr(record, parent_field)
    rows = [{**row, **changes} if row["id"] == record.pk else row for row in _rows_stored(type(record), parent)]
    _row_list_written(type(record), parent, by=by, rows=rows)
    record.refresh_from_db()
    return record


def _row_removed(record, *, by):
    parent = getattr(record, ROW_LISTS[type(record)][0])
    rows = [row for row in _rows_stored(type(record), parent) if row["id"] != record.pk]
    _row_list_written(type(record), parent, by=by, rows=rows)


@transaction.atomic
def party_create(*, initiative, by, **fields):
    """A party of ``initiative``, with a name of its own there."""
    return _row_added(Party, initiative, fields, by=by)


@transaction.atomic
def party_update(*, party, by, **changes):
    """Change a party (not the initiative it belongs to)."""
    return _row_changed(party, changes, by=by)


@transaction.atomic
def party_delete(*, party, by):
    """Remove a party; one with invitations is kept."""
    _row_removed(party, by=by)


@transaction.atomic
def funding_create(*, initiative, by, **fields):
    return _row_added(Funding, initiative, fields, by=by)


@transaction.atomic
def funding_update(*, funding, by, **changes):
    return _row_changed(funding, changes, by=by)


@transaction.atomic
def funding_delete(*, funding, by):
    _row_removed(funding, by=by)


@transaction.atomic
def agenda_session_create(*, workshop, by, **fields):
    """A session of ``workshop``'s agenda, within the workshop's times."""
    return _row_added(AgendaSession, workshop, fields, by=by)


@transaction.atomic
def agenda_session_update(*, session, by, **changes):
    return _row_changed(session, changes, by=by)


@transaction.atomic
def agenda_session_delete(*, session, by):
    _row_removed(session, by=by)


@transaction.atomic
def workshop_delete(*, workshop, by):
    """Delete a workshop with its agenda, invitations, documents and facilitators' assignments; one with
    outcome reports is kept (the database holds them to it)."""
    with clash_refused(_("This workshop has outcome reports: it cannot be deleted.")):
        workshop.delete()


# --- Single invitations and documents, their changes and deletions (the admin's pages) -----------------


def _invitee_vetted(invitation):
    """A CONFIDENTIAL or higher workshop invites only people whose latest vetting is a current approval
    (``participant_vetting_refusal``): asked whenever someone joins a workshop's invitations."""
    if invitation.workshop_id is None or invitation.participant_id is None:
        return  # refused by the model's own validation
    level = invitation.workshop.effective_level
    refusal = participant_vetting_refusal(invitation.participant_id, level)
    if refusal is not None:
        message = _("This participant cannot be invited to a workshop of level %(level)s: %(reason)s")
        params = {"level": Level(level).label, "reason": refusal}
        raise ValidationError({"participant": ValidationError(message, code="not_vetted", params=params)})


@transaction.atomic
def invitation_create(*, by, **fields):
    """One invitation as it stands (``invitations_import`` records many): its party belongs to the
    workshop's initiative (``Invitation.clean``); one per workshop and participant; for a CONFIDENTIAL or
    higher workshop, the participant's vetting is a current approval (``_invitee_vetted``)."""
    invitation = Invitation(**fields)
    _invitee_vetted(invitation)
    return record_saved(invitation, {})


@transaction.atomic
def invitation_update(*, invitation, by, **changes):
    """Change an invitation; one given another participant or workshop is asked the vetting rule again
    (``_invitee_vetted``)."""
    before = (invitation.participant_id, invitation.workshop_id)
    for field, value in changes.items():
        setattr(invitation, field, value)
    if (invitation.participant_id, invitation.workshop_id) != before:
        _invitee_vetted(invitation)
    return record_saved(invitation, {})


@transaction.atomic
def invitation_delete(*, invitation, by):
    """Delete an invitation with the record of its reminders."""
    invitation.delete()


@transaction.atomic
def document_update(*, document, by, **changes):
    """Change a document (its level no higher than the clearance of ``by``)."""
    _check_clearance(level=changes.get("level", document.level), by=by)
    return record_saved(document, changes)


@transaction.atomic
def document_delete(*, document, by):
    """Delete a document with all its versions."""
    document.delete()


@transaction.atomic
def document_version_delete(*, version, by):
    """Delete one version of a document (a file uploaded by mistake); the others keep their numbers."""
    version.delete()


# --- Answering an invitation (the signed RSVP link: dialogues.rsvp) -------------------------------------


@transaction.atomic
def invitation_respond(
    *,
    invitation,
    accepted,
    needs_visa_letter=False,
    needs_travel_support=False,
    dietary_requirements="",
    interpretation_language="",
    sequence=None,
):
    """Record the invitee's answer, and write its confirmation to the outbox in the same transaction.

    Refused while answering is closed (``rsvp.answering_closed``: withdrawn, the workshop started, held or
    cancelled) and, when ``sequence`` is given, if the link it came from was spent meanwhile (two answers
    sent at once with the same link: the second is refused). The answer may be changed while answering is
    open. It raises ``token_sequence``, so every earlier link is spent; the confirmation carries a new one.
    The logistics needs are what attending needs: a decline keeps none of them. Returns the invitation.
    """
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("workshop").get(pk=invitation.pk)
    if rsvp.answering_closed(invitation):
        raise ValidationError(_("Answering this invitation is closed."))
    if sequence is not None and sequence != invitation.token_sequence:
        raise ValidationError(_("This link has been used already: please use the latest one you were sent."))
    if not accepted:
        needs_visa_letter = needs_travel_support = False
        dietary_requirements = interpretation_language = ""
    invitation.status = Invitation.Status.ACCEPTED if accepted else Invitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.needs_visa_letter = bool(needs_visa_letter)
    invitation.needs_travel_support = bool(needs_travel_support)
    invitation.dietary_requirements = dietary_requirements
    invitation.interpretation_language = interpretation_language
    invitation.needs_interpretation = bool(interpretation_language)
    invitation.token_sequence += 1
    answered = ("dietary_requirements", "interpretation_language")
    invitation.clean_fields(exclude=[field.name for field in Invitation._meta.fields if field.name not in answered])
    invitation.save(
        update_fields=[
            "status",
            "responded_at",
            "needs_visa_letter",
            "needs_travel_support",
            "dietary_requirements",
            "interpretation_language",
            "needs_interpretation",
            "token_sequence",
            "updated_at",
        ]
    )
    outbox.enqueue(
        kind="rsvp_confirmation",
        key=f"rsvp_confirmation:{invitation.pk}:{invitation.token_sequence}",
        record=invitation,
        data={"accepted": bool(accepted)},
    )
    return invitation


# --- Choosing whom to invite: drafts added to a party's delegation, moved, removed (the workshop page) ---


def _workshop_of_invitations(workshop, by, *, must_be_open=True):
    """``workshop`` read again and locked (as ``invitations_send`` locks it: adding and sending wait for
    each other), managed by ``by`` (``selectors.workshop_can_manage``) and, with ``must_be_open``, open."""
    workshop = Workshop.objects.select_for_update(of=("self",)).select_related("initiative").get(pk=workshop.pk)
    if not selectors.workshop_can_manage(by, workshop):
        raise ValidationError(_("You may not change the invitations of this workshop."), code="not_manager")
    if must_be_open and workshop.status not in Workshop.OPEN_STATUSES:
        raise ValidationError(
            _("This workshop is %(status)s: its delegations can no longer change.")
            % {"status": workshop.get_status_display().lower()},
            code="workshop_closed",
        )
    return workshop


def _party_checked(workshop, party):
    """``party`` as stored, if it is one of the parties of the workshop's initiative."""
    stored = Party.objects.filter(pk=getattr(party, "pk", None), initiative_id=workshop.initiative_id).first()
    if stored is None:
        raise ValidationError(
            {"party": ValidationError(_("Choose one of the parties of this workshop's initiative."), code="party")}
        )
    return stored


@transaction.atomic
def invitation_add(*, workshop, participant, party, by):
    """Add ``participant`` to the delegation of ``party`` at ``workshop``, as a draft (nothing is sent: see
    ``invitations_send``).

    Refused unless ``by`` may manage the workshop and it is open (planned, inviting or confirmed), the
    participant is one ``by`` may see, the party belongs to the workshop's initiative, the participant is
    not invited already (one invitation per workshop and participant) and, for a CONFIDENTIAL or higher
    workshop, their latest vetting is an approval that has not expired (``vetting_refusal``).
    """
    workshop = _workshop_of_invitations(workshop, by)
    person = (
        Participant.objects.visible_to(by)
        .with_identity_for(by)
        .with_vetting_status()
        .filter(pk=getattr(participant, "pk", None))
        .first()
    )
    if person is None:  # hidden and missing alike
        raise ValidationError({"participant": ValidationError(_("This participant was not found."), code="missing")})
    party = _party_checked(workshop, party)
    invited = Invitation.objects.filter(workshop=workshop, participant=person).select_related("party").first()
    already = _("%(name)s is already invited to this workshop (delegation of %(party)s, %(status)s).")
    if invited is not None:
        params = {"name": person.display_name, "party": invited.party.name, "status": invited.get_status_display()}
        raise ValidationError({"participant": ValidationError(already, code="already_invited", params=params)})
    refusal = vetting_refusal(workshop.effective_level, person.vetting_status, person.vetting_expires_at)
    if refusal is not None:
        message = _("%(name)s cannot be invited to a workshop of level %(level)s: %(reason)s")
        params = {"name": person.display_name, "level": Level(workshop.effective_level).label, "reason": refusal}
        raise ValidationError({"participant": ValidationError(message, code="not_vetted", params=params)})
    invitation = Invitation(workshop=workshop, participant=person, party=party, status=Invitation.Status.DRAFT)
    invitation.clean()
    clash = already % {"name": person.display_name, "party": party.name, "status": Invitation.Status.DRAFT.label}
    with clash_refused(clash):  # invited by someone else at the same moment
        invitation.save()
    return invitation


@transaction.atomic
def invitation_change_party(*, invitation, party, by):
    """Move an invitation to the delegation of another party of the workshop's initiative, while the
    workshop is open."""
    workshop_id = Invitation.objects.filter(pk=invitation.pk).values_list("workshop_id", flat=True).first()
    if workshop_id is None:
        raise ValidationError(_("This invitation was removed meanwhile."), code="missing")
    workshop = _workshop_of_invitations(Workshop(pk=workshop_id), by)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    party = _party_checked(workshop, party)
    if invitation.party_id != party.pk:
        invitation.party = party
        invitation.save(update_fields=["party", "updated_at"])
    return invitation


@transaction.atomic
def invitation_remove(*, invitation, by):
    """Remove a draft invitation (it was never sent: nobody is told). An invitation that has gone out stays
    on record: it is withdrawn, not removed."""
    workshop_id = Invitation.objects.filter(pk=invitation.pk).values_list("workshop_id", flat=True).first()
    if workshop_id is None:
        raise ValidationError(_("This invitation was removed meanwhile."), code="missing")
    _workshop_of_invitations(Workshop(pk=workshop_id), by, must_be_open=False)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be removed; this invitation is %(status)s. Withdraw it instead.")
            % {"status": invitation.get_status_display().lower()},
            code="not_draft",
        )
    invitation.delete()


# --- Attendance: who came, marked once the workshop has started -----------------------------------------

LARGEST_ID = 2**31 - 1  # an id beyond the database's integers is no record, never an error
ATTENDANCE_NOT_ON_LIST = _(
    "Some of the marks are for invitations that are not on this workshop's attendance list (not accepted, "
    "removed, or another workshop's). Nothing was saved: reload the page and mark again."
)


@transaction.atomic
def attendance_record(*, workshop, marks, by, now=None):
    """Mark who came to ``workshop``: ``marks`` maps invitation ids to ``"attended"`` or ``"no_show"``.

    Refused as a whole, nothing written, unless ``by`` may record its attendance (its assigned facilitators
    and those who manage it: ``selectors.attendance_can_record``), it has started and was not cancelled, and
    every id is of an invitation of this workshop that was accepted (or marked already: a mark can be
    corrected) of a participant ``by`` may see. Each invitation whose mark changes records when and by
    whom. Returns how many invitations changed.
    """
    now = now or timezone.now()
    workshop = Workshop.objects.select_related("initiative").get(pk=workshop.pk)
    if not selectors.attendance_can_record(by, workshop):
        raise ValidationError(_("You may not record the attendance of this workshop."), code="not_recorder")
    if workshop.status == Workshop.Status.CANCELLED:
        raise ValidationError(_("This workshop was cancelled: there is no attendance to record."), code="cancelled")
    if workshop.starts_at > now:
        raise ValidationError(_("Attendance can be recorded once the workshop has started."), code="not_started")
    ids = list(marks)
    if not all(type(pk) is int and 0 < pk <= LARGEST_ID for pk in ids):
        raise ValidationError(ATTENDANCE_NOT_ON_LIST, code="not_on_list")
    if any(mark not in selectors.ATTENDANCE_MARKS for mark in marks.values()):
        raise ValidationError(_("Mark each invitee as attended or no-show."), code="unknown_mark")
    markable = Invitation.objects.select_for_update(of=("self",)).filter(
        workshop=workshop,
        pk__in=ids,
        status__in=selectors.ATTENDANCE_STATUSES,
        participant__in=Participant.objects.visible_to(by).values("pk"),
    )
    found = {invitation.pk: invitation for invitation in markable}
    if found.keys() != set(ids):
        raise ValidationError(ATTENDANCE_NOT_ON_LIST, code="not_on_list")
    changed = []
    for pk, mark in marks.items():
        invitation = found[pk]
        if invitation.status != mark:
            invitation.status = mark
            invitation.attendance_recorded_at = invitation.updated_at = now
            invitation.attendance_recorded_by = by
            changed.append(invitation)
    Invitation.objects.bulk_update(
        changed, ["status", "attendance_recorded_at", "attendance_recorded_by", "updated_at"]
    )
    return len(changed)
