"""Action items (issue 15): the rules of their services, who sees them, the owner's list and dashboard,
the report's section, and the signed done-link of a participant owner (tampered, expired, spent, closed)."""

import datetime as dt

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from dialogues.models import Invitation, TeamMembership
from facilitators import action_links, services
from facilitators.models import ActionItem

from . import factories as f
from .conftest import with_totp

pytestmark = pytest.mark.django_db


class Scene:
    """A CONFIDENTIAL initiative with a held workshop and its submitted report; a lead on the team, a
    facilitator assigned, a participant (with an account) who attended, one who declined, and outsiders."""

    def __init__(self):
        self.lead = with_totp(
            f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL, full_name="Lena Lead")
        )
        self.outsider = f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL, full_name="Otto Out")
        self.facilitator = f.UserFactory(role=Role.FACILITATOR, clearance=Level.CONFIDENTIAL, full_name="Fay Fac")
        self.initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL, codename="HERON")
        f.TeamMembershipFactory(initiative=self.initiative, user=self.lead, role=TeamMembership.Role.LEAD)
        start = timezone.now() - dt.timedelta(days=10)
        self.workshop = f.WorkshopFactory(
            initiative=self.initiative, title="Harbour talks", starts_at=start, ends_at=start + dt.timedelta(days=2)
        )
        f.AssignmentFactory(workshop=self.workshop, facilitator=f.FacilitatorFactory(user=self.facilitator))
        self.participant_user = f.UserFactory(role=Role.PARTICIPANT, clearance=Level.CONFIDENTIAL)
        self.attendee = f.ParticipantFactory(user=self.participant_user, full_name="Amal Attendee")
        self.decliner = f.ParticipantFactory(full_name="Dan Decliner")
        self.guest = f.ParticipantFactory(full_name="Gita Guest", email="gita@example.org")  # no account
        party = f.PartyFactory(initiative=self.initiative)
        for person, status in (
            (self.attendee, Invitation.Status.ATTENDED),
            (self.decliner, Invitation.Status.DECLINED),
            (self.guest, Invitation.Status.ACCEPTED),
        ):
            f.InvitationFactory(workshop=self.workshop, participant=person, party=party, status=status)
        self.report = f.OutcomeReportFactory(
            workshop=self.workshop, author=self.facilitator, status="submitted", submitted_at=timezone.now()
        )
        self.due = timezone.localdate() + dt.timedelta(days=10)

    def item(self, **fields):
        values = {"title": "Share the hotline numbers", "due_on": self.due, "owner_participant": self.guest}
        values.update(fields)
        return services.action_item_create(report=self.report, by=self.facilitator, **values)


@pytest.fixture
def scene():
    return Scene()


# --- The rules of the services --------------------------------------------------------------------------


def test_the_facilitator_and_the_team_add_actions_for_a_team_member_or_a_participant(scene):
    by_facilitator = scene.item()
    assert by_facilitator.owner_participant == scene.guest and by_facilitator.created_by == scene.facilitator
    by_lead = services.action_item_create(
        report=scene.report, by=scene.lead, title="Brief the envoy", owner=scene.lead, due_on=scene.due
    )
    assert by_lead.owner == scene.lead and by_lead.status == ActionItem.Status.OPEN


@pytest.mark.parametrize("who", ["outsider", "participant_user"])
def test_others_may_not_add_actions(scene, who):
    with pytest.raises(PermissionDenied):
        services.action_item_create(
            report=scene.report, by=getattr(scene, who), title="x", owner=scene.lead, due_on=scene.due
        )
    assert not ActionItem.objects.exists()


def test_an_owner_is_on_the_team_or_took_part(scene):
    with pytest.raises(ValidationError, match="team"):
        scene.item(owner_participant=None, owner=scene.outsider)
    with pytest.raises(ValidationError, match="accepted or attended"):
        scene.item(owner_participant=scene.decliner)
    with pytest.raises(ValidationError, match="one owner"):
        scene.item(owner=scene.lead)
    low = f.UserFactory(role=Role.STAFF, clearance=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=scene.initiative, user=low)
    with pytest.raises(ValidationError, match="cleared"):
        scene.item(owner_participant=None, owner=low)
    assert not ActionItem.objects.exists()


def test_a_due_date_is_sane(scene):
    with pytest.raises(ValidationError, match="before the workshop"):
        scene.item(due_on=scene.workshop.starts_at.date() - dt.timedelta(days=2))
    with pytest.raises(ValidationError, match="too far"):
        scene.item(due_on=timezone.localdate() + dt.timedelta(days=6 * 366))
    item = scene.item()
    # An unchanged due date that has passed meanwhile is no reason to refuse another change.
    ActionItem.objects.filter(pk=item.pk).update(due_on=scene.workshop.starts_at.date())
    item.refresh_from_db()
    services.action_item_update(item=item, by=scene.lead, title="Renamed")


