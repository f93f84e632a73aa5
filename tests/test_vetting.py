"""Vetting in Parley's own pages (issue 16): the rules of the services, the queue and the case page, and who
reaches them (admins cleared for CONFIDENTIAL records; to everyone else they do not exist)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, RiskLevel, Role
from dialogues.models import Invitation
from dialogues.services import invitation_create
from participants import services
from participants.models import SanctionsHit, VettingCase, VettingCaseEvent
from participants.querysets import ParticipantQuerySet
from participants.selectors import participant_vetting_refusal

from . import factories as f

pytestmark = pytest.mark.django_db

ALL_CHECKS = {
    "identity_checked": True,
    "references_checked": True,
    "conflict_of_interest_checked": True,
    "sanctions_screened": True,
    "references": "Two former colleagues vouched for them.",
    "conflict_of_interest": "None declared.",
    "risk_assessment": RiskLevel.LOW,
    "risk_rationale": "Public figure with a long record in civil society.",
}
QUEUE_URL = reverse("participants:vetting-queue")


@pytest.fixture
def second_admin(make_user):
    return make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True, full_name="Second Admin")


@pytest.fixture
def third_admin(make_user):
    return make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True, full_name="Third Admin")


def case_url(case):
    return reverse("participants:vetting-case", args=[case.pk])


def checked_case(admin, participant=None, **overrides):
    """A case of ``participant`` with every check recorded by ``admin`` (in review)."""
    case = services.vetting_case_open(participant=participant or f.ParticipantFactory(), by=admin)
    return services.vetting_case_record(case=case, by=admin, **{**ALL_CHECKS, **overrides})


def proposed_for_strictly_confidential(participant, **invitation):
    workshop = f.WorkshopFactory(
        initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL), level=Level.STRICTLY_CONFIDENTIAL
    )
    return f.InvitationFactory(workshop=workshop, participant=participant, **invitation)


def refused(call, *, code=None):
    with pytest.raises(ValidationError) as refusal:
        call()
    if code is not None:
        codes = (
            [error.code for error in refusal.value.error_list]
            if not hasattr(refusal.value, "error_dict")
            else [error.code for errors in refusal.value.error_dict.values() for error in errors]
        )
        assert code in codes, codes
    return " ".join(refusal.value.messages)


# --- The rules (services) ---------------------------------------------------------------------------


def test_opening_a_case_records_who_opened_it_in_the_history(admin_user):
    case = services.vetting_case_open(participant=f.ParticipantFactory(), by=admin_user, notes="Nominated by North")
    assert case.status == VettingCase.Status.PENDING and case.reviewer == admin_user
    event = case.events.get()
    assert (event.actor, event.action) == (admin_user, "opened")
    assert "Nominated" not in str(event.changes)


def test_one_open_case_at_a_time(admin_user):
    person = f.ParticipantFactory()
    services.vetting_case_open(participant=person, by=admin_user)
    message = refused(lambda: services.vetting_case_open(participant=person, by=admin_user), code="case_open")
    assert "already has an open vetting case" in message
    assert VettingCase.objects.filter(participant=person).count() == 1


def test_only_admins_cleared_for_confidential_records_vet(make_user, cleared_staff):
    low_admin = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    for who in (low_admin, cleared_staff):
        refused(lambda who=who: services.vetting_case_open(participant=f.ParticipantFactory(), by=who))
    assert not VettingCase.objects.exists()


def test_recording_checks_puts_the_case_in_review_and_names_who_recorded_them(admin_user):
    case = checked_case(admin_user)
    assert case.status == VettingCase.Status.IN_REVIEW
    assert case.checks_recorded_by == admin_user
    event = case.events.get(action="checks_recorded")
    assert event.changes["identity_checked"] == [False, True]
    assert event.changes["status"] == ["pending", "in_review"]


def test_the_history_says_that_the_notes_changed_but_not_what_they_said(admin_user):
    case = checked_case(admin_user)
    services.vetting_case_record(case=case, by=admin_user, notes="Alleged contact with an armed group")
    event = case.events.filter(action="checks_recorded").latest("pk")
    assert event.changes == {"notes": "changed"}
    assert "armed group" not in str(VettingCaseEvent.objects.values_list("changes", flat=True))


def test_hole_one_an_approval_needs_every_check_recorded(admin_user):
    """Issue 16: a case was approved with none of the checks done."""
    case = services.vetting_case_open(participant=f.ParticipantFactory(), by=admin_user)
    message = refused(
        lambda: services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED),
        code="checks_missing",
    )
    assert "identity checked" in message and "sanctions screening done" in message
    case.refresh_from_db()
    assert case.status == VettingCase.Status.PENDING and case.decided_at is None


def test_an_approval_needs_the_risk_assessment_and_its_reason(admin_user):
    case = checked_case(admin_user, risk_rationale="")
    message = refused(
        lambda: services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    )
    assert "why this risk level" in message


def test_hole_two_an_approval_is_refused_while_a_sanctions_hit_is_open(admin_user):
    """Issue 16: a case was approved while the participant's sanctions hit was still open."""
    case = checked_case(admin_user)
    hit = f.SanctionsHitFactory(participant=case.participant)
    message = refused(
        lambda: services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED),
        code="open_sanctions_hit",
    )
    assert "sanctions hit" in message
    case.refresh_from_db()
    assert case.status == VettingCase.Status.IN_REVIEW

    SanctionsHit.objects.filter(pk=hit.pk).update(
        status=SanctionsHit.Status.CLEARED, resolved_by=admin_user, resolved_at=timezone.now()
    )
    decided = services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    assert decided.status == VettingCase.Status.APPROVED


