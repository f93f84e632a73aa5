"""The outbox itself (core/outbox.py), in process, no worker: writing messages with the change that causes
them, claiming them once, backing off, what an error shows, and who may see a message.

Delivery through a real worker, Redis and SMTP server is in test_outbox_delivery.py and
test_outbox_faults.py.
"""

import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.levels import Level
from core.models import OutboxMessage
from dialogues.models import Invitation, Workshop

from . import factories as f
from .test_access_matrix import build_world

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


@pytest.fixture
def invitation():
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL, title="Water talks")
    return f.InvitationFactory(workshop=workshop, status=Invitation.Status.QUEUED)


def test_a_message_enqueued_in_a_transaction_that_rolls_back_is_neither_written_nor_published(
    invitation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as published, pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)
        raise RuntimeError("the change failed")

    assert not OutboxMessage.objects.exists()
    assert published == []


def test_a_message_is_published_only_once_its_transaction_commits(invitation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as published:
        message = outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)
    assert len(published) == 1
    assert message.status == Status.PENDING and message.attempts == 0
    assert (message.content_type.model_class(), message.object_id) == (Invitation, invitation.pk)


def test_the_same_key_twice_makes_one_message(invitation):
    key = f"invitation:{invitation.pk}"
    first = outbox.enqueue(kind="invitation", key=key, record=invitation)
    assert outbox.enqueue(kind="invitation", key=key, record=invitation) is None
    written = outbox.enqueue_many(
        [outbox.Message(kind="invitation", key=key, record=invitation)] * 3
        + [outbox.Message(kind="reminder_chase", key=f"reminder_chase:{invitation.pk}:1", record=invitation)] * 2
    )
    assert [message.key for message in written] == [f"reminder_chase:{invitation.pk}:1"]
    assert OutboxMessage.objects.count() == 2
    assert OutboxMessage.objects.get(key=key).pk == first.pk


def test_an_unregistered_kind_is_refused(invitation):
    with pytest.raises(ValueError, match="unregistered"):
        outbox.enqueue(kind="postcard", key="postcard:1", record=invitation)


def test_a_message_already_sent_is_not_claimed_again(invitation):
    message = outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.SENT, sent_at=timezone.now(), attempts=1)

    assert outbox.deliver([message.pk]) == {"skipped": 1}
    assert mail.outbox == []
    assert OutboxMessage.objects.get().attempts == 1


def test_a_message_not_due_yet_is_not_claimed(invitation):
    message = outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() + timezone.timedelta(minutes=1))

    assert outbox.deliver([message.pk]) == {"skipped": 1}
    assert mail.outbox == []


def test_a_refusal_undoes_what_sending_would_have_changed(invitation, monkeypatch):
    message = outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)

    class Refusing:
        def open(self):
            pass

        def send_messages(self, messages):
            raise smtplib.SMTPDataError(554, b"Transaction failed")

        def close(self):
            pass

    monkeypatch.setattr(mail, "get_connection", lambda **kwargs: Refusing())

    assert outbox.deliver([message.pk]) == {"failed": 1}
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.QUEUED and invitation.sent_at is None
    message.refresh_from_db()
    assert (message.status, message.sent_at, message.attempts) == (Status.FAILED, None, 1)


def test_a_second_message_of_a_batch_about_the_same_invitation_sees_what_the_first_changed(invitation):
    """Records are read ahead for the whole batch; one changed by an earlier message is read again."""
    first = outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)
    Workshop.objects.filter(pk=invitation.workshop_id).update(calendar_sequence=1)
    key = f"workshop_rescheduled:{invitation.pk}:1"
    moved = outbox.enqueue(kind="workshop_rescheduled", key=key, record=invitation, data={"sequence": 1})

    # The update goes only to those who have had the invitation: sent first in the same batch, it counts.
    assert outbox.deliver([first.pk, moved.pk]) == {"sent": 2}
    assert len(mail.outbox) == 2


