"""Thin Celery wrappers around participants services; no business rules here."""

from celery import shared_task

from . import screening


@shared_task(name="participants.tasks.screening_run_process", acks_late=True, reject_on_worker_lost=True)
def screening_run_process_task(run_id):
    """Screen the participants of a run against the current sanctions lists (progress on the run)."""
    run = screening.screening_run_process(run_id)
    return run.status if run is not None else None


@shared_task(name="participants.tasks.screening_runs_sweep", acks_late=True, reject_on_worker_lost=True)
def screening_runs_sweep_task():
    """Periodic: publish again the screening runs left queued or stuck (the broker was away, a worker died)."""
    return screening.screening_runs_sweep()


@shared_task(name="participants.tasks.vetting_digest_enqueue", acks_late=True, reject_on_worker_lost=True)
def vetting_digest_enqueue():
    """Weekly: each admin's vetting digest into the outbox (once per admin and ISO week: its key decides)."""
    from . import services

    return services.vetting_digest_enqueue()