def test_a_rejection_needs_no_checks_but_a_reason(admin_user):
    case = services.vetting_case_open(participant=f.ParticipantFactory(), by=admin_user)
    message = refused(
        lambda: services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.REJECTED)
    )
    assert "reason" in message
    decided = services.vetting_case_decide(
        case=case, by=admin_user, decision=VettingCase.Status.REJECTED, reason="References could not be confirmed."
    )
    assert decided.status == VettingCase.Status.REJECTED
    assert decided.decided_at is not None and decided.expires_at is None
    assert decided.decision_reason == "References could not be confirmed."


def test_an_approval_with_conditions_needs_them_written(admin_user):
    case = checked_case(admin_user)
    refused(
        lambda: services.vetting_case_decide(
            case=case, by=admin_user, decision=VettingCase.Status.APPROVED_WITH_CONDITIONS, conditions="  "
        )
    )
    decided = services.vetting_case_decide(
        case=case, by=admin_user, decision=VettingCase.Status.APPROVED_WITH_CONDITIONS, conditions="No media."
    )
    assert decided.conditions == "No media."


def test_the_decision_date_and_expiry_are_set_by_the_system(admin_user, settings):
    settings.PARLEY_VETTING_VALIDITY_DAYS = 30
    case = checked_case(admin_user)
    before = timezone.now()
    decided = services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    assert before <= decided.decided_at <= timezone.now()
    assert decided.expires_at == decided.decided_at + dt.timedelta(days=30)
    event = decided.events.get(action="decided")
    assert event.actor == admin_user and event.changes["status"] == ["in_review", "approved"]


def test_a_decided_case_is_closed(admin_user):
    case = checked_case(admin_user)
    services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    message = refused(lambda: services.vetting_case_record(case=case, by=admin_user, notes="later"))
    assert "open a new case" in message


def test_four_eyes_an_approval_for_a_strictly_confidential_workshop_awaits_a_second_admin(
    admin_user, second_admin, third_admin
):
    person = f.ParticipantFactory()
    proposed_for_strictly_confidential(person)
    case = checked_case(admin_user, person)
    proposed = services.vetting_case_decide(case=case, by=second_admin, decision=VettingCase.Status.APPROVED)
    assert proposed.status == VettingCase.Status.AWAITING_CONFIRMATION
    assert (proposed.proposed_status, proposed.proposed_by) == (VettingCase.Status.APPROVED, second_admin)
    assert proposed.decided_at is None and proposed.expires_at is None
    assert participant_vetting_refusal(person, Level.STRICTLY_CONFIDENTIAL) is not None

    for same_person in (admin_user, second_admin):  # who recorded the checks, who proposed
        message = refused(lambda who=same_person: services.vetting_case_confirm(case=case, by=who), code="four_eyes")
        assert "Four eyes" in message
    confirmed = services.vetting_case_confirm(case=case, by=third_admin)
    assert confirmed.status == VettingCase.Status.APPROVED
    assert confirmed.confirmed_by == third_admin and confirmed.confirmed_at == confirmed.decided_at
    assert confirmed.expires_at == confirmed.decided_at + dt.timedelta(days=365)
    assert participant_vetting_refusal(person, Level.STRICTLY_CONFIDENTIAL) is None


