"""Sending, as it runs in production: a real Celery worker (prefork) on a real Redis, a real SMTP server.

Each test reads what the SMTP server received, as a mail client would: the envelope, the headers, the
text and HTML parts, the ``.ics`` calendar entry parsed back with ``icalendar``, and the RSVP link,
followed with the test client. Delivery semantics are checked at the server: a retried, redelivered or
duplicated task, or two workers racing, deliver each message once; a temporary SMTP error is retried;
a refusal fails for good until resent; a broker that is down holds nothing up.
"""

import datetime as dt
import re
import time
from collections import Counter

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.levels import Level
from core.models import OutboxMessage
from dialogues import services
from dialogues.models import Invitation
from participants.models import Participant

from . import factories as f
from .celery_worker import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

Status = OutboxMessage.Status


@pytest.fixture
def workshop():
    initiative = f.InitiativeFactory(level=Level.INTERNAL, codename="LANTERN")
    starts_at = (timezone.now() + dt.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    return f.WorkshopFactory(
        initiative=initiative,
        level=Level.INTERNAL,
        title="Water sharing talks",
        city="Geneva",
        country="CH",
        time_zone="Europe/Zurich",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(days=2, hours=8),
    )


def drafts(workshop, count, *, emails=None):
    """``count`` draft invitations to ``workshop``, one party, participants with their own addresses."""
    party = f.PartyFactory(initiative=workshop.initiative, name="Upstream delegation")
    emails = emails or [f"invitee{number}@example.org" for number in range(count)]
    return [
        f.InvitationFactory(
            workshop=workshop,
            party=party,
            status=Invitation.Status.DRAFT,
            participant=f.ParticipantFactory(email=email, full_name=f"Invitee {number}"),
        )
        for number, email in enumerate(emails)
    ]


def statuses():
    return Counter(OutboxMessage.objects.values_list("status", flat=True))


def all_sent(count):
    return lambda: statuses()[Status.SENT] == count


def drained(redis):
    """Every task published so far has been run and acknowledged."""
    return lambda: redis.queued() == 0


def test_an_invitation_arrives_with_both_parts_a_calendar_entry_and_a_working_rsvp_link(
    celery, smtp_server, workshop, staff, client
):
    celery.worker(concurrency=1)
    [invitation] = drafts(workshop, 1, emails=["amira@example.org"])
    Participant.objects.filter(pk=invitation.participant_id).update(preferred_language="fr")

    assert services.invitations_send(workshop=workshop, invitations=[invitation], by=staff) == 1

    [delivered] = smtp_server.wait_for(1)
    assert delivered.recipients == ["amira@example.org"]
    message = delivered.message
    assert message["To"] == "amira@example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "fr"
    assert message["Message-ID"]
    assert "Water sharing talks" in message["Subject"]
    assert "Water sharing talks" in delivered.text
    assert "Water sharing talks" in delivered.html and "<html" in delivered.html.lower()

    [ics] = delivered.attachments("text/calendar")
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(dt.UTC) == workshop.starts_at.astimezone(dt.UTC)
    assert event.decoded("DTEND").astimezone(dt.UTC) == workshop.ends_at.astimezone(dt.UTC)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["UID"])

    wait_until(all_sent(1), message="the outbox row marked sent")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT and invitation.sent_at is not None
    assert OutboxMessage.objects.get().attempts == 1

    [link] = re.findall(r"https?://\S+/rsvp/[^/\s\"<>]+/", delivered.text)
    assert link in delivered.html
    path = link.split("://", 1)[1].split("/", 1)[1]
    answered = client.post(f"/{path}", {"answer": "accept", "dietary_requirements": "vegetarian"})
    assert answered.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.dietary_requirements == "vegetarian"
    # The confirmation goes through the same outbox and worker, with a fresh link to change the answer.
    confirmation = smtp_server.wait_for(2)[1]
    assert confirmation.recipients == ["amira@example.org"]
    [fresh] = re.findall(r"https?://\S+/rsvp/[^/\s\"<>]+/", confirmation.text)
    assert fresh != link
    assert client.get(f"/{path}").status_code == 410  # the link answered with is spent


