"""The outbox: every message Parley sends is first a row here, then an e-mail.

A service that causes a message calls ``enqueue`` (or ``enqueue_many``) inside its own transaction,
with a unique key. Once that transaction commits the messages are published to Celery; with the
broker down they simply wait, and the periodic ``sweep`` publishes whatever has waited too long.

``deliver`` sends a message at most once per claim: the row is claimed by a conditional update
(``status = pending`` and due), marked sent (with what sending changes), and the e-mail goes out last,
all in one database transaction. A second task for the same row (a retry, a redelivery, a duplicate, a
second worker) waits on the row lock and then finds it sent. A worker killed while sending rolls the
claim back, and the sweeper sends the message again. The one window for a second copy runs from the
moment the SMTP server has the whole message to the commit: the server's own work on it, its "250 OK" on
the way back, and the commit (what sending changes is written before the e-mail goes out, so the commit
is all Parley adds). No SMTP client can close it; the Message-ID is the same in both copies.

Apps register the kinds of message they send (``register``): the record a message is about, how to
compose it (in the recipient's language, at sending time) and what sending it changes. Who may see a
message is who may see its record: ``visible_messages_q`` asks each kind's model ``visible_to(user)``.
"""

import contextlib
import logging
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
SWEEP_LIMIT = 5000
ADDRESS = re.compile(r"[^\s<>\"']+@[^\s<>\"']+")


@dataclass(frozen=True)
class Kind:
    """One kind of message.

    ``compose(message, record)`` returns the e-mail (a ``django.core.mail.EmailMessage``) or ``None``
    when it is no longer to be sent (the invitation was withdrawn meanwhile, the address removed).
    ``delivered(message, record)`` runs in the transaction that marks the message sent.
    """

    name: str
    model: type
    compose: Callable[[OutboxMessage, Any], Any]
    label: str = ""
    delivered: Callable[[OutboxMessage, Any], None] | None = None
    records: Callable[[], Any] | None = None  # the queryset to read the record from (joins for compose)
    # For the outbox page: ``describe(ids, user)`` -> {record pk: Described}, for records ``user`` may see.
    describe: Callable[[list, Any], dict] | None = None

    def record_of(self, message):
        records = self.records() if self.records else self.model.objects.all()
        return records.filter(pk=message.object_id).first()


_KINDS: dict[str, Kind] = {}


def register(kind):
    _KINDS[kind.name] = kind
    return kind


def kind_of(name):
    return _KINDS.get(name)


def kind_labels():
    return {name: kind.label or name for name, kind in _KINDS.items()}


@dataclass(frozen=True)
class Described:
    """How the outbox page shows the record a message is about: ``about`` (a title the viewer may see),
    ``url`` (``None`` for no link) and ``participant`` (shown by the identity rule; ``None``: hidden)."""

    about: str
    url: str | None = None
    participant: Any = None


def described(messages, user):
    """Attach ``described`` (a ``Described``) and ``kind_label`` to each message of a page: one read per
    kind's model, of the page's records only."""
    by_kind = {}
    for message in messages:
        by_kind.setdefault(message.kind, []).append(message)
    for name, group in by_kind.items():
        kind = _KINDS.get(name)
        found = kind.describe([message.object_id for message in group], user) if kind and kind.describe else {}
        for message in group:
            message.kind_label = (kind.label or name) if kind else name
            message.described = found.get(message.object_id)
    return messages


def visible_messages_q(user):
    """Messages whose record ``user`` may see (one EXISTS per model of the registered kinds)."""
    condition = Q(pk__in=[])
    by_model = {}
    for kind in _KINDS.values():
        by_model.setdefault(kind.model, []).append(kind.name)
    for model, names in by_model.items():
        records = model.objects.visible_to(user).filter(pk=OuterRef("object_id"))
        condition |= Q(kind__in=names, content_type=ContentType.objects.get_for_model(model)) & Exists(records)
    return condition


