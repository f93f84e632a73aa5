"""Queries compiled once, prepared once per database connection: PostgreSQL parses and plans them no more.

A query of ``core.rule_queries`` runs the same SQL at every call, with other parameters. PostgreSQL
spent more time planning such a query than running it (the workshop page: 4 ms of planning for 1 ms of
execution), at every request. Prepared (``PREPARE``) on the first call on a connection, each later call
runs ``EXECUTE name(parameters)``: the server keeps the parsed statement and, once it has seen that a
plan fitted for the parameters is no better than one plan for all (its ``plan_cache_mode`` ``auto``),
that plan. Django keeps connections open (``CONN_MAX_AGE``), so a statement serves many requests.

The parameters' types are declared from the values the query was compiled with: an id a ``bigint``, a
text ``text``, a time ``timestamptz``, a list of ids ``bigint[]``. A query whose parameters are of any
other type, or that PostgreSQL refuses to prepare, runs as it is. Off PostgreSQL, always as it is.
"""

import datetime as dt
import hashlib
import re

import psycopg2
from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_PLACEHOLDER = re.compile(r"%s|%%")
# The statement of each SQL, worked out at its first call (its compiled parameters are the same at each):
# ``(name, PREPARE …)``, or ``None`` for SQL run as it is from then on (a type not declared, or refused).
_STATEMENTS = {}
PREPARED_SQL = {}  # the SQL of each statement prepared, by name (``sql_run``)
DUPLICATE_PREPARED_STATEMENT = "42P05"  # PostgreSQL's code: prepared on this connection already
SAVEPOINT = "parley_prepare"


def _type_of(value):
    """The PostgreSQL type of a parameter, ``None`` where it is not declared here."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.datetime):
        return "timestamptz" if value.tzinfo is not None else None
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list | tuple) and value and all(type(item) is int for item in value):
        return "bigint[]"
    return None


BIGINT = range(-(2**63), 2**63)


def _fits(value):
    """Whether ``value`` fits the type declared for it: an id of a link typed by hand may not fit a ``bigint``
    (as it is, compared with a column, it matches nothing)."""
    if type(value) is int:
        return value in BIGINT
    if isinstance(value, list | tuple):
        return all(item in BIGINT for item in value if type(item) is int)
    return True


def statement(sql, params):
    """``(name, the PREPARE statement)`` of ``sql`` with parameters of the types of ``params``; ``None``
    where a parameter's type is not declared here."""
    types = [_type_of(param) for param in params]
    if None in types:
        return None
    numbers = iter(range(1, len(params) + 1))
    body = _PLACEHOLDER.sub(lambda match: "%" if match.group() == "%%" else f"${next(numbers)}", sql)
    name = "parley_" + hashlib.blake2b(f"{types}{sql}".encode(), digest_size=12).hexdigest()
    declared = f" ({', '.join(types)})" if types else ""
    return name, f"PREPARE {name}{declared} AS {body}"


def prepared_sql(connection, sql, params, example_params):
    """The SQL that runs ``sql`` with ``params`` on ``connection``: ``EXECUTE`` of its prepared statement,
    prepared here if it is not yet on this connection; or ``sql`` itself, where it cannot be prepared.
    ``example_params``: those it was compiled with, of the same types as every call's."""
    if not settings.PREPARED_STATEMENTS or connection.vendor != "postgresql" or not all(map(_fits, params)):
        return sql
    if sql not in _STATEMENTS:
        _STATEMENTS[sql] = statement(sql, example_params)
    found = _STATEMENTS[sql]
    if found is None:
        return sql
    name, prepare = found
    connection = connections[connection.alias]  # this thread's connection itself, not ``django.db.connection``
    known = connection.__dict__.setdefault("prepared_statements", set())
    if name not in known:
        refusal = _prepare(connection, prepare)
        if refusal is not None and refusal != DUPLICATE_PREPARED_STATEMENT:
            _STATEMENTS[sql] = None
            return sql
        known.add(name)
        PREPARED_SQL[name] = sql
    return f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"


def _prepare(connection, prepare):
    """Run ``prepare`` on the database connection itself, not through Django's cursor, so that a page's first
    request on a connection runs the queries of any other (as counted by the tests), in a savepoint inside a
    transaction, which a refusal must not abort. ``None``, or the code of PostgreSQL's refusal."""
    connection.ensure_connection()
    in_transaction = not connection.get_autocommit()
    with connection.connection.cursor() as cursor:
        try:
            cursor.execute(
                f"SAVEPOINT {SAVEPOINT}; {prepare}; RELEASE SAVEPOINT {SAVEPOINT}" if in_transaction else prepare
            )
        except psycopg2.Error as refusal:
            if in_transaction:
                cursor.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}")
            return refusal.pgcode or "refused"
    return None


def sql_run(executed):
    """The SQL that ``executed`` (as a cursor ran it: ``EXECUTE name(…)``) runs; any other SQL as it is."""
    match = re.match(r"EXECUTE (parley_[0-9a-f]+)\b", executed)
    return PREPARED_SQL.get(match.group(1), executed) if match else executed


@receiver(connection_created)
def _forget_prepared(sender, connection, **kwargs):
    """A new connection has no statement prepared."""
    connection.__dict__["prepared_statements"] = set()
