"""Thin Celery wrappers around facilitators services; no business rules here."""

from celery import shared_task

from . import services


@shared_task(name="facilitators.tasks.follow_up_reminders_enqueue", acks_late=True, reject_on_worker_lost=True)
def follow_up_reminders_enqueue():
    """Periodic: write the follow-up reminders that are due to the outbox (each once: its key decides)."""
    return services.follow_up_reminders_enqueue()
