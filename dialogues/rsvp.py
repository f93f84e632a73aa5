"""The signed RSVP link: an invitee answers without a password, by holding the link we e-mailed.

A token is ``django.core.signing.dumps([invitation pk, token sequence])`` under its own salt, with the
moment it was signed (``TimestampSigner``); it is valid for ``PARLEY_RSVP_MAX_AGE_DAYS``. Answering
raises the invitation's ``token_sequence`` (``services.invitation_respond``), so every link signed
before is spent: the confirmation e-mail carries a fresh one to change the answer while answering is
open. Old secrets in ``SECRET_KEY_FALLBACKS`` still open links signed with them.

The token is the only credential: the invitation is read by its pk, not through ``visible_to`` (the
holder has no account). What a refused link answers says nothing about the invitation: not whether it
exists, nor its workshop or person.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.signed_links import pair_from_token, signed_pair

from .models import Invitation, Workshop

SALT = "parley.rsvp"
# Invitations an invitee may answer (or change their answer to).
ANSWERABLE = (
    Invitation.Status.QUEUED,
    Invitation.Status.SENT,
    Invitation.Status.ACCEPTED,
    Invitation.Status.DECLINED,
)


class RsvpLinkRefused(Exception):
    """A link that cannot be used; ``status``, ``heading`` and ``explanation`` are what the page shows."""

    status = 400
    heading = ""
    explanation = ""


class RsvpLinkTampered(RsvpLinkRefused):
    status = 400
    heading = _("This link is not valid")
    explanation = _(
        "The link may have been cut short or changed on its way to you. Please open it again from the "
        "e-mail, or ask the organisers who invited you for a new link."
    )


class RsvpLinkExpired(RsvpLinkRefused):
    status = 410
    heading = _("This link has expired")
    explanation = _(
        "For your security, answer links work for a limited time. Please ask the organisers for a new link."
    )


class RsvpLinkSpent(RsvpLinkRefused):
    status = 410
    heading = _("This link has been used already")
    explanation = _(
        "An answer was given with this link, or a newer link was sent since. Please use the link in the "
        "latest e-mail from the organisers, or ask them for a new one."
    )


class RsvpClosed(RsvpLinkRefused):
    status = 410
    heading = _("Answering is closed")
    explanation = _("Answers can no longer be given or changed with this link. Please contact the organisers.")


def rsvp_token(invitation):
    """A signed token for the invitation as it is now (its current ``token_sequence``)."""
    return signed_pair(invitation.pk, invitation.token_sequence, salt=SALT)


def rsvp_path(invitation):
    return reverse("dialogues:rsvp", args=[rsvp_token(invitation)])


def rsvp_url(invitation):
    """The absolute link for e-mails, on ``PARLEY_SITE_URL``."""
    return settings.PARLEY_SITE_URL + rsvp_path(invitation)


def answering_closed(invitation, *, now=None):
    """Whether the invitation can no longer be answered: withdrawn (or not sent), or its workshop has
    started, is held or cancelled."""
    workshop = invitation.workshop
    now = now or timezone.now()
    return (
        invitation.status not in ANSWERABLE
        or workshop.status in (Workshop.Status.HELD, Workshop.Status.CANCELLED)
        or workshop.starts_at <= now
    )


def _signed_values(token):
    return pair_from_token(
        token,
        salt=SALT,
        max_age_days=settings.PARLEY_RSVP_MAX_AGE_DAYS,
        tampered=RsvpLinkTampered,
        expired=RsvpLinkExpired,
    )


def invitation_for_rsvp(token, *, now=None):
    """The invitation a token opens, with its workshop, party and participant; or one of
    ``RsvpLinkTampered`` (bad signature, malformed, unknown invitation), ``RsvpLinkExpired``,
    ``RsvpClosed`` (see ``answering_closed``), ``RsvpLinkSpent`` (answered or superseded since)."""
    pk, sequence = _signed_values(token)
    invitation = Invitation.objects.select_related("workshop__initiative", "party", "participant").filter(pk=pk).first()
    if invitation is None:
        raise RsvpLinkTampered
    if answering_closed(invitation, now=now):
        raise RsvpClosed
    if invitation.token_sequence != sequence:
        raise RsvpLinkSpent
    return invitation
