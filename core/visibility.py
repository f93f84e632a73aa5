"""The confidentiality rule of DESIGN.md, in one place.

A user may see a record only if their clearance reaches every level on the record's path (its own,
and those of the workshop and initiative it belongs to) **and** one of:

- the path is INTERNAL or below and the user is an admin or staff member of the organisation;
- the user is on the initiative's team (``team``);
- a grant of the record's own kind applies (``grants``: the workshop's assigned facilitator, the
  invited participant, an action item's owner …).

Observers see no record at all. Each app builds its ``visible_to(user)`` from the rules below
(:func:`initiative_rule`, :func:`workshop_rule`, :func:`report_rule`, :func:`participant_rule`,
:func:`identity_rule` …), all built on :func:`visibility_q`; nothing else decides who sees what.

The rules name other apps' records only through relation paths (``prefix`` leads from the model
being filtered to the record the rule is about; the user's own ties are reached from the user
model), so that this module imports no app and every app may import it.
"""

from functools import reduce
from operator import and_, or_

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from .levels import Level, RiskLevel, Role

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


# --- The user's own ties, as subqueries --------------------------------------------------------------


def _reached_from(user, path):
    """Subquery: the values at ``path`` from the user's row; empty (not NULL) when there are none."""
    return get_user_model()._default_manager.filter(pk=user.pk, **{f"{path}__isnull": False}).values(path)


def team_initiative_ids(user):
    """Subquery: the initiatives whose team the user is on."""
    return _reached_from(user, "team_memberships__initiative_id")


def assigned_workshop_ids(user):
    """Subquery: the workshops the user is an assigned facilitator of."""
    return _reached_from(user, "facilitator__assignments__workshop_id")


def assigned_initiative_ids(user):
    """Subquery: the initiatives of the workshops the user is an assigned facilitator of."""
    return _reached_from(user, "facilitator__assignments__workshop__initiative_id")


def attended_workshop_ids(user, statuses):
    """Subquery: the workshops the user's participant record is invited to with one of ``statuses``."""
    return (
        get_user_model()
        ._default_manager.filter(pk=user.pk, participant__invitations__status__in=statuses)
        .values("participant__invitations__workshop_id")
    )


# --- The user's own ties, as conditions on the outer row ----------------------------------------------


def _reaches(user, path, outer, **conditions):
    """``Q``: from the user's row, ``path`` reaches the outer row's value at ``outer`` (a correlated EXISTS).

    The rules use these rather than ``outer IN (the user's values)``: under an ``OR``, PostgreSQL always
    hashes an ``IN`` list, and inside another subquery it counts that hash at every call, so that it
    would rather hash whole tables than look up the few rows a page shows. An EXISTS lets it choose: a
    lookup by index for each of a few rows, or the user's values hashed once for many. (It estimates the
    EXISTS as if asked row by row, so a scan of a large table looks costly: PostgreSQL's JIT compilation,
    which such estimates set off for hundreds of milliseconds, belongs off for Parley's short queries.)

    The subquery starts from the table that holds the tie (a team membership, an assignment, an
    invitation) and names the user by id, rather than joining from the user's row: the same rows, one join
    fewer for PostgreSQL, and a good part less for Django to build at every request.
    """
    tie, back, through, column = _tie_of(path)
    ties = tie._default_manager.filter(
        **{back: user.pk, column: OuterRef(outer)},
        **{_strip(lookup, through): value for lookup, value in conditions.items()},
    )
    return Q(Exists(ties))


def _tie_of(path):
    """Where the relation path ``path`` from the user model ends in a tie: the model of its last reverse
    relation (a team membership, an assignment, an invitation), the lookup from it back to the user's id,
    the relation names walked and the rest of the path (the column, or a forward relation to it).
    ``facilitator__assignments__workshop__initiative_id`` gives the assignment, ``facilitator__user_id``,
    ``facilitator__assignments`` and ``workshop__initiative_id``."""
    model, names, walked = get_user_model(), [], []
    parts = path.split("__")
    while parts:
        field = model._meta.get_field(parts[0])
        if not field.auto_created or field.concrete:  # a forward field: the rest is read on the tie
            break
        names.append(field.field.name)
        walked.append(parts.pop(0))
        model = field.related_model
    return model, "__".join(reversed(names)) + "_id", "__".join(walked), "__".join(parts)


def _strip(lookup, through):
    """A condition given from the user's row (``participant__invitations__status__in``), from the tie's."""
    prefix = through + "__"
    if not lookup.startswith(prefix):
        raise ValueError(f"{lookup!r} is not a condition on {prefix!r}")
    return lookup[len(prefix) :]


def own_participant_q(user, participant_path):
    """The participant at ``participant_path`` is the user's own record. It is read in a subquery (none or
    one row), not joined: a join reads the whole participant table to find the one row that is theirs."""
    Participant = _model_at(get_user_model(), "participant")
    return Q(**{f"{participant_path}__in": Participant._default_manager.filter(user=user).values("pk")})


def team_q(user, initiative_path):
    """The user is on the team of the initiative whose id is at ``initiative_path``."""
    return _reaches(user, "team_memberships__initiative_id", initiative_path)


def assigned_q(user, workshop_path):
    """The user is an assigned facilitator of the workshop whose id is at ``workshop_path``."""
    return _reaches(user, "facilitator__assignments__workshop_id", workshop_path)


def assigned_initiative_q(user, initiative_path):
    """The user is an assigned facilitator of a workshop of the initiative whose id is at ``initiative_path``."""
    return _reaches(user, "facilitator__assignments__workshop__initiative_id", initiative_path)


