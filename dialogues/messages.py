"""The messages the dialogues app sends through the outbox (``core.outbox``): their kinds, whether each is
still to be sent when its turn comes, and what sending it changes.

A message is composed when it is sent, from the invitation as it is then: a withdrawn invitation, a
cancelled workshop or a removed address means the message is not sent (the outbox marks it so).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import outbox

from . import selectors, services
from .models import Invitation, Workshop

# Kinds that carry a link to answer (while answering is open).
ANSWERABLE = {"invitation", "workshop_rescheduled", "reminder_chase", "reminder_before", "rsvp_confirmation"}


def _invitations():
    return Invitation.objects.select_related("workshop__initiative", "participant", "party")


def _open(workshop, now):
    return workshop.status in Workshop.OPEN_STATUSES and workshop.starts_at > now


def still_due(kind, invitation, data, *, now=None):
    """Whether this message is still to be sent, given the invitation as it is now."""
    now = now or timezone.now()
    workshop = invitation.workshop
    status = invitation.status
    if not invitation.participant.email:
        return False
    if kind == "invitation":
        return status == Invitation.Status.QUEUED and _open(workshop, now)
    if kind == "workshop_rescheduled":
        # Only to those who have had the invitation (a queued one carries the new times itself), and
        # only the latest revision: an older update would show superseded times.
        latest = data.get("sequence") == workshop.calendar_sequence
        told = invitation.sent_at is not None and status in (Invitation.Status.SENT, Invitation.Status.ACCEPTED)
        return latest and told and _open(workshop, now)
    if kind == "workshop_cancelled":
        return invitation.sent_at is not None and status in (Invitation.Status.SENT, Invitation.Status.ACCEPTED)
    if kind == "reminder_before":
        return status == Invitation.Status.ACCEPTED and _open(workshop, now)
    if kind == "reminder_chase":
        return status == Invitation.Status.SENT and _open(workshop, now)
    if kind == "rsvp_confirmation":
        answered = Invitation.Status.ACCEPTED if data.get("accepted") else Invitation.Status.DECLINED
        return status == answered
    return False


def compose(message, invitation):
    from . import emails, rsvp

    if not still_due(message.kind, invitation, message.data):
        return None
    answerable = message.kind in ANSWERABLE and _open(invitation.workshop, timezone.now())
    return emails.invitation_email(
        invitation,
        kind=message.kind,
        data=message.data,
        rsvp_url=rsvp.rsvp_url(invitation) if answerable else None,
        key=message.key,
    )


def describe(ids, user):
    """For the outbox page: the workshop each invitation is for, and its invitee as ``user`` may know them."""
    invitations = selectors.invitations_for_workshop_page(user).filter(pk__in=ids).select_related("workshop")
    return {
        invitation.pk: outbox.Described(
            about=invitation.workshop.title,
            url=invitation.workshop.get_absolute_url(),
            participant=invitation.participant,
        )
        for invitation in invitations
    }


def delivered(message, invitation):
    services.invitation_delivered(invitation, kind=message.kind)


LABELS = {
    "invitation": _("Invitation"),
    "workshop_rescheduled": _("Workshop moved"),
    "workshop_cancelled": _("Workshop cancelled"),
    "reminder_before": _("Reminder before the workshop"),
    "reminder_chase": _("Reminder to answer"),
    "rsvp_confirmation": _("Answer confirmed"),
}


def register_kinds():
    for name, label in LABELS.items():
        outbox.register(
            outbox.Kind(
                name=name,
                model=Invitation,
                compose=compose,
                label=label,
                delivered=delivered,
                records=_invitations,
                describe=describe,
            )
        )
