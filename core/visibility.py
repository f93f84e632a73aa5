"""The confidentiality rule of DESIGN.md, in one place.

A user may see a record only if their clearance reaches every level on the record's path (its own,
and those of the workshop and initiative it belongs to) **and** one of:

- the path is INTERNAL or below and the user is an admin or staff member of the organisation;
- the user is on the initiative's team (``team``);
- a grant of the record's own kind applies (``grants``: the workshop's assigned facilitator, the
  invited participant, an action item's owner …).

Observers see no record at all. Each app builds its ``visible_to(user)`` from :func:`visibility_q`,
supplying the paths; nothing else decides who sees what.
"""

from functools import reduce
from operator import and_, or_

from django.db.models import Q

from .levels import Level, Role

NOTHING = Q(pk__in=[])

ORGANISATION_ROLES = (Role.ADMIN, Role.STAFF)


def is_reader(user):
    """Whether the user may see any record at all (observers only ever see aggregates)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.role != Role.OBSERVER)


def is_organisation_member(user):
    return is_reader(user) and user.role in ORGANISATION_ROLES


def is_admin(user):
    return is_reader(user) and user.role == Role.ADMIN


def visibility_q(user, *, levels, team=None, grants=None):
    """The rule as a ``Q``.

    ``levels`` are the lookups of every level on the record's path; ``team`` is a ``Q`` true when the
    user is on the initiative's team; ``grants`` a ``Q`` for the record's extra grants. Callers pass
    ``__in`` subqueries, never multi-valued joins, so that no row is ever duplicated.
    """
    if not is_reader(user):
        return NOTHING
    cleared = reduce(and_, (Q(**{f"{path}__lte": user.clearance}) for path in levels))
    openings = []
    if user.role in ORGANISATION_ROLES:
        openings.append(reduce(and_, (Q(**{f"{path}__lte": Level.INTERNAL}) for path in levels)))
    if team is not None and user.role != Role.PARTICIPANT:
        openings.append(team)
    if grants is not None:
        openings.append(grants)
    if not openings:
        return NOTHING
    return cleared & reduce(or_, openings)