# --- Writing messages (inside the transaction of the change that causes them)


@dataclass(frozen=True)
class Message:
    kind: str
    key: str
    record: Any
    data: dict | None = None


def enqueue(*, kind, key, record, data=None):
    """Write one message; publish it once the surrounding transaction commits. A key already written
    is left as it is (``None`` is returned): the same cause never makes two messages."""
    written = enqueue_many([Message(kind=kind, key=key, record=record, data=data)])
    return written[0] if written else None


def enqueue_many(messages):
    """Write many messages in one insert; returns the new rows. Keys already present are skipped."""
    messages = list(messages)
    if not messages:
        return []
    for message in messages:
        if message.kind not in _KINDS:
            raise ValueError(f"unregistered outbox kind {message.kind!r}")
    keys = [message.key for message in messages]
    known = set(OutboxMessage.objects.filter(key__in=keys).values_list("key", flat=True))
    types = {}
    rows = []
    for message in messages:
        if message.key in known:
            continue
        known.add(message.key)
        model = type(message.record)
        types.setdefault(model, ContentType.objects.get_for_model(model))
        rows.append(
            OutboxMessage(
                key=message.key,
                kind=message.kind,
                content_type=types[model],
                object_id=message.record.pk,
                data=message.data or {},
            )
        )
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    written = list(OutboxMessage.objects.filter(key__in=[row.key for row in rows], attempts=0).order_by("pk"))
    ids = [row.pk for row in written]
    if ids:
        transaction.on_commit(lambda: publish(ids))
    return written


# --- Publishing to Celery (never blocking the page on the broker)


def publish(ids, *, countdown=None):
    """Hand the messages to Celery in batches. With the broker away this logs and returns at once;
    the messages wait in the outbox and the sweeper publishes them later."""
    from .tasks import outbox_deliver

    ids = list(ids)
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        try:
            outbox_deliver.apply_async(args=[batch], countdown=countdown, retry=False)
        except Exception as error:  # the broker is down or unreachable: the sweeper will publish them
            logger.warning("Outbox: %s messages left for the sweeper (%s)", len(ids) - start, type(error).__name__)
            return False
    return True