def test_four_eyes_the_admin_who_recorded_and_proposed_cannot_confirm_alone(admin_user):
    person = f.ParticipantFactory()
    proposed_for_strictly_confidential(person)
    case = checked_case(admin_user, person)
    services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    refused(lambda: services.vetting_case_confirm(case=case, by=admin_user), code="four_eyes")
    case.refresh_from_db()
    assert case.status == VettingCase.Status.AWAITING_CONFIRMATION and case.confirmed_by is None


def test_four_eyes_remembers_everyone_who_recorded_checks(admin_user, second_admin, third_admin):
    person = f.ParticipantFactory()
    proposed_for_strictly_confidential(person)
    case = checked_case(admin_user, person)
    services.vetting_case_record(case=case, by=second_admin, notes="Second look")  # now the last to record
    services.vetting_case_decide(case=case, by=second_admin, decision=VettingCase.Status.APPROVED)
    refused(lambda: services.vetting_case_confirm(case=case, by=admin_user), code="four_eyes")
    assert services.vetting_case_confirm(case=case, by=third_admin).status == VettingCase.Status.APPROVED


def test_four_eyes_asks_the_rules_again_at_confirmation(admin_user, second_admin):
    person = f.ParticipantFactory()
    proposed_for_strictly_confidential(person)
    case = checked_case(admin_user, person)
    services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    f.SanctionsHitFactory(participant=person)  # found by a screening in the meantime
    refused(lambda: services.vetting_case_confirm(case=case, by=second_admin), code="open_sanctions_hit")


def test_an_approval_awaiting_confirmation_can_be_sent_back(admin_user, second_admin):
    person = f.ParticipantFactory()
    proposed_for_strictly_confidential(person)
    case = checked_case(admin_user, person)
    services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    refused(lambda: services.vetting_case_return(case=case, by=second_admin, reason=""))
    returned = services.vetting_case_return(case=case, by=second_admin, reason="Ask a third reference.")
    assert returned.status == VettingCase.Status.IN_REVIEW and returned.proposed_by is None
    assert returned.events.latest("pk").changes["why"] == "Ask a third reference."


@pytest.mark.parametrize("status", [Invitation.Status.DECLINED, Invitation.Status.WITHDRAWN])
def test_no_second_admin_for_someone_no_longer_proposed(admin_user, status):
    person = f.ParticipantFactory()
    proposed_for_strictly_confidential(person, status=status)
    case = checked_case(admin_user, person)
    decided = services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    assert decided.status == VettingCase.Status.APPROVED


def test_an_initiative_at_strictly_confidential_makes_its_workshops_need_a_second_admin(admin_user):
    person = f.ParticipantFactory()
    initiative = f.InitiativeFactory(level=Level.STRICTLY_CONFIDENTIAL)
    f.InvitationFactory(
        workshop=f.WorkshopFactory(initiative=initiative, level=Level.STRICTLY_CONFIDENTIAL), participant=person
    )
    assert services.vetting_needs_second_admin(person)


def test_an_expired_approval_counts_as_not_vetted_when_inviting(admin_user):
    case = checked_case(admin_user)
    services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    VettingCase.objects.filter(pk=case.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=400), expires_at=timezone.now() - dt.timedelta(days=35)
    )
    workshop = f.WorkshopFactory(level=Level.CONFIDENTIAL)
    party = f.PartyFactory(initiative=workshop.initiative)
    with pytest.raises(ValidationError, match="expired"):
        invitation_create(by=admin_user, workshop=workshop, participant=case.participant, party=party)
    assert not Invitation.objects.filter(participant=case.participant).exists()