def test_completion_follows_the_status_and_a_new_owner_spends_old_links(scene):
    item = scene.item()
    item = services.action_item_update(item=item, by=scene.lead, status=ActionItem.Status.DONE)
    assert item.completed_at is not None
    item = services.action_item_update(item=item, by=scene.lead, status=ActionItem.Status.IN_PROGRESS)
    assert item.completed_at is None
    old_sequence = item.token_sequence
    item = services.action_item_update(item=item, by=scene.lead, owner_participant=scene.attendee)
    assert item.token_sequence == old_sequence + 1
    with pytest.raises(PermissionDenied):
        services.action_item_update(item=item, by=scene.outsider, title="Taken over")


def test_the_owner_marks_done_others_may_not_and_a_closed_item_stays_closed(scene):
    item = scene.item(owner_participant=scene.attendee)
    with pytest.raises(PermissionDenied):
        services.action_item_mark_done(item=item, by=scene.outsider)
    done = services.action_item_mark_done(item=item, by=scene.participant_user)
    assert done.status == ActionItem.Status.DONE and done.completed_at and done.token_sequence == 1
    with pytest.raises(ValidationError, match="closed"):
        services.action_item_mark_done(item=done, by=scene.lead)
    dropped = services.action_item_drop(item=scene.item(), by=scene.lead)
    assert dropped.status == ActionItem.Status.DROPPED and dropped.completed_at is None


# --- Who sees them -----------------------------------------------------------------------------------------


def test_the_participant_owner_sees_their_item_and_nobody_else_outside_the_rule(scene):
    mine = scene.item(owner_participant=scene.attendee)
    theirs = scene.item(title="Someone else's")
    visible = set(ActionItem.objects.visible_to(scene.participant_user))
    assert visible == {mine}
    assert theirs not in ActionItem.objects.visible_to(scene.outsider)
    assert set(ActionItem.objects.visible_to(scene.facilitator)) == {mine, theirs}


def test_the_report_section_names_a_hidden_identity_by_codename(scene, rf=None):
    risky = f.ParticipantFactory(full_name="Secret Name", codename="KESTREL", risk_level=3)
    f.InvitationFactory(workshop=scene.workshop, participant=risky, status=Invitation.Status.ATTENDED)
    scene.item(owner_participant=risky)
    staff = f.UserFactory(role=Role.STAFF, clearance=Level.INTERNAL)  # sees nothing of the report
    template = Template("{% load action_items %}{% report_action_items report %}")

    def render(user):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"request": request, "report": scene.report}))

    assert "Share the hotline numbers" in render(scene.lead)
    assert reverse("facilitators:action-add", args=[scene.report.pk]) in render(scene.facilitator)
    assert "Share the hotline numbers" not in render(staff)
    owner_shown = render(scene.participant_user)  # not theirs: not shown at all
    assert "KESTREL" not in owner_shown and "Secret Name" not in owner_shown


# --- The pages -----------------------------------------------------------------------------------------------


