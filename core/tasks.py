"""Thin Celery wrappers around the outbox; no business rules here."""

from celery import shared_task

from . import outbox


@shared_task(name="core.tasks.outbox_deliver", acks_late=True, reject_on_worker_lost=True)
def outbox_deliver(message_ids):
    """Send these outbox messages; each is claimed in the database, so running this twice is harmless."""
    return outbox.deliver(message_ids)


@shared_task(name="core.tasks.outbox_sweep", acks_late=True, reject_on_worker_lost=True)
def outbox_sweep():
    """Periodic: publish messages that are due but still waiting (a lost task, the broker away)."""
    return outbox.sweep()