def sweep(*, now=None):
    """Publish messages that are due but were not sent: their task was lost, or the broker was away.
    Returns how many were published."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.PARLEY_OUTBOX_STALE_SECONDS)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=stale)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    if ids:
        publish(ids)
    return len(ids)


# --- Sending


def retry_delay(attempts):
    """30 s, 1 min, 2 min, 4 min … at most an hour (shorter than the broker's visibility timeout).
    The first delay is ``PARLEY_OUTBOX_FIRST_RETRY_SECONDS`` (30 s; the worker tests use 1 s)."""
    first = timedelta(seconds=getattr(settings, "PARLEY_OUTBOX_FIRST_RETRY_SECONDS", FIRST_RETRY.total_seconds()))
    return min(first * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def is_permanent(error):
    """An address refused, or a 5xx answer: sending again will not help until something is fixed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    code = getattr(error, "smtp_code", None)
    if isinstance(code, int) and 500 <= code < 600:
        return True
    return isinstance(error, ValueError | UnicodeError)


def error_text(error):
    """What the outbox page shows: the server's code and words, with any address taken out."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _message in error.recipients.values()})
        text = f"{codes[0] if codes else ''} recipient refused"
    elif isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        text = f"{error.smtp_code} {message}"
    else:
        text = f"{type(error).__name__}: {error}"
    return ADDRESS.sub("<address>", text)[:500]


def deliver(message_ids):
    """Send the given messages, each at most once; returns ``{status: count}`` for what this call did."""
    done = {}
    records = _records_read_ahead(message_ids)
    connection = mail.get_connection(fail_silently=False)
    try:
        for message_id in message_ids:
            outcome, connection = _deliver_one(message_id, connection, records)
            done[outcome] = done.get(outcome, 0) + 1
    finally:
        _closed(connection)
    return done


def _records_read_ahead(message_ids):
    """The records of the waiting messages, read in one query per kind: ``{(model, pk): {kind: record}}``.

    Composing reads the record with its joins (the invitation, its workshop, initiative, participant and
    party); read one message at a time, that was a third of the worker's time. A record read ahead is used
    once, by the first message about it, and is then dropped for every kind: a later message of the batch
    about the same record reads it again, as the first one's sending may have changed it. Read at the start
    of the batch, a record is at most one batch old (a fraction of a second) when composed."""
    wanted = {}
    waiting = OutboxMessage.objects.filter(pk__in=message_ids, status=OutboxMessage.Status.PENDING)
    for name, object_id in waiting.values_list("kind", "object_id"):
        wanted.setdefault(name, set()).add(object_id)
    records = {}
    for name, object_ids in wanted.items():
        kind = _KINDS.get(name)
        if kind is None:
            continue
        queryset = kind.records() if kind.records else kind.model.objects.all()
        for record in queryset.filter(pk__in=object_ids):
            records.setdefault((kind.model, record.pk), {})[name] = record
    return records


def _deliver_one(message_id, connection, records=None):
    now = timezone.now()
    retry_in = None
    with transaction.atomic():
        claimed = OutboxMessage.objects.filter(
            pk=message_id, status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            return "skipped", connection
        message = OutboxMessage.objects.get(pk=message_id)
        kind = _KINDS.get(message.kind)
        read_ahead = (records or {}).pop((kind.model, message.object_id), {}) if kind else {}
        record = read_ahead.get(message.kind) or (kind.record_of(message) if kind else None)
        email = kind.compose(message, record) if record is not None else None
        if email is None:
            message.status = OutboxMessage.Status.CANCELLED
            message.save(update_fields=["status"])
            return "cancelled", connection
        try:
            # What sending changes is written first and the e-mail sent last, in a savepoint that a
            # refusal undoes: between the server's "250" and the commit there is then only the commit.
            with transaction.atomic():
                message.status = OutboxMessage.Status.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
                message.save(update_fields=["status", "sent_at", "last_error"])
                if kind.delivered:
                    kind.delivered(message, record)
                # Opened here, the connection stays open for the batch (``send_messages`` closes a
                # connection it opened itself: one SMTP session per message, a third of the sending time).
                connection.open()
                connection.send_messages([email])
        except Exception as error:
            message.status, message.sent_at = OutboxMessage.Status.PENDING, None
            message.last_error = error_text(error)
            if is_permanent(error) or message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.FAILED
            else:
                retry_in = retry_delay(message.attempts)
                message.next_attempt_at = now + retry_in
            message.save(update_fields=["status", "last_error", "next_attempt_at"])
            connection = _fresh(connection)
            outcome = "failed" if message.status == OutboxMessage.Status.FAILED else "retrying"
        else:
            outcome = "sent"
    if retry_in is not None:
        transaction.on_commit(lambda: publish([message_id], countdown=int(retry_in.total_seconds())))
    return outcome, connection


def _closed(connection):
    # A connection already broken has nothing left to close.
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.close()


def _fresh(connection):
    """After an error the SMTP conversation may be in any state: close it, start again next time."""
    _closed(connection)
    return mail.get_connection(fail_silently=False)


# --- What staff do on the outbox page


@transaction.atomic
def message_resend(*, message, by):
    """Send a failed or cancelled message again (after its address was fixed, say), now."""
    updated = OutboxMessage.objects.filter(
        pk=message.pk, status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.CANCELLED]
    ).update(status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now(), last_error="")
    if updated:
        transaction.on_commit(lambda: publish([message.pk]))
    return bool(updated)


def messages_for_page(user, *, status="", kind=""):
    """The outbox page's messages: those ``user`` may see, newest first, filtered."""
    messages = OutboxMessage.objects.visible_to(user)
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    return messages.order_by("-created_at", "-pk")
