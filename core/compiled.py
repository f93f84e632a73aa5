"""Queries that Django builds and compiles once per process, then runs with each call's values.

Building a queryset and compiling it to SQL costs Django milliseconds for a query of several joined
parts, often more than PostgreSQL takes to answer it. A query whose shape is the same at every call,
but for a few ids and times, is built once here with stand-ins for those values; each call runs the SQL
with its own values in their place. Only queries that no rule of ``core.visibility`` is in: a rule's SQL
depends on the user's role, clearance and ties, and is built for each user.
"""

import datetime as dt

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .prepared import prepared_sql


def _adapted(value):
    """``value`` as a compiled query holds it among its parameters: a time as the database backend stores
    it (a string on SQLite), an id as it is."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class CompiledOnce:
    """A query built by ``build(**stand_ins)`` (a ``values_list`` queryset), compiled once per database
    vendor; ``rows(**values)`` runs it with ``values`` in place of the stand-ins.

    Stand-ins are ids (ints) and times (aware datetimes) that no row and no other part of the query holds
    (negative ids, times in 1901): each must be found among the compiled parameters, and each place it is
    found takes the call's value. The rows are the database's tuples, without the converters of Django's
    ``values_list`` (a boolean is 0 or 1 on SQLite)."""

    def __init__(self, build, **stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        self._compiled = {}  # by vendor: the SQL, its parameters, and the places of each stand-in

    def compiled(self):
        """The SQL, its parameters with the stand-ins, and ``(index, name)`` of each stand-in's place."""
        if connection.vendor not in self._compiled:
            sql, params = self.build(**self.stand_ins).query.sql_with_params()
            adapted = {name: _adapted(value) for name, value in self.stand_ins.items()}
            places = [
                (index, name)
                for index, param in enumerate(params)
                for name, stand_in in adapted.items()
                if type(param) is type(stand_in) and param == stand_in
            ]
            missing = set(self.stand_ins) - {name for _index, name in places}
            if missing:
                raise ImproperlyConfigured(f"Stand-ins not found in the compiled query: {sorted(missing)}")
            self._compiled[connection.vendor] = (sql, tuple(params), tuple(places))
        return self._compiled[connection.vendor]

    def rows(self, **values):
        """The rows of the query with ``values`` (one for every stand-in) in place of the stand-ins."""
        if set(values) != set(self.stand_ins):
            raise TypeError(f"Values for {sorted(self.stand_ins)} expected, given for {sorted(values)}")
        sql, example_params, places = self.compiled()
        params = list(example_params)
        for index, name in places:
            params[index] = _adapted(values[name])
        with connection.cursor() as cursor:
            cursor.execute(prepared_sql(connection, sql, params, example_params), params)
            return cursor.fetchall()