def test_a_task_published_four_times_delivers_each_message_once(celery, smtp_server, redis_server, workshop, staff):
    invitations = drafts(workshop, 30)
    services.invitations_send(workshop=workshop, invitations=invitations, by=staff)  # published once on commit
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    for _ in range(3):  # a retried, a redelivered and a duplicated task
        outbox.publish(ids)
    assert redis_server.queued() == 4

    celery.worker(concurrency=2)

    wait_until(all_sent(30), message="30 messages sent")
    wait_until(drained(redis_server), message="every task run")
    delivered = smtp_server.settle()
    assert len(delivered) == 30
    assert set(smtp_server.per_recipient().values()) == {1}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_two_workers_racing_on_the_same_messages_deliver_each_once(celery, smtp_server, redis_server, workshop, staff):
    celery.worker(concurrency=2)
    celery.worker(concurrency=2)
    invitations = drafts(workshop, 40)

    services.invitations_send(workshop=workshop, invitations=invitations, by=staff)
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    for order in (ids, ids[::-1], ids, ids[::-1]):
        for start in range(0, len(order), 10):  # small tasks, so both workers' four processes take part
            outbox.publish(order[start : start + 10])

    wait_until(all_sent(40), message="40 messages sent")
    wait_until(drained(redis_server), message="every task run")
    assert len(smtp_server.settle()) == 40
    assert set(smtp_server.per_recipient().values()) == {1}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert Invitation.objects.filter(status=Invitation.Status.SENT).count() == 40


def test_a_temporary_smtp_error_is_retried_and_the_message_arrives_once(celery, smtp_server, workshop, staff):
    celery.worker(concurrency=1)
    smtp_server.fail_temporarily(1)  # "451 try again later", once

    services.invitations_send(workshop=workshop, invitations=drafts(workshop, 1), by=staff)

    wait_until(all_sent(1), message="the message sent after its retry")
    [delivered] = smtp_server.settle()
    assert delivered.recipients == ["invitee0@example.org"]
    assert smtp_server.handler.temporary_failures_given == 1
    message = OutboxMessage.objects.get()
    assert message.attempts == 2
    assert message.last_error == ""


def test_a_refused_address_fails_without_showing_it_and_is_sent_once_after_the_fix(
    celery, smtp_server, workshop, staff
):
    celery.worker(concurrency=1)
    smtp_server.refuse("typo@exampel.org")
    [invitation] = drafts(workshop, 1, emails=["typo@exampel.org"])

    services.invitations_send(workshop=workshop, invitations=[invitation], by=staff)

    wait_until(lambda: statuses()[Status.FAILED] == 1, message="the message marked failed")
    message = OutboxMessage.objects.get()
    assert message.attempts == 1  # a permanent refusal is not retried
    assert message.last_error.startswith("550")
    assert "typo" not in message.last_error and "@" not in message.last_error
    assert smtp_server.delivered == []
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.QUEUED

    Participant.objects.filter(pk=invitation.participant_id).update(email="right@example.org")
    assert outbox.message_resend(message=message, by=staff)

    wait_until(all_sent(1), message="the resent message sent")
    [delivered] = smtp_server.settle()
    assert delivered.recipients == ["right@example.org"]
    assert not outbox.message_resend(message=message, by=staff)  # sent: nothing to resend
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT


def test_with_redis_down_the_send_page_answers_at_once_and_the_sweeper_sends_once_redis_is_back(
    celery, smtp_server, redis_server, workshop, staff, client
):
    celery.worker(concurrency=2)
    invitations = drafts(workshop, 20)
    client.force_login(staff)
    redis_server.stop()

    started = time.monotonic()
    response = client.post(
        reverse("dialogues:invitations-send", args=[workshop.pk]), {"invitations": [i.pk for i in invitations]}
    )
    assert time.monotonic() - started < 2
    assert response.status_code == 302
    assert statuses() == {Status.PENDING: 20}
    assert Invitation.objects.filter(status=Invitation.Status.QUEUED).count() == 20

    redis_server.start()  # empty: whatever was published before is gone
    celery.beat()  # sweeps every second what has waited two seconds

    wait_until(all_sent(20), timeout=30, message="20 messages sent after Redis came back")
    assert len(smtp_server.settle(quiet=1.5)) == 20
    assert set(smtp_server.per_recipient().values()) == {1}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