def attending_q(user, workshop_path, statuses):
    """The user's participant record is invited, with one of ``statuses``, to the workshop at ``workshop_path``."""
    return _reaches(
        user, "participant__invitations__workshop_id", workshop_path, participant__invitations__status__in=statuses
    )


# --- The rule for each kind of record ------------------------------------------------------------------


def _pk_path(prefix):
    return f"{prefix}id" if prefix else "pk"


def initiative_rule(user, prefix=""):
    """The rule for a record that belongs to an initiative (``prefix`` leads to the initiative)."""
    if not is_reader(user):
        return NOTHING
    return visibility_q(user, levels=[f"{prefix}level"], team=team_q(user, _pk_path(prefix)))


def workshop_rule(user, prefix="", grants=None):
    """The rule for a record that belongs to a workshop (``prefix`` leads to the workshop)."""
    if not is_reader(user):
        return NOTHING
    opened = assigned_q(user, _pk_path(prefix))
    if grants is not None:
        opened |= grants
    return visibility_q(
        user,
        levels=[f"{prefix}level", f"{prefix}initiative__level"],
        team=team_q(user, f"{prefix}initiative_id"),
        grants=opened,
    )


def staffed_workshop_rule(user, prefix=""):
    """Workshops the user runs (on the initiative's team, or assigned facilitator) and is cleared for.

    This, not ``workshop_rule``, opens the identities of high-risk invitees: seeing a workshop as
    INTERNAL staff of the organisation is not enough.
    """
    if not is_reader(user) or user.role == Role.PARTICIPANT:
        return NOTHING
    cleared = Q(**{f"{prefix}level__lte": user.clearance, f"{prefix}initiative__level__lte": user.clearance})
    return cleared & (team_q(user, f"{prefix}initiative_id") | assigned_q(user, _pk_path(prefix)))


def report_rule(user, prefix="", grants=None):
    """An outcome report (and what hangs off it): its own level, its workshop's and initiative's."""
    if not is_reader(user):
        return NOTHING
    opened = assigned_q(user, f"{prefix}workshop_id")
    if grants is not None:
        opened |= grants
    return visibility_q(
        user,
        levels=[f"{prefix}level", f"{prefix}workshop__level", f"{prefix}workshop__initiative__level"],
        team=team_q(user, f"{prefix}workshop__initiative_id"),
        grants=opened,
    )


def _model_at(model, path):
    """The model that the relation path ``path`` leads to from ``model``, as a lookup would follow it."""
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def _invited_to(user, model, prefix, rule, **participants):
    """``Q`` on ``model``: the participant at ``prefix`` is invited to a workshop that ``rule`` opens.
    ``participants``: conditions on the invited participant outside which the caller's rule is open or
    shut anyway, so that the invitations read (or hashed) are only those that can change the answer.

    A correlated ``EXISTS``, so that a person invited to several workshops is still one row, and so that
    PostgreSQL may choose, by the number of participants it asks about: the invitations of each by index
    (a page of rows, a workshop's invitees), or all invitations to the opened workshops hashed once (a
    long list). An ``__in`` list gives it the hash only, built over every invitation even for one row.
    The workshops are chosen in a subquery of their own: the rule's conditions then all bear on the
    workshop table.
    """
    workshops = _model_at(model, f"{prefix}invitations__workshop")._default_manager.filter(rule(user))
    invitations = _model_at(model, f"{prefix}invitations")._default_manager.filter(
        workshop__in=workshops,
        participant=OuterRef(_pk_path(prefix)),
        **{f"participant__{lookup}": value for lookup, value in participants.items()},
    )
    return Q(Exists(invitations))


def participant_rule(user, model, prefix=""):
    """The rule for a participant's record (``prefix`` leads from ``model`` to the participant).

    Their level and one of: INTERNAL or below for the organisation's staff, any level (they are
    cleared for) for admins, invited to a workshop the user may see; and always the person themself.
    """
    if not is_reader(user):
        return NOTHING
    # Admins vet everyone they are cleared for: which workshops a person is invited to opens no more.
    everyone = Q(**{f"{prefix}pk__isnull": False})
    if is_admin(user):
        grants = everyone
    elif is_organisation_member(user):  # staff see INTERNAL and below whatever the invitations
        grants = _invited_to(user, model, prefix, workshop_rule, level__gt=Level.INTERNAL)
    else:
        grants = _invited_to(user, model, prefix, workshop_rule)
    return visibility_q(user, levels=[f"{prefix}level"], grants=grants) | Q(**{f"{prefix}user": user})


def identity_rule(user, model, prefix=""):
    """True for participants whose identity (name, e-mail, affiliation) the user may see.

    People at low or medium risk: anyone who may see the record. High-risk people: the person
    themself, CONFIDENTIAL-cleared admins, and the CONFIDENTIAL-cleared team members and
    facilitators of a workshop they are invited to. Everyone else sees the codename.
    """
    if not is_reader(user):
        return NOTHING
    opened = Q(**{f"{prefix}risk_level__lt": RiskLevel.HIGH}) | Q(**{f"{prefix}user": user})
    if user.clearance >= Level.CONFIDENTIAL:
        if is_admin(user):
            return Q(**{f"{prefix}pk__isnull": False})
        # Lower risk levels are open already: only the invitations of high-risk people can open more.
        opened |= _invited_to(user, model, prefix, staffed_workshop_rule, risk_level__gte=RiskLevel.HIGH)
    return opened
