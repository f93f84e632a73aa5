"""Queries with the rules of ``core.visibility`` in them, built and compiled once per process for each
shape of user, then run with each request's user in the stand-in's place.

A rule's SQL is the same for every user of one shape: their role, clearance and whether they are active,
which kinds of ties they have (a team, an assignment, a participant record, invitations with which
statuses). What differs between two users of one shape are parameters: the user's id, and the ids of
each kind of tie, one array each (``visibility.InTies``). Building and compiling a list's queries costs
Django more than PostgreSQL takes to answer them, at every request; here it is done once per shape.

``RuleQuery(build, **stand_ins)``: ``build(user, **values)`` gives the queryset, as a selector would. The
first call for a shape builds it for a stand-in user of that shape (an id no account has), whose ties
are markers (ids no record has, one per kind, one per invitation status), and compiles it. Each call runs
that SQL with its parameters in which the stand-in's id and markers are replaced by the user's own, and
``stand_ins`` (ids, times, lists of ids) by the call's values. ``tests/test_rule_queries.py`` proves the
SQL and parameters equal to a fresh build's for every role, clearance and shape of ties.

What fails is refused, not guessed: a stand-in not found among the parameters, a marker beside an id
that is not one, a time in the parameters that is no stand-in (``now`` would be frozen at the first
call). Outside a request's ``ties_read_once`` (a task, a command) and off PostgreSQL, a call builds the
query afresh, as ``build`` would.
"""

import datetime as dt

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, ForeignObject, Lookup

from . import visibility
from .compiled import _adapted
from .prepared import prepared_sql

STAND_IN_USER = -2_000_000_000  # the id of the stand-in user: no account has it
KIND_MARKERS = {  # one id per kind of tie, that no record has
    "team_initiatives": -2_000_000_001,
    "assigned_workshops": -2_000_000_002,
    "assigned_initiatives": -2_000_000_003,
    "own_participants": -2_000_000_004,
}
FIRST_STATUS_MARKER = -2_000_000_100  # the invitations with the shape's first status; the next, one below
# Stand-ins for times, none of which a record holds, in their order.
EARLIER_STAND_IN_TIME = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)
STAND_IN_TIME = dt.datetime(1901, 1, 2, tzinfo=dt.UTC)
LATER_STAND_IN_TIME = dt.datetime(1901, 1, 3, tzinfo=dt.UTC)
CACHED_PER_QUERY = 256  # compiled shapes (and keys) kept per query, the oldest forgotten first


def shape_of(user, ties):
    """What a rule's SQL depends on, of ``user`` and their ``ties``: every other difference is a parameter."""
    kinds = tuple(kind for kind in KIND_MARKERS if getattr(ties, kind))
    statuses = tuple(sorted({status for _workshop, status in ties.invitations}))
    return (user.role, user.clearance, bool(user.is_active), kinds, statuses)


def _stand_in_for(shape):
    """The stand-in user of ``shape`` and their ties: markers in place of ids."""
    from django.contrib.auth import get_user_model

    role, clearance, is_active, kinds, statuses = shape
    user = get_user_model()(pk=STAND_IN_USER, role=role, clearance=clearance, is_active=is_active)
    ties = visibility.Ties(
        **{kind: (KIND_MARKERS[kind],) for kind in kinds},
        invitations=tuple((FIRST_STATUS_MARKER - number, status) for number, status in enumerate(statuses)),
    )
    return user, ties


def _marker_ids(marker, ties, shape):
    """The user's own ids in place of ``marker``."""
    for kind, kind_marker in KIND_MARKERS.items():
        if marker == kind_marker:
            return set(getattr(ties, kind))
    status = shape[4][FIRST_STATUS_MARKER - marker]
    return {workshop for workshop, invitation_status in ties.invitations if invitation_status == status}


def _is_marker(value):
    return (
        type(value) is int
        and value < STAND_IN_USER
        and (value in KIND_MARKERS.values() or FIRST_STATUS_MARKER - value in range(64))
    )


class TextStandIn:
    """A stand-in for a text (a search), and the forms of it that the query holds as parameters: functions of
    the text (as it is, a ``LIKE`` pattern, a full-text query of its words …). ``text`` has no character that
    any form changes (letters only), and no parameter holds it in a form not given."""

    def __init__(self, text, *forms):
        self.text, self.forms = text, forms


def like_contains(text):
    """The ``LIKE`` pattern of Django's ``contains`` and ``icontains``: the text, escaped, anywhere."""
    return f"%{connection.ops.prep_for_like_query(text)}%"


def as_it_is(text):
    return text