# --- Who reaches the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "cleared_staff", "facilitator_user", "participant_user", "observer"])
def test_vetting_pages_do_not_exist_for_anyone_but_admins(client, request, who):
    case = f.VettingCaseFactory()
    client.force_login(request.getfixturevalue(who))
    for url in (QUEUE_URL, case_url(case), reverse("participants:vetting-open", args=[case.participant.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(case_url(case) + "?step=decide", {"decision-decision": "rejected"}).status_code == 404


def test_an_admin_not_cleared_for_confidential_records_gets_404(client, make_user):
    client.force_login(make_user(Role.ADMIN, Level.INTERNAL, is_staff=True))
    assert client.get(QUEUE_URL).status_code == 404


def test_the_menu_offers_vetting_to_admins_only(client, admin_user, cleared_staff):
    client.force_login(admin_user)
    assert QUEUE_URL.encode() in client.get(reverse("dashboard:home")).content
    client.force_login(cleared_staff)
    assert QUEUE_URL.encode() not in client.get(reverse("dashboard:home")).content


# --- The queue ----------------------------------------------------------------------------------------


def aged(case, days):
    VettingCase.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    return case


def test_the_queue_shows_open_cases_oldest_first_with_their_age(client, admin_user):
    newer = aged(f.VettingCaseFactory(participant=f.ParticipantFactory(full_name="Newer Person")), 2)
    older = aged(f.VettingCaseFactory(participant=f.ParticipantFactory(full_name="Older Person")), 20)
    f.VettingCaseFactory(
        participant=f.ParticipantFactory(full_name="Decided Person"),
        status=VettingCase.Status.REJECTED,
        decided_at=timezone.now(),
        decision_reason="No.",
    )
    client.force_login(admin_user)
    response = client.get(QUEUE_URL)
    assert [case.pk for case in response.context["cases"]] == [older.pk, newer.pk]
    assert [case.age_days for case in response.context["cases"]] == [20, 2]
    assert b"Decided Person" not in response.content
    rejected = client.get(QUEUE_URL, {"status": "rejected"})
    assert [case.participant.full_name for case in rejected.context["cases"]] == ["Decided Person"]


def test_the_queue_flags_open_hits_and_names_the_initiatives_the_admin_may_see(client, admin_user):
    person = f.ParticipantFactory(full_name="Flagged Person")
    case = f.VettingCaseFactory(participant=person)
    f.SanctionsHitFactory(participant=person)
    f.SanctionsHitFactory(participant=person)
    f.SanctionsHitFactory(participant=person, status=SanctionsHit.Status.SUPERSEDED, resolved_at=timezone.now())
    open_initiative = f.InitiativeFactory(level=Level.INTERNAL, codename="OPEN-CODE")
    hidden_initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL, codename="HIDDEN-CODE")  # admin not on team
    f.InvitationFactory(
        workshop=f.WorkshopFactory(initiative=open_initiative, level=Level.INTERNAL), participant=person
    )
    f.InvitationFactory(workshop=f.WorkshopFactory(initiative=hidden_initiative), participant=person)
    client.force_login(admin_user)
    response = client.get(QUEUE_URL)
    row = response.context["cases"][0]
    assert row.pk == case.pk and row.open_hit_count == 2
    assert [initiative.codename for initiative in row.proposed] == ["OPEN-CODE"]
    assert b"2 open hits" in response.content and b"HIDDEN-CODE" not in response.content


def test_the_queue_filters_by_initiative(client, admin_user):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    proposed = f.ParticipantFactory(full_name="Proposed Person")
    f.InvitationFactory(workshop=f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL), participant=proposed)
    f.VettingCaseFactory(participant=proposed)
    f.VettingCaseFactory(participant=f.ParticipantFactory(full_name="Elsewhere Person"))
    client.force_login(admin_user)
    response = client.get(QUEUE_URL, {"initiative": initiative.pk})
    assert [case.participant.full_name for case in response.context["cases"]] == ["Proposed Person"]
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL)  # not on its team: not a choice, the filter ignored
    assert len(client.get(QUEUE_URL, {"initiative": hidden.pk}).context["cases"]) == 2


