"""Scheduling conflicts: someone of a workshop (its initiative's team, its assigned facilitators, its invitees
who have not declined or been withdrawn) booked in another workshop at an overlapping time. Shown on the
workshop page and before saving the workshop form; warnings, never refusals. Only workshops the viewer
may see are named: the others are "another engagement", with no title, date or initiative."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.levels import Level, RiskLevel, Role
from dialogues.models import Invitation, TeamMembership, Workshop
from dialogues.selectors import workshop_conflicts

from . import factories as f
from .test_dialogues_views import team_initiative, workshop_post_data

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.UTC)  # 09:00 in Zurich
SECTION = "Scheduling conflicts"


def workshop_at(initiative, start=START, hours=32, **fields):
    return f.WorkshopFactory(
        initiative=initiative, starts_at=start, ends_at=start + dt.timedelta(hours=hours), **fields
    )


def conflicts_section(html):
    """The page's conflicts section (up to the next section)."""
    return html.split('id="conflicts-heading"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def scene(make_user):
    """A lead on the team of a CONFIDENTIAL initiative with a workshop on 15–16 January 2027."""
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL)
    lead.full_name = "Lena Lead"
    lead.save()
    workshop = workshop_at(initiative, title="Lakeside roundtable")
    return lead, initiative, workshop


# --- who conflicts -------------------------------------------------------------------------------


def test_a_team_member_booked_in_a_visible_overlapping_workshop_is_named_with_it(client, scene):
    lead, initiative, workshop = scene
    other = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=other, user=lead)
    elsewhere = workshop_at(other, START + dt.timedelta(hours=20), title="Harbour talks")
    client.force_login(lead)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "Lena Lead" in section and "team member" in section
    assert "Harbour talks" in section
    assert f'href="{elsewhere.get_absolute_url()}"' in section
    assert "another engagement" not in section


def test_someone_booked_in_many_workshops_is_shown_with_the_first_five_and_a_count(client, scene):
    # A lead on many teams may be booked in hundreds of workshops at once: the page names the soonest five
    # and counts the rest, rather than render every one (at 100,000 participants that took 300 ms).
    lead, initiative, workshop = scene
    for hour in range(7):
        other = f.InitiativeFactory(level=Level.CONFIDENTIAL)
        f.TeamMembershipFactory(initiative=other, user=lead)
        workshop_at(other, START + dt.timedelta(hours=hour + 1), title=f"Overlap {hour}")
    client.force_login(lead)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert [f"Overlap {hour}" in section for hour in range(7)] == [True] * 5 + [False] * 2
    assert "and 2 more workshops" in section
    (conflict,) = workshop_conflicts(workshop, user=lead).people
    assert (len(conflict.workshops), conflict.more) == (5, 2)


def test_a_workshop_the_viewer_may_not_see_is_another_engagement_without_title_date_or_initiative(
    client, make_user, scene
):
    lead, initiative, workshop = scene
    colleague = make_user(Role.STAFF, Level.CONFIDENTIAL, full_name="Colin Colleague")
    f.TeamMembershipFactory(initiative=initiative, user=colleague, role=TeamMembership.Role.ADVISOR)
    secret = f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Secret initiative", codename="NIGHTJAR")
    f.TeamMembershipFactory(initiative=secret, user=colleague)
    hidden = workshop_at(secret, START + dt.timedelta(hours=2), title="Secret backchannel", city="Muscat")
    client.force_login(lead)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "Colin Colleague" in section
    assert "another engagement" in section
    for leak in ("Secret backchannel", "Secret initiative", "NIGHTJAR", "Muscat", hidden.get_absolute_url()):
        assert leak not in section
    assert "15 Jan 2027, 11:00" not in section  # the hidden workshop's start, at its venue


def test_an_assigned_facilitator_booked_elsewhere_is_named(client, scene):
    lead, initiative, workshop = scene
    facilitator = f.FacilitatorFactory(user=f.UserFactory(role=Role.FACILITATOR, full_name="Farah Facilitator"))
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator)
    other = workshop_at(initiative, START + dt.timedelta(days=1), title="Second round")
    f.AssignmentFactory(workshop=other, facilitator=facilitator)
    client.force_login(lead)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "Farah Facilitator" in section and "facilitator" in section
    assert "Second round" in section


