"""Screening on a real Celery worker and Redis: a participant added through the services is screened once
the addition commits, and a list import screens everyone, with the progress page following the run."""

import pytest
from django.urls import reverse

from participants import services
from participants.models import SanctionsHit, ScreeningRun
from participants.sanctions import FICTIONAL_LIST, sanctions_list_import

from .celery_worker import wait_until


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_new_participant_and_a_new_list_are_screened_by_the_worker(celery, admin_user, client):
    celery.worker(concurrency=1)
    sanctions_list_import(data=FICTIONAL_LIST.read_bytes(), by=admin_user, screen=False)

    person = services.participant_create(by=admin_user, full_name="Mohammed Abdallah Qarwani", nationality="YE")

    run = ScreeningRun.objects.get(participant=person)
    wait_until(lambda: ScreeningRun.objects.get(pk=run.pk).status == ScreeningRun.Status.DONE, message="screened")
    hit = SanctionsHit.objects.get(participant=person)
    assert hit.entry.reference == "QDi.701" and hit.status == SanctionsHit.Status.OPEN and hit.screening_id == run.pk

    edition = FICTIONAL_LIST.read_bytes().replace(b'dateGenerated="2026-10-01', b'dateGenerated="2026-10-15')
    newer = sanctions_list_import(data=edition, by=admin_user)
    everyone = ScreeningRun.objects.get(participant=None, list_version=newer)
    wait_until(lambda: ScreeningRun.objects.get(pk=everyone.pk).status == ScreeningRun.Status.DONE, message="done")
    everyone.refresh_from_db()
    assert everyone.done == everyone.total >= 1 and everyone.hits_found >= 1
    hit.refresh_from_db()
    assert hit.status == SanctionsHit.Status.SUPERSEDED  # found again in the new version, as a new open hit
    assert person.sanctions_hits.get(status=SanctionsHit.Status.OPEN).entry.list_version == newer

    client.force_login(admin_user)
    progress = client.get(reverse("participants:screening-progress", args=[everyone.pk]))
    assert progress.status_code == 200
    assert "every 2s" not in progress.content.decode()  # done: the page stops asking
