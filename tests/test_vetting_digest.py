"""The weekly vetting digest to admins (issue 16, "Reminders"): approvals expiring within 30 days and cases
open longer than 14 days, through the outbox, each admin only what they may see, once per ISO week."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from core import outbox
from core.levels import Level, RiskLevel, Role
from core.models import OutboxMessage
from participants import services
from participants.models import VettingCase

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """The digest is written to the outbox; its publishing to Celery is not what is tested here."""
    monkeypatch.setattr(outbox, "publish", lambda ids, countdown=None: True)


def approval_expiring(participant, days):
    now = timezone.now()
    return f.VettingCaseFactory(
        participant=participant,
        status=VettingCase.Status.APPROVED,
        decided_at=now - dt.timedelta(days=365 - days),
        expires_at=now + dt.timedelta(days=days),
    )


def open_for(participant, days):
    case = f.VettingCaseFactory(participant=participant, status=VettingCase.Status.IN_REVIEW)
    VettingCase.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    return case


def digests():
    return OutboxMessage.objects.filter(kind="vetting_digest").order_by("pk")


def sent_to(admin):
    outbox.deliver([message.pk for message in digests().filter(data__admin=admin.pk)])
    return [message for message in mail.outbox if message.to == [admin.email]]


def test_the_digest_tells_of_approvals_expiring_soon_and_cases_waiting_long(admin_user):
    approval_expiring(f.ParticipantFactory(full_name="Expiring Soon"), days=10)
    approval_expiring(f.ParticipantFactory(full_name="Expiring Later"), days=90)
    open_for(f.ParticipantFactory(full_name="Waiting Long"), days=20)
    open_for(f.ParticipantFactory(full_name="Waiting Briefly"), days=3)

    assert services.vetting_digest_enqueue() == 1
    [email] = sent_to(admin_user)
    body = email.body
    assert "Expiring Soon" in body and "Waiting Long" in body
    assert "Expiring Later" not in body and "Waiting Briefly" not in body
    assert email.subject.endswith(": approvals expiring 1, cases waiting 1")
    assert "Expiring" not in email.subject and "Waiting" not in email.subject  # numbers only
    html = email.alternatives[0][0]
    assert "/participants/vetting/" in html


def test_each_admin_gets_only_the_cases_they_may_see(admin_user, make_user):
    confidential_admin = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
    secret = f.ParticipantFactory(full_name="Secret Person", level=Level.STRICTLY_CONFIDENTIAL, codename="SECRET-1")
    open_for(secret, days=30)
    open_for(f.ParticipantFactory(full_name="Known Person"), days=30)

    services.vetting_digest_enqueue()
    assert "SECRET-1" in sent_to(admin_user)[0].body
    body = sent_to(confidential_admin)[0].body
    assert "Known Person" in body and "SECRET-1" not in body


def test_admins_with_nothing_to_do_and_other_roles_get_no_digest(admin_user, cleared_staff, make_user):
    make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)  # not cleared for vetting
    approval_expiring(f.ParticipantFactory(), days=200)
    open_for(f.ParticipantFactory(), days=2)
    assert services.vetting_digest_enqueue() == 0
    assert not digests().exists()


def test_the_digest_is_written_once_per_admin_and_iso_week(admin_user):
    open_for(f.ParticipantFactory(), days=20)
    monday = timezone.make_aware(dt.datetime(2027, 3, 1, 6, 30))
    assert services.vetting_digest_enqueue(now=monday) == 1
    assert services.vetting_digest_enqueue(now=monday + dt.timedelta(days=3)) == 0  # same ISO week, a retry
    assert services.vetting_digest_enqueue(now=monday + dt.timedelta(days=7)) == 1
    assert list(digests().values_list("key", flat=True)) == [
        f"vetting-digest:{admin_user.pk}:2027-W09",
        f"vetting-digest:{admin_user.pk}:2027-W10",
    ]


def test_a_digest_sent_twice_goes_out_once(admin_user):
    open_for(f.ParticipantFactory(), days=20)
    services.vetting_digest_enqueue()
    message = digests().get()
    outbox.deliver([message.pk])
    outbox.deliver([message.pk])
    assert len(mail.outbox) == 1


def test_a_digest_emptied_before_sending_is_not_sent(admin_user):
    case = open_for(f.ParticipantFactory(), days=20)
    services.vetting_digest_enqueue()
    VettingCase.objects.filter(pk=case.pk).update(
        status=VettingCase.Status.REJECTED, decided_at=timezone.now(), decision_reason="No."
    )
    outbox.deliver([digests().get().pk])
    assert mail.outbox == []
    assert digests().get().status == OutboxMessage.Status.CANCELLED


def test_the_digest_names_high_risk_and_confidential_people_by_codename_only(admin_user):
    open_for(f.ParticipantFactory(full_name="Hidden Heron", risk_level=RiskLevel.HIGH, codename="HERON-4"), days=20)
    open_for(f.ParticipantFactory(full_name="Quiet Person", level=Level.CONFIDENTIAL), days=20)
    services.vetting_digest_enqueue()
    [email] = sent_to(admin_user)
    text = email.body + email.alternatives[0][0]
    assert "HERON-4" in text and "Hidden Heron" not in text and "Quiet Person" not in text


def test_the_digest_is_written_in_the_admins_language(make_user):
    admin = make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True, preferred_language="fr")
    open_for(f.ParticipantFactory(), days=20)
    services.vetting_digest_enqueue()
    [email] = sent_to(admin)
    assert email.extra_headers["Content-Language"] == "fr"


def test_the_digest_has_a_weekly_beat_entry(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["vetting-digest"]
    assert entry["task"] == "participants.tasks.vetting_digest_enqueue"
    assert entry["schedule"].day_of_week == {1}


def test_the_outbox_page_shows_the_digest_to_admins_only(client, admin_user, cleared_staff):
    open_for(f.ParticipantFactory(), days=20)
    services.vetting_digest_enqueue()
    client.force_login(admin_user)
    assert b"Weekly vetting digest" in client.get("/outbox/").content
    client.force_login(cleared_staff)
    assert b"Weekly vetting digest" not in client.get("/outbox/").content