def test_the_queue_searches_by_name(client, admin_user):
    f.VettingCaseFactory(participant=f.ParticipantFactory(full_name="Amina Haddad"))
    f.VettingCaseFactory(participant=f.ParticipantFactory(full_name="Jonas Berg"))
    client.force_login(admin_user)
    response = client.get(QUEUE_URL, {"q": "haddad"})
    assert [case.participant.full_name for case in response.context["cases"]] == ["Amina Haddad"]


def test_the_queue_never_matches_or_shows_a_name_hidden_from_the_admin(client, admin_user, monkeypatch):
    """Were a high-risk person's identity withheld from this admin, the queue would show the codename and a
    search for the name would not find them (the identity rule of ``with_identity_for`` and search)."""
    from django.db.models import Q

    monkeypatch.setattr(ParticipantQuerySet, "identity_q", lambda self, user: Q(risk_level__lt=RiskLevel.HIGH))
    from participants import vetting_selectors

    monkeypatch.setattr(
        vetting_selectors,
        "identity_rule",
        lambda user, model, prefix="": Q(**{f"{prefix}risk_level__lt": RiskLevel.HIGH}),
    )
    hidden = f.ParticipantFactory(full_name="Zainab Secretname", risk_level=RiskLevel.HIGH, codename="HERON-9")
    f.VettingCaseFactory(participant=hidden)
    client.force_login(admin_user)
    response = client.get(QUEUE_URL)
    assert b"HERON-9" in response.content and b"Secretname" not in response.content
    assert list(client.get(QUEUE_URL, {"q": "Secretname"}).context["cases"]) == []
    assert len(client.get(QUEUE_URL, {"q": "HERON"}).context["cases"]) == 1


def test_the_queue_is_paginated(client, admin_user, settings):
    settings.PARLEY_PAGE_SIZE = 2
    for _ in range(3):
        f.VettingCaseFactory()
    client.force_login(admin_user)
    assert len(client.get(QUEUE_URL).context["cases"]) == 2
    assert len(client.get(QUEUE_URL, {"page": 2}).context["cases"]) == 1


# --- The case page ------------------------------------------------------------------------------------


def post_step(client, case, step, data):
    return client.post(f"{case_url(case)}?step={step}", data)


CHECKS_POST = {
    "checks-identity_checked": "on",
    "checks-references_checked": "on",
    "checks-conflict_of_interest_checked": "on",
    "checks-sanctions_screened": "on",
    "checks-references": "Two references.",
    "checks-conflict_of_interest": "None.",
    "checks-risk_assessment": str(RiskLevel.MEDIUM),
    "checks-risk_rationale": "Travels to the region often.",
    "checks-notes": "",
}


def test_an_admin_works_a_case_from_open_to_approved_on_the_pages(client, admin_user):
    person = f.ParticipantFactory(full_name="Walked Through")
    client.force_login(admin_user)
    opened = client.post(reverse("participants:vetting-open", args=[person.pk]), {"notes": "Nominated."})
    case = VettingCase.objects.get(participant=person)
    assert opened["Location"] == case_url(case)
    assert post_step(client, case, "checks", CHECKS_POST).status_code == 302
    assert post_step(client, case, "decide", {"decision-decision": "approved"}).status_code == 302
    case.refresh_from_db()
    assert case.status == VettingCase.Status.APPROVED and case.risk_assessment == RiskLevel.MEDIUM
    page = client.get(case_url(case))
    assert page.status_code == 200
    history = [entry.action for entry in page.context["history"]]
    assert history == ["Decided", "Checks and assessment recorded", "Case opened"]
    assert b"Travels to the region often." in page.content


def test_a_refused_approval_is_said_plainly_on_the_page(client, admin_user):
    case = services.vetting_case_open(participant=f.ParticipantFactory(), by=admin_user)
    client.force_login(admin_user)
    response = post_step(client, case, "decide", {"decision-decision": "approved"})
    assert response.status_code == 200
    assert b"An approval needs every check recorded first" in response.content
    assert b"vetting_" not in response.content  # no constraint name
    case.refresh_from_db()
    assert case.status == VettingCase.Status.PENDING


