"""Thin Celery wrappers around dialogues services; no business rules here."""

from celery import shared_task

from . import services


@shared_task(name="dialogues.tasks.invitation_purge_passport_details")
def invitation_purge_passport_details():
    """Daily: clear passport details kept for visa letters once their workshop is long over."""
    return services.invitation_purge_passport_details()


@shared_task(name="dialogues.tasks.invitation_reminders_enqueue", acks_late=True, reject_on_worker_lost=True)
def invitation_reminders_enqueue():
    """Periodic: write the reminders that are due to the outbox (each once: its key decides)."""
    return services.invitation_reminders_enqueue()
