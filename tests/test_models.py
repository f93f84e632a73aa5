"""Constraints held by the database itself, whatever code writes the rows."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.levels import Level
from dialogues.models import Document, Workshop
from participants.models import Participant, VettingCase

from . import factories as f

pytestmark = pytest.mark.django_db


def violates(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_a_workshop_must_end_after_it_starts():
    start = timezone.now()
    violates(lambda: f.WorkshopFactory(starts_at=start, ends_at=start))


def test_capacity_cannot_be_negative():
    workshop = f.WorkshopFactory()
    violates(lambda: Workshop.objects.filter(pk=workshop.pk).update(capacity=-1))


def test_levels_are_limited_to_the_known_ones():
    violates(lambda: f.InitiativeFactory(level=99))


def test_a_participant_is_invited_once_per_workshop():
    invitation = f.InvitationFactory()
    violates(lambda: f.InvitationFactory(workshop=invitation.workshop, participant=invitation.participant))


def test_a_high_risk_participant_needs_a_codename():
    violates(lambda: f.ParticipantFactory(risk_level=Participant.RiskLevel.HIGH, codename=""))


def test_codenames_and_emails_are_unique_when_given():
    f.ParticipantFactory(codename="OSPREY", email="a@example.org")
    violates(lambda: f.ParticipantFactory(codename="OSPREY"))
    violates(lambda: f.ParticipantFactory(email="a@example.org"))
    # Blank codenames and e-mails do not collide.
    f.ParticipantFactory(codename="", email="")
    f.ParticipantFactory(codename="", email="")


def test_a_document_is_attached_to_exactly_one_thing():
    workshop = f.WorkshopFactory()
    violates(lambda: Document.objects.create(initiative=workshop.initiative, workshop=workshop, title="x"))
    violates(lambda: Document.objects.create(title="x"))


def test_a_decided_vetting_case_has_a_decision_date_and_approvals_expire():
    participant = f.ParticipantFactory()
    violates(lambda: f.VettingCaseFactory(participant=participant, status=VettingCase.Status.REJECTED))
    now = timezone.now()
    violates(lambda: f.VettingCaseFactory(participant=participant, status=VettingCase.Status.APPROVED, decided_at=now))
    violates(
        lambda: f.VettingCaseFactory(
            participant=participant, status=VettingCase.Status.APPROVED, decided_at=now, expires_at=now
        )
    )
    case = f.VettingCaseFactory(
        participant=participant,
        status=VettingCase.Status.APPROVED,
        decided_at=now,
        expires_at=now + dt.timedelta(days=365),
    )
    assert case.is_current_approval


def test_approval_with_conditions_states_them():
    now = timezone.now()
    violates(
        lambda: f.VettingCaseFactory(
            status=VettingCase.Status.APPROVED_WITH_CONDITIONS, decided_at=now, expires_at=now + dt.timedelta(days=1)
        )
    )


def test_funding_is_in_an_iso_currency_over_an_ordered_period():
    violates(lambda: f.FundingFactory(currency="eur"))
    violates(lambda: f.FundingFactory(amount=-5))
    violates(lambda: f.FundingFactory(starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 4, 1)))


def test_a_sanctions_hit_is_resolved_by_someone():
    hit = f.SanctionsHitFactory()
    hit.status = "cleared"
    violates(hit.save)


def test_purged_passport_details_stay_empty():
    invitation = f.InvitationFactory(passport_number="X1234567")
    invitation.passport_purged_at = timezone.now()
    violates(invitation.save)


def test_model_validation_keeps_a_workshop_at_or_above_its_initiative_level():
    workshop = f.WorkshopFactory.build(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL), level=Level.INTERNAL)
    with pytest.raises(ValidationError) as error:
        workshop.full_clean()
    assert "level" in error.value.message_dict


def test_an_invitation_party_belongs_to_the_workshop_initiative():
    invitation = f.InvitationFactory.build(workshop=f.WorkshopFactory(), party=f.PartyFactory())
    with pytest.raises(ValidationError) as error:
        invitation.clean()
    assert "party" in error.value.message_dict


def test_workshop_times_are_shown_in_the_venue_time_zone():
    workshop = f.WorkshopFactory(time_zone="Asia/Muscat", starts_at=dt.datetime(2027, 1, 10, 5, 0, tzinfo=dt.UTC))
    assert workshop.local_starts_at.hour == 9
    assert workshop.local_starts_at.utcoffset() == dt.timedelta(hours=4)


def test_an_unknown_time_zone_is_rejected():
    workshop = f.WorkshopFactory.build(initiative=f.InitiativeFactory(), time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as error:
        workshop.full_clean()
    assert "time_zone" in error.value.message_dict
