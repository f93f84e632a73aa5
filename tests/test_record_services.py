"""The services that record invitations, documents, vetting, sanctions screening and outcomes as they
stand (written for the demo data, ready for the pages to come) refuse what their models refuse."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from core.levels import Level
from dialogues.models import Document, Invitation, InvitationReminder
from dialogues.services import (
    document_create,
    document_version_add,
    invitation_reminders_record,
    invitations_import,
)
from facilitators.models import OutcomeReport
from facilitators.services import (
    action_item_create,
    assignment_create,
    facilitator_create,
    outcome_report_create,
    track_one_briefing_create,
)
from participants.models import ConsentRecord, Participant, VettingCase
from participants.services import (
    consent_records_import,
    participants_import,
    sanctions_entry_create,
    sanctions_hit_create,
    vetting_cases_import,
)

from . import factories

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


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
            report=factories.OutcomeReportFactory(),
            briefed_by=cleared_staff,
            recipient="Office of the Special Envoy",
            briefing_level="senior_official",
            briefed_on=dt.date.today(),
            shared="",
        )
