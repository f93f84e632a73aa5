"""Attendance: once a workshop has started, its facilitators and those who manage it mark each accepted invitee
attended or no-show, in one form; tampered ids are refused whole, and invitees are named by the identity rule."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from core.models import AccessLog
from dialogues import services
from dialogues.models import Invitation, TeamMembership, Workshop
from participants.models import Participant

from . import factories as f

pytestmark = pytest.mark.django_db

ACCEPTED, ATTENDED, NO_SHOW = Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW


def started_workshop(level=Level.CONFIDENTIAL, **fields):
    now = timezone.now()
    initiative = f.InitiativeFactory(level=level)
    fields.setdefault("starts_at", now - dt.timedelta(hours=2))
    fields.setdefault("ends_at", now + dt.timedelta(hours=6))
    return f.WorkshopFactory(initiative=initiative, level=level, **fields)


def later_workshop():
    now = timezone.now()
    return started_workshop(starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=4))


def invite(workshop, status=ACCEPTED, **person):
    party = workshop.initiative.parties.first() or f.PartyFactory(initiative=workshop.initiative)
    person = f.ParticipantFactory(**person)
    return f.InvitationFactory(workshop=workshop, participant=person, party=party, status=status)


def url(workshop):
    return reverse("dialogues:workshop-attendance", args=[workshop.pk])


@pytest.fixture
def workshop(facilitator_user):
    workshop = started_workshop()
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    return workshop


def statuses(*invitations):
    return [Invitation.objects.get(pk=invitation.pk).status for invitation in invitations]


# --- Rules -----------------------------------------------------------------------------------------


def test_before_the_workshop_starts_the_page_says_so_and_shows_no_form(client, facilitator_user):
    later = later_workshop()
    f.AssignmentFactory(workshop=later, facilitator=facilitator_user.facilitator)
    invite(later)
    client.force_login(facilitator_user)
    response = client.get(url(later))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "once the workshop has started" in response.content.decode()
    assert b'name="mark-' not in response.content


def test_a_post_before_the_start_writes_nothing(client, facilitator_user):
    later = later_workshop()
    f.AssignmentFactory(workshop=later, facilitator=facilitator_user.facilitator)
    invitation = invite(later)
    client.force_login(facilitator_user)
    client.post(url(later), {f"mark-{invitation.pk}": ATTENDED})
    assert statuses(invitation) == [ACCEPTED]


def test_the_facilitator_marks_attended_and_no_show_in_one_form(client, facilitator_user, workshop):
    came, stayed_away = invite(workshop), invite(workshop)
    client.force_login(facilitator_user)
    response = client.post(url(workshop), {f"mark-{came.pk}": ATTENDED, f"mark-{stayed_away.pk}": NO_SHOW})
    assert response.status_code == 302
    assert response["Location"] == workshop.get_absolute_url()
    came.refresh_from_db()
    assert came.status == ATTENDED
    assert came.attendance_recorded_by == facilitator_user
    assert came.attendance_recorded_at is not None
    assert statuses(stayed_away) == [NO_SHOW]


def test_a_row_left_unmarked_stays_accepted(client, facilitator_user, workshop):
    came, unknown = invite(workshop), invite(workshop)
    client.force_login(facilitator_user)
    client.post(url(workshop), {f"mark-{came.pk}": ATTENDED})
    assert statuses(came, unknown) == [ATTENDED, ACCEPTED]
    assert Invitation.objects.get(pk=unknown.pk).attendance_recorded_at is None


def test_a_mark_can_be_corrected(client, facilitator_user, workshop):
    invitation = invite(workshop, status=NO_SHOW)
    client.force_login(facilitator_user)
    page = client.get(url(workshop)).content.decode()
    assert f'name="mark-{invitation.pk}"' in page
    client.post(url(workshop), {f"mark-{invitation.pk}": ATTENDED})
    assert statuses(invitation) == [ATTENDED]


def test_the_form_lists_accepted_and_marked_invitees_only(client, facilitator_user, workshop):
    shown = [invite(workshop, status=status) for status in (ACCEPTED, ATTENDED, NO_SHOW)]
    hidden = [invite(workshop, status=status) for status in ("draft", "sent", "declined", "withdrawn")]
    client.force_login(facilitator_user)
    form = client.get(url(workshop)).context["form"]
    assert {row.pk for row, _field in form.rows} == {invitation.pk for invitation in shown}
    assert not {invitation.pk for invitation in hidden} & {row.pk for row, _field in form.rows}


def test_the_page_is_an_audited_read(client, facilitator_user, workshop):
    invite(workshop)
    client.force_login(facilitator_user)
    client.get(url(workshop))
    assert AccessLog.objects.filter(user=facilitator_user, object_id=workshop.pk, path=url(workshop)).exists()


def test_those_who_manage_the_workshop_may_record(client, make_user):
    workshop = started_workshop()
    lead = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=workshop.initiative, user=lead, role=TeamMembership.Role.LEAD)
    invitation = invite(workshop)
    client.force_login(lead)
    client.post(url(workshop), {f"mark-{invitation.pk}": ATTENDED})
    assert statuses(invitation) == [ATTENDED]


def test_a_team_advisor_who_may_not_manage_gets_403(client, make_user):
    workshop = started_workshop()
    advisor = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=workshop.initiative, user=advisor, role=TeamMembership.Role.ADVISOR)
    invitation = invite(workshop)
    client.force_login(advisor)
    assert client.get(url(workshop)).status_code == 403
    assert client.post(url(workshop), {f"mark-{invitation.pk}": ATTENDED}).status_code == 403
    assert statuses(invitation) == [ACCEPTED]


def test_a_facilitator_of_another_workshop_gets_404(client, facilitator_user):
    workshop = started_workshop()
    invitation = invite(workshop)
    client.force_login(facilitator_user)
    assert client.post(url(workshop), {f"mark-{invitation.pk}": ATTENDED}).status_code == 404
    assert statuses(invitation) == [ACCEPTED]


def test_an_invited_participant_gets_404(client, participant_user):
    workshop = started_workshop()
    me = f.ParticipantFactory(user=participant_user)
    f.InvitationFactory(workshop=workshop, participant=me, status=ACCEPTED)
    client.force_login(participant_user)
    assert client.get(url(workshop)).status_code == 404


def test_a_cancelled_workshop_has_no_attendance(client, facilitator_user, workshop):
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.CANCELLED)
    invitation = invite(workshop)
    client.force_login(facilitator_user)
    response = client.post(url(workshop), {f"mark-{invitation.pk}": ATTENDED})
    assert response.status_code == 200
    assert "cancelled" in response.content.decode()
    assert statuses(invitation) == [ACCEPTED]


# --- The workshop page's link ------------------------------------------------------------------------


def test_the_workshop_page_links_to_attendance_once_started(client, facilitator_user, workshop):
    client.force_login(facilitator_user)
    assert url(workshop) in client.get(workshop.get_absolute_url()).content.decode()


def test_the_workshop_page_has_no_attendance_link_before_the_start(client, facilitator_user):
    later = later_workshop()
    f.AssignmentFactory(workshop=later, facilitator=facilitator_user.facilitator)
    client.force_login(facilitator_user)
    assert url(later) not in client.get(later.get_absolute_url()).content.decode()


def test_the_workshop_page_has_no_attendance_link_for_a_team_advisor(client, make_user):
    workshop = started_workshop()
    advisor = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=workshop.initiative, user=advisor, role=TeamMembership.Role.ADVISOR)
    client.force_login(advisor)
    page = client.get(workshop.get_absolute_url())
    assert page.status_code == 200
    assert url(workshop) not in page.content.decode()


# --- Hostile input ---------------------------------------------------------------------------------


def refused(response):
    assert response.status_code == 200
    assert "not on this workshop" in response.content.decode()


def test_another_workshops_invitation_is_refused_and_nothing_is_written(client, facilitator_user, workshop):
    mine = invite(workshop)
    other = started_workshop()
    f.AssignmentFactory(workshop=other, facilitator=facilitator_user.facilitator)
    theirs = invite(other)
    client.force_login(facilitator_user)
    refused(client.post(url(workshop), {f"mark-{mine.pk}": ATTENDED, f"mark-{theirs.pk}": ATTENDED}))
    assert statuses(mine, theirs) == [ACCEPTED, ACCEPTED]


def test_a_declined_invitation_is_refused(client, facilitator_user, workshop):
    mine, declined = invite(workshop), invite(workshop, status="declined")
    client.force_login(facilitator_user)
    refused(client.post(url(workshop), {f"mark-{mine.pk}": ATTENDED, f"mark-{declined.pk}": ATTENDED}))
    assert statuses(mine, declined) == [ACCEPTED, "declined"]


@pytest.mark.parametrize("bad_id", ["abc", "", "1.5", "-1", "99999999999999999999", "١٢"])
def test_an_id_that_is_no_invitation_is_refused(client, facilitator_user, workshop, bad_id):
    mine = invite(workshop)
    client.force_login(facilitator_user)
    refused(client.post(url(workshop), {f"mark-{mine.pk}": ATTENDED, f"mark-{bad_id}": ATTENDED}))
    assert statuses(mine) == [ACCEPTED]


@pytest.mark.parametrize("bad_mark", ["accepted", "declined", "present", "x" * 5000, "\x00"])
def test_a_mark_other_than_attended_or_no_show_is_refused(client, facilitator_user, workshop, bad_mark):
    mine, other = invite(workshop), invite(workshop)
    client.force_login(facilitator_user)
    response = client.post(url(workshop), {f"mark-{mine.pk}": ATTENDED, f"mark-{other.pk}": bad_mark})
    assert response.status_code in (200, 400)  # a NUL byte is refused before the form (400)
    assert statuses(mine, other) == [ACCEPTED, ACCEPTED]


def test_the_service_refuses_ids_that_are_not_whole_numbers(facilitator_user, workshop):
    mine = invite(workshop)
    for marks in ({str(mine.pk): ATTENDED}, {True: ATTENDED}, {2**40: ATTENDED}, {mine.pk: "accepted"}):
        with pytest.raises(ValidationError):
            services.attendance_record(workshop=workshop, marks=marks, by=facilitator_user)
    assert statuses(mine) == [ACCEPTED]


def test_the_service_refuses_who_may_not_record(make_user, workshop):
    invitation = invite(workshop)
    outsider = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    with pytest.raises(ValidationError):
        services.attendance_record(workshop=workshop, marks={invitation.pk: ATTENDED}, by=outsider)
    assert statuses(invitation) == [ACCEPTED]


def test_the_service_refuses_before_the_start(facilitator_user, workshop):
    invitation = invite(workshop)
    before = workshop.starts_at - dt.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="once the workshop has started"):
        services.attendance_record(workshop=workshop, marks={invitation.pk: ATTENDED}, by=facilitator_user, now=before)


# --- Who is named how ----------------------------------------------------------------------------------


def test_a_high_risk_invitee_is_shown_by_codename_to_those_not_cleared_for_the_identity(client, make_user):
    """Staff manage an INTERNAL workshop without being on its team: they see the codename only."""
    workshop = started_workshop(level=Level.INTERNAL)
    staff = make_user(Role.STAFF, Level.INTERNAL)
    invite(workshop, full_name="Rania Hidden", codename="KESTREL-7", risk_level=Participant.RiskLevel.HIGH)
    client.force_login(staff)
    page = client.get(url(workshop)).content.decode()
    assert "KESTREL-7" in page
    assert "Rania Hidden" not in page


def test_the_assigned_facilitator_cleared_for_it_sees_the_name(client, facilitator_user, workshop):
    invite(workshop, full_name="Rania Hidden", codename="KESTREL-7", risk_level=Participant.RiskLevel.HIGH)
    client.force_login(facilitator_user)
    assert "Rania Hidden" in client.get(url(workshop)).content.decode()


def test_an_invitee_whose_record_is_above_the_viewer_cannot_be_marked(client, facilitator_user, workshop):
    secret = invite(workshop, full_name="Sami Secret", level=Level.STRICTLY_CONFIDENTIAL)
    client.force_login(facilitator_user)
    response = client.get(url(workshop))
    page = response.content.decode()
    assert "Sami Secret" not in page
    assert "Restricted participant" in page
    assert f'name="mark-{secret.pk}"' not in page
    refused(client.post(url(workshop), {f"mark-{secret.pk}": ATTENDED}))
    assert statuses(secret) == [ACCEPTED]
