"""The facilitator's workspace: the workshops they are assigned to, upcoming and past, each with their role,
the state of its outcome report, what is late (the report, the attendance) and where to go next."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from dialogues.models import Invitation, Workshop
from facilitators.models import Assignment, OutcomeReport

from . import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("facilitators:workspace")


def workshop_for(facilitator_user, *, ended_hours_ago=None, starts_in_days=None, role=Assignment.Role.LEAD, **fields):
    """A workshop the facilitator is assigned to: ended some hours ago, or starting in some days."""
    now = timezone.now()
    if ended_hours_ago is not None:
        fields.setdefault("ends_at", now - dt.timedelta(hours=ended_hours_ago))
        fields.setdefault("starts_at", fields["ends_at"] - dt.timedelta(days=1))
    elif starts_in_days is not None:
        fields.setdefault("starts_at", now + dt.timedelta(days=starts_in_days))
        fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(days=1))
    workshop = f.WorkshopFactory(**fields)
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator, role=role)
    return workshop


def report(workshop, author, status=OutcomeReport.Status.DRAFT, **fields):
    now = timezone.now()
    if status != OutcomeReport.Status.DRAFT:
        fields.setdefault("submitted_at", now)
    if status == OutcomeReport.Status.APPROVED:
        fields.setdefault("approved_at", now)
        fields.setdefault("approved_by", author)
    return f.OutcomeReportFactory(workshop=workshop, author=author, status=status, **fields)


def rows(response, name):
    """The workshops of one list of the page, by title."""
    (found,) = [entry for entry in response.context["lists"] if entry["name"] == name]
    return {workshop.title: workshop for workshop in found["page"].object_list}


# --- Who ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.PARTICIPANT, Role.OBSERVER])
def test_anyone_but_a_facilitator_gets_403(client, make_user, role):
    client.force_login(make_user(role, Level.STRICTLY_CONFIDENTIAL, is_staff=role == Role.ADMIN))
    assert client.get(URL).status_code == 403


def test_a_facilitator_without_a_profile_is_told_so(client, make_user):
    client.force_login(make_user(Role.FACILITATOR, Level.CONFIDENTIAL))
    response = client.get(URL)
    assert response.status_code == 200
    assert "no facilitator profile" in response.content.decode()


def test_the_menu_and_the_dashboard_link_to_it_for_facilitators(client, facilitator_user):
    client.force_login(facilitator_user)
    assert f'href="{URL}"' in client.get(reverse("dashboard:home")).content.decode()


def test_the_menu_does_not_offer_it_to_staff(client, staff):
    client.force_login(staff)
    assert URL not in client.get(reverse("dashboard:home")).content.decode()


# --- What is listed ------------------------------------------------------------------------------------


def test_upcoming_and_past_workshops_are_listed_apart_with_the_role(client, facilitator_user):
    workshop_for(facilitator_user, starts_in_days=5, title="Coming", role=Assignment.Role.RAPPORTEUR)
    workshop_for(facilitator_user, ended_hours_ago=10, title="Held")
    workshop_for(facilitator_user, starts_in_days=-1, ends_at=timezone.now() + dt.timedelta(hours=3), title="Now")
    client.force_login(facilitator_user)
    response = client.get(URL)
    assert set(rows(response, "upcoming")) == {"Coming", "Now"}
    assert set(rows(response, "past")) == {"Held"}
    assert rows(response, "upcoming")["Coming"].my_role_label == "Rapporteur"
    page = response.content.decode()
    assert "Rapporteur" in page
    assert "Europe/Zurich" in page  # dates in the venue's time zone


def test_workshops_of_others_and_above_the_clearance_are_not_listed(client, facilitator_user):
    f.WorkshopFactory(title="Not mine")
    workshop_for(facilitator_user, starts_in_days=3, title="Too secret", level=Level.STRICTLY_CONFIDENTIAL)
    workshop_for(facilitator_user, starts_in_days=3, title="Mine")
    client.force_login(facilitator_user)
    page = client.get(URL).content.decode()
    assert "Mine" in page
    assert "Not mine" not in page
    assert "Too secret" not in page


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (OutcomeReport.Status.DRAFT, "Draft"),
        (OutcomeReport.Status.SUBMITTED, "Submitted"),
        (OutcomeReport.Status.RETURNED, "Returned with comments"),
        (OutcomeReport.Status.APPROVED, "Approved"),
    ],
)
def test_the_state_of_the_workshops_report_is_shown(client, facilitator_user, status, label):
    workshop = workshop_for(facilitator_user, ended_hours_ago=1, title="Held")
    written = report(workshop, facilitator_user, status=status)
    client.force_login(facilitator_user)
    response = client.get(URL)
    row = rows(response, "past")["Held"]
    assert row.report_status_label == label
    assert reverse("facilitators:report-detail", args=[written.pk]) in response.content.decode()


def test_without_a_report_the_row_offers_to_start_one(client, facilitator_user):
    workshop = workshop_for(facilitator_user, ended_hours_ago=1, title="Held")
    client.force_login(facilitator_user)
    response = client.get(URL)
    assert rows(response, "past")["Held"].report_status is None
    assert reverse("facilitators:report-start", args=[workshop.pk]) in response.content.decode()


def test_session_reports_are_counted_apart_from_the_workshops_report(client, facilitator_user):
    workshop = workshop_for(facilitator_user, ended_hours_ago=1, title="Held")
    for _ in range(2):
        report(workshop, facilitator_user, session=f.AgendaSessionFactory(workshop=workshop))
    client.force_login(facilitator_user)
    row = rows(client.get(URL), "past")["Held"]
    assert row.report_status is None
    assert row.session_report_count == 2


# --- What is late ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ended_hours_ago", "status", "late"),
    [
        (49, None, True),
        (49, OutcomeReport.Status.DRAFT, True),
        (49, OutcomeReport.Status.RETURNED, True),
        (49, OutcomeReport.Status.SUBMITTED, False),
        (49, OutcomeReport.Status.APPROVED, False),
        (47, None, False),
    ],
)
def test_a_report_is_late_48_hours_after_the_end(client, facilitator_user, ended_hours_ago, status, late):
    workshop = workshop_for(facilitator_user, ended_hours_ago=ended_hours_ago, title="Held")
    if status is not None:
        report(workshop, facilitator_user, status=status)
    client.force_login(facilitator_user)
    response = client.get(URL)
    assert rows(response, "past")["Held"].report_late is late
    assert ("Report late" in response.content.decode()) is late
    assert response.context["late"]["reports"] == (1 if late else 0)


def test_a_cancelled_workshop_is_never_late(client, facilitator_user):
    workshop_for(facilitator_user, ended_hours_ago=100, title="Called off", status=Workshop.Status.CANCELLED)
    client.force_login(facilitator_user)
    row = rows(client.get(URL), "past")["Called off"]
    assert not row.report_late
    assert not row.attendance_due


def test_attendance_is_due_once_started_until_every_accepted_invitee_is_marked(client, facilitator_user):
    workshop = workshop_for(facilitator_user, ended_hours_ago=1, title="Held")
    invitation = f.InvitationFactory(workshop=workshop, status=Invitation.Status.ACCEPTED)
    client.force_login(facilitator_user)
    response = client.get(URL)
    assert rows(response, "past")["Held"].attendance_due
    assert "Attendance not recorded" in response.content.decode()
    assert reverse("dialogues:workshop-attendance", args=[workshop.pk]) in response.content.decode()
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.ATTENDED)
    assert not rows(client.get(URL), "past")["Held"].attendance_due


def test_attendance_is_not_due_before_the_start(client, facilitator_user):
    workshop = workshop_for(facilitator_user, starts_in_days=2, title="Coming")
    f.InvitationFactory(workshop=workshop, status=Invitation.Status.ACCEPTED)
    client.force_login(facilitator_user)
    response = client.get(URL)
    assert not rows(response, "upcoming")["Coming"].attendance_due
    assert reverse("dialogues:workshop-attendance", args=[workshop.pk]) not in response.content.decode()


# --- Paging ------------------------------------------------------------------------------------------------


def test_the_two_lists_page_on_their_own(client, facilitator_user, settings):
    settings.PARLEY_PAGE_SIZE = 2
    for day in range(1, 4):
        workshop_for(facilitator_user, starts_in_days=day, title=f"Coming {day}")
        workshop_for(facilitator_user, ended_hours_ago=24 * day, title=f"Held {day}")
    client.force_login(facilitator_user)
    first = client.get(URL)
    assert set(rows(first, "upcoming")) == {"Coming 1", "Coming 2"}
    assert set(rows(first, "past")) == {"Held 1", "Held 2"}
    assert "?upcoming=2" in first.content.decode()
    second = client.get(URL, {"upcoming": "2"})
    assert set(rows(second, "upcoming")) == {"Coming 3"}
    assert set(rows(second, "past")) == {"Held 1", "Held 2"}
    assert "upcoming=2&amp;past=2" in second.content.decode()


@pytest.mark.parametrize("number", ["0", "-3", "x", "99999999999999999999", "١"])
def test_a_page_number_out_of_range_is_no_error(client, facilitator_user, number):
    workshop_for(facilitator_user, starts_in_days=1, title="Coming")
    client.force_login(facilitator_user)
    assert client.get(URL, {"upcoming": number, "past": number}).status_code == 200
