"""The dashboard: what needs each role's attention, composed from the reads of every app."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from core.pagination import counted
from dialogues.models import Invitation, TeamMembership
from facilitators.models import OutcomeReport
from participants.models import Participant, VettingCase

from . import factories as f

pytestmark = pytest.mark.django_db


def team_initiative(make_user):
    """A CONFIDENTIAL initiative and a staff member who leads its team."""
    lead = make_user(Role.STAFF, Level.CONFIDENTIAL)
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    return initiative, lead


def test_the_observer_dashboard_shows_numbers_and_never_a_name(client, observer):
    initiative = f.InitiativeFactory(level=Level.STRICTLY_CONFIDENTIAL, codename="ALBATROSS", title="Deep talks")
    initiative.observers.add(observer)
    workshop = f.WorkshopFactory(initiative=initiative)
    north = f.PartyFactory(initiative=initiative, name="North")
    for gender in (Participant.Gender.WOMAN, Participant.Gender.WOMAN, Participant.Gender.MAN):
        f.InvitationFactory(
            workshop=workshop,
            party=north,
            status=Invitation.Status.ACCEPTED,
            participant=f.ParticipantFactory(gender=gender, full_name=f"Named {gender}"),
        )
    f.InvitationFactory(workshop=workshop, party=north, status=Invitation.Status.SENT)
    client.force_login(observer)
    response = client.get(reverse("dashboard:home"))
    page = response.content.decode()
    [row] = response.context["observed"]
    assert row["workshops"] == 1
    assert {cell.label: cell.count for cell in row["by_party"]} == {"North": 3}
    assert {cell.label: cell.count for cell in row["by_gender"]} == {"Woman": 2, "Man": 1}
    assert {cell.label: cell.count for cell in row["by_status"]} == {"Accepted": 3, "Sent": 1}
    assert "ALBATROSS" in page
    assert "Named" not in page
    assert workshop.get_absolute_url() not in page


def test_the_admin_dashboard_lists_vetting_work(client, admin_user):
    waiting = f.VettingCaseFactory(participant=f.ParticipantFactory(full_name="Waiting Person")).participant
    now = timezone.now()
    expiring = f.ParticipantFactory(full_name="Expiring Person")
    f.VettingCaseFactory(
        participant=expiring,
        status=VettingCase.Status.APPROVED,
        decided_at=now - dt.timedelta(days=300),
        expires_at=now + dt.timedelta(days=10),
    )
    f.SanctionsHitFactory(participant=waiting)
    client.force_login(admin_user)
    response = client.get(reverse("dashboard:home"))
    assert response.context["vetting_queue"]["count"] == 1
    assert response.context["vetting_expiring"]["items"] == [expiring]
    assert response.context["open_sanctions_hits"]["count_shown"] == "1"
    page = response.content.decode()
    assert "Waiting Person" in page and "Expiring Person" in page
    assert reverse("core:access-log") in page


def test_the_staff_dashboard_counts_invitations_awaiting_a_reply(client, make_user):
    initiative, lead = team_initiative(make_user)
    workshop = f.WorkshopFactory(initiative=initiative, starts_at=timezone.now() + dt.timedelta(days=5))
    f.InvitationFactory.create_batch(2, workshop=workshop, status=Invitation.Status.SENT)
    f.InvitationFactory(workshop=workshop, status=Invitation.Status.ACCEPTED)
    f.WorkshopFactory(initiative=initiative, starts_at=timezone.now() + dt.timedelta(days=90), title="Far away")
    client.force_login(lead)
    response = client.get(reverse("dashboard:home"))
    [shown] = response.context["upcoming_workshops"]["items"]
    assert (shown, shown.awaiting_reply) == (workshop, 2)
    assert response.context["my_initiatives"][0].my_role == TeamMembership.Role.LEAD


def test_the_facilitator_dashboard_lists_assignments_and_draft_reports(client, facilitator_user):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL), title="Assigned one")
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    f.OutcomeReportFactory(workshop=workshop, author=facilitator_user)
    f.OutcomeReportFactory(  # one report per workshop: the second is a session's
        workshop=workshop,
        session=f.AgendaSessionFactory(workshop=workshop),
        author=facilitator_user,
        status=OutcomeReport.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    client.force_login(facilitator_user)
    response = client.get(reverse("dashboard:home"))
    assert [w.title for w in response.context["assigned_groups"][0]["workshops"]] == ["Assigned one"]
    assert response.context["draft_reports"]["count"] == 1


def test_the_participant_dashboard_shows_their_own_invitations_in_venue_time(client, participant_user):
    me = f.ParticipantFactory(user=participant_user)
    mine = f.InvitationFactory(
        participant=me,
        workshop=f.WorkshopFactory(title="My workshop", time_zone="Asia/Tokyo"),
    )
    f.InvitationFactory(workshop=f.WorkshopFactory(title="Not mine"))
    client.force_login(participant_user)
    response = client.get(reverse("dashboard:home"))
    page = response.content.decode()
    assert response.context["my_invitations"] == [mine]
    assert "My workshop" in page and "Asia/Tokyo" in page
    assert "Not mine" not in page
    assert mine.workshop.initiative.title not in page


def test_the_sanctions_hits_to_review_are_counted_up_to_a_bound(client, admin_user, monkeypatch):
    from participants import selectors

    monkeypatch.setattr(selectors, "counted", lambda queryset: counted(queryset, bound=2))
    hits = f.SanctionsHitFactory.create_batch(3)
    client.force_login(admin_user)
    shown = client.get(reverse("dashboard:home")).context["open_sanctions_hits"]
    assert (shown["count"], shown["bounded"], shown["count_shown"]) == (3, True, "2+")  # read no further than 3
    hits[0].delete()
    shown = client.get(reverse("dashboard:home")).context["open_sanctions_hits"]
    assert (shown["count"], shown["bounded"], shown["count_shown"]) == (2, False, "2")


def test_the_first_approvals_to_expire_are_read_in_the_order_of_an_index(admin_user):
    from participants.selectors import vetting_approvals_expiring

    with CaptureQueriesContext(connection) as queries:
        vetting_approvals_expiring(admin_user)
    first_ten = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        # Priced out of sorts and sequential scans, the planner shows whether an index gives the order.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {first_ten}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "vetting_approved_expiry_idx" in plan, plan
