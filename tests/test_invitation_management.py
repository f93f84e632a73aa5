"""Choosing whom to invite (issue 14): on the workshop page, those who manage the workshop find participants,
add them to a party's delegation as drafts, move them, remove drafts, watch the delegation balance, and send
the drafts after a confirmation that says how many messages go out."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from core.models import OutboxMessage
from dialogues import selectors, services
from dialogues.models import Invitation, TeamMembership, Workshop
from participants.models import Participant, VettingCase
from participants.selectors import participant_vetting_clear, participants_cleared_for

from . import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- the world -----------------------------------------------------------------------------------


def approved(participant, *, days_left=300, status=VettingCase.Status.APPROVED):
    now = timezone.now()
    return f.VettingCaseFactory(
        participant=participant,
        status=status,
        decided_at=now - dt.timedelta(days=400 - days_left),
        expires_at=now + dt.timedelta(days=days_left),
        conditions="Not to be quoted." if status == VettingCase.Status.APPROVED_WITH_CONDITIONS else "",
    )


def vetted(**fields):
    person = f.ParticipantFactory(**fields)
    approved(person)
    return person


@pytest.fixture
def team(make_user):
    """A CONFIDENTIAL initiative with parties North and South, its lead, and a planned workshop."""
    lead = make_user(Role.STAFF, Level.CONFIDENTIAL, full_name="Lena Lead")
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    north = f.PartyFactory(initiative=initiative, name="North")
    south = f.PartyFactory(initiative=initiative, name="South")
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL)
    return type(
        "Team", (), {"lead": lead, "initiative": initiative, "north": north, "south": south, "workshop": workshop}
    )


def add_url(workshop):
    return reverse("dialogues:invitation-add", args=[workshop.pk])


def send_url(workshop):
    return reverse("dialogues:invitations-send", args=[workshop.pk])


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the services: the rules hold whoever calls -----------------------------------------------------


def test_a_vetted_participant_is_added_to_a_delegation_as_a_draft(team):
    person = vetted()

    invitation = services.invitation_add(workshop=team.workshop, participant=person, party=team.north, by=team.lead)

    assert (invitation.status, invitation.party, invitation.participant_id) == ("draft", team.north, person.pk)
    assert not OutboxMessage.objects.exists()  # a draft tells nobody


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        (None, "Not vetted"),
        ({"status": VettingCase.Status.PENDING}, "not decided yet"),
        ({"status": VettingCase.Status.IN_REVIEW}, "not decided yet"),
        (
            {"status": VettingCase.Status.REJECTED, "decided_at": timezone.now(), "decision_reason": "No references."},
            "rejected",
        ),
        (
            {
                "status": VettingCase.Status.APPROVED,
                "decided_at": timezone.now() - dt.timedelta(days=400),
                "expires_at": timezone.now() - dt.timedelta(days=1),
            },
            "expired",
        ),
    ],
    ids=["never-vetted", "pending", "in-review", "rejected", "expired"],
)
def test_a_confidential_workshop_refuses_a_participant_without_a_current_approval(team, case, reason):
    person = f.ParticipantFactory(full_name="Omar Unvetted")
    if case:
        f.VettingCaseFactory(participant=person, **case)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_add(workshop=team.workshop, participant=person, party=team.north, by=team.lead)

    assert reason in " ".join(refusal.value.messages)
    assert "Omar Unvetted" in " ".join(refusal.value.messages)
    assert not Invitation.objects.exists()


def test_a_renewal_under_way_leaves_the_standing_approval_until_it_is_decided(team):
    """A case reopened (pending) before the approval runs out does not unclear the person; once decided, the
    newer decision stands: a rejection ends the clearance at once."""
    person = vetted()
    renewal = f.VettingCaseFactory(participant=person, status=VettingCase.Status.PENDING)

    services.invitation_add(workshop=team.workshop, participant=person, party=team.north, by=team.lead)
    assert participant_vetting_clear(person)

    renewal.status, renewal.decided_at, renewal.decision_reason = VettingCase.Status.REJECTED, timezone.now(), "No."
    renewal.save()
    assert participant_vetting_clear(person) is False
    assert not participants_cleared_for(Level.CONFIDENTIAL, Participant.objects.filter(pk=person.pk)).exists()
    with pytest.raises(ValidationError, match="no longer cleared by vetting"):
        services.invitations_send(workshop=team.workshop, invitations=team.workshop.invitations.all(), by=team.lead)


def test_an_approval_with_conditions_clears_the_person(team):
    person = f.ParticipantFactory()
    approved(person, status=VettingCase.Status.APPROVED_WITH_CONDITIONS)

    services.invitation_add(workshop=team.workshop, participant=person, party=team.south, by=team.lead)

    assert participant_vetting_clear(person)
    assert Invitation.objects.filter(participant=person, party=team.south).exists()


def test_an_approval_that_runs_out_before_a_date_is_not_clear_on_that_date():
    person = f.ParticipantFactory()
    approved(person, days_left=10)

    assert participant_vetting_clear(person)
    assert not participant_vetting_clear(person, on=timezone.now() + dt.timedelta(days=11))


def test_participants_cleared_for_a_level():
    cleared, expired, never = vetted(), f.ParticipantFactory(), f.ParticipantFactory()
    f.VettingCaseFactory(
        participant=expired,
        status=VettingCase.Status.APPROVED,
        decided_at=timezone.now() - dt.timedelta(days=500),
        expires_at=timezone.now() - dt.timedelta(days=5),
    )
    everyone = Participant.objects.filter(pk__in=[cleared.pk, expired.pk, never.pk])

    assert set(participants_cleared_for(Level.CONFIDENTIAL, everyone)) == {cleared}
    assert set(participants_cleared_for(Level.STRICTLY_CONFIDENTIAL, everyone)) == {cleared}
    assert set(participants_cleared_for(Level.INTERNAL, everyone)) == {cleared, expired, never}


def test_an_internal_workshop_needs_no_vetting(make_user):
    staff = make_user(Role.STAFF, Level.INTERNAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    party = f.PartyFactory(initiative=initiative)
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)

    services.invitation_add(workshop=workshop, participant=f.ParticipantFactory(), party=party, by=staff)

    assert Invitation.objects.filter(workshop=workshop).count() == 1


def test_a_participant_is_invited_once_per_workshop(team):
    person = vetted(full_name="Dana Twice")
    services.invitation_add(workshop=team.workshop, participant=person, party=team.north, by=team.lead)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_add(workshop=team.workshop, participant=person, party=team.south, by=team.lead)

    assert "Dana Twice is already invited to this workshop (delegation of North, Draft)." in refusal.value.messages
    assert Invitation.objects.get(participant=person).party == team.north


def test_a_participant_the_user_may_not_see_cannot_be_added(team):
    secret = vetted(level=Level.STRICTLY_CONFIDENTIAL)  # above the lead's clearance

    with pytest.raises(ValidationError, match="This participant was not found"):
        services.invitation_add(workshop=team.workshop, participant=secret, party=team.north, by=team.lead)
    assert not Invitation.objects.exists()


def test_a_party_of_another_initiative_is_refused(team):
    elsewhere = f.PartyFactory(name="Elsewhere")

    with pytest.raises(ValidationError, match="parties of this workshop's initiative"):
        services.invitation_add(workshop=team.workshop, participant=vetted(), party=elsewhere, by=team.lead)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("status", [Workshop.Status.HELD, Workshop.Status.CANCELLED])
def test_a_closed_workshop_takes_nobody_new(team, status):
    Workshop.objects.filter(pk=team.workshop.pk).update(status=status)

    with pytest.raises(ValidationError, match="can no longer change"):
        services.invitation_add(workshop=team.workshop, participant=vetted(), party=team.north, by=team.lead)


def test_someone_who_may_not_manage_the_workshop_cannot_add(team, make_user):
    advisor = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=team.initiative, user=advisor, role=TeamMembership.Role.ADVISOR)

    with pytest.raises(ValidationError, match="may not change the invitations"):
        services.invitation_add(workshop=team.workshop, participant=vetted(), party=team.north, by=advisor)


def test_an_invitation_changes_party(team):
    invitation = services.invitation_add(workshop=team.workshop, participant=vetted(), party=team.north, by=team.lead)

    services.invitation_change_party(invitation=invitation, party=team.south, by=team.lead)

    assert Invitation.objects.get(pk=invitation.pk).party == team.south


def test_only_a_draft_is_removed(team):
    draft = services.invitation_add(workshop=team.workshop, participant=vetted(), party=team.north, by=team.lead)
    sent = f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.SENT)

    services.invitation_remove(invitation=draft, by=team.lead)
    with pytest.raises(ValidationError, match="Withdraw it instead"):
        services.invitation_remove(invitation=sent, by=team.lead)

    assert list(Invitation.objects.all()) == [sent]


def test_the_admins_invitation_services_hold_the_vetting_rule_too(team):
    """The Django admin writes through ``invitation_create`` and ``invitation_update``: same rule."""
    unvetted, cleared = f.ParticipantFactory(), vetted()

    with pytest.raises(ValidationError, match="not vetted|Not vetted"):
        services.invitation_create(by=team.lead, workshop=team.workshop, participant=unvetted, party=team.north)
    invitation = services.invitation_create(by=team.lead, workshop=team.workshop, participant=cleared, party=team.north)
    services.invitation_update(invitation=invitation, by=team.lead, dietary_requirements="Vegetarian")
    with pytest.raises(ValidationError, match="Not vetted"):
        services.invitation_update(invitation=invitation, by=team.lead, participant=unvetted)

    assert Invitation.objects.get().participant == cleared


# --- through the pages ---------------------------------------------------------------------------


def test_the_lead_adds_someone_through_the_page_without_javascript(client, team):
    person = vetted(full_name="Ana Added")
    client.force_login(team.lead)

    response = client.post(
        add_url(team.workshop), {"participant": person.pk, "party": team.south.pk, "search": "q=Ana&category=expert"}
    )

    assert response.status_code == 302
    found = reverse("dialogues:workshop-candidates", args=[team.workshop.pk])
    assert response["Location"] == f"{found}?q=Ana&category=expert"
    assert Invitation.objects.get(participant=person).party == team.south
    assert "Ana Added joins the delegation of South as a draft" in " ".join(shown_messages(response))
    page = client.get(response["Location"]).content.decode()
    assert "Already invited: delegation of South (Draft)" in page


def test_adding_with_htmx_answers_with_the_results_and_the_balance_out_of_band(client, team):
    person = vetted(full_name="Hana Htmx")
    client.force_login(team.lead)

    response = client.post(
        add_url(team.workshop), {"participant": person.pk, "party": team.north.pk, "search": "q=Hana"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="candidates"')
    assert 'id="balance"' in html and 'id="delegation"' in html
    assert html.count('data-hx-swap-oob="true"') == 2
    assert "North 1 · South 0" in html
    assert "Already invited: delegation of North (Draft)" in html
    assert "<html" not in html


def test_a_refused_add_with_htmx_says_why_and_writes_nothing(client, team):
    person = f.ParticipantFactory(full_name="Ned Notvetted")
    client.force_login(team.lead)

    response = client.post(add_url(team.workshop), {"participant": person.pk, "party": team.north.pk}, **HTMX)

    assert response.status_code == 200
    assert "Ned Notvetted cannot be invited to a workshop of level Confidential" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "posted",
    [
        {"participant": "999999", "party": "north"},
        {"participant": "99999999999999999999", "party": "north"},
        {"participant": "-1", "party": "north"},
        {"participant": "abc", "party": "north"},
        {"participant": "person", "party": "elsewhere"},
        {"participant": "person", "party": "1e9"},
        {"participant": "person", "party": ""},
        {"participant": "hidden", "party": "north"},
    ],
    ids=["unknown", "overflow", "negative", "text", "foreign-party", "bad-party", "no-party", "hidden-participant"],
)
def test_hostile_add_requests_get_a_clear_answer_and_write_nothing(client, team, posted):
    ids = {
        "person": vetted().pk,
        "hidden": vetted(level=Level.STRICTLY_CONFIDENTIAL).pk,
        "north": team.north.pk,
        "elsewhere": f.PartyFactory().pk,
    }
    data = {name: ids.get(value, value) for name, value in posted.items()}
    client.force_login(team.lead)

    response = client.post(add_url(team.workshop), data)
    htmx = client.post(add_url(team.workshop), data, **HTMX)

    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors
    assert htmx.status_code == 200 and 'class="alert alert-danger' in htmx.content.decode()
    assert not Invitation.objects.exists()


def test_a_hidden_participant_is_not_shown_on_the_add_page(client, team):
    hidden = vetted(full_name="Secret Sam", level=Level.STRICTLY_CONFIDENTIAL)
    client.force_login(team.lead)

    response = client.get(add_url(team.workshop), {"participant": hidden.pk})

    assert response.status_code == 200
    assert "Secret Sam" not in response.content.decode()
    assert "This participant was not found." in response.content.decode()


def test_the_add_page_offers_the_parties_for_one_participant(client, team):
    person = vetted(full_name="Paula Page")
    client.force_login(team.lead)

    response = client.get(add_url(team.workshop), {"participant": person.pk})

    page = response.content.decode()
    assert "Paula Page" in page and "North" in page and "South" in page
    assert response.context["form"]["participant"].value() == person.pk


def test_moving_an_invitation_through_the_page(client, team):
    invitation = f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.SENT)
    client.force_login(team.lead)
    url = reverse("dialogues:invitation-party", args=[invitation.pk])

    response = client.post(url, {"party": team.south.pk, "page": "2"})

    assert response.status_code == 302
    assert response["Location"] == f"{team.workshop.get_absolute_url()}?page=2#delegation"
    assert Invitation.objects.get(pk=invitation.pk).party == team.south


def test_moving_with_htmx_answers_with_the_delegations_and_the_balance(client, team):
    invitation = f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.DRAFT)
    client.force_login(team.lead)

    response = client.post(
        reverse("dialogues:invitation-party", args=[invitation.pk]), {"party": team.south.pk}, **HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="delegation"')
    assert "Moved to the delegation of South." in html
    assert "North 0 · South 1" in html
    assert html.count('data-hx-swap-oob="true"') == 1  # the balance


def test_a_tampered_party_is_refused_when_moving(client, team):
    invitation = f.InvitationFactory(workshop=team.workshop, party=team.north)
    client.force_login(team.lead)

    response = client.post(reverse("dialogues:invitation-party", args=[invitation.pk]), {"party": f.PartyFactory().pk})

    assert response.status_code == 200
    assert response.context["form"].errors["party"] == ["Choose one of the parties of this workshop's initiative."]
    assert Invitation.objects.get(pk=invitation.pk).party == team.north


def test_removing_a_draft_through_the_page(client, team):
    draft = f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.DRAFT)
    client.force_login(team.lead)

    response = client.post(reverse("dialogues:invitation-remove", args=[draft.pk]))

    assert response.status_code == 302
    assert not Invitation.objects.filter(pk=draft.pk).exists()
    assert "The draft invitation was removed." in shown_messages(response)


def test_a_sent_invitation_is_not_removed_through_the_page(client, team):
    sent = f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.SENT)
    client.force_login(team.lead)

    response = client.post(reverse("dialogues:invitation-remove", args=[sent.pk]), follow=True)

    assert Invitation.objects.filter(pk=sent.pk).exists()
    assert "Only a draft can be removed; this invitation is sent. Withdraw it instead." in response.content.decode()


@pytest.mark.parametrize("name", ["dialogues:invitation-party", "dialogues:invitation-remove"])
def test_an_unknown_invitation_is_not_found(client, team, name):
    client.force_login(team.lead)

    assert client.post(reverse(name, args=[987654]), {"party": team.north.pk}).status_code == 404


def test_the_controls_need_the_csrf_token(team):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(team.lead)

    response = csrf_client.post(add_url(team.workshop), {"participant": vetted().pk, "party": team.north.pk})

    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- who may: visible but not manageable is 403, hidden is 404 -----------------------------------------


@pytest.fixture
def viewers(team, make_user):
    facilitator = make_user(Role.FACILITATOR, Level.CONFIDENTIAL)
    f.AssignmentFactory(workshop=team.workshop, facilitator=f.FacilitatorFactory(user=facilitator))
    outsider = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)  # not on the team
    return {"facilitator": facilitator, "outsider": outsider}


@pytest.mark.parametrize(("who", "status"), [("facilitator", 403), ("outsider", 404)])
def test_every_control_answers_403_to_a_viewer_and_404_to_an_outsider(client, team, viewers, who, status):
    draft = f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.DRAFT)
    person = vetted()
    client.force_login(viewers[who])
    posts = [
        (add_url(team.workshop), {"participant": person.pk, "party": team.north.pk}),
        (reverse("dialogues:invitation-party", args=[draft.pk]), {"party": team.south.pk}),
        (reverse("dialogues:invitation-remove", args=[draft.pk]), {}),
        (send_url(team.workshop), {"invitations": [draft.pk]}),
    ]

    answers = [client.post(url, data).status_code for url, data in posts]
    search = client.get(reverse("dialogues:workshop-candidates", args=[team.workshop.pk]), {"q": "Person"})

    assert answers == [status] * 4
    assert search.status_code == status
    assert list(Invitation.objects.values_list("pk", "party_id", "status")) == [(draft.pk, team.north.pk, "draft")]


def test_the_workshop_page_offers_the_panel_only_to_those_who_manage(client, team, viewers):
    f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.DRAFT)
    client.force_login(team.lead)
    as_lead = client.get(team.workshop.get_absolute_url()).content.decode()
    client.force_login(viewers["facilitator"])
    as_facilitator = client.get(team.workshop.get_absolute_url()).content.decode()

    assert "Invite participants" in as_lead and "Remove draft" in as_lead
    assert "Invite participants" not in as_facilitator and "Remove draft" not in as_facilitator
    assert "North 1 · South 0" in as_lead
    assert "North 1" in as_facilitator  # the balance, without the parties nobody is invited for


# --- the search --------------------------------------------------------------------------------------


def candidates(client, workshop, **query):
    response = client.get(reverse("dialogues:workshop-candidates", args=[workshop.pk]), query, **HTMX)
    assert response.status_code == 200
    return response


def test_the_search_finds_participants_and_offers_a_button_per_party(client, team):
    person = vetted(full_name="Zeynep Kaya")
    client.force_login(team.lead)

    html = candidates(client, team.workshop, q="Zeynep").content.decode()

    assert "Zeynep Kaya" in html
    assert f'name="participant" value="{person.pk}"' in html
    assert ">Add to North</button>" in html and ">Add to South</button>" in html


def test_people_who_cannot_be_added_are_listed_with_the_reason(client, team):
    vetted(full_name="Kaya Cleared")
    unvetted = f.ParticipantFactory(full_name="Kaya Unvetted")
    invited = vetted(full_name="Kaya Invited")
    f.InvitationFactory(workshop=team.workshop, participant=invited, party=team.south, status=Invitation.Status.SENT)
    client.force_login(team.lead)

    found, _more = selectors.invitation_candidates(team.lead, team.workshop, search="Kaya")
    html = candidates(client, team.workshop, q="Kaya").content.decode()

    people = {person.full_name: person for person in found}
    assert people["Kaya Cleared"].refusal is None and people["Kaya Cleared"].invitation is None
    assert "Not vetted" in people["Kaya Unvetted"].refusal
    assert people["Kaya Invited"].invitation.party == team.south
    assert "Kaya Unvetted" in html and "Not vetted: a confidential workshop needs an approved vetting." in html
    assert html.count(">Add to North</button>") == 1  # for the cleared person only
    assert f'name="participant" value="{unvetted.pk}"' not in html
    assert "Already invited: delegation of South (Sent)" in html


def test_hidden_participants_never_appear_in_the_results(client, team):
    vetted(full_name="Kaya Secret", codename="KAYA-SECRET", level=Level.STRICTLY_CONFIDENTIAL)
    client.force_login(team.lead)

    for query in ({"q": "Kaya"}, {"q": "KAYA-SECRET"}, {"category": "expert"}, {"nationality": "NO"}):
        html = candidates(client, team.workshop, **query).content.decode()
        assert "Kaya Secret" not in html and "KAYA-SECRET" not in html, query


def test_a_high_risk_participant_is_shown_by_codename(client, team):
    vetted(full_name="Amira Haddad", risk_level=Participant.RiskLevel.HIGH, codename="KESTREL")
    client.force_login(team.lead)

    by_codename = candidates(client, team.workshop, q="KESTREL").content.decode()
    by_name = candidates(client, team.workshop, q="Amira Haddad").content.decode()

    assert "KESTREL" in by_codename
    assert "Amira Haddad" not in by_codename
    assert "KESTREL" not in by_name  # the hidden name finds nobody


def test_the_filters_narrow_the_results(client, team):
    organisation = f.OrganizationFactory(name="Harbour Forum")
    vetted(full_name="Filter Match", organization=organisation, nationality="JO", languages=["ar", "en"])
    vetted(full_name="Filter Other", nationality="JO", languages=["en"])
    client.force_login(team.lead)

    def names(**query):
        html = candidates(client, team.workshop, **query).content.decode()
        return {name for name in ("Filter Match", "Filter Other") if name in html}

    assert names(q="Filter") == {"Filter Match", "Filter Other"}
    assert names(q="Filter", language="ar") == {"Filter Match"}
    assert names(organisation="Harbour") == {"Filter Match"}
    assert names(nationality="JO", category="expert") == {"Filter Match", "Filter Other"}
    assert names(nationality="JO", category="journalist") == set()
    assert names(q="Filter", language="klingon") == {"Filter Match", "Filter Other"}  # an unknown filter: ignored


def test_at_most_twenty_results_are_shown(client, team):
    for number in range(23):
        f.ParticipantFactory(full_name=f"Many Person {number:02d}")
    client.force_login(team.lead)

    found, more = selectors.invitation_candidates(team.lead, team.workshop, search="Many Person")
    html = candidates(client, team.workshop, q="Many Person").content.decode()

    assert (len(found), more) == (20, True)
    assert html.count('<li class="list-group-item') == 20
    assert "The best 20 matches are shown" in html


def test_the_search_works_without_javascript(client, team):
    vetted(full_name="Plain Search")
    client.force_login(team.lead)
    workshop_page = client.get(team.workshop.get_absolute_url()).content.decode()
    search = reverse("dialogues:workshop-candidates", args=[team.workshop.pk])

    page = client.get(search, {"q": "Plain"}).content.decode()

    assert f'action="{search}"' in workshop_page  # the search form, as a plain GET form
    assert "<html" in page and "Plain Search" in page and ">Add to North</button>" in page


def test_without_a_criterion_nobody_is_listed(client, team):
    vetted(full_name="Not Listed")
    client.force_login(team.lead)

    html = candidates(client, team.workshop).content.decode()

    assert "Not Listed" not in html


# --- the delegation balance ----------------------------------------------------------------------------


def delegation(team, party, *, women, men, status=Invitation.Status.DRAFT, category=Participant.Category.EXPERT):
    for gender, number in ((Participant.Gender.WOMAN, women), (Participant.Gender.MAN, men)):
        for _ in range(number):
            person = f.ParticipantFactory(gender=gender, category=category)
            f.InvitationFactory(workshop=team.workshop, party=party, participant=person, status=status)


def test_the_balance_counts_per_party_gender_and_category_in_one_query(team, django_assert_num_queries):
    delegation(team, team.north, women=1, men=8)
    delegation(team, team.south, women=1, men=3, category=Participant.Category.CIVIL_SOCIETY)
    delegation(team, team.south, women=2, men=0, status=Invitation.Status.DECLINED)  # not in the delegation
    delegation(team, team.north, women=0, men=1, status=Invitation.Status.WITHDRAWN)

    with django_assert_num_queries(1):
        balance = selectors.delegation_balance(team.workshop, viewer=team.lead, parties=[team.north, team.south])

    rows = {row["party"].name: row for row in balance}
    assert (rows["North"]["active"], rows["South"]["active"]) == (9, 4)
    assert (rows["North"]["women"], rows["South"]["women"]) == (1, 1)
    assert (rows["North"]["declined"], rows["South"]["declined"]) == (1, 2)
    assert (balance.active, balance.women, balance.women_percent) == (13, 2, 15)
    assert balance.drafts == 13
    categories = dict(zip([value for value, _label in balance.categories], rows["South"]["by_category"], strict=True))
    assert categories == {"expert": 0, "civil_society": 4}


def test_the_page_shows_the_balance_at_a_glance(client, team):
    delegation(team, team.north, women=2, men=7)
    delegation(team, team.south, women=0, men=4, status=Invitation.Status.SENT)
    delegation(team, team.south, women=0, men=2, status=Invitation.Status.DECLINED)
    team.workshop.capacity = 12
    team.workshop.save()
    client.force_login(team.lead)

    page = client.get(team.workshop.get_absolute_url()).content.decode()

    assert "North 9 · South 4" in page
    assert "Women 15 %" in page
    assert "13 invited of 12 places" in page
    assert "More people are invited than the workshop has places" in page


def test_the_balance_shows_women_20_percent(team):
    delegation(team, team.north, women=2, men=3)
    delegation(team, team.south, women=0, men=5)

    balance = selectors.delegation_balance(team.workshop)

    assert balance.women_percent == 20


def test_the_balance_keeps_the_gender_of_a_restricted_invitee_to_itself(team):
    secret = f.ParticipantFactory(level=Level.STRICTLY_CONFIDENTIAL, gender=Participant.Gender.WOMAN)
    f.InvitationFactory(workshop=team.workshop, party=team.north, participant=secret)

    balance = selectors.delegation_balance(team.workshop, viewer=team.lead)

    assert balance.women == 0
    assert (
        dict(zip([value for value, _label in balance.genders], balance.gender_totals, strict=True))["restricted"] == 1
    )


# --- review and send ---------------------------------------------------------------------------------------


@pytest.fixture
def drafts(team):
    """Twelve drafts with an e-mail address, one without."""
    made = [
        f.InvitationFactory(
            workshop=team.workshop, party=team.north, status=Invitation.Status.DRAFT, participant=vetted()
        )
        for _ in range(12)
    ]
    made.append(
        f.InvitationFactory(
            workshop=team.workshop,
            party=team.south,
            status=Invitation.Status.DRAFT,
            participant=vetted(email="", full_name="Nomail Person"),
        )
    )
    return made


def test_the_confirmation_says_how_many_messages_will_go_out(client, team, drafts):
    client.force_login(team.lead)

    response = client.get(send_url(team.workshop))

    page = " ".join(response.content.decode().split())
    assert "12 invitations will be e-mailed; 1 participant has no e-mail address and will be skipped." in page
    assert "Send 12 invitations" in page
    assert not OutboxMessage.objects.exists()  # looking sends nothing


def test_a_selection_is_confirmed_on_its_own(client, team, drafts):
    client.force_login(team.lead)

    response = client.get(send_url(team.workshop), {"invitation": [drafts[0].pk, drafts[1].pk, drafts[-1].pk]})

    page = " ".join(response.content.decode().split())
    assert "2 invitations will be e-mailed; 1 participant has no e-mail address and will be skipped." in page
    assert [draft.pk for draft in response.context["drafts"]] == [drafts[0].pk, drafts[1].pk, drafts[-1].pk]


def test_choosing_no_draft_confirms_nothing(client, team, drafts):
    client.force_login(team.lead)

    response = client.get(send_url(team.workshop), {"chosen": "1"})

    assert response.context["drafts"] == []
    assert "No draft to send" in response.content.decode()


def test_confirming_sends_through_the_outbox_and_returns_to_the_workshop(client, team, drafts):
    client.force_login(team.lead)

    response = client.post(send_url(team.workshop), {"invitations": [draft.pk for draft in drafts]})

    assert response.status_code == 302
    assert response["Location"] == team.workshop.get_absolute_url()
    assert OutboxMessage.objects.count() == 12
    assert Invitation.objects.filter(status=Invitation.Status.QUEUED).count() == 12
    assert Invitation.objects.get(pk=drafts[-1].pk).status == Invitation.Status.DRAFT
    assert shown_messages(response) == [
        "12 invitations are on their way; follow them on the outbox page. "
        "1 draft was not sent: its participant has no e-mail address."
    ]


def test_a_confirmation_gone_stale_is_shown_again_and_sends_nothing(client, team, drafts):
    Invitation.objects.filter(pk=drafts[0].pk).update(status=Invitation.Status.SENT)  # sent meanwhile
    client.force_login(team.lead)

    response = client.post(send_url(team.workshop), {"invitations": [draft.pk for draft in drafts]})

    assert response.status_code == 200
    assert "were sent or removed meanwhile" in response.content.decode()
    assert not OutboxMessage.objects.exists()
    assert response.context["emailed"] == 11


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "", "1e3"])
def test_hostile_ids_in_the_send_form_are_refused_without_a_write(client, team, drafts, value):
    client.force_login(team.lead)

    response = client.post(send_url(team.workshop), {"invitations": [drafts[0].pk, value]})

    assert response.status_code == 200
    assert response.context["errors"]
    assert not OutboxMessage.objects.exists()


def test_drafts_of_another_workshop_cannot_be_sent_from_this_one(client, team, drafts):
    other = f.InvitationFactory(party=team.north, status=Invitation.Status.DRAFT)
    client.force_login(team.lead)

    response = client.post(send_url(team.workshop), {"invitations": [other.pk]})

    assert response.status_code == 200
    assert Invitation.objects.get(pk=other.pk).status == Invitation.Status.DRAFT
    assert not OutboxMessage.objects.exists()


def test_the_delegation_table_offers_review_and_send(client, team, drafts):
    client.force_login(team.lead)

    page = client.get(team.workshop.get_absolute_url()).content.decode()

    assert f'href="{send_url(team.workshop)}"' in page
    assert "Review and send all 13 drafts" in page
    assert f'name="invitation" value="{drafts[0].pk}" form="send-selection"' in page
    assert f'href="{reverse("core:outbox")}"' in page


# --- a long list is paged; the page's queries do not grow ----------------------------------------------------


def test_a_long_delegation_list_is_paged(client, team):
    for _ in range(30):
        f.InvitationFactory(workshop=team.workshop, party=team.north, status=Invitation.Status.DRAFT)
    client.force_login(team.lead)

    first = client.get(team.workshop.get_absolute_url())
    second = client.get(team.workshop.get_absolute_url(), {"page": 2})

    assert len(first.context["delegations"].object_list) == 25
    assert first.context["delegations"].has_next()
    assert len(second.context["delegations"].object_list) == 5


def count_queries(client, url, data=None, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {}, **headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("page", "headers", "expected"),
    [
        # user, MFA check, workshop, sessions, facilitators, documents, access log insert, team role check;
        # the panel: parties, balance, a page of invitations and their participants; the conflict warnings;
        # the outcome reports and their approved public summaries (whether the viewer may start one is read off
        # the workshop as read for them); and on every page, the viewer's ties, read once for every rule
        # (core.visibility.read_ties).
        ("workshop", {}, 16),
        # user, MFA check, workshop, team role check, parties; the participants found (the ids ranked, then
        # their rows), their invitations here.
        ("search", {}, 9),
        ("search", HTMX, 9),
    ],
    ids=["workshop-page", "search-page", "search-fragment"],
)
def test_the_pages_of_the_panel_run_a_fixed_number_of_queries(client, team, page, headers, expected):
    urls = {
        "workshop": team.workshop.get_absolute_url(),
        "search": reverse("dialogues:workshop-candidates", args=[team.workshop.pk]) + "?q=Person",
    }
    client.force_login(team.lead)

    def grow(size):
        for _ in range(size):
            person = vetted(full_name=f"Person {Participant.objects.count()}")
            f.InvitationFactory(workshop=team.workshop, party=team.north, participant=person)
            f.ParticipantFactory(full_name=f"Person {Participant.objects.count()}")
            f.ParticipantFactory(risk_level=Participant.RiskLevel.HIGH)

    grow(2)
    count_queries(client, urls[page], **headers)  # per-process caches
    small = count_queries(client, urls[page], **headers)
    grow(30)
    large = count_queries(client, urls[page], **headers)

    assert small == large == expected


def test_the_rows_of_a_delegation_escape_what_people_typed(client, team):
    """The delegation rows are written in Python (``dialogues/templatetags/delegations.py``): every name is
    escaped as the template engine would, in the row, the party select and the labels."""
    team.north.name = "<b>North</b>"
    team.north.save()
    person = vetted(full_name="<script>alert(1)</script> Ana")
    invitation = f.InvitationFactory(
        workshop=team.workshop, participant=person, party=team.north, status=Invitation.Status.DRAFT
    )
    client.force_login(team.lead)
    page = client.get(team.workshop.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page and "<b>North</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ana" in page
    assert f'<option value="{team.north.pk}" selected>&lt;b&gt;North&lt;/b&gt;</option>' in page
    assert f'action="{reverse("dialogues:invitation-party", args=[invitation.pk])}"' in page
    assert f'action="{reverse("dialogues:invitation-remove", args=[invitation.pk])}"' in page
    assert 'aria-label="Choose the draft for &lt;script&gt;alert(1)&lt;/script&gt; Ana"' in page