def test_an_invitee_booked_elsewhere_is_named_as_the_viewer_may_know_them(client, scene):
    lead, initiative, workshop = scene
    other = workshop_at(f.InitiativeFactory(level=Level.CONFIDENTIAL), title="Unseen other")
    person = f.ParticipantFactory(full_name="Amal Haddad")
    f.InvitationFactory(workshop=workshop, participant=person)
    f.InvitationFactory(workshop=other, participant=person, status=Invitation.Status.ACCEPTED)
    client.force_login(lead)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "Amal Haddad" in section and "invited" in section
    assert "another engagement" in section
    assert "Unseen other" not in section


def test_a_high_risk_invitee_is_shown_by_codename_to_a_viewer_without_identity_clearance(client, make_user):
    staff = make_user(Role.STAFF, Level.INTERNAL)  # sees INTERNAL workshops, not high-risk identities
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    workshop = workshop_at(initiative, level=Level.INTERNAL)
    other = workshop_at(initiative, level=Level.INTERNAL, title="Parallel session")
    person = f.ParticipantFactory(full_name="Real Name", codename="HERON-4", risk_level=RiskLevel.HIGH)
    f.InvitationFactory(workshop=workshop, participant=person)
    f.InvitationFactory(workshop=other, participant=person)
    client.force_login(staff)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "HERON-4" in section
    assert "Real Name" not in section
    assert "Parallel session" in section


def test_a_facilitator_viewer_is_not_told_the_names_of_a_team_they_may_not_see(client, facilitator_user, scene):
    lead, initiative, workshop = scene
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    workshop_at(initiative, START + dt.timedelta(hours=3), title="Overlapping one")  # the team is booked there
    client.force_login(facilitator_user)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "A team member" in section
    assert "Lena Lead" not in section
    assert "Overlapping one" not in section  # not assigned there: not a workshop they may see


@pytest.mark.parametrize(
    ("shift", "status"),
    [
        (dt.timedelta(hours=32), Workshop.Status.PLANNED),  # starts as this one ends
        (-dt.timedelta(hours=32), Workshop.Status.PLANNED),  # ends as this one starts
        (dt.timedelta(hours=2), Workshop.Status.CANCELLED),
    ],
)
def test_workshops_that_do_not_overlap_or_are_cancelled_are_no_conflict(client, scene, shift, status):
    lead, initiative, workshop = scene
    workshop_at(initiative, START + shift, status=status, title="Not a clash")
    client.force_login(lead)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "Not a clash" not in section
    assert "Nobody of this workshop is booked elsewhere" in section


@pytest.mark.parametrize("status", [Invitation.Status.DECLINED, Invitation.Status.WITHDRAWN])
def test_an_invitation_declined_or_withdrawn_books_nobody(client, scene, status):
    lead, initiative, workshop = scene
    other = workshop_at(initiative, START + dt.timedelta(days=1), title="The other")
    person = f.ParticipantFactory(full_name="Dana Declined")
    f.InvitationFactory(workshop=workshop, participant=person)
    f.InvitationFactory(workshop=other, participant=person, status=status)
    client.force_login(lead)

    section = conflicts_section(client.get(workshop.get_absolute_url()).content.decode())

    assert "Dana Declined" not in section


def test_a_cancelled_workshop_has_no_conflicts(scene):
    lead, initiative, workshop = scene
    workshop_at(initiative, START + dt.timedelta(hours=1))
    workshop.status = Workshop.Status.CANCELLED

    assert not workshop_conflicts(workshop, user=lead).people


def test_a_new_workshop_conflicts_through_its_team_only(scene):
    lead, initiative, workshop = scene
    person = f.ParticipantFactory()
    f.InvitationFactory(workshop=workshop, participant=person)
    new = Workshop(initiative=initiative, starts_at=START, ends_at=START + dt.timedelta(hours=3), capacity=10)

    conflicts = workshop_conflicts(new, user=lead)

    assert [(conflict.part, conflict.name) for conflict in conflicts.people] == [("team", "Lena Lead")]
    assert [other.title for other in conflicts.people[0].workshops] == ["Lakeside roundtable"]


def test_accepted_invitations_above_capacity_are_a_warning_too(scene):
    lead, initiative, workshop = scene
    workshop.capacity = 1

    assert workshop_conflicts(workshop, user=lead, accepted_count=2).over_capacity
    assert not workshop_conflicts(workshop, user=lead, accepted_count=1).over_capacity