def test_a_rejection_without_reason_is_refused_on_the_page(client, admin_user):
    case = services.vetting_case_open(participant=f.ParticipantFactory(), by=admin_user)
    client.force_login(admin_user)
    response = post_step(client, case, "decide", {"decision-decision": "rejected", "decision-reason": " "})
    assert response.status_code == 200 and b"Give the reason for the rejection." in response.content


def test_the_second_admin_confirms_on_the_page_and_the_first_cannot(client, admin_user, second_admin):
    person = f.ParticipantFactory()
    proposed_for_strictly_confidential(person)
    case = checked_case(admin_user, person)
    client.force_login(admin_user)
    post_step(client, case, "decide", {"decision-decision": "approved"})
    case.refresh_from_db()
    assert case.status == VettingCase.Status.AWAITING_CONFIRMATION
    refused_page = post_step(client, case, "confirm", {"confirm-answer": "confirm"})
    assert refused_page.status_code == 200 and b"Four eyes" in refused_page.content
    client.force_login(second_admin)
    assert post_step(client, case, "confirm", {"confirm-answer": "confirm"}).status_code == 302
    case.refresh_from_db()
    assert case.status == VettingCase.Status.APPROVED and case.confirmed_by == second_admin


def test_a_stale_step_is_said_not_done(client, admin_user):
    case = checked_case(admin_user)
    services.vetting_case_decide(case=case, by=admin_user, decision=VettingCase.Status.APPROVED)
    client.force_login(admin_user)
    response = post_step(client, case, "decide", {"decision-decision": "rejected", "decision-reason": "x"})
    assert response.status_code == 200 and b"has changed since the page was opened" in response.content


def test_the_case_page_shows_the_sanctions_hits_and_logs_the_read(client, admin_user):
    from core.models import AccessLog

    case = f.VettingCaseFactory()
    f.SanctionsHitFactory(participant=case.participant, matched_name="Listed Lookalike")
    client.force_login(admin_user)
    response = client.get(case_url(case))
    assert b"Listed Lookalike" in response.content
    assert AccessLog.objects.filter(object_id=case.pk, user=admin_user).exists()


def test_the_open_page_leads_to_the_open_case_instead_of_a_second(client, admin_user):
    case = f.VettingCaseFactory()
    client.force_login(admin_user)
    url = reverse("participants:vetting-open", args=[case.participant.pk])
    assert case_url(case).encode() in client.get(url).content
    client.post(url, {"notes": ""})
    assert VettingCase.objects.filter(participant=case.participant).count() == 1


# --- The participant's page and who sees vetting --------------------------------------------------------


def decided_approval(admin, participant):
    case = checked_case(admin, participant, notes="Embassy reference lukewarm")
    return services.vetting_case_decide(
        case=case, by=admin, decision=VettingCase.Status.APPROVED_WITH_CONDITIONS, conditions="No media contact"
    )


def test_the_participant_page_links_admins_to_the_cases_and_to_a_new_one(client, admin_user):
    person = f.ParticipantFactory()
    case = decided_approval(admin_user, person)
    client.force_login(admin_user)
    page = client.get(person.get_absolute_url()).content
    assert case_url(case).encode() in page
    assert reverse("participants:vetting-open", args=[person.pk]).encode() in page


def test_staff_see_only_the_vetting_status_and_expiry(client, admin_user, staff):
    person = f.ParticipantFactory()
    case = decided_approval(admin_user, person)
    client.force_login(staff)
    page = client.get(person.get_absolute_url()).content.decode()
    assert "Approved with conditions" in page
    assert "expires" in page
    for secret in ("No media contact", "Embassy reference", "Two former colleagues", case_url(case), "vetting/new"):
        assert secret not in page


