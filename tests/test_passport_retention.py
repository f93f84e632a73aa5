"""Passport details kept for visa letters are purged after the workshop, by a scheduled task."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from config.celery_app import app
from dialogues.models import Invitation
from dialogues.services import invitation_purge_passport_details

from . import factories as f

ROOT = Path(__file__).resolve().parent.parent


def invitation_with_passport(days_since_end):
    end = timezone.now() - dt.timedelta(days=days_since_end)
    workshop = f.WorkshopFactory(starts_at=end - dt.timedelta(days=2), ends_at=end)
    return f.InvitationFactory(workshop=workshop, passport_number="P1234567", passport_expires_on=dt.date(2030, 1, 1))


@pytest.mark.django_db
def test_passport_details_are_purged_once_the_retention_period_is_over(settings):
    settings.PARLEY_PASSPORT_RETENTION_DAYS = 30
    old = invitation_with_passport(days_since_end=31)
    recent = invitation_with_passport(days_since_end=29)
    assert invitation_purge_passport_details() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.passport_number, old.passport_expires_on) == ("", None)
    assert old.passport_purged_at is not None
    assert recent.passport_number == "P1234567"


@pytest.mark.django_db
def test_purging_twice_changes_nothing_the_second_time():
    invitation = invitation_with_passport(days_since_end=90)
    assert invitation_purge_passport_details() == 1
    first = Invitation.objects.get(pk=invitation.pk).passport_purged_at
    assert invitation_purge_passport_details() == 0
    assert Invitation.objects.get(pk=invitation.pk).passport_purged_at == first


def test_the_purge_is_scheduled_daily():
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["purge-expired-passport-details"]
    assert entry["task"] == "dialogues.tasks.invitation_purge_passport_details"
    assert "dialogues.tasks.invitation_purge_passport_details" in app.tasks


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_the_purge():
    invitation = invitation_with_passport(days_since_end=60)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    queue = f"parley-test-{os.getpid()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        app.send_task("dialogues.tasks.invitation_purge_passport_details", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Invitation.objects.get(pk=invitation.pk).passport_purged_at is not None:
                break
            time.sleep(0.25)
        assert Invitation.objects.get(pk=invitation.pk).passport_number == ""
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