def test_a_batch_is_sent_over_one_smtp_connection(smtp_server, settings):
    smtp_server.use_in(settings)
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), level=Level.INTERNAL)
    invitations = f.InvitationFactory.create_batch(3, workshop=workshop, status=Invitation.Status.QUEUED)
    messages = outbox.enqueue_many(
        outbox.Message(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)
        for invitation in invitations
    )

    assert outbox.deliver([message.pk for message in messages]) == {"sent": 3}

    delivered = smtp_server.wait_for(3)
    assert sorted(item.recipients[0] for item in delivered) == sorted(i.participant.email for i in invitations)
    assert len({item.peer for item in delivered}) == 1


def test_the_retry_delay_doubles_from_thirty_seconds_up_to_an_hour(settings):
    assert [outbox.retry_delay(n).total_seconds() for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert outbox.retry_delay(30).total_seconds() == 3600
    settings.PARLEY_OUTBOX_FIRST_RETRY_SECONDS = 1
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [1, 2, 4]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            smtplib.SMTPRecipientsRefused({"amira.haddad@example.org": (550, b"5.1.1 <amira.haddad@example.org> no")}),
            "550 recipient refused",
        ),
        (
            smtplib.SMTPDataError(554, b"5.7.1 Message from <no-reply@parley.invalid> to amira.haddad@example.org"),
            "554 5.7.1 Message from <<address>> to <address>",
        ),
        (
            smtplib.SMTPResponseException(451, "4.2.0 amira.haddad@example.org: mailbox busy"),
            "451 4.2.0 <address> mailbox busy",
        ),
        (
            ConnectionRefusedError(111, "Connection refused for amira.haddad@example.org"),
            "ConnectionRefusedError: [Errno 111] Connection refused for <address>",
        ),
    ],
)
def test_an_error_shown_to_staff_keeps_the_code_and_drops_every_address(error, shown):
    assert outbox.error_text(error) == shown


def test_permanent_and_temporary_errors_are_told_apart():
    assert outbox.is_permanent(smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no")}))
    assert outbox.is_permanent(smtplib.SMTPDataError(554, b"refused"))
    assert not outbox.is_permanent(smtplib.SMTPDataError(451, b"later"))
    assert not outbox.is_permanent(smtplib.SMTPServerDisconnected("gone"))
    assert not outbox.is_permanent(ConnectionRefusedError(111, "refused"))


def test_messages_about_invitations_of_hidden_workshops_do_not_exist_for_the_viewer():
    world = build_world()
    for invitation in Invitation.objects.all():
        outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)

    def levels_seen(who):
        messages = OutboxMessage.objects.visible_to(world.users[who])
        workshops = Invitation.objects.filter(pk__in=messages.values("object_id")).values_list("workshop", flat=True)
        return {workshop.level for workshop in Workshop.objects.filter(pk__in=workshops)}

    every_level = set(Level)
    assert levels_seen("team") == every_level
    assert levels_seen("facilitator") == every_level  # assigned to each workshop of the world
    # Staff and admins outside the team: INTERNAL and below only, whatever their clearance.
    assert levels_seen("staff") == {Level.PUBLIC, Level.INTERNAL}
    assert levels_seen("admin") == {Level.PUBLIC, Level.INTERNAL}
    assert levels_seen("observer") == set()
    # The participant: the messages to themself only, never those to another invitee.
    me = world.users["participant"]
    mine = OutboxMessage.objects.visible_to(me)
    assert set(mine.values_list("object_id", flat=True)) == set(
        Invitation.objects.filter(participant__user=me).values_list("pk", flat=True)
    )
    # Lowering a user's clearance hides the messages above it.
    team = world.users["team"]
    team.clearance = Level.CONFIDENTIAL
    team.save()
    assert levels_seen("team") == {Level.PUBLIC, Level.INTERNAL, Level.CONFIDENTIAL}
