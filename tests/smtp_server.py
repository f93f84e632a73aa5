"""A real SMTP server for the tests: aiosmtpd in a thread on a free port, keeping what it delivers.

Tests read mail as a mail client would receive it::

    def test_something(smtp_server, settings):
        smtp_server.use_in(settings)            # this process sends to it (a worker gets ``environ()``)
        ...
        [delivered] = smtp_server.wait_for(1)
        assert delivered.message["Subject"] == "..."

Failures are scripted the way real servers fail: ``fail_temporarily(n)`` answers the next n messages
"451 try again later" (a greylisting or overloaded server), ``refuse(address)`` answers "550 mailbox
unavailable" when that address is named in RCPT TO. ``hold()`` makes the server slow to accept: a
message whose data has been sent is neither accepted nor refused until ``release()`` (a content filter
at work); a client that goes away meanwhile has sent nothing, as with a real server.
"""

import asyncio
import contextlib
import email
import email.policy
import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

# aiosmtpd logs every command at INFO; a thousand messages would bury a failing test's output.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port():
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Delivered:
    """One message as the server accepted it: the envelope, the raw bytes and the parsed message."""

    sender: str
    recipients: list
    raw: bytes
    message: email.message.EmailMessage = field(repr=False)
    peer: tuple = ()  # the client's address and port: one per SMTP connection

    @property
    def text(self):
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self):
        return self.message.get_body(preferencelist=("html",)).get_content()

    def attachments(self, content_type=None):
        return [
            part
            for part in self.message.iter_attachments()
            if content_type is None or part.get_content_type() == content_type
        ]


class RecordingHandler:
    """aiosmtpd handler: keeps every accepted message, answers scripted failures."""

    def __init__(self):
        self.changed = threading.Condition()
        self.delivered = []
        self.refused = set()
        self.temporary_failures = 0
        self.temporary_failures_given = 0
        self.holding = False
        self.held = 0

    def reset(self):
        with self.changed:
            self.delivered = []
            self.refused = set()
            self.temporary_failures = 0
            self.temporary_failures_given = 0
            self.holding = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.holding:
            self.held += 1
            try:
                while self.holding:  # cancelled, message dropped, if the client goes away meanwhile
                    await asyncio.sleep(0.005)
            finally:
                self.held -= 1
        with self.changed:
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                self.temporary_failures_given += 1
                return "451 4.3.0 Try again later"
            raw = bytes(envelope.original_content or envelope.content)
            message = email.message_from_bytes(raw, policy=email.policy.default)
            delivered = Delivered(envelope.mail_from, list(envelope.rcpt_tos), raw, message, tuple(session.peer))
            self.delivered.append(delivered)
            self.changed.notify_all()
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    # --- Scripting

    def reset(self):
        self.handler.reset()

    def fail_temporarily(self, count):
        """Answer the next ``count`` messages with 451 (after DATA): the sender should try again later."""
        with self.handler.changed:
            self.handler.temporary_failures = count

    def refuse(self, *addresses):
        """Answer 550 when any of these addresses is a recipient: a permanent failure."""
        with self.handler.changed:
            self.handler.refused.update(address.lower() for address in addresses)

    def hold(self):
        """From now on, keep every message waiting for the server's answer (see ``held``)."""
        self.handler.holding = True

    def release(self):
        self.handler.holding = False

    @property
    def held(self):
        """How many clients have sent a message's data and are waiting for the server's answer."""
        return self.handler.held

    # --- Reading

    @property
    def delivered(self):
        with self.handler.changed:
            return list(self.handler.delivered)

    def per_recipient(self):
        """How many messages each address received."""
        with self.handler.changed:
            return Counter(address.lower() for item in self.handler.delivered for address in item.recipients)

    def wait_for(self, count, *, timeout=20):
        """Wait until at least ``count`` messages were delivered; return them all."""
        deadline = time.monotonic() + timeout
        with self.handler.changed:
            while len(self.handler.delivered) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"SMTP server: {len(self.handler.delivered)} messages after {timeout} s, expected {count}"
                    )
                self.handler.changed.wait(min(left, 0.5))
            return list(self.handler.delivered)

    def settle(self, *, quiet=0.5, timeout=20):
        """Wait until no message has arrived for ``quiet`` seconds; return them all."""
        deadline = time.monotonic() + timeout
        with self.handler.changed:
            seen = len(self.handler.delivered)
            while time.monotonic() < deadline:
                self.handler.changed.wait(quiet)
                if len(self.handler.delivered) == seen:
                    return list(self.handler.delivered)
                seen = len(self.handler.delivered)
        raise AssertionError(f"SMTP server: messages still arriving after {timeout} s")

    # --- Pointing Django at it

    def environ(self):
        """Environment for a worker process whose settings should send here (config.settings.test)."""
        return {
            "PARLEY_TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_TIMEOUT": "10",
        }

    def use_in(self, settings):
        """Point this process's Django settings (pytest-django's ``settings`` fixture) at the server."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 10


@pytest.fixture(scope="session")
def smtp_server_session():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_session):
    """The session's SMTP server, emptied and with no scripted failures for this test."""
    smtp_server_session.reset()
    yield smtp_server_session
    smtp_server_session.reset()
