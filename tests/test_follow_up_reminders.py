"""The follow-up reminders (issue 15): action items before, on and after their due date, late outcome reports
to their facilitators, reports awaiting approval to the initiative's leads. The schedule is run at chosen
moments (``now``); each message is checked again when composed; one path runs on a real worker and SMTP server."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.levels import Level, Role
from core.models import OutboxMessage
from dialogues.models import Invitation, TeamMembership
from facilitators import reminders, services
from facilitators.models import ActionItem

from . import factories as f

Status = OutboxMessage.Status
DONE_LINK = re.compile(r"https?://\S+/actions/done/[^/\s\"<>]+/")


def build(*, level=Level.CONFIDENTIAL, ended_days_ago=10, mail="example.org"):
    """An initiative at ``level`` with a workshop that ended ``ended_days_ago``, its lead, an advisor, an
    assigned facilitator and a participant (no account) who attended; no report yet."""
    lead = f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL, email=f"lead@{mail}")
    advisor = f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL, email=f"advisor@{mail}")
    facilitator = f.UserFactory(role=Role.FACILITATOR, clearance=Level.STRICTLY_CONFIDENTIAL, email=f"fac@{mail}")
    codename = "OSPREY" if mail == "example.org" else "PETREL"
    initiative = f.InitiativeFactory(level=level, codename=codename, title="Secret coastal talks")
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    f.TeamMembershipFactory(initiative=initiative, user=advisor, role=TeamMembership.Role.ADVISOR)
    ends = timezone.now() - dt.timedelta(days=ended_days_ago)
    workshop = f.WorkshopFactory(
        initiative=initiative, title="Coastal round", starts_at=ends - dt.timedelta(days=2), ends_at=ends
    )
    f.AssignmentFactory(workshop=workshop, facilitator=f.FacilitatorFactory(user=facilitator))
    guest = f.ParticipantFactory(full_name="Gita Guest", email=f"gita@{mail}", preferred_language="fr")
    f.InvitationFactory(workshop=workshop, participant=guest, status=Invitation.Status.ATTENDED)
    return {"lead": lead, "advisor": advisor, "facilitator": facilitator, "workshop": workshop, "guest": guest}


def report_of(w, **fields):
    values = {"status": "submitted", "submitted_at": timezone.now()}
    values.update(fields)
    return f.OutcomeReportFactory(workshop=w["workshop"], author=w["facilitator"], **values)


def written(kind=None):
    messages = OutboxMessage.objects.order_by("pk")
    return list(messages.filter(kind=kind) if kind else messages)


def sent_mail(ids=None):
    mail.outbox.clear()
    outbox.deliver(ids or [message.pk for message in written()])
    return list(mail.outbox)


# --- The schedule ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_action_is_reminded_before_on_and_weekly_after_its_due_date(settings):
    settings.PARLEY_ACTION_REMINDER_DAYS = 3
    w = build()
    report = report_of(w, status="approved", approved_by=w["lead"], approved_at=timezone.now())
    due = dt.date(2030, 3, 13)  # a Wednesday
    item = f.ActionItemFactory(report=report, owner_participant=w["guest"], due_on=due)

    def at(day, hour=9):
        return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)

    assert services.follow_up_reminders_enqueue(now=at(due - dt.timedelta(days=4))) == 0
    assert services.follow_up_reminders_enqueue(now=at(due - dt.timedelta(days=3))) == 1
    assert services.follow_up_reminders_enqueue(now=at(due - dt.timedelta(days=2))) == 0  # once
    assert services.follow_up_reminders_enqueue(now=at(due)) == 1
    assert services.follow_up_reminders_enqueue(now=at(due, 23)) == 0
    assert services.follow_up_reminders_enqueue(now=at(due + dt.timedelta(days=1))) == 1  # overdue, week 11
    assert services.follow_up_reminders_enqueue(now=at(due + dt.timedelta(days=4))) == 0  # the same ISO week
    assert services.follow_up_reminders_enqueue(now=at(due + dt.timedelta(days=5))) == 1  # Monday: week 12
    assert [m.kind for m in written()] == [
        reminders.ACTION_DUE_SOON,
        reminders.ACTION_DUE_TODAY,
        reminders.ACTION_OVERDUE,
        reminders.ACTION_OVERDUE,
    ]
    assert [m.data.get("week") for m in written(reminders.ACTION_OVERDUE)] == ["2030-W11", "2030-W12"]
    # Moved to a new date: reminded again before it; done: never again.
    ActionItem.objects.filter(pk=item.pk).update(due_on=due + dt.timedelta(days=30))
    assert services.follow_up_reminders_enqueue(now=at(due + dt.timedelta(days=28))) == 1
    ActionItem.objects.filter(pk=item.pk).update(status="done", completed_at=timezone.now())
    assert services.follow_up_reminders_enqueue(now=at(due + dt.timedelta(days=40))) == 0


@pytest.mark.django_db
def test_a_reminder_is_checked_again_when_composed():
    w = build()
    report = report_of(w)
    item = f.ActionItemFactory(report=report, owner_participant=w["guest"], due_on=dt.date(2030, 3, 13))
    data = {"due_on": "2030-03-13"}
    day_before = dt.datetime(2030, 3, 12, 9, tzinfo=dt.UTC)
    assert reminders.action_item_still_due(reminders.ACTION_DUE_SOON, item, data, now=day_before)
    assert not reminders.action_item_still_due(reminders.ACTION_DUE_TODAY, item, data, now=day_before)
    assert not reminders.action_item_still_due(
        reminders.ACTION_DUE_SOON, item, {"due_on": "2030-03-20"}, now=day_before
    )
    overdue = {**data, "week": "2030-W12"}
    assert reminders.action_item_still_due(
        reminders.ACTION_OVERDUE, item, overdue, now=dt.datetime(2030, 3, 18, tzinfo=dt.UTC)
    )
    assert not reminders.action_item_still_due(  # composed a week late: the next week's takes its place
        reminders.ACTION_OVERDUE, item, overdue, now=dt.datetime(2030, 3, 25, tzinfo=dt.UTC)
    )
    Invitation.objects.filter(participant=w["guest"]).update(status=Invitation.Status.WITHDRAWN)
    assert not reminders.action_item_still_due(reminders.ACTION_DUE_SOON, item, data, now=day_before)


@pytest.mark.django_db
def test_the_owner_gets_the_reminder_in_their_language_with_a_fresh_done_link(client):
    w = build()
    report = report_of(w)
    item = f.ActionItemFactory(
        report=report, owner_participant=w["guest"], due_on=timezone.localdate() + dt.timedelta(days=2)
    )
    assert services.follow_up_reminders_enqueue() == 1
    [email] = sent_mail()
    assert email.to == ["gita@example.org"] and email.extra_headers["Content-Language"] == "fr"
    assert "OSPREY" in email.subject and "Coastal round" not in email.subject  # CONFIDENTIAL: the codename
    assert "Secret coastal talks" not in email.subject + email.body
    [link] = DONE_LINK.findall(email.body)
    assert link in email.alternatives[0][0] and link not in email.subject
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path).status_code == 200
    item.refresh_from_db()
    assert item.status == ActionItem.Status.DONE
    # A message still waiting when the item was closed is not sent.
    other = f.ActionItemFactory(report=report, owner=w["lead"], due_on=timezone.localdate())
    assert services.follow_up_reminders_enqueue() == 1
    ActionItem.objects.filter(pk=other.pk).update(status="dropped")
    assert sent_mail([written(reminders.ACTION_DUE_TODAY)[0].pk]) == []
    assert written(reminders.ACTION_DUE_TODAY)[0].status == Status.CANCELLED


@pytest.mark.django_db
def test_a_team_owner_is_sent_to_their_list_and_an_uncleared_owner_is_told_nothing():
    w = build()
    report = report_of(w)
    f.ActionItemFactory(report=report, owner=w["lead"], due_on=timezone.localdate(), title="Call the envoy")
    low = f.UserFactory(role=Role.STAFF, clearance=Level.INTERNAL, email="low@example.org")
    f.ActionItemFactory(report=report, owner=low, due_on=timezone.localdate(), title="Hidden from them")
    assert services.follow_up_reminders_enqueue() == 2
    [email] = sent_mail()
    assert email.to == ["lead@example.org"] and "Call the envoy" in email.body
    assert reverse("facilitators:my-action-items") in email.body and not DONE_LINK.findall(email.body)


@pytest.mark.django_db
def test_a_late_report_reminds_its_facilitators_after_48_hours_then_weekly():
    w = build(ended_days_ago=0)
    ends = w["workshop"].ends_at
    assert services.follow_up_reminders_enqueue(now=ends + dt.timedelta(hours=47)) == 0
    assert services.follow_up_reminders_enqueue(now=ends + dt.timedelta(hours=49)) == 1
    assert services.follow_up_reminders_enqueue(now=ends + dt.timedelta(days=5)) == 0
    assert services.follow_up_reminders_enqueue(now=ends + dt.timedelta(days=9, hours=1)) == 1
    assert [m.data["number"] for m in written(reminders.REPORT_LATE)] == [0, 1]
    report_of(w, status="draft", submitted_at=None)  # a draft is not a submitted report
    assert services.follow_up_reminders_enqueue(now=ends + dt.timedelta(days=16, hours=1)) == 1


@pytest.mark.django_db
def test_a_late_report_reminder_names_the_workshop_to_its_facilitator_only_while_they_may_see_it():
    w = build(ended_days_ago=3)
    hidden = build(level=Level.STRICTLY_CONFIDENTIAL, ended_days_ago=3, mail="example.net")
    hidden["facilitator"].clearance = Level.CONFIDENTIAL  # no longer cleared for that workshop
    hidden["facilitator"].save()
    assert services.follow_up_reminders_enqueue() == 2
    [email] = sent_mail()
    assert email.to == ["fac@example.org"] and "Coastal round" in email.body
    assert w["workshop"].get_absolute_url() in email.body
    statuses = sorted(m.status for m in written())
    assert statuses == [Status.CANCELLED, Status.SENT]
    # Submitted since: not sent.
    OutboxMessage.objects.all().delete()
    assert services.follow_up_reminders_enqueue(now=timezone.now() + dt.timedelta(days=7)) == 2
    report_of(w)
    assert sent_mail() == []


@pytest.mark.django_db
def test_a_report_awaiting_approval_reminds_the_leads_after_five_days():
    w = build()
    report = report_of(w, submitted_at=timezone.now() - dt.timedelta(days=4))
    assert services.follow_up_reminders_enqueue() == 0
    assert services.follow_up_reminders_enqueue(now=timezone.now() + dt.timedelta(days=1, hours=1)) == 1
    assert services.follow_up_reminders_enqueue(now=timezone.now() + dt.timedelta(days=3)) == 0  # once
    [message] = written(reminders.REPORT_AWAITING_APPROVAL)
    assert message.data["user"] == w["lead"].pk  # the lead, not the advisor
    [email] = sent_mail()
    assert email.to == ["lead@example.org"] and "Coastal round" in email.body
    # Approved meanwhile: nothing is sent.
    OutboxMessage.objects.all().delete()
    services.follow_up_reminders_enqueue(now=timezone.now() + dt.timedelta(days=3))
    type(report).objects.filter(pk=report.pk).update(
        status="approved", approved_by=w["lead"], approved_at=timezone.now()
    )
    assert sent_mail() == []


@pytest.mark.django_db
def test_the_outbox_page_shows_reminders_only_of_what_the_viewer_may_see(client):
    w = build()
    report_of(w, submitted_at=timezone.now() - dt.timedelta(days=6))
    services.follow_up_reminders_enqueue()
    outsider = f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL)
    assert not OutboxMessage.objects.visible_to(outsider).exists()
    assert OutboxMessage.objects.visible_to(w["lead"]).count() == len(written())


# --- A real worker and SMTP server --------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_due_action_reaches_its_participant_owner_whose_link_marks_it_done(celery, smtp_server, client):
    celery.worker(concurrency=1)
    w = build()
    report = report_of(w)
    item = f.ActionItemFactory(
        report=report, owner_participant=w["guest"], due_on=timezone.localdate(), title="Send the map"
    )
    assert services.follow_up_reminders_enqueue() == 1  # published once its transaction commits

    [delivered] = smtp_server.wait_for(1)
    assert delivered.recipients == ["gita@example.org"]
    assert delivered.message["Content-Language"] == "fr"
    assert "OSPREY" in delivered.message["Subject"]
    assert "Send the map" in delivered.text and "Send the map" in delivered.html
    [link] = DONE_LINK.findall(delivered.text)
    assert link in delivered.html
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    item.refresh_from_db()
    assert item.status == ActionItem.Status.DONE
    assert client.get(path).status_code == 410