def test_the_page_queries_do_not_grow_with_people_and_workshops(client, make_user, scene):
    lead, initiative, workshop = scene
    client.force_login(lead)

    def grow(n):
        for i in range(n):
            member = make_user(Role.STAFF, Level.CONFIDENTIAL)
            f.TeamMembershipFactory(initiative=initiative, user=member, role=TeamMembership.Role.ADVISOR)
            hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL)
            f.TeamMembershipFactory(initiative=hidden, user=member)
            workshop_at(hidden, START + dt.timedelta(hours=i % 20))
            person = f.ParticipantFactory()
            f.InvitationFactory(workshop=workshop, participant=person)
            f.InvitationFactory(
                workshop=workshop_at(initiative, START + dt.timedelta(hours=i % 20)), participant=person
            )

    grow(2)
    client.get(workshop.get_absolute_url())
    counts = []
    for size in (2, 20):
        grow(size)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(workshop.get_absolute_url()).content.decode()
        counts.append(len(queries))
        assert "another engagement" in conflicts_section(html)
    assert counts[0] == counts[1]


def test_the_conflicts_are_read_in_three_queries(django_assert_num_queries, scene):
    lead, initiative, workshop = scene
    workshop_at(initiative, START + dt.timedelta(hours=1))
    person = f.ParticipantFactory()
    f.InvitationFactory(workshop=workshop, participant=person)
    f.InvitationFactory(workshop=workshop_at(initiative, START), participant=person)
    workshop.initiative_visible = True  # as the workshop page reads it

    # The bookings; the workshops among them the lead may see; the invitees the lead may see.
    with django_assert_num_queries(3):
        conflicts = workshop_conflicts(workshop, user=lead)

    assert {conflict.part for conflict in conflicts.people} == {"team", "participant"}


# --- before saving -------------------------------------------------------------------------------


def test_a_new_workshop_clashing_with_the_teams_other_booking_asks_to_confirm(client, scene):
    lead, initiative, workshop = scene
    client.force_login(lead)
    url = reverse("dialogues:workshop-create", args=[initiative.pk])
    data = workshop_post_data(title="Clashing retreat", starts_at="2027-01-15T14:00", ends_at="2027-01-15T18:00")

    first = client.post(url, data)

    html = first.content.decode()
    assert first.status_code == 200
    assert SECTION in html and "Lena Lead" in html and "Lakeside roundtable" in html
    assert 'name="save_anyway"' in html
    assert not Workshop.objects.filter(title="Clashing retreat").exists()

    confirmed = client.post(url, {**data, "save_anyway": "on"})

    assert confirmed.status_code == 302
    assert Workshop.objects.filter(title="Clashing retreat").exists()


def test_a_workshop_without_clashes_is_saved_at_once(client, scene):
    lead, initiative, workshop = scene
    client.force_login(lead)
    url = reverse("dialogues:workshop-create", args=[initiative.pk])

    response = client.post(
        url, workshop_post_data(title="Quiet week", starts_at="2027-02-15T09:00", ends_at="2027-02-15T17:00")
    )

    assert response.status_code == 302
    assert Workshop.objects.filter(title="Quiet week").exists()


def test_moving_a_workshop_onto_an_invitees_other_booking_asks_to_confirm(client, scene):
    lead, initiative, workshop = scene
    later = workshop_at(initiative, START + dt.timedelta(days=30), title="Follow-up")
    person = f.ParticipantFactory(full_name="Omar Invitee")
    f.InvitationFactory(workshop=later, participant=person, status=Invitation.Status.ACCEPTED)
    f.InvitationFactory(workshop=workshop, participant=person)
    client.force_login(lead)
    url = reverse("dialogues:workshop-update", args=[later.pk])
    data = workshop_post_data(
        title="Follow-up",
        starts_at="2027-01-15T10:00",
        ends_at="2027-01-15T12:00",
        level=str(later.level),
    )

    first = client.post(url, data)

    assert first.status_code == 200
    html = first.content.decode()
    assert "Omar Invitee" in html and "Lakeside roundtable" in html
    later.refresh_from_db()
    assert later.starts_at == START + dt.timedelta(days=30)
    assert client.post(url, {**data, "save_anyway": "on"}).status_code == 302


def test_a_workshop_kept_at_its_times_is_saved_without_asking_again(client, scene):
    lead, initiative, workshop = scene
    workshop_at(initiative, START + dt.timedelta(hours=1), title="Clashing already")
    client.force_login(lead)
    url = reverse("dialogues:workshop-update", args=[workshop.pk])

    # 09:00 on 15 January to 17:00 on 16 January in Zurich: the times it has.
    response = client.post(url, workshop_post_data(title="Renamed roundtable"))

    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.title == "Renamed roundtable"
