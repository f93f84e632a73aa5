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

import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, reduce
from operator import and_, or_

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Case, Exists, F, Field, ForeignObject, Lookup, OuterRef, Q, Value, When

from .compiled import CompiledOnce
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


# --- The user's own ties, read once and named by id ----------------------------------------------------


# Each kind of tie, as the relation path from the user model to the id it holds.
KINDS = {
    "team_initiatives": "team_memberships__initiative_id",
    "assigned_workshops": "facilitator__assignments__workshop_id",
    "assigned_initiatives": "facilitator__assignments__workshop__initiative_id",
    "invited": "participant__invitations__workshop_id",  # with the invitation's status
    "own_participants": "participant__id",
}


@dataclass(frozen=True)
class Ties:
    """A user's ties, as ids: the initiatives whose team they are on, the workshops they are an assigned
    facilitator of (and those workshops' initiatives), the workshops their participant record is invited
    to (with the invitation's status) and that record's id."""

    team_initiatives: tuple = ()
    assigned_workshops: tuple = ()
    assigned_initiatives: tuple = ()
    invitations: tuple = ()  # (workshop id, status)
    own_participants: tuple = ()

    def ids(self, kind, statuses=None):
        if kind == "invited":
            return tuple(sorted({workshop for workshop, status in self.invitations if status in statuses}))
        return getattr(self, kind)


_ties_cache = ContextVar("parley_ties_cache", default=None)


def read_ties(user_pk):
    """The user's ties as read in this request (:func:`ties_read_once`), or ``None`` outside one."""
    known = _ties_cache.get()
    if known is None:
        return None
    if user_pk not in known:
        known[user_pk] = _read_ties(user_pk)
    return known[user_pk]


def _tie_rows(kind, user_pk, *, second=None, status=None):
    """The user's ties of ``kind`` as rows (kind, id, a second id, a status) for one UNION."""
    tie, back, column = _tie_of(KINDS[kind])
    return (
        tie._default_manager.filter(**{back: user_pk})
        .order_by()  # SQLite allows no ORDER BY in a UNION's parts
        .annotate(
            tie_kind=Value(kind),
            tie_id=F(column),
            tie_second=F(second) if second else Value(0),
            tie_status=F(status) if status else Value(""),
        )
        .values_list("tie_kind", "tie_id", "tie_second", "tie_status")
    )


ANY_USER = -1  # a user id no account has: the stand-in of the ties query, compiled once


def _all_ties(user):
    """Every tie of the user (``user``: an id) as rows of one UNION: their team memberships, assignments
    (with each workshop's initiative), invitations (with their status) and participant record."""
    return (
        _tie_rows("team_initiatives", user)
        .union(
            _tie_rows("assigned_workshops", user, second="workshop__initiative_id"),
            _tie_rows("invited", user, status="status"),
            _tie_rows("own_participants", user),
            all=True,
        )
        .order_by()
    )


# Django takes several milliseconds to build and compile this UNION, more than PostgreSQL takes to answer
# it, and it is the same for every request but for the user's id.
_ALL_TIES = CompiledOnce(_all_ties, user=ANY_USER)


def _read_ties(user_pk):
    """Every tie of the user, read in one query (``_all_ties``)."""
    rows = _ALL_TIES.rows(user=user_pk)
    found = {kind: set() for kind in KINDS}
    for kind, tie_id, second, status in rows:
        if kind == "invited":
            found[kind].add((tie_id, status))
        else:
            found[kind].add(tie_id)
        if kind == "assigned_workshops":
            found["assigned_initiatives"].add(second)
    return Ties(
        team_initiatives=tuple(sorted(found["team_initiatives"])),
        assigned_workshops=tuple(sorted(found["assigned_workshops"])),
        assigned_initiatives=tuple(sorted(found["assigned_initiatives"])),
        invitations=tuple(sorted(found["invited"])),
        own_participants=tuple(sorted(found["own_participants"])),
    )


@cache
def tie_tables():
    """The tables that hold the ties: a write naming one of them makes the ties read in this request stale."""
    tables = set()
    for path in KINDS.values():
        model = get_user_model()
        for name in path.split("__")[:-1]:
            model = model._meta.get_field(name).related_model
            tables.add(model._meta.db_table)
    return frozenset(tables)


WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def ties_read_once():
    """Within this block (a request: ``core.middleware.RuleTiesMiddleware``), each user's ties are read
    once, then reused by every rule. A write to a table that holds ties, by whatever path (a save, a
    queryset's update, a bulk insert), forgets them, so that a page rendered after the write sees it."""
    tables = tie_tables()
    known = {}

    def forget_on_tie_write(execute, sql, params, many, context):
        if known and sql.lstrip()[:6].upper() in WRITES and any(f'"{table}"' in sql for table in tables):
            known.clear()
        return execute(sql, params, many, context)

    token = _ties_cache.set(known)
    try:
        with connection.execute_wrapper(forget_on_tie_write):
            yield
    finally:
        _ties_cache.reset(token)