class _Compiled:
    """One shape's query, compiled: the queryset (for what its rows become), the compiler as it stood after
    compiling (its columns), the SQL, the parameters and what to put in place of each stand-in."""

    def __init__(self, queryset, compiler, sql, params, places, *, counting=False):
        self.queryset, self.compiler, self.sql, self.params, self.places = queryset, compiler, sql, params, places
        # ``sql``: Django's, compiled from a queryset; every value is a parameter.
        self.run_sql = f"SELECT COUNT(*) FROM ({sql}) AS counted" if counting else sql  # noqa: S608
        # A query of a searched text is planned for each text (how many rows it matches decides the plan).
        self.preparable = not any(what == "text" for _index, (what, _name) in places)

    def runnable(self, connection, params):
        """The SQL that runs this query with ``params``: its prepared statement's where it can be
        (``core.prepared``)."""
        if not self.preparable:
            return self.run_sql
        return prepared_sql(connection, self.run_sql, params, self.params)

    def params_for(self, user, ties, shape, values):
        params = list(self.params)
        for index, (what, name) in self.places:
            if what == "user":
                params[index] = user.pk
            elif what == "value":
                params[index] = _adapted(values[name])
            elif what == "text":
                name, form = name
                params[index] = form(values[name])
            else:  # markers: the user's own ids of those ties, in order, as ``InTies`` gives them
                params[index] = sorted(set().union(*(_marker_ids(marker, ties, shape) for marker in name)))
        return params