def test_adding_and_changing_an_action_through_the_pages(client, scene):
    client.force_login(scene.facilitator)
    url = reverse("facilitators:action-add", args=[scene.report.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Gita Guest" in page.text and "Dan Decliner" not in page.text
    answer = client.post(
        url, {"title": "Circulate the notes", "owner": f"participant:{scene.guest.pk}", "due_on": scene.due}
    )
    assert answer.status_code == 302
    item = ActionItem.objects.get()
    edit = reverse("facilitators:action-edit", args=[item.pk])
    # The initiative's team is not the facilitator's to see (nor to choose from): its lead reassigns it.
    assert "Lena Lead" not in client.get(edit).text
    client.force_login(scene.lead)
    assert "Lena Lead" in client.get(edit).text
    answer = client.post(
        edit, {"title": "Circulate the notes", "owner": f"user:{scene.lead.pk}", "due_on": scene.due, "status": "done"}
    )
    assert answer.status_code == 302
    item.refresh_from_db()
    assert item.owner == scene.lead and item.owner_participant is None and item.completed_at is not None


@pytest.mark.parametrize(
    "values",
    [
        {"owner": "participant:999999"},
        {"owner": "user:abc"},
        {"owner": "declined"},
        {"due_on": "9999-12-31"},
        {"due_on": "2001-01-01"},
        {"due_on": "2026-02-30"},
        {"title": "x" * 400},
    ],
)
def test_hostile_input_is_refused_with_a_message_and_nothing_stored(client, scene, values):
    client.force_login(scene.lead)
    data = {"title": "Circulate", "owner": f"participant:{scene.guest.pk}", "due_on": scene.due, **values}
    if values.get("owner") == "declined":
        data["owner"] = f"participant:{scene.decliner.pk}"
    answer = client.post(reverse("facilitators:action-add", args=[scene.report.pk]), data)
    assert answer.status_code == 200 and answer.context["form"].errors
    assert not ActionItem.objects.exists()


def test_my_action_items_and_the_dashboard_show_the_owners_items_only(client, scene):
    mine = scene.item(owner_participant=scene.attendee, title="Mine to do")
    scene.item(title="Not mine")
    hidden_initiative = f.InitiativeFactory(level=Level.STRICTLY_CONFIDENTIAL)  # above their clearance
    hidden_workshop = f.WorkshopFactory(initiative=hidden_initiative)
    hidden = f.OutcomeReportFactory(workshop=hidden_workshop)
    f.ActionItemFactory(report=hidden, owner_participant=scene.attendee, title="Hidden one")
    client.force_login(scene.participant_user)
    page = client.get(reverse("facilitators:my-action-items"))
    assert page.status_code == 200
    assert "Mine to do" in page.text and "Harbour talks" in page.text
    assert "Not mine" not in page.text and "Hidden one" not in page.text
    dashboard = client.get(reverse("dashboard:home"))
    assert "Mine to do" in dashboard.text and "Hidden one" not in dashboard.text
    done = client.post(reverse("facilitators:action-complete", args=[mine.pk]))
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.status == ActionItem.Status.DONE
    assert "Mine to do" not in client.get(reverse("facilitators:my-action-items")).text
    assert "Mine to do" in client.get(reverse("facilitators:my-action-items") + "?show=closed").text
    assert client.get(reverse("facilitators:my-action-items") + "?show=nonsense&page=-3").status_code == 200


def test_the_lead_sees_their_own_items_on_the_dashboard(client, scene):
    services.action_item_create(
        report=scene.report, by=scene.lead, title="Brief the envoy", owner=scene.lead, due_on=scene.due
    )
    client.force_login(scene.lead)
    assert "Brief the envoy" in client.get(reverse("dashboard:home")).text


# --- The signed done-link -----------------------------------------------------------------------------------


def test_the_done_link_marks_the_item_done_once(client, scene):
    item = scene.item()
    path = action_links.done_path(item)
    page = client.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer" and "no-store" in page["Cache-Control"]
    assert "Share the hotline numbers" in page.text
    item.refresh_from_db()
    assert item.status == ActionItem.Status.OPEN  # opening the link (a mail scanner) changes nothing
    answer = client.post(path)
    assert answer.status_code == 200
    item.refresh_from_db()
    assert item.status == ActionItem.Status.DONE and item.token_sequence == 1
    again = client.get(path)
    assert again.status_code == 410 and "Share the hotline numbers" not in again.text


# Signed at run time, not at collection: a token carries the time it was signed, and test workers that collect
# on either side of a second would list different tests.
BAD_TOKENS = {
    "nonsense": lambda: "nonsense",
    "too long": lambda: "x" * 300,
    "an RSVP token": lambda: signing.dumps([1, 0], salt="parley.rsvp"),
    "not a pair": lambda: signing.dumps("a", salt=action_links.SALT),
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_a_tampered_or_malformed_link_answers_400(client, scene, kind):
    token = BAD_TOKENS[kind]()
    scene.item()
    answer = client.get(reverse("facilitators:action-done", args=[token]))
    assert answer.status_code == 400 and answer["Referrer-Policy"] == "no-referrer"
    assert "Share the hotline numbers" not in answer.text


def test_a_link_changed_by_one_character_answers_400(client, scene):
    token = action_links.done_token(scene.item())
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(reverse("facilitators:action-done", args=[tampered])).status_code == 400


def test_a_team_members_item_has_no_done_link(client, scene):
    item = services.action_item_create(
        report=scene.report, by=scene.lead, title="Brief the envoy", owner=scene.lead, due_on=scene.due
    )
    assert client.get(action_links.done_path(item)).status_code == 400


def test_an_expired_link_answers_410(client, scene, monkeypatch, settings):
    settings.PARLEY_ACTION_LINK_MAX_AGE_DAYS = 60
    item = scene.item()
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 61 * 24 * 3600)
    path = action_links.done_path(item)
    monkeypatch.undo()
    answer = client.get(path)
    assert answer.status_code == 410 and "expired" in answer.text
    assert "Share the hotline numbers" not in answer.text


def test_a_spent_link_answers_410(client, scene):
    item = scene.item()
    path = action_links.done_path(item)
    services.action_item_update(item=item, by=scene.lead, owner_participant=scene.attendee)  # reassigned
    answer = client.get(path)
    assert answer.status_code == 410 and "Share the hotline numbers" not in answer.text
    assert client.post(path).status_code == 410
    item.refresh_from_db()
    assert item.status == ActionItem.Status.OPEN


def test_a_closed_item_answers_410(client, scene):
    item = scene.item()
    path = action_links.done_path(item)
    services.action_item_drop(item=item, by=scene.lead)
    answer = client.post(path)
    assert answer.status_code == 410 and "Share the hotline numbers" not in answer.text
    item.refresh_from_db()
    assert item.status == ActionItem.Status.DROPPED