@contextmanager
def ties_standing_in(user_pk, ties):
    """Within this block, the rules read ``ties`` as those of the user ``user_pk``, and no other user's:
    the stand-in of ``core.rule_queries``, whose ties are markers, compiled once per shape of user."""
    token = _ties_cache.set({user_pk: ties})
    try:
        yield
    finally:
        _ties_cache.reset(token)


class UserTies:
    """The right-hand side of ``__in_ties``: one kind of a user's ties (with ``statuses``, the invitations
    with one of them). Settled when the query is compiled, not when it is built: in a request, the ids read
    once (:func:`read_ties`); elsewhere (a task, such as the reminders asking whether one record is still
    visible to its recipient; a command; a test), a subquery of the table that holds them, so that nothing
    reads ties that a write may have changed since.

    That subquery is an ``IN``: under an ``OR``, PostgreSQL hashes it, and inside another subquery it counts
    that hash at every call, so that on large tables it may prefer to hash whole tables (and then set off
    its JIT compilation, which belongs off for Parley's short queries). Pages never meet it; a task that
    asks rules over large tables should run inside :func:`ties_read_once`."""

    def __init__(self, user_pk, kind, statuses=None):
        self.user_pk, self.kind = user_pk, kind
        self.statuses = tuple(sorted(statuses)) if statuses is not None else None

    def ids(self):
        """The ids, or ``None`` outside :func:`ties_read_once`."""
        ties = read_ties(self.user_pk)
        return None if ties is None else ties.ids(self.kind, self.statuses)

    def subquery(self):
        """The ids as a query of the table that holds them, by the user's id (no join from their account)."""
        tie, back, column = _tie_of(KINDS[self.kind])
        ties = tie._default_manager.filter(**{back: self.user_pk})
        if self.statuses is not None:
            ties = ties.filter(status__in=self.statuses)
        return ties.order_by().values(column).query

    def _key(self):
        return (self.user_pk, self.kind, self.statuses)

    def __eq__(self, other):
        return isinstance(other, UserTies) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"UserTies{self._key()!r}"


class InTies(Lookup):
    """``column IN (the ids of one kind of the user's ties)``, the ids passed as one array parameter.

    The ids are few (a user's teams, assignments, invitations) and read once per request, so that a rule
    costs PostgreSQL a comparison with a constant array, not a subquery to plan at every query, and costs
    Django one parameter, however many ids. With no ids the condition is false and Django leaves it out
    (``EmptyResultSet``), as it does for an empty ``__in``.
    """

    lookup_name = "in_ties"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        ids = self.rhs.ids()
        if ids is None:  # outside a request: the ties in a subquery (a new compiler: nothing in it is correlated)
            lhs, params = self.process_lhs(compiler, connection)
            subquery, subquery_params = self.rhs.subquery().get_compiler(connection=connection).as_sql()
            return f"{lhs} IN ({subquery})", (*params, *subquery_params)
        if not ids:
            raise EmptyResultSet
        return in_ids_sql(*self.process_lhs(compiler, connection), ids, connection)


def in_ids_sql(lhs, lhs_params, ids, connection):
    """SQL and parameters of ``lhs IN (ids)``, the ids one array parameter whatever their number."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return f"{lhs} = ANY(%s)", (*lhs_params, ids)
    # SQLite (``make run``): the ids as a JSON array. ``lhs`` is the compiled column, nothing from the user.
    return f"{lhs} IN (SELECT value FROM json_each(%s))", (*lhs_params, json.dumps(ids))  # noqa: S608


Field.register_lookup(InTies)
ForeignObject.register_lookup(InTies)  # relations keep lookups of their own


def _tied(user, kind, outer, statuses=None):
    """``Q``: the outer row's value at ``outer`` is one of the user's ties of ``kind``."""
    return Q(**{f"{outer}__in_ties": UserTies(user.pk, kind, statuses)})


def _tie_of(path):
    """Where the relation path ``path`` from the user model ends in a tie: the model of its last reverse
    relation (a team membership, an assignment, an invitation), the lookup from it back to the user's id,
    and the rest of the path (the column, or a forward relation to it).
    ``facilitator__assignments__workshop__initiative_id`` gives the assignment, ``facilitator__user_id`` and
    ``workshop__initiative_id``."""
    model, names = get_user_model(), []
    parts = path.split("__")
    while parts:
        field = model._meta.get_field(parts[0])
        if not field.auto_created or field.concrete:  # a forward field: the rest is read on the tie
            break
        names.append(field.field.name)
        parts.pop(0)
        model = field.related_model
    return model, "__".join(reversed(names)) + "_id", "__".join(parts)


def own_participant_q(user, participant_path):
    """The participant at ``participant_path`` is the user's own record."""
    return _tied(user, "own_participants", participant_path)


