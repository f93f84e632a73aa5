"""The browser pages of the dialogues app: who may do what, what they see, and what is stored."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from core.models import AccessLog
from dialogues.models import Document, Initiative, Invitation, TeamMembership, Workshop
from participants.models import Participant

from . import factories as f

pytestmark = pytest.mark.django_db

UTC = dt.UTC


# --- helpers -------------------------------------------------------------------------------------


def unchanged_post_data(response, formset_names=()):
    """What a page would post if the user changed nothing: every field of its form and formsets."""
    forms = [response.context["form"]]
    data = {}
    for name in formset_names:
        formset = response.context[name] if name in response.context else response.context["formsets"][name]
        management = formset.management_form
        for field in management:
            data[field.html_name] = field.value()
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
                continue
            if isinstance(value, dt.datetime | dt.date):
                value = field.field.widget.format_value(value)
            data[field.html_name] = value
    return data


def workshop_post_data(**changes):
    data = {
        "title": "Lakeside roundtable",
        "kind": Workshop.Kind.ROUNDTABLE,
        "venue": "Villa on the lake",
        "city": "Geneva",
        "country": "CH",
        "time_zone": "Europe/Zurich",
        "starts_at": "2027-01-15T09:00",
        "ends_at": "2027-01-16T17:00",
        "languages": ["en", "ar"],
        "interpretation": "on",
        "capacity": "24",
        "reminder_days": "7, 1",
        "chase_after_days": "5",
        "level": str(Level.CONFIDENTIAL),
        "status": Workshop.Status.PLANNED,
        "sessions-TOTAL_FORMS": "3",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def team_initiative(make_user, *, level=Level.CONFIDENTIAL, role=TeamMembership.Role.LEAD, clearance=None):
    """An initiative and a staff member on its team."""
    member = make_user(Role.STAFF, clearance or max(level, Level.INTERNAL))
    initiative = f.InitiativeFactory(level=level)
    f.TeamMembershipFactory(initiative=initiative, user=member, role=role)
    return initiative, member


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- creating and editing ------------------------------------------------------------------------


def test_the_creator_of_an_initiative_becomes_its_lead(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("dialogues:initiative-create"),
        {
            "title": "Coastal water talks",
            "codename": "HERON",
            "conflict": "Fictional river basin",
            "track": Initiative.Track.TRACK_TWO,
            "phase": Initiative.Phase.EXPLORATORY,
            "level": str(Level.INTERNAL),
        },
    )
    initiative = Initiative.objects.get(codename="HERON")
    assert response.status_code == 302
    assert response.url == initiative.get_absolute_url()
    assert initiative.created_by == staff
    assert list(initiative.team_memberships.values_list("user", "role")) == [(staff.pk, TeamMembership.Role.LEAD)]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.OBSERVER, Role.FACILITATOR])
def test_roles_outside_the_organisation_may_not_create_initiatives(client, make_user, role):
    client.force_login(make_user(role, Level.STRICTLY_CONFIDENTIAL))
    assert client.get(reverse("dialogues:initiative-create")).status_code == 403
    response = client.post(reverse("dialogues:initiative-create"), {"title": "x", "codename": "X", "conflict": "x"})
    assert response.status_code == 403
    assert not Initiative.objects.exists()


def test_workshop_times_entered_at_the_venue_are_stored_in_utc(client, make_user):
    initiative, lead = team_initiative(make_user)
    client.force_login(lead)
    response = client.post(
        reverse("dialogues:workshop-create", args=[initiative.pk]),
        workshop_post_data(
            **{
                "sessions-0-title": "Opening",
                "sessions-0-starts_at": "2027-01-15T09:30",
                "sessions-0-ends_at": "2027-01-15T11:00",
            }
        ),
    )
    workshop = Workshop.objects.get(title="Lakeside roundtable")
    assert response.status_code == 302
    assert response.url == workshop.get_absolute_url()
    # Zurich is UTC+1 in January: 09:00 there is 08:00 UTC.
    assert workshop.starts_at == dt.datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert workshop.ends_at == dt.datetime(2027, 1, 16, 16, 0, tzinfo=UTC)
    assert workshop.languages == ["en", "ar"]
    assert workshop.initiative == initiative
    session = workshop.sessions.get()
    assert (session.starts_at, session.ends_at) == (
        dt.datetime(2027, 1, 15, 8, 30, tzinfo=UTC),
        dt.datetime(2027, 1, 15, 10, 0, tzinfo=UTC),
    )


def test_summer_time_is_applied_when_storing(client, make_user):
    initiative, lead = team_initiative(make_user)
    client.force_login(lead)
    client.post(
        reverse("dialogues:workshop-create", args=[initiative.pk]),
        workshop_post_data(starts_at="2027-07-15T09:00", ends_at="2027-07-15T17:00"),
    )
    assert Workshop.objects.get().starts_at == dt.datetime(2027, 7, 15, 7, 0, tzinfo=UTC)


def test_the_edit_page_shows_venue_times_and_saves_them_back_unchanged(client, make_user):
    initiative, lead = team_initiative(make_user)
    workshop = f.WorkshopFactory(
        initiative=initiative,
        time_zone="Asia/Tokyo",
        starts_at=dt.datetime(2027, 1, 15, 0, 0, tzinfo=UTC),
        ends_at=dt.datetime(2027, 1, 15, 8, 0, tzinfo=UTC),
    )
    f.AgendaSessionFactory(
        workshop=workshop,
        starts_at=dt.datetime(2027, 1, 15, 1, 0, tzinfo=UTC),
        ends_at=dt.datetime(2027, 1, 15, 2, 0, tzinfo=UTC),
    )
    client.force_login(lead)
    url = reverse("dialogues:workshop-update", args=[workshop.pk])
    page = client.get(url)
    assert 'value="2027-01-15T09:00"' in page.content.decode()  # 00:00 UTC is 09:00 in Tokyo
    data = unchanged_post_data(page, ["sessions"])
    data["title"] = "Renamed"
    response = client.post(url, data)
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.title == "Renamed"
    assert workshop.starts_at == dt.datetime(2027, 1, 15, 0, 0, tzinfo=UTC)
    assert workshop.sessions.get().starts_at == dt.datetime(2027, 1, 15, 1, 0, tzinfo=UTC)


def test_the_lead_edits_the_initiative_with_its_parties_team_and_funding(client, make_user):
    initiative, lead = team_initiative(make_user)
    colleague = make_user(Role.STAFF, Level.CONFIDENTIAL, full_name="Noor Colleague")
    client.force_login(lead)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    data.update(
        {
            "phase": Initiative.Phase.ACTIVE,
            "parties-0-name": "North",
            "parties-1-name": "South",
            "team-1-user": colleague.pk,
            "team-1-role": TeamMembership.Role.ADVISOR,
            "fundings-0-donor": "Fictional Foundation",
            "fundings-0-amount": "125000",
            "fundings-0-currency": "chf",
            "fundings-0-starts_on": "2027-01-01",
            "fundings-0-ends_on": "2027-12-31",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.phase == Initiative.Phase.ACTIVE
    assert sorted(initiative.parties.values_list("name", flat=True)) == ["North", "South"]
    assert initiative.team_memberships.get(user=colleague).role == TeamMembership.Role.ADVISOR
    assert initiative.fundings.get().currency == "CHF"


# --- who may change what -------------------------------------------------------------------------


def test_an_assigned_facilitator_sees_a_confidential_workshop_but_may_not_edit_it(client, facilitator_user):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL), title="Quiet talks")
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    client.force_login(facilitator_user)
    url = reverse("dialogues:workshop-update", args=[workshop.pk])
    assert client.get(workshop.get_absolute_url()).status_code == 200
    assert client.get(url).status_code == 403
    assert client.post(url, workshop_post_data(title="Hijacked")).status_code == 403
    workshop.refresh_from_db()
    assert workshop.title == "Quiet talks"
    assert client.get(reverse("dialogues:workshop-create", args=[workshop.initiative.pk])).status_code == 404


def test_the_facilitator_sees_the_initiative_codename_but_no_link_to_it(client, facilitator_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Secret basin talks", codename="OSPREY")
    workshop = f.WorkshopFactory(initiative=initiative)
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    client.force_login(facilitator_user)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "OSPREY" in page
    assert "Secret basin talks" not in page
    assert initiative.get_absolute_url() not in page


def test_a_team_member_sees_a_link_to_the_initiative(client, make_user):
    initiative, member = team_initiative(make_user, role=TeamMembership.Role.ADVISOR)
    workshop = f.WorkshopFactory(initiative=initiative)
    client.force_login(member)
    assert f'href="{initiative.get_absolute_url()}"' in client.get(workshop.get_absolute_url()).content.decode()


def test_an_advisor_on_the_team_may_see_but_not_edit(client, make_user):
    initiative, advisor = team_initiative(make_user, role=TeamMembership.Role.ADVISOR)
    workshop = f.WorkshopFactory(initiative=initiative)
    client.force_login(advisor)
    assert client.get(initiative.get_absolute_url()).status_code == 200
    assert client.get(reverse("dialogues:initiative-update", args=[initiative.pk])).status_code == 403
    assert client.get(reverse("dialogues:workshop-create", args=[initiative.pk])).status_code == 403
    assert client.get(reverse("dialogues:workshop-update", args=[workshop.pk])).status_code == 403


def test_staff_edit_internal_initiatives_without_being_on_the_team(client, staff):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    client.force_login(staff)
    assert client.get(reverse("dialogues:initiative-update", args=[initiative.pk])).status_code == 200
    assert client.get(reverse("dialogues:workshop-create", args=[initiative.pk])).status_code == 200


def test_staff_off_the_team_get_404_for_a_confidential_initiative(client, cleared_staff):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    client.force_login(cleared_staff)
    assert client.get(initiative.get_absolute_url()).status_code == 404
    assert client.get(reverse("dialogues:initiative-update", args=[initiative.pk])).status_code == 404


def test_edit_links_are_shown_only_to_who_may_edit(client, make_user):
    initiative, lead = team_initiative(make_user)
    advisor = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=advisor, role=TeamMembership.Role.ADVISOR)
    edit_url = reverse("dialogues:initiative-update", args=[initiative.pk])
    client.force_login(lead)
    assert edit_url in client.get(initiative.get_absolute_url()).content.decode()
    client.force_login(advisor)
    assert edit_url not in client.get(initiative.get_absolute_url()).content.decode()


# --- identities on the workshop page -------------------------------------------------------------


@pytest.fixture
def high_risk_invitation():
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
    person = f.ParticipantFactory(full_name="Amira Haddad", risk_level=Participant.RiskLevel.HIGH, codename="KESTREL")
    return f.InvitationFactory(workshop=workshop, participant=person)


def test_internal_staff_see_the_codename_of_a_high_risk_invitee(client, staff, high_risk_invitation):
    client.force_login(staff)
    page = client.get(high_risk_invitation.workshop.get_absolute_url()).content.decode()
    assert "KESTREL" in page
    assert "Amira Haddad" not in page
    assert high_risk_invitation.participant.email not in page


def test_a_confidential_team_member_sees_the_name_of_a_high_risk_invitee(client, make_user, high_risk_invitation):
    member = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=high_risk_invitation.workshop.initiative, user=member)
    client.force_login(member)
    page = client.get(high_risk_invitation.workshop.get_absolute_url()).content.decode()
    assert "Amira Haddad" in page


def test_invitations_are_grouped_by_party_with_the_delegation_balance(client, make_user):
    initiative, lead = team_initiative(make_user)
    workshop = f.WorkshopFactory(initiative=initiative)
    north = f.PartyFactory(initiative=initiative, name="North")
    south = f.PartyFactory(initiative=initiative, name="South")
    for status in (Invitation.Status.ACCEPTED, Invitation.Status.ACCEPTED, Invitation.Status.SENT):
        f.InvitationFactory(workshop=workshop, party=north, status=status)
    f.InvitationFactory(workshop=workshop, party=south, status=Invitation.Status.DECLINED)
    client.force_login(lead)
    response = client.get(workshop.get_absolute_url())
    balance = {row["party"].name: row for row in response.context["balance"]}
    assert (balance["North"]["invited"], balance["North"]["accepted"], balance["North"]["awaiting"]) == (3, 2, 1)
    assert (balance["South"]["invited"], balance["South"]["declined"]) == (1, 1)
    assert "Delegation of North" in response.content.decode()


def test_a_person_above_the_viewers_clearance_is_not_shown(client, make_user):
    initiative, lead = team_initiative(make_user, clearance=Level.CONFIDENTIAL)
    workshop = f.WorkshopFactory(initiative=initiative)
    f.InvitationFactory(
        workshop=workshop,
        participant=f.ParticipantFactory(full_name="Secret Person", level=Level.STRICTLY_CONFIDENTIAL),
    )
    client.force_login(lead)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "Secret Person" not in page
    assert "Restricted participant" in page


# --- documents -----------------------------------------------------------------------------------


@pytest.fixture
def attendee_document(participant_user):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
    me = f.ParticipantFactory(user=participant_user)
    f.InvitationFactory(workshop=workshop, participant=me, status=Invitation.Status.ACCEPTED)
    document = f.DocumentFactory(workshop=workshop, audience=Document.Audience.ATTENDEES)
    f.DocumentVersionFactory(document=document, number=1, file__data=b"first draft")
    f.DocumentVersionFactory(document=document, number=2, file__data=b"%PDF-1.4 the agreed version")
    return document


def test_an_attendee_downloads_the_latest_version_and_the_read_is_logged(client, participant_user, attendee_document):
    client.force_login(participant_user)
    response = client.get(reverse("dialogues:document-download", args=[attendee_document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the agreed version"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (participant_user, AccessLog.Action.DOWNLOAD, attendee_document.pk)


def test_an_invitee_who_has_not_accepted_cannot_download(client, make_user, attendee_document):
    other = make_user(Role.PARTICIPANT, Level.CONFIDENTIAL)
    invited = f.ParticipantFactory(user=other)
    f.InvitationFactory(workshop=attendee_document.workshop, participant=invited, status=Invitation.Status.SENT)
    client.force_login(other)
    assert client.get(reverse("dialogues:document-download", args=[attendee_document.pk])).status_code == 404
    assert not AccessLog.objects.exists()


def test_a_document_without_a_file_answers_404(client, make_user):
    initiative, lead = team_initiative(make_user)
    document = f.DocumentFactory(workshop=f.WorkshopFactory(initiative=initiative))
    client.force_login(lead)
    assert client.get(reverse("dialogues:document-download", args=[document.pk])).status_code == 404


def test_the_workshop_page_links_the_documents_the_viewer_may_download(client, make_user):
    initiative, lead = team_initiative(make_user)
    workshop = f.WorkshopFactory(initiative=initiative)
    document = f.DocumentVersionFactory(document=f.DocumentFactory(workshop=workshop, title="Options paper")).document
    client.force_login(lead)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert reverse("dialogues:document-download", args=[document.pk]) in page


# --- reads are logged ----------------------------------------------------------------------------


def test_reading_a_confidential_initiative_and_workshop_is_logged(client, make_user):
    initiative, lead = team_initiative(make_user)
    workshop = f.WorkshopFactory(initiative=initiative)
    client.force_login(lead)
    client.get(initiative.get_absolute_url())
    client.get(workshop.get_absolute_url())
    assert sorted(AccessLog.objects.values_list("object_id", "action")) == sorted(
        [(initiative.pk, AccessLog.Action.VIEW), (workshop.pk, AccessLog.Action.VIEW)]
    )


def test_reading_an_internal_initiative_is_not_logged(client, staff):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    client.force_login(staff)
    assert client.get(initiative.get_absolute_url()).status_code == 200
    assert not AccessLog.objects.exists()


# --- lists ---------------------------------------------------------------------------------------


def test_the_initiative_list_filters_and_searches(client, staff):
    f.InitiativeFactory(level=Level.INTERNAL, title="Water talks", phase=Initiative.Phase.ACTIVE)
    f.InitiativeFactory(level=Level.INTERNAL, title="Border talks", conflict="Mountain pass")
    f.InitiativeFactory(level=Level.PUBLIC, title="Open forum")
    client.force_login(staff)

    def titles(query):
        page = client.get(reverse("dialogues:initiative-list") + query).context["page_obj"]
        return sorted(initiative.title for initiative in page)

    assert titles("?q=mountain") == ["Border talks"]
    assert titles("?phase=active") == ["Water talks"]
    assert titles(f"?level={Level.PUBLIC}") == ["Open forum"]
    assert titles("?level=nonsense") == ["Border talks", "Open forum", "Water talks"]


def test_the_initiative_list_counts_only_workshops_the_viewer_may_see(client, staff):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
    f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL)
    client.force_login(staff)
    [shown] = client.get(reverse("dialogues:initiative-list")).context["page_obj"]
    assert shown.workshop_count == 1


def test_the_workshop_list_shows_venue_times_with_the_zone(client, staff):
    f.WorkshopFactory(
        initiative=f.InitiativeFactory(level=Level.INTERNAL),
        time_zone="America/New_York",
        starts_at=dt.datetime(2027, 1, 15, 14, 0, tzinfo=UTC),
        ends_at=dt.datetime(2027, 1, 15, 22, 0, tzinfo=UTC),
    )
    client.force_login(staff)
    page = client.get(reverse("dialogues:workshop-list")).content.decode()
    assert "America/New_York" in page
    assert "15 Jan 2027, 09:00" in page  # 14:00 UTC is 09:00 in New York


def test_the_workshop_list_filters_by_initiative_status_and_time(client, staff):
    first = f.InitiativeFactory(level=Level.INTERNAL)
    second = f.InitiativeFactory(level=Level.INTERNAL)
    f.WorkshopFactory(initiative=first, title="Coming", status=Workshop.Status.INVITING)
    f.WorkshopFactory(
        initiative=second,
        title="Done",
        status=Workshop.Status.HELD,
        starts_at=timezone.now() - dt.timedelta(days=10),
        ends_at=timezone.now() - dt.timedelta(days=9),
    )
    client.force_login(staff)

    def titles(query):
        return [w.title for w in client.get(reverse("dialogues:workshop-list") + query).context["page_obj"]]

    assert titles(f"?initiative={first.pk}") == ["Coming"]
    assert titles("?status=held") == ["Done"]
    assert titles("?when=upcoming") == ["Coming"]
    assert titles("?when=past") == ["Done"]
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.WorkshopFactory(initiative=hidden, title="Hidden")
    assert sorted(titles(f"?initiative={hidden.pk}")) == ["Coming", "Done"]  # not a choice: ignored


# --- query counts --------------------------------------------------------------------------------


def seed_internal(size):
    """``size`` INTERNAL initiatives, each with a workshop, a party, invitations, sessions and a document."""
    for _ in range(size):
        initiative = f.InitiativeFactory(level=Level.INTERNAL)
        workshop = f.WorkshopFactory(initiative=initiative)
        party = f.PartyFactory(initiative=initiative)
        f.InvitationFactory.create_batch(2, workshop=workshop, party=party)
        f.AgendaSessionFactory(workshop=workshop)
        f.DocumentVersionFactory(document=f.DocumentFactory(workshop=workshop))


def test_list_pages_run_a_fixed_number_of_queries(client, staff):
    client.force_login(staff)
    urls = [reverse("dialogues:initiative-list"), reverse("dialogues:workshop-list"), reverse("dashboard:home")]
    seed_internal(2)
    small = [query_count(client, url) for url in urls]
    seed_internal(8)
    assert [query_count(client, url) for url in urls] == small
    # Each: the viewer's ties (read once for every rule); the dashboard: + the viewer's own open action items.
    assert small == [4, 5, 6]


@pytest.mark.parametrize(
    ("viewer", "level", "expected"),
    [
        # user, record, parties, team, funding, workshops, documents (the session is read from the cache)
        # (+ MFA check, access log content type and insert, team role check for the CONFIDENTIAL lead)
        # The workshop page: also the parties, the delegation balance (one aggregate), a page of invitations and
        # their participants, the conflict warnings (+2: the team's bookings, which of their workshops the
        # viewer may see; invitees booked elsewhere would add one); its outcome reports and their approved
        # public summaries (+2; whether the viewer may start one is read off the workshop as read for them)
        # (+ the viewer's ties, read once per request for every rule)
        ("staff", Level.INTERNAL, [8, 14]),
        ("lead", Level.CONFIDENTIAL, [12, 18]),
    ],
)
def test_detail_pages_run_a_fixed_number_of_queries(client, make_user, viewer, level, expected):
    if viewer == "staff":
        initiative, user = f.InitiativeFactory(level=level), make_user(Role.STAFF, Level.INTERNAL)
    else:
        initiative, user = team_initiative(make_user, level=level)
    workshop = f.WorkshopFactory(initiative=initiative)
    f.AssignmentFactory(workshop=workshop)

    def grow(size):
        party = f.PartyFactory(initiative=initiative)
        f.FundingFactory(initiative=initiative)
        f.TeamMembershipFactory(initiative=initiative, user=make_user(Role.STAFF, Level.CONFIDENTIAL))
        f.WorkshopFactory(initiative=initiative)
        f.InvitationFactory.create_batch(size, workshop=workshop, party=party)
        f.InvitationFactory(
            workshop=workshop, party=party, participant=f.ParticipantFactory(risk_level=Participant.RiskLevel.HIGH)
        )
        f.AgendaSessionFactory.create_batch(size, workshop=workshop)
        f.DocumentVersionFactory(document=f.DocumentFactory(workshop=workshop))
        f.DocumentVersionFactory(document=f.DocumentFactory(initiative=initiative, workshop=None))

    client.force_login(user)
    urls = [initiative.get_absolute_url(), workshop.get_absolute_url()]
    ContentType.objects.clear_cache()  # each process looks a content type up once; count that lookup every time
    grow(1)
    small = [query_count(client, url) for url in urls]
    grow(6)
    ContentType.objects.clear_cache()
    assert [query_count(client, url) for url in urls] == small == expected


def test_staff_who_raise_an_initiative_out_of_their_sight_are_sent_to_the_list(client, make_user):
    staff = make_user(Role.STAFF, Level.CONFIDENTIAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=make_user(Role.STAFF, Level.CONFIDENTIAL), role="lead")
    client.force_login(staff)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    data["level"] = str(Level.CONFIDENTIAL)
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == reverse("dialogues:initiative-list")
    initiative.refresh_from_db()
    assert initiative.level == Level.CONFIDENTIAL
