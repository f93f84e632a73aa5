"""Sending invitations through the outbox, telling invitees of changes, and the reminders (services and
the outbox's delivery, in process; the real worker, Redis and SMTP server are in test_outbox_delivery.py)."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.levels import Level
from core.models import OutboxMessage
from dialogues import services
from dialogues.models import Invitation, InvitationReminder, Workshop

from . import factories as f

pytestmark = pytest.mark.django_db

Status = Invitation.Status


@pytest.fixture
def workshop():
    initiative = f.InitiativeFactory(level=Level.INTERNAL, codename="LANTERN")
    return f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL, title="Water talks")


def drafts(workshop, count, **fields):
    if "participant" not in fields and workshop.effective_level >= Level.CONFIDENTIAL:
        return [f.InvitationFactory(workshop=workshop, status=Status.DRAFT, participant=vetted()) for _ in range(count)]
    return [f.InvitationFactory(workshop=workshop, status=Status.DRAFT, **fields) for _ in range(count)]


def vetted():
    """A participant cleared for confidential workshops: an approval that runs for a year."""
    person = f.ParticipantFactory()
    now = timezone.now()
    f.VettingCaseFactory(
        participant=person,
        status="approved",
        decided_at=now - dt.timedelta(days=1),
        expires_at=now + dt.timedelta(days=365),
    )
    return person


def pending_ids():
    return list(OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).values_list("pk", flat=True))


def test_sending_drafts_queues_each_with_one_outbox_message(workshop, staff):
    chosen = drafts(workshop, 3)
    no_address = drafts(workshop, 1, participant=f.ParticipantFactory(email=""))[0]
    already_sent = f.InvitationFactory(workshop=workshop, status=Status.SENT)

    written = services.invitations_send(workshop=workshop, invitations=[*chosen, no_address, already_sent], by=staff)

    assert written == 3
    assert set(Invitation.objects.filter(status=Status.QUEUED).values_list("pk", flat=True)) == {i.pk for i in chosen}
    assert Invitation.objects.get(pk=no_address.pk).status == Status.DRAFT  # nobody to write to
    keys = set(OutboxMessage.objects.values_list("key", flat=True))
    assert keys == {f"invitation:{invitation.pk}" for invitation in chosen}
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.INVITING


def test_sending_the_same_drafts_twice_writes_each_message_once(workshop, staff):
    chosen = drafts(workshop, 2)
    services.invitations_send(workshop=workshop, invitations=chosen, by=staff)
    assert services.invitations_send(workshop=workshop, invitations=chosen, by=staff) == 0
    assert OutboxMessage.objects.count() == 2


def test_invitations_of_a_cancelled_or_past_workshop_are_not_sent(workshop, staff):
    chosen = drafts(workshop, 1)
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.CANCELLED)
    with pytest.raises(ValidationError):
        services.invitations_send(workshop=workshop, invitations=chosen, by=staff)
    assert not OutboxMessage.objects.exists()


def test_a_delivered_invitation_is_marked_sent_and_a_second_delivery_sends_nothing(workshop, staff):
    invitation = drafts(workshop, 1)[0]
    services.invitations_send(workshop=workshop, invitations=[invitation], by=staff)
    ids = pending_ids()

    assert outbox.deliver(ids) == {"sent": 1}
    assert outbox.deliver(ids) == {"skipped": 1}  # a retried or redelivered task

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [invitation.participant.email]
    invitation.refresh_from_db()
    assert invitation.status == Status.SENT and invitation.sent_at is not None
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)


def test_an_invitation_withdrawn_before_its_turn_is_not_sent(workshop, staff):
    invitation = drafts(workshop, 1)[0]
    services.invitations_send(workshop=workshop, invitations=[invitation], by=staff)
    Invitation.objects.filter(pk=invitation.pk).update(status=Status.WITHDRAWN)

    assert outbox.deliver(pending_ids()) == {"cancelled": 1}
    assert mail.outbox == []


class FailingConnection:
    """An SMTP connection that refuses as told (Django's backends raise what smtplib raises)."""

    def __init__(self, error):
        self.error = error

    def open(self):
        pass

    def send_messages(self, messages):
        raise self.error

    def close(self):
        pass


def test_a_temporary_smtp_error_is_retried_later_with_backoff(workshop, staff, monkeypatch):
    invitation = drafts(workshop, 1)[0]
    services.invitations_send(workshop=workshop, invitations=[invitation], by=staff)
    ids = pending_ids()
    error = smtplib.SMTPResponseException(451, b"Try again later")
    monkeypatch.setattr(mail, "get_connection", lambda **kwargs: FailingConnection(error))

    assert outbox.deliver(ids) == {"retrying": 1}
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1 and message.last_error.startswith("451")
    assert message.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    assert outbox.deliver(ids) == {"skipped": 1}  # not due yet

    monkeypatch.undo()
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver(ids) == {"sent": 1}
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().attempts == 2


def test_backoff_doubles_up_to_an_hour():
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert outbox.retry_delay(20) == dt.timedelta(hours=1)


def test_a_refused_address_fails_for_good_shows_no_address_and_can_be_sent_again(workshop, staff, monkeypatch):
    invitation = drafts(workshop, 1, participant=f.ParticipantFactory(email="wrong@example.org"))[0]
    services.invitations_send(workshop=workshop, invitations=[invitation], by=staff)
    ids = pending_ids()
    refused = smtplib.SMTPRecipientsRefused({"wrong@example.org": (550, b"5.1.1 <wrong@example.org> unknown")})
    monkeypatch.setattr(mail, "get_connection", lambda **kwargs: FailingConnection(refused))

    assert outbox.deliver(ids) == {"failed": 1}
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.FAILED
    assert "550" in message.last_error and "wrong@example.org" not in message.last_error

    monkeypatch.undo()
    invitation.participant.email = "right@example.org"
    invitation.participant.save()
    assert outbox.message_resend(message=message, by=staff)
    assert outbox.deliver(ids) == {"sent": 1}
    assert mail.outbox[0].to == ["right@example.org"]


def test_moving_a_workshop_tells_those_who_had_the_invitation_once_per_change(workshop, staff):
    told = [
        f.InvitationFactory(workshop=workshop, status=status, sent_at=timezone.now())
        for status in (Status.SENT, Status.ACCEPTED)
    ]
    for status in (Status.DRAFT, Status.DECLINED, Status.WITHDRAWN):
        f.InvitationFactory(workshop=workshop, status=status)

    later = workshop.starts_at + dt.timedelta(days=1)
    services.workshop_update(workshop=workshop, by=staff, starts_at=later, ends_at=later + dt.timedelta(days=1))
    services.workshop_update(workshop=workshop, by=staff, title="Water talks, renamed")  # not a move

    workshop.refresh_from_db()
    assert workshop.calendar_sequence == 1
    rows = OutboxMessage.objects.filter(kind="workshop_rescheduled")
    assert sorted(rows.values_list("object_id", flat=True)) == sorted(i.pk for i in told)
    assert {row.data["sequence"] for row in rows} == {1}

    assert outbox.deliver(pending_ids()) == {"sent": 2}
    assert len(mail.outbox) == 2


def test_cancelling_a_workshop_tells_every_invitee_who_had_the_invitation(workshop, staff):
    told = f.InvitationFactory(workshop=workshop, status=Status.ACCEPTED, sent_at=timezone.now())
    f.InvitationFactory(workshop=workshop, status=Status.DRAFT)

    services.workshop_update(workshop=workshop, by=staff, status=Workshop.Status.CANCELLED)

    rows = list(OutboxMessage.objects.filter(kind="workshop_cancelled"))
    assert [row.object_id for row in rows] == [told.pk]
    assert outbox.deliver(pending_ids()) == {"sent": 1}


def test_reminders_are_written_once_however_often_the_job_runs(workshop):
    now = timezone.now()
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=now + dt.timedelta(days=6), ends_at=now + dt.timedelta(days=7)
    )
    accepted = f.InvitationFactory(workshop=workshop, status=Status.ACCEPTED, sent_at=now - dt.timedelta(days=2))
    unanswered = f.InvitationFactory(workshop=workshop, status=Status.SENT, sent_at=now - dt.timedelta(days=11))
    recent = f.InvitationFactory(workshop=workshop, status=Status.SENT, sent_at=now - dt.timedelta(days=1))  # not yet
    f.InvitationFactory(workshop=workshop, status=Status.DECLINED, sent_at=now - dt.timedelta(days=11))

    first = services.invitation_reminders_enqueue(now=now)
    again = services.invitation_reminders_enqueue(now=now)  # a second beat, or the job run twice

    assert (first, again) == (3, 0)
    keys = set(OutboxMessage.objects.values_list("key", flat=True))
    assert keys == {
        f"reminder_before:{accepted.pk}:7:0",
        f"reminder_chase:{unanswered.pk}:1",
        f"reminder_chase:{unanswered.pk}:2",
    }
    # Later on: the day-before reminder, the recent one's first chase, and never a third chase.
    assert services.invitation_reminders_enqueue(now=now + dt.timedelta(days=5, hours=12)) == 2
    assert OutboxMessage.objects.filter(key=f"reminder_before:{accepted.pk}:1:0").exists()
    assert OutboxMessage.objects.filter(key=f"reminder_chase:{recent.pk}:1").exists()
    assert not OutboxMessage.objects.filter(key__startswith=f"reminder_chase:{unanswered.pk}:3").exists()

    outbox.deliver(pending_ids())
    assert InvitationReminder.objects.filter(invitation=accepted, kind="before_workshop").count() == 2
    assert InvitationReminder.objects.filter(invitation=unanswered, kind="chase").count() == 2


