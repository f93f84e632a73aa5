"""The signed done-link: a participant who owns an action item marks it done without signing in, by
holding the link we e-mailed.

A token is ``django.core.signing.dumps([item pk, token sequence])`` under its own salt, with the moment
it was signed; it is valid for ``PARLEY_ACTION_LINK_MAX_AGE_DAYS``. Using it raises the item's
``token_sequence`` (``services.action_item_mark_done``), so every link signed before is spent. As the
RSVP link (``dialogues.rsvp``): the token is the only credential, the item is read by its pk (the holder
has no account), and a refused link says nothing about the item: not whether it exists, nor what it is.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.signed_links import pair_from_token, signed_pair

from .models import ActionItem

SALT = "parley.action-done"
CLOSED = (ActionItem.Status.DONE, ActionItem.Status.DROPPED)


class ActionLinkRefused(Exception):
    """A link that cannot be used; ``status``, ``heading`` and ``explanation`` are what the page shows."""

    status = 400
    heading = ""
    explanation = ""


class ActionLinkTampered(ActionLinkRefused):
    status = 400
    heading = _("This link is not valid")
    explanation = _(
        "The link may have been cut short or changed on its way to you. Please open it again from the "
        "e-mail, or ask the organisers for a new link."
    )


class ActionLinkExpired(ActionLinkRefused):
    status = 410
    heading = _("This link has expired")
    explanation = _("For your security, these links work for a limited time. Please ask the organisers for a new link.")


class ActionLinkSpent(ActionLinkRefused):
    status = 410
    heading = _("This link has been used already")
    explanation = _(
        "This link was used, or a newer link was sent since. Please use the link in the latest e-mail from "
        "the organisers, or ask them for a new one."
    )


class ActionClosed(ActionLinkRefused):
    status = 410
    heading = _("Nothing is left to do with this link")
    explanation = _(
        "This action is closed: it can no longer be marked done with this link. Please contact the organisers."
    )


def done_token(item):
    """A signed token for the item as it is now (its current ``token_sequence``)."""
    return signed_pair(item.pk, item.token_sequence, salt=SALT)


def done_path(item):
    return reverse("facilitators:action-done", args=[done_token(item)])


def done_url(item):
    """The absolute link for e-mails, on ``PARLEY_SITE_URL``."""
    return settings.PARLEY_SITE_URL + done_path(item)


def _signed_values(token):
    return pair_from_token(
        token,
        salt=SALT,
        max_age_days=settings.PARLEY_ACTION_LINK_MAX_AGE_DAYS,
        tampered=ActionLinkTampered,
        expired=ActionLinkExpired,
    )


def item_for_done_link(token):
    """The action item a token opens (owned by a participant), with its report, workshop and owner; or one
    of ``ActionLinkTampered`` (bad signature, malformed, unknown item, or one no participant owns),
    ``ActionLinkExpired``, ``ActionClosed`` (done or dropped), ``ActionLinkSpent`` (used or superseded)."""
    pk, sequence = _signed_values(token)
    item = (
        ActionItem.objects.select_related("report__workshop__initiative", "owner_participant")
        .filter(pk=pk, owner_participant__isnull=False)
        .first()
    )
    if item is None:
        raise ActionLinkTampered
    if item.status in CLOSED:
        raise ActionClosed
    if item.token_sequence != sequence:
        raise ActionLinkSpent
    return item
