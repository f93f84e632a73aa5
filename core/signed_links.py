"""Signed links that stand in for signing in: the RSVP link (``dialogues.rsvp``) and the action item's
done-link (``facilitators.action_links``).

A token is ``django.core.signing.dumps([record pk, token sequence])`` under the link's own salt, with the
moment it was signed. The record's ``token_sequence`` is raised when the link is used, which spends every
link signed before. Each kind of link keeps its own refusals (what its page says); this module only signs
and reads the pair.
"""

import datetime as dt

from django.core import signing

# A genuine token is some 40 characters; anything much longer is refused before any work.
LONGEST_TOKEN = 200


def signed_pair(pk, sequence, *, salt):
    """The token of a record's pk and its current token sequence."""
    return signing.dumps([pk, sequence], salt=salt)


def pair_from_token(token, *, salt, max_age_days, tampered, expired):
    """``(pk, sequence)`` from a token signed under ``salt`` at most ``max_age_days`` ago; raises ``expired``
    for an old token and ``tampered`` for anything else that is not such a token (wrong type, too long, bad
    signature, not a pair of small whole numbers)."""
    if not isinstance(token, str) or not token or len(token) > LONGEST_TOKEN:
        raise tampered
    try:
        values = signing.loads(token, salt=salt, max_age=dt.timedelta(days=max_age_days))
    except signing.SignatureExpired as error:
        raise expired from error
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise tampered from error
    if not (
        isinstance(values, list)
        and len(values) == 2
        and all(type(value) is int and 0 <= value < 2**31 for value in values)
    ):
        raise tampered
    return values
