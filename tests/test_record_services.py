"""The services that record invitations, documents, vetting, sanctions screening and outcomes as they
stand (written for the demo data, ready for the pages to come) refuse what their models refuse."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.levels import Level, Role
from dialogues.models import Document, Initiative, Invitation, InvitationReminder, TeamMembership, Workshop
from dialogues.services import (
    document_create,
    document_version_add,
    documents_import,
    initiatives_import,
    invitation_reminders_record,
    invitations_import,
    workshops_import,
)
from facilitators.models import OutcomeReport
from facilitators.services import (
    action_item_create,
    assignment_create,
    facilitator_create,
    outcome_report_create,
    track_one_briefing_create,
)
from participants.models import ConsentRecord, Organization, Participant, SanctionsHit, VettingCase
from participants.services import (
    consent_records_import,
    organizations_import,
    participant_create,
    participants_import,
    sanctions_entries_import,
    sanctions_entry_create,
    sanctions_hit_create,
    sanctions_hits_import,
    vetting_cases_import,
)

from . import factories

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


def queries_of(action):
    """How many queries ``action()`` runs."""
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


@pytest.fixture
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def workshop_row(initiative, *, days=30, sessions=1, **fields):
    starts_at = timezone.now() + dt.timedelta(days=days)
    return {
        "initiative": initiative,
        "title": f"Round {days}",
        "country": "CH",
        "time_zone": "Europe/Zurich",
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(days=1),
        "level": initiative.level,
        "sessions": [
            {"title": f"Session {n}", "starts_at": starts_at, "ends_at": starts_at + dt.timedelta(hours=1)}
            for n in range(sessions)
        ],
        **fields,
    }


# dialogues -----------------------------------------------------------------------------------------


def test_an_invitation_in_a_party_of_another_initiative_is_refused():
    workshop = factories.WorkshopFactory()
    elsewhere = factories.PartyFactory()
    row = {"workshop": workshop, "participant": factories.ParticipantFactory(), "party": elsewhere}

    with pytest.raises(ValidationError, match="Row 1"):
        invitations_import(rows=[row])
    assert not Invitation.objects.exists()


def test_a_second_invitation_to_the_same_workshop_is_refused():
    invitation = factories.InvitationFactory()
    row = {"workshop": invitation.workshop, "participant": invitation.participant, "party": invitation.party}

    with pytest.raises(ValidationError):
        invitations_import(rows=[row])
    assert Invitation.objects.count() == 1


def test_a_reminder_of_an_unknown_kind_is_refused():
    invitation = factories.InvitationFactory()

    with pytest.raises(ValidationError):
        invitation_reminders_record(invitations=[invitation], kind="carrier pigeon")
    assert not InvitationReminder.objects.exists()


def test_a_document_attached_to_nothing_is_refused(cleared_staff):
    with pytest.raises(ValidationError):
        document_create(by=cleared_staff, title="Loose paper", level=Level.INTERNAL)
    assert not Document.objects.exists()


def test_a_document_above_the_clearance_of_who_files_it_is_refused(staff):
    initiative = factories.InitiativeFactory(level=Level.INTERNAL)

    with pytest.raises(ValidationError):
        document_create(by=staff, initiative=initiative, title="Secret annex", level=Level.CONFIDENTIAL)


def test_a_document_version_from_someone_not_cleared_for_the_document_is_refused(staff):
    document = factories.DocumentFactory(level=Level.CONFIDENTIAL)

    with pytest.raises(ValidationError):
        document_version_add(document=document, file=ContentFile(b"%PDF-", name="annex.pdf"), by=staff)
    assert not document.versions.exists()


def test_workshops_are_imported_with_their_agendas(cleared_staff):
    initiative = factories.InitiativeFactory()

    workshops = workshops_import(
        by=cleared_staff, rows=[workshop_row(initiative, sessions=2), workshop_row(initiative)]
    )

    assert [workshop.sessions.count() for workshop in workshops] == [2, 1]
    assert Workshop.objects.filter(initiative=initiative).count() == 2


def test_a_workshop_import_with_a_session_outside_its_workshop_is_refused_and_names_the_row(cleared_staff):
    initiative = factories.InitiativeFactory()
    late = workshop_row(initiative, days=40)
    late["sessions"][0]["starts_at"] += dt.timedelta(days=3)
    late["sessions"][0]["ends_at"] += dt.timedelta(days=3)

    with pytest.raises(ValidationError, match="Row 2: A session must fall within the workshop"):
        workshops_import(by=cleared_staff, rows=[workshop_row(initiative), late])
    assert not Workshop.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"level": Level.INTERNAL},  # below its CONFIDENTIAL initiative
        {"status": Workshop.Status.CANCELLED},  # a new workshop is not cancelled
        {"status": Workshop.Status.HELD},  # not started yet
        {"time_zone": "Mars/Olympus"},
    ],
)
def test_a_workshop_import_refuses_what_workshop_create_refuses(cleared_staff, fields):
    initiative = factories.InitiativeFactory(level=Level.CONFIDENTIAL)

    with pytest.raises(ValidationError, match="Row 1"):
        workshops_import(by=cleared_staff, rows=[workshop_row(initiative, **fields)])
    assert not Workshop.objects.exists()


def test_a_workshop_import_above_the_importers_clearance_is_refused(make_user):
    initiative = factories.InitiativeFactory(level=Level.CONFIDENTIAL)
    importer = make_user(Role.STAFF, Level.INTERNAL)

    with pytest.raises(ValidationError, match="Row 1"):
        workshops_import(by=importer, rows=[workshop_row(initiative)])
    assert not Workshop.objects.exists()


def test_initiatives_are_imported_with_their_creator_as_lead_and_their_lists(cleared_staff, observer):
    row = {
        "created_by": cleared_staff,
        "observers": [observer],
        "codename": "LANTERN",
        "title": "Lantern dialogue",
        "conflict": "Fictional",
        "level": Level.CONFIDENTIAL,
        "parties": [{"name": "North"}, {"name": "South"}],
        "fundings": [
            {
                "donor": "Fund",
                "amount": 1000,
                "currency": "EUR",
                "starts_on": dt.date(2026, 1, 1),
                "ends_on": dt.date(2026, 12, 31),
            }
        ],
    }

    [initiative] = initiatives_import(rows=[row])

    assert list(initiative.team_memberships.values_list("user", "role")) == [
        (cleared_staff.pk, TeamMembership.Role.LEAD)
    ]
    assert sorted(initiative.parties.values_list("name", flat=True)) == ["North", "South"]
    assert initiative.fundings.count() == 1
    assert list(initiative.observers.all()) == [observer]


def test_an_initiative_import_with_a_team_member_not_cleared_for_its_level_is_refused(cleared_staff, staff):
    row = {
        "created_by": cleared_staff,
        "codename": "LANTERN",
        "title": "Lantern dialogue",
        "conflict": "Fictional",
        "level": Level.CONFIDENTIAL,
        "team": [{"user": staff, "role": TeamMembership.Role.ADVISOR}],
    }

    with pytest.raises(ValidationError, match="Row 1: .* is cleared for Internal only"):
        initiatives_import(rows=[row])
    assert not Initiative.objects.exists()


def test_an_initiative_import_above_its_creators_clearance_is_refused(staff):
    row = {
        "created_by": staff,
        "codename": "LANTERN",
        "title": "Lantern",
        "conflict": "Fictional",
        "level": Level.CONFIDENTIAL,
    }

    with pytest.raises(ValidationError, match="Row 1"):
        initiatives_import(rows=[row])
    assert not Initiative.objects.exists()


@pytest.mark.usefixtures("_media_root")
def test_documents_are_imported_with_their_file_as_version_one(cleared_staff):
    initiative = factories.InitiativeFactory()
    row = {"initiative": initiative, "title": "Annex", "level": Level.CONFIDENTIAL, "by": cleared_staff}

    [document] = documents_import(rows=[{**row, "file": ContentFile(b"%PDF-1.4", name="annex.pdf")}])

    version = document.versions.get()
    assert (version.number, version.uploaded_by) == (1, cleared_staff)
    with version.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4"


@pytest.mark.usefixtures("_media_root")
def test_a_document_import_above_the_clearance_of_who_files_it_is_refused(staff):
    initiative = factories.InitiativeFactory(level=Level.INTERNAL)
    row = {"initiative": initiative, "title": "Secret annex", "level": Level.CONFIDENTIAL, "by": staff}

    with pytest.raises(ValidationError, match="Row 1"):
        documents_import(rows=[{**row, "file": ContentFile(b"%PDF-", name="annex.pdf")}])
    assert not Document.objects.exists()


# participants --------------------------------------------------------------------------------------


def test_importing_a_participant_above_the_importers_clearance_is_refused(staff):
    row = {"full_name": "Ana Petrović", "email": "ana@example.org", "level": Level.CONFIDENTIAL}

    with pytest.raises(ValidationError) as refused:
        participants_import(by=staff, rows=[row])
    assert "level" in refused.value.error_dict
    assert not Participant.objects.exists()


def test_importing_a_participant_whose_email_is_taken_is_refused(admin_user):
    taken = factories.ParticipantFactory(email="ana@example.org")
    row = {"full_name": "Ana Petrović", "email": "ANA@example.org", "level": Level.INTERNAL}

    with pytest.raises(ValidationError) as refused:
        participants_import(by=admin_user, rows=[row])
    assert "email" in refused.value.error_dict
    assert list(Participant.objects.all()) == [taken]


def test_importing_a_participant_whose_codename_is_taken_is_refused_as_participant_create_refuses_it(admin_user):
    factories.ParticipantFactory(codename="HERON")
    row = {"full_name": "Ana Petrović", "email": "ana@example.org", "codename": "heron", "level": Level.INTERNAL}

    with pytest.raises(ValidationError) as imported:
        participants_import(by=admin_user, rows=[row])
    with pytest.raises(ValidationError) as created:
        participant_create(by=admin_user, **row)
    assert imported.value.message_dict["codename"] == created.value.message_dict["codename"]
    assert Participant.objects.count() == 1


@pytest.mark.parametrize("field", ["email", "codename"])
def test_two_rows_of_one_import_with_the_same_value_whatever_its_case_are_refused(admin_user, field):
    rows = [
        {"full_name": "Ana Petrović", "email": "ana@example.org", "codename": "HERON"},
        {"full_name": "Ana Petrovic", "email": "other@example.org", "codename": "OTHER"},
    ]
    rows[1][field] = rows[0][field].swapcase()

    with pytest.raises(ValidationError) as refused:
        participants_import(by=admin_user, rows=rows)
    assert list(refused.value.error_dict) == [field]
    assert not Participant.objects.exists()


def test_importing_an_organisation_whose_name_is_taken_in_its_country_is_refused(admin_user):
    factories.OrganizationFactory(name="Institute for Dialogue", country="CH")
    elsewhere = {"name": "INSTITUTE FOR DIALOGUE", "kind": Organization.Kind.NGO, "country": "NO"}

    organizations_import(by=admin_user, rows=[elsewhere])
    with pytest.raises(ValidationError, match="already exists"):
        organizations_import(by=admin_user, rows=[{**elsewhere, "country": "CH"}])
    with pytest.raises(ValidationError, match="already exists"):
        organizations_import(by=admin_user, rows=[{**elsewhere, "country": "SE"}, {**elsewhere, "country": "SE"}])
    assert Organization.objects.count() == 2


def test_a_consent_withdrawn_before_it_was_given_is_refused(admin_user):
    participant = factories.ParticipantFactory()
    row = {
        "participant": participant,
        "kind": ConsentRecord.Kind.PHOTOGRAPHY,
        "given_at": days_ago(1),
        "withdrawn_at": days_ago(2),
    }

    with pytest.raises(ValidationError):
        consent_records_import(by=admin_user, rows=[row])
    assert not ConsentRecord.objects.exists()


def test_an_approval_without_an_expiry_is_refused(admin_user):
    row = {
        "participant": factories.ParticipantFactory(),
        "status": VettingCase.Status.APPROVED,
        "reviewer": admin_user,
        "decided_at": days_ago(1),
    }

    with pytest.raises(ValidationError):
        vetting_cases_import(rows=[row])
    assert not VettingCase.objects.exists()


def test_a_sanctions_entry_with_a_reference_already_listed_is_refused():
    listed = factories.SanctionsEntryFactory()

    with pytest.raises(ValidationError):
        sanctions_entry_create(source=listed.source, reference=listed.reference, name="Someone else")


def test_a_sanctions_hit_resolved_by_nobody_is_refused():
    with pytest.raises(ValidationError):
        sanctions_hit_create(
            participant=factories.ParticipantFactory(),
            entry=factories.SanctionsEntryFactory(),
            score=Decimal("80"),
            status="cleared",
        )


def test_importing_a_sanctions_entry_already_listed_or_a_hit_resolved_by_nobody_is_refused():
    listed = factories.SanctionsEntryFactory()
    hit = {"participant": factories.ParticipantFactory(), "entry": listed, "score": Decimal("80"), "status": "cleared"}

    with pytest.raises(ValidationError):
        sanctions_entries_import(rows=[{"source": listed.source, "reference": listed.reference, "name": "Someone"}])
    with pytest.raises(ValidationError):
        sanctions_hits_import(rows=[hit])
    assert not SanctionsHit.objects.exists()


# facilitators --------------------------------------------------------------------------------------


def test_a_facilitator_with_a_language_parley_does_not_know_is_refused(facilitator_user):
    with pytest.raises(ValidationError):
        facilitator_create(user=facilitator_user, languages=["tlh"])


def test_assigning_a_facilitator_twice_to_a_workshop_is_refused():
    assignment = factories.AssignmentFactory()

    with pytest.raises(ValidationError):
        assignment_create(workshop=assignment.workshop, facilitator=assignment.facilitator)


def test_an_approved_report_without_who_approved_it_is_refused(cleared_staff):
    workshop = factories.WorkshopFactory()

    with pytest.raises(ValidationError):
        outcome_report_create(
            workshop=workshop, author=cleared_staff, status=OutcomeReport.Status.APPROVED, submitted_at=days_ago(1)
        )
    assert not OutcomeReport.objects.exists()


def test_a_report_keeps_its_text_as_version_one(cleared_staff):
    report = outcome_report_create(workshop=factories.WorkshopFactory(), author=cleared_staff, summary="Agreed.")

    version = report.versions.get()
    assert (version.number, version.content["summary"], version.saved_by) == (1, "Agreed.", cleared_staff)


def test_an_action_item_of_an_unknown_status_is_refused():
    with pytest.raises(ValidationError):
        action_item_create(report=factories.OutcomeReportFactory(), title="Follow up", status="someday")


def test_a_briefing_that_says_nothing_of_what_was_shared_is_refused(cleared_staff):
    with pytest.raises(ValidationError):
        track_one_briefing_create(
            user=cleared_staff,
            report=factories.OutcomeReportFactory(),
            recipient="Office of the Special Envoy",
            briefing_level="senior_official",
            briefed_on=dt.date.today(),
            shared="",
        )


# Imports at any size -------------------------------------------------------------------------------


def participant_rows(n, tag):
    return [
        {
            "full_name": f"Person {tag} {i}",
            "email": f"person-{tag}-{i}@example.org",
            "codename": f"KITE-{tag}-{i}" if i % 2 else "",
            "nationality": ("LB", "NO", "CL")[i % 3],
            "languages": ["en", "fr"],
            "level": Level.INTERNAL,
        }
        for i in range(n)
    ]


def import_of(kind, n, tag, admin_user):
    """What it takes to import ``n`` rows of ``kind`` (records they refer to are stored first)."""
    if kind == "participants":
        rows = participant_rows(n, tag)
        return lambda: participants_import(by=admin_user, rows=rows)
    if kind == "organisations":
        rows = [{"name": f"Institute {tag} {i}", "kind": Organization.Kind.NGO, "country": "CH"} for i in range(n)]
        return lambda: organizations_import(by=admin_user, rows=rows)
    if kind == "workshops":
        initiative = factories.InitiativeFactory()
        rows = [workshop_row(initiative, days=10 + i, sessions=3) for i in range(n)]
        return lambda: workshops_import(by=admin_user, rows=rows)
    if kind == "initiatives":
        rows = [
            {
                "created_by": admin_user,
                "codename": f"LANTERN-{tag}-{i}",
                "title": "Lantern",
                "conflict": "Fictional",
                "parties": [{"name": "North"}, {"name": "South"}],
            }
            for i in range(n)
        ]
        return lambda: initiatives_import(rows=rows)
    participants = participants_import(by=admin_user, rows=participant_rows(n, tag))
    if kind == "consents":
        rows = [
            {"participant": p, "kind": ConsentRecord.Kind.DATA_PROCESSING, "given_at": days_ago(1)}
            for p in participants
        ]
        return lambda: consent_records_import(by=admin_user, rows=rows)
    if kind == "vetting cases":
        rows = [{"participant": p, "status": VettingCase.Status.PENDING} for p in participants]
        return lambda: vetting_cases_import(rows=rows)
    party = factories.PartyFactory()
    workshop = factories.WorkshopFactory(initiative=party.initiative)
    rows = [{"workshop": workshop, "participant": p, "party": party} for p in participants]
    return lambda: invitations_import(rows=rows)


@pytest.mark.parametrize(
    "kind",
    ["participants", "organisations", "workshops", "initiatives", "consents", "vetting cases", "invitations"],
)
def test_an_import_of_fifty_rows_runs_as_many_queries_as_one_of_five(admin_user, kind):
    five, fifty = import_of(kind, 5, "a", admin_user), import_of(kind, 50, "b", admin_user)

    assert queries_of(five) == queries_of(fifty)