def test_a_participant_never_sees_their_own_vetting(client, admin_user, participant_user):
    me = f.ParticipantFactory(user=participant_user)
    decided_approval(admin_user, me)
    client.force_login(participant_user)
    for url in (me.get_absolute_url(), reverse("dashboard:home")):
        response = client.get(url)
        page = response.content.decode()
        for secret in ("Approved", "No media contact", "Vetting", "vetting"):
            assert secret not in page, (url, secret)


# --- The Django admin writes through the services ------------------------------------------------------


def test_the_django_admin_refuses_an_approval_without_checks_with_a_clear_message(client, admin_user):
    case = services.vetting_case_open(participant=f.ParticipantFactory(), by=admin_user)
    client.force_login(admin_user)
    url = reverse("admin:participants_vettingcase_change", args=[case.pk])
    response = client.post(url, {"step": "approved", "risk_assessment": ""}, follow=True)
    page = response.content.decode()
    assert "An approval needs every check recorded first" in page
    assert "vetting_decision_has_date" not in page and "violated" not in page
    case.refresh_from_db()
    assert case.status == VettingCase.Status.PENDING


def test_the_django_admin_opens_and_decides_through_the_services(client, admin_user):
    person = f.ParticipantFactory()
    client.force_login(admin_user)
    client.post(reverse("admin:participants_vettingcase_add"), {"participant": person.pk, "notes": ""})
    case = VettingCase.objects.get(participant=person)
    assert case.events.get().action == "opened"
    data = dict.fromkeys(services.VETTING_CHECKS, "on")
    data.update(risk_assessment=str(RiskLevel.LOW), risk_rationale="Known.", step="rejected", decision_text="No.")
    client.post(reverse("admin:participants_vettingcase_change", args=[case.pk]), data)
    case.refresh_from_db()
    assert case.status == VettingCase.Status.REJECTED and case.decided_at is not None
    assert list(case.events.order_by("pk").values_list("action", flat=True)) == ["opened", "checks_recorded", "decided"]
    assert client.get(reverse("admin:participants_vettingcaseevent_changelist")).status_code == 200


def test_the_django_admin_finds_cases_by_the_participants_name(client, admin_user):
    f.VettingCaseFactory(participant=f.ParticipantFactory(full_name="Searchable Person"))
    client.force_login(admin_user)
    response = client.get(reverse("admin:participants_vettingcase_changelist"), {"q": "Searchable"})
    assert response.context["cl"].result_count == 1
    assert b"Searchable Person" in response.content


# --- A fixed number of queries ---------------------------------------------------------------------------


def grow(admin, n):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    for i in range(n):
        person = f.ParticipantFactory(risk_level=RiskLevel.HIGH if i % 3 == 0 else RiskLevel.LOW, codename=f"C-{n}-{i}")
        case = f.VettingCaseFactory(participant=person)
        f.SanctionsHitFactory(participant=person)
        f.InvitationFactory(workshop=f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL), participant=person)
        VettingCaseEvent.objects.create(case=case, actor=admin, action="opened", changes={"status": [None, "pending"]})


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_queue_and_case_pages_run_a_fixed_number_of_queries(client, admin_user):
    client.force_login(admin_user)
    case = f.VettingCaseFactory()
    proposed_for_strictly_confidential(case.participant)
    counts = []
    for size in (2, 12):
        grow(admin_user, size)
        for _ in range(size):
            VettingCaseEvent.objects.create(
                case=case, actor=admin_user, action="checks_recorded", changes={"notes": "changed"}
            )
            f.SanctionsHitFactory(participant=case.participant)
        queries(client, QUEUE_URL)  # warm per-process caches (content types)
        queries(client, case_url(case))
        counts.append(
            (
                queries(client, QUEUE_URL),
                queries(client, QUEUE_URL + "?q=C&status=open"),
                queries(client, case_url(case)),
            )
        )
    assert counts[0] == counts[1], counts
    # Queue: session user, MFA check, the count, the page, its initiatives, the type-ahead's initiatives.
    # Case: user, MFA, the case, its access-log row, the four-eyes question, its initiatives, the history
    # counted and a page of it, the hits and the latest screening run.
    # Each: + the viewer's ties, read once per request for every rule.
    assert counts[0] == (7, 7, 11), counts