class RuleQuery:
    """A selector's query built and compiled once per shape of user (the module's docstring).

    ``build(user, **values)`` returns the queryset, or with ``keyed``, ``build(user, key, **values)``, where
    ``key`` is what else its SQL depends on (a page's slice, say: a hashable). ``stand_ins`` are the values
    it is built with: ids (negative ints), times (aware datetimes in 1901) or non-empty lists of negative
    ids, none equal to another or to anything else the query holds.

    ``for_user(user, **values)`` gives the rows as a list does (``RuleRows``): iterated, sliced, counted
    up to a bound, each a query of its own compiled once per shape. Every registered query is checked by
    ``tests/test_rule_queries.py`` (``RuleQuery.every``)."""

    every = []  # every RuleQuery of the project, for the tests: (the query, an example key)

    def __init__(self, build, *, keyed=False, example_key=None, **stand_ins):
        self.build = build
        self.keyed = keyed
        self.stand_ins = stand_ins
        self._compiled = {}
        RuleQuery.every.append((self, example_key))

    def for_user(self, user, key=None, **values):
        if set(values) != set(self.stand_ins):
            raise TypeError(f"Values for {sorted(self.stand_ins)} expected, given for {sorted(values)}")
        if self.keyed == (key is None):
            raise TypeError("A key is expected" if self.keyed else "No key is expected")
        return RuleRows(self, user, key, values)

    def queryset(self, user, key, values, operation=None):
        """The queryset of ``build`` for ``user``, with ``operation`` (``("slice", start, stop)`` or
        ``("count", limit)``, of which the SQL is the rows counted) done on it."""
        queryset = self.build(user, key, **values) if self.keyed else self.build(user, **values)
        if operation is None:
            return queryset
        if operation[0] == "slice":
            return queryset[operation[1] : operation[2]]
        return counted_rows(queryset, operation[1])

    def compiled(self, shape, key=None, operation=None):
        """The query for users of ``shape``, compiled (``None``: it can match nothing)."""
        cache_key = (connection.vendor, shape, key, operation)
        if cache_key not in self._compiled:
            if len(self._compiled) >= CACHED_PER_QUERY:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[cache_key] = self._compile(shape, key, operation)
        return self._compiled[cache_key]

    def _compile(self, shape, key, operation):
        user, ties = _stand_in_for(shape)
        with visibility.ties_standing_in(user.pk, ties):
            values = {name: getattr(value, "text", value) for name, value in self.stand_ins.items()}
            queryset = self.queryset(user, key, values, operation)
            compiler = queryset.query.get_compiler(using=queryset.db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return None
        counting = operation is not None and operation[0] == "count"
        return _Compiled(queryset, compiler, sql, tuple(params), self._places(params), counting=counting)

    def _places(self, params):
        """Where each stand-in is among ``params``: ``(index, ("user", None))``, ``(index, ("value", name))``
        or ``(index, ("ties", markers))``."""
        texts = {name: value for name, value in self.stand_ins.items() if isinstance(value, TextStandIn)}
        adapted = {name: _adapted(value) for name, value in self.stand_ins.items() if name not in texts}
        places, found = [], set()
        for index, param in enumerate(params):
            named = [name for name, stand_in in adapted.items() if type(param) is type(stand_in) and param == stand_in]
            if isinstance(param, str) and any(text.text.lower() in param.lower() for text in texts.values()):
                name, form = _text_form_of(texts, param, index)
                places.append((index, ("text", (name, form))))
                found.add(name)
            elif named:
                places.append((index, ("value", named[0])))
                found.add(named[0])
            elif type(param) is int and param == STAND_IN_USER:
                places.append((index, ("user", None)))
            elif isinstance(param, list) and any(_is_marker(value) for value in param):
                if not all(_is_marker(value) for value in param):
                    raise ImproperlyConfigured(f"Markers of ties beside other ids at parameter {index}: {param!r}")
                places.append((index, ("ties", tuple(param))))
            elif isinstance(param, dt.date):  # a datetime too
                raise ImproperlyConfigured(f"A time that is no stand-in at parameter {index}: {param!r}")
        missing = set(self.stand_ins) - found
        if missing:
            raise ImproperlyConfigured(f"Stand-ins not found in the compiled query: {sorted(missing)}")
        return tuple(places)


def _text_form_of(texts, param, index):
    """The stand-in text that ``param`` holds, and in which of its forms; refused where in none."""
    for name, text in texts.items():
        for form in text.forms:
            if param == form(text.text):
                return name, form
    raise ImproperlyConfigured(f"A stand-in text in a form not given at parameter {index}: {param!r}")


def counted_rows(queryset, limit):
    """``queryset``'s rows as they are counted, no more than ``limit``: of a queryset of whole records, their
    ids alone, so that the annotations shown in each row are neither computed nor planned."""
    if queryset._fields is None and not queryset.query.combinator and not queryset.query.distinct:
        queryset = queryset.values("pk")
    return queryset.order_by()[:limit]


class RuleRows:
    """The rows of a ``RuleQuery`` for one user and values, as a list gives them: iterated, sliced (a list),
    and counted up to a bound (``count_up_to``, which ``core.pagination`` asks)."""

    def __init__(self, query, user, key, values):
        self.query, self.user, self.key, self.values = query, user, key, values

    def __iter__(self):
        return iter(self._run(None))

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None or (index.start or 0) < 0:
            raise TypeError("The rows of a rule query are read a slice at a time.")
        if index.stop is not None and index.stop <= (index.start or 0):
            return []
        return self._run(("slice", index.start or None, index.stop))

    def count_up_to(self, limit):
        """How many rows, counted no further than ``limit``."""
        return self._run(("count", limit))

    def _ties(self):
        """The user's ties read in this request, or ``None`` where a query is built afresh: outside a request's
        ``ties_read_once`` (a task, a command), and off PostgreSQL."""
        return visibility.read_ties(self.user.pk) if connection.vendor == "postgresql" else None

    def _compiled(self, ties, operation):
        """The query of the user's shape with ``operation``, compiled, and this call's parameters; ``None``
        where it can match nothing (``EmptyResultSet``)."""
        shape = shape_of(self.user, ties)
        compiled = self.query.compiled(shape, self.key, operation)
        return None if compiled is None else (compiled, compiled.params_for(self.user, ties, shape, self.values))

    def _run(self, operation):
        ties = self._ties()
        counting = operation is not None and operation[0] == "count"
        if ties is None:
            queryset = self.query.queryset(self.user, self.key, self.values, operation)
            return queryset.count() if counting else list(queryset)
        found = self._compiled(ties, operation)
        if found is None:
            return 0 if counting else []
        compiled, params = found
        if counting:
            with connection.cursor() as cursor:
                cursor.execute(compiled.runnable(connection, params), params)
                return cursor.fetchone()[0]
        queryset = compiled.queryset._chain()
        queryset.query.get_compiler = _Replay(compiled, params)
        return list(queryset)

    def sql_with_params(self, operation=None):
        """The SQL and parameters of these rows (with ``operation``, as ``RuleQuery.queryset``), to be run
        inside a query of the caller's; ``None`` where they can match nothing."""
        ties = self._ties()
        if ties is None:
            return self.fresh_sql_with_params(operation)
        found = self._compiled(ties, operation)
        return None if found is None else (found[0].sql, tuple(found[1]))

    def fresh_sql_with_params(self, operation=None):
        """The SQL and parameters of the query built for the user afresh; ``None`` where it can match nothing."""
        try:
            return self.query.queryset(self.user, self.key, self.values, operation).query.sql_with_params()
        except EmptyResultSet:
            return None


class _Replay:
    """``Query.get_compiler`` of one call: the compiler of its shape, whose SQL is the call's."""

    def __init__(self, compiled, params):
        self.compiled, self.params = compiled, params

    def __call__(self, using=None, connection=None, elide_empty=True):
        compiler = self.compiled.compiler.__class__.__new__(self.compiled.compiler.__class__)
        compiler.__dict__.update(self.compiled.compiler.__dict__)
        compiler.connection = connection or connections[using or DEFAULT_DB_ALIAS]
        sql, params = self.compiled.runnable(compiler.connection, self.params), self.params
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler


class InArray(Lookup):
    """``column IN (ids)``, the ids passed as one array parameter (``pk__in_array=[…]``): the SQL is the same
    however many ids, so that a ``RuleQuery`` of a page's rows by id is compiled once, its ids one stand-in.
    With no ids the condition is false (``EmptyResultSet``), as an empty ``__in`` is."""

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        return visibility.in_ids_sql(*self.process_lhs(compiler, connection), self.rhs, connection)


Field.register_lookup(InArray)
ForeignObject.register_lookup(InArray)
