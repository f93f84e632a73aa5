"""Validation of the dialogues forms: bad input re-renders the page with a clear message and saves nothing."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse

from core.levels import Level, Role
from dialogues.forms import FundingForm, InitiativeForm, TeamMembershipForm, WorkshopForm
from dialogues.models import Funding, Initiative, Invitation, Party, TeamMembership, Workshop

from . import factories as f
from .test_dialogues_views import team_initiative, unchanged_post_data, workshop_post_data

pytestmark = pytest.mark.django_db


def post_workshop(client, initiative, **changes):
    return client.post(reverse("dialogues:workshop-create", args=[initiative.pk]), workshop_post_data(**changes))


def field_errors(response, name, form="form"):
    return [str(error) for error in response.context[form].errors.get(name, [])]


# --- workshops -----------------------------------------------------------------------------------


@pytest.fixture
def lead_and_initiative(make_user):
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL, clearance=Level.CONFIDENTIAL)
    return lead, initiative


def test_a_workshop_ending_before_it_starts_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_workshop(client, initiative, starts_at="2027-01-16T09:00", ends_at="2027-01-15T17:00")
    assert response.status_code == 200
    assert field_errors(response, "ends_at") == ["The workshop must end after it starts."]
    assert "The workshop must end after it starts." in response.content.decode()
    assert not Workshop.objects.exists()


def test_a_negative_capacity_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_workshop(client, initiative, capacity="-5")
    assert response.status_code == 200
    assert field_errors(response, "capacity") == ["Capacity cannot be negative."]
    assert not Workshop.objects.exists()


def test_a_workshop_below_its_initiatives_level_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_workshop(client, initiative, level=str(Level.INTERNAL))
    assert response.status_code == 200
    assert field_errors(response, "level") == [
        "A workshop cannot be less confidential than its initiative (Confidential)."
    ]
    assert not Workshop.objects.exists()


def test_a_workshop_above_the_users_clearance_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_workshop(client, initiative, level=str(Level.STRICTLY_CONFIDENTIAL))
    assert response.status_code == 200
    assert field_errors(response, "level") == ["Choose a level no higher than your clearance (Confidential)."]
    assert not Workshop.objects.exists()


def test_level_choices_never_exceed_the_users_clearance(make_user):
    user = make_user(Role.STAFF, Level.CONFIDENTIAL)
    offered = [value for value, _ in WorkshopForm(user=user).fields["level"].choices]
    assert offered == [Level.PUBLIC, Level.INTERNAL, Level.CONFIDENTIAL]
    assert [value for value, _ in InitiativeForm(user=user).fields["level"].choices] == offered


def test_a_session_outside_the_workshop_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_workshop(
        client,
        initiative,
        **{
            "sessions-0-title": "Too early",
            "sessions-0-starts_at": "2027-01-14T09:00",
            "sessions-0-ends_at": "2027-01-14T10:00",
        },
    )
    assert response.status_code == 200
    [error] = response.context["sessions"].forms[0].errors["starts_at"]
    assert error.startswith("A session must fall within the workshop")
    assert not Workshop.objects.exists()


def test_a_session_ending_before_it_starts_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_workshop(
        client,
        initiative,
        **{
            "sessions-0-title": "Backwards",
            "sessions-0-starts_at": "2027-01-15T11:00",
            "sessions-0-ends_at": "2027-01-15T10:00",
        },
    )
    assert response.status_code == 200
    assert response.context["sessions"].forms[0].errors["ends_at"] == ["A session must end after it starts."]
    assert "A session must end after it starts." in response.content.decode()
    assert not Workshop.objects.exists()


def test_a_time_skipped_by_the_clocks_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    # Zurich moves from 02:00 to 03:00 on 28 March 2027: 02:30 does not exist there.
    response = post_workshop(client, initiative, starts_at="2027-03-28T02:30", ends_at="2027-03-28T17:00")
    assert response.status_code == 200
    assert field_errors(response, "starts_at") == ["This time does not exist in Europe/Zurich (the clocks change)."]


def test_an_unknown_time_zone_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_workshop(client, initiative, time_zone="Mars/Olympus_Mons")
    assert response.status_code == 200
    assert field_errors(response, "time_zone")
    assert not Workshop.objects.exists()


def test_only_interface_languages_are_accepted(make_user, lead_and_initiative):
    lead, initiative = lead_and_initiative
    data = workshop_post_data(languages=["en", "xx"])
    form = WorkshopForm(data, instance=Workshop(initiative=initiative, level=initiative.level), user=lead)
    assert not form.is_valid()
    assert "languages" in form.errors


def test_the_time_zone_list_offers_every_known_zone_sorted(make_user):
    html = str(WorkshopForm(user=make_user())["time_zone"])
    offered = re.findall(r'<option value="([^"]+)">', html)
    assert offered == sorted(zoneinfo.available_timezones())


# --- initiatives ---------------------------------------------------------------------------------


def edit_data(client, initiative, **changes):
    data = unchanged_post_data(
        client.get(reverse("dialogues:initiative-update", args=[initiative.pk])), ["parties", "team", "fundings"]
    )
    data.update(changes)
    return data


def post_edit(client, initiative, **changes):
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    return client.post(url, edit_data(client, initiative, **changes))


def test_a_bad_currency_is_refused(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_edit(
        client,
        initiative,
        **{
            "fundings-0-donor": "Fictional Foundation",
            "fundings-0-amount": "1000",
            "fundings-0-currency": "EU1",
            "fundings-0-starts_on": "2027-01-01",
            "fundings-0-ends_on": "2027-12-31",
        },
    )
    assert response.status_code == 200
    assert response.context["formsets"]["fundings"].forms[0].errors["currency"] == [
        "Enter a three-letter ISO 4217 currency code, e.g. EUR or USD."
    ]
    assert "three-letter ISO 4217" in response.content.decode()
    assert not Funding.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "-1"}, "amount", "The amount cannot be negative."),
        ({"currency": "EURO"}, "currency", "Enter a three-letter ISO 4217 currency code, e.g. EUR or USD."),
        ({"ends_on": "2026-12-31"}, "ends_on", "The funding period must end on or after its start."),
    ],
)
def test_funding_is_validated(changes, field, message):
    data = {"donor": "Fund", "amount": "10", "currency": "eur", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    form = FundingForm({**data, **changes})
    assert form.errors[field] == [message]


def test_a_lowercase_currency_is_accepted_in_capitals():
    form = FundingForm(
        {"donor": "Fund", "amount": "0", "currency": " usd ", "starts_on": "2027-01-01", "ends_on": "2027-01-01"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["currency"] == "USD"


def test_a_team_member_without_clearance_is_refused(client, make_user, lead_and_initiative):
    lead, initiative = lead_and_initiative
    junior = make_user(Role.STAFF, Level.INTERNAL, full_name="Junior Officer")
    client.force_login(lead)
    response = post_edit(client, initiative, **{"team-1-user": junior.pk, "team-1-role": TeamMembership.Role.ADVISOR})
    assert response.status_code == 200
    [error] = response.context["formsets"]["team"].forms[1].errors["user"]
    assert error == (
        "Junior Officer is cleared for Internal only, below this initiative's level (Confidential). "
        "Choose someone cleared for it."
    )
    assert not initiative.team_memberships.filter(user=junior).exists()


def test_raising_the_level_checks_the_team_against_the_new_level(client, make_user):
    initiative, lead = team_initiative(make_user, level=Level.INTERNAL, clearance=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=make_user(Role.STAFF, Level.INTERNAL))
    client.force_login(lead)
    response = post_edit(client, initiative, level=str(Level.CONFIDENTIAL))
    assert response.status_code == 200
    errors = [str(error) for form in response.context["formsets"]["team"] for error in form.errors.get("user", [])]
    assert any("cleared for Internal only" in error for error in errors)
    initiative.refresh_from_db()
    assert initiative.level == Level.INTERNAL


def test_raising_the_level_above_a_workshop_is_refused_naming_it(client, make_user):
    initiative, lead = team_initiative(make_user, level=Level.INTERNAL, clearance=Level.STRICTLY_CONFIDENTIAL)
    f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL, title="Spring roundtable")
    f.WorkshopFactory(initiative=initiative, level=Level.STRICTLY_CONFIDENTIAL, title="Secret session")
    client.force_login(lead)
    response = post_edit(client, initiative, level=str(Level.CONFIDENTIAL))
    assert response.status_code == 200
    [error] = field_errors(response, "level")
    assert "“Spring roundtable”" in error
    assert "Secret session" not in error
    initiative.refresh_from_db()
    assert initiative.level == Level.INTERNAL


def test_the_team_needs_a_lead(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    response = post_edit(client, initiative, **{"team-0-role": TeamMembership.Role.ADVISOR})
    assert response.status_code == 200
    assert response.context["formsets"]["team"].non_form_errors() == ["The team needs at least one lead."]
    assert initiative.team_memberships.get(user=lead).role == TeamMembership.Role.LEAD


def test_a_party_with_invitations_cannot_be_removed(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    party = f.PartyFactory(initiative=initiative, name="North")
    f.InvitationFactory(workshop=f.WorkshopFactory(initiative=initiative), party=party)
    client.force_login(lead)
    response = post_edit(client, initiative, **{"parties-0-DELETE": "on"})
    assert response.status_code == 200
    assert response.context["formsets"]["parties"].non_form_errors() == [
        "These parties have invitations and cannot be removed: North."
    ]
    assert Party.objects.filter(pk=party.pk).exists()
    assert Invitation.objects.count() == 1


def test_a_duplicate_codename_is_refused(client, staff):
    f.InitiativeFactory(codename="HERON")
    client.force_login(staff)
    response = client.post(
        reverse("dialogues:initiative-create"),
        {
            "title": "Again",
            "codename": "HERON",
            "conflict": "x",
            "track": "track_2",
            "phase": "exploratory",
            "level": "20",
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "codename")
    assert Initiative.objects.count() == 1


def test_the_team_picker_offers_organisation_users_by_name_and_email(make_user):
    colleague = make_user(Role.STAFF, Level.INTERNAL, full_name="Noor Colleague", email="noor@parley.test")
    outsider = make_user(Role.PARTICIPANT, Level.INTERNAL, full_name="Not Staff")
    inactive = make_user(Role.STAFF, Level.INTERNAL, full_name="Gone Away", is_active=False)
    labels = dict(TeamMembershipForm().fields["user"].choices)
    assert labels[colleague.pk] == "Noor Colleague (noor@parley.test)"
    assert outsider.pk not in labels
    assert inactive.pk not in labels


def test_a_participant_account_cannot_be_put_on_a_team(client, make_user, lead_and_initiative):
    lead, initiative = lead_and_initiative
    outsider = make_user(Role.PARTICIPANT, Level.STRICTLY_CONFIDENTIAL)
    client.force_login(lead)
    response = post_edit(client, initiative, **{"team-1-user": outsider.pk, "team-1-role": TeamMembership.Role.ADVISOR})
    assert response.status_code == 200
    assert response.context["formsets"]["team"].forms[1].errors["user"]
    assert not initiative.team_memberships.filter(user=outsider).exists()


def test_the_workshop_edit_form_starts_from_venue_times(make_user):
    workshop = f.WorkshopFactory(
        time_zone="Europe/Zurich",
        starts_at=dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 1, 15, 16, 0, tzinfo=dt.UTC),
    )
    form = WorkshopForm(instance=workshop, user=make_user(Role.STAFF, Level.CONFIDENTIAL))
    assert form["starts_at"].value() == dt.datetime(2027, 1, 15, 9, 0)


def test_ticking_remove_deletes_a_party_a_team_member_and_funding(client, make_user, lead_and_initiative):
    lead, initiative = lead_and_initiative
    f.PartyFactory(initiative=initiative, name="Uninvited")
    advisor = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=advisor, role=TeamMembership.Role.ADVISOR)
    f.FundingFactory(initiative=initiative)
    client.force_login(lead)
    data = edit_data(client, initiative)
    advisor_row = next(key for key, value in data.items() if key.endswith("-user") and value == advisor.pk)
    data.update({"parties-0-DELETE": "on", advisor_row.replace("-user", "-DELETE"): "on", "fundings-0-DELETE": "on"})
    response = client.post(reverse("dialogues:initiative-update", args=[initiative.pk]), data)
    assert response.status_code == 302
    assert not initiative.parties.exists()
    assert list(initiative.team_memberships.values_list("user", flat=True)) == [lead.pk]
    assert not initiative.fundings.exists()


def test_ticking_remove_deletes_an_agenda_session(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = f.WorkshopFactory(initiative=initiative)
    f.AgendaSessionFactory(workshop=workshop)
    client.force_login(lead)
    url = reverse("dialogues:workshop-update", args=[workshop.pk])
    data = unchanged_post_data(client.get(url), ["sessions"])
    data["sessions-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not workshop.sessions.exists()