def test_a_reminder_to_someone_who_has_answered_meanwhile_is_not_sent(workshop):
    now = timezone.now()
    invitation = f.InvitationFactory(workshop=workshop, status=Status.SENT, sent_at=now - dt.timedelta(days=6))
    services.invitation_reminders_enqueue(now=now)
    Invitation.objects.filter(pk=invitation.pk).update(status=Status.DECLINED)
    assert outbox.deliver(pending_ids()) == {"cancelled": 1}
    assert mail.outbox == []


# --- The outbox page


@pytest.fixture
def sent_messages(workshop, staff):
    hidden_initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    hidden = f.WorkshopFactory(initiative=hidden_initiative, level=Level.CONFIDENTIAL, title="Hidden backchannel")
    for target in (workshop, hidden):
        services.invitations_send(workshop=target, invitations=drafts(target, 2), by=staff)


def test_the_outbox_page_lists_only_messages_about_workshops_the_viewer_may_see(client, staff, sent_messages):
    client.force_login(staff)
    response = client.get(reverse("core:outbox"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Water talks") == 2
    assert "Hidden backchannel" not in page
    assert "2 messages" in page


@pytest.mark.parametrize("role", ["facilitator_user", "participant_user", "observer"])
def test_the_outbox_page_is_for_staff_only(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("core:outbox")).status_code == 404


def test_a_message_about_a_hidden_workshop_cannot_be_resent(client, staff, sent_messages):
    hidden = OutboxMessage.objects.exclude(pk__in=OutboxMessage.objects.visible_to(staff)).first()
    OutboxMessage.objects.filter(pk=hidden.pk).update(status=OutboxMessage.Status.FAILED)
    client.force_login(staff)
    assert client.post(reverse("core:outbox-resend", args=[hidden.pk])).status_code == 404
    assert OutboxMessage.objects.get(pk=hidden.pk).status == OutboxMessage.Status.FAILED


def test_the_outbox_page_costs_the_same_queries_for_more_messages(
    client, staff, workshop, django_assert_max_num_queries
):
    client.force_login(staff)
    services.invitations_send(workshop=workshop, invitations=drafts(workshop, 2), by=staff)
    client.get(reverse("core:outbox"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:outbox"))
    services.invitations_send(workshop=workshop, invitations=drafts(workshop, 30), by=staff)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("core:outbox"))
    assert len(many) == len(few)


def test_a_draft_whose_vetting_lapsed_since_it_was_added_is_not_sent(staff):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    confidential = f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL)
    person = f.ParticipantFactory()
    case = f.VettingCaseFactory(
        participant=person,
        status="approved",
        decided_at=timezone.now() - dt.timedelta(days=10),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    draft = f.InvitationFactory(workshop=confidential, participant=person, status=Status.DRAFT)
    type(case).objects.filter(pk=case.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    with pytest.raises(ValidationError, match="no longer cleared by vetting"):
        services.invitations_send(workshop=confidential, invitations=[draft], by=staff)
    assert Invitation.objects.get(pk=draft.pk).status == Status.DRAFT
    assert not OutboxMessage.objects.exists()