def team_q(user, initiative_path):
    """The user is on the team of the initiative whose id is at ``initiative_path``."""
    return _tied(user, "team_initiatives", initiative_path)


def assigned_q(user, workshop_path):
    """The user is an assigned facilitator of the workshop whose id is at ``workshop_path``."""
    return _tied(user, "assigned_workshops", workshop_path)


def assigned_initiative_q(user, initiative_path):
    """The user is an assigned facilitator of a workshop of the initiative whose id is at ``initiative_path``."""
    return _tied(user, "assigned_initiatives", initiative_path)


def attending_q(user, workshop_path, statuses):
    """The user's participant record is invited, with one of ``statuses``, to the workshop at ``workshop_path``."""
    return _tied(user, "invited", workshop_path, statuses)


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


def _invited_to_internal_workshop(user, model, prefix):
    """``Q`` on ``model``: the participant at ``prefix`` is invited to a workshop that the organisation's
    staff see as such, INTERNAL with its initiative (``visibility_q``'s opening for ``ORGANISATION_ROLES``).

    Asked of each participant by the index of their own invitations. Those workshops are a share of all of
    them, so the hashed form that ``_invited_to`` lets PostgreSQL choose would read every invitation to
    every INTERNAL workshop, however few participants a page asks about, and it chooses that form for any
    scan it expects to be long, even one a LIMIT ends early. It can hash a correlation by equality only:
    written as the range of one id, the participant's invitations are read by index, one by one.
    """
    own = OuterRef(_pk_path(prefix))
    internal = visibility_q(user, levels=["workshop__level", "workshop__initiative__level"])
    invitations = _model_at(model, f"{prefix}invitations")._default_manager.filter(
        internal, participant_id__gte=own, participant_id__lte=own
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
        # ``workshop_rule`` opens to staff the workshops they run and every INTERNAL one: invited to one of
        # either, asked apart, as the second grows with the data (``_invited_to_internal_workshop``).
        grants = _invited_to(
            user, model, prefix, staffed_workshop_rule, level__gt=Level.INTERNAL
        ) | _invited_to_internal_workshop(user, model, prefix)
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


# --- The same two rules, for the invitees of one workshop the user may see -----------------------------


@dataclass(frozen=True)
class SeenWorkshop:
    """What ``seen_workshop`` records on a workshop read for a user: who read it, and whether they staff it."""

    user_pk: int
    staffed: bool


def staffed_flag(user):
    """Annotation on workshops: whether ``user`` staffs each (``staffed_workshop_rule``), for ``seen_workshop``."""
    return Case(When(staffed_workshop_rule(user), then=Value(True)), default=Value(False), output_field=BooleanField())


def seen_workshop(workshop, user):
    """Record that ``workshop``, just read through ``Workshop.objects.visible_to(user)`` with ``staffed_flag``
    annotated as ``staffed``, is one ``user`` may see: the invitee rules below then ask less of its invitees."""
    workshop.seen = SeenWorkshop(user.pk, bool(workshop.staffed))
    return workshop


def seen_by(workshop, user):
    """What ``seen_workshop`` recorded of ``workshop`` for ``user`` (a ``SeenWorkshop``); ``None`` when it was
    not read for them."""
    seen = getattr(workshop, "seen", None)
    return seen if seen is not None and is_reader(user) and seen.user_pk == user.pk else None


def seen_key(workshop, user):
    """What the invitee rules below ask of ``workshop`` about ``user`` (``seen_by``), as the key of a query
    compiled once (``core.rule_queries``): ``("seen", whether they staff it)``, or ``("unseen",)``."""
    seen = seen_by(workshop, user)
    return ("unseen",) if seen is None else ("seen", seen.staffed)


def invitee_rule(user, workshop, model, prefix=""):
    """``participant_rule`` for participants invited to ``workshop`` (``prefix`` leads to the participant).

    Of a workshop the user may see (``seen_workshop``), every invitee's grant holds already (invited to a
    workshop the user may see; for admins and staff, anyone at or below INTERNAL, or so invited): the
    participant's own level decides, or that the record is the user's own. No invitation is read. Of any
    other workshop, the rule itself. ``tests/test_visibility.py`` proves the two equal for every role,
    clearance, level and tie.
    """
    if seen_by(workshop, user) is None:
        return participant_rule(user, model, prefix)
    return Q(**{f"{prefix}level__lte": user.clearance}) | Q(**{f"{prefix}user": user})


def invitee_identity_rule(user, workshop, model, prefix=""):
    """``identity_rule`` for participants invited to ``workshop``: for one the user may see and staffs
    (``seen_workshop``), cleared for CONFIDENTIAL, every invitee's identity (a high-risk person's opens by
    being invited to a workshop the user staffs: this one); otherwise the rule itself."""
    seen = seen_by(workshop, user)
    if seen is not None and seen.staffed and user.clearance >= Level.CONFIDENTIAL:
        return Q(**{f"{prefix}pk__isnull": False})
    return identity_rule(user, model, prefix)
