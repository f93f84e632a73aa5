"""Trigram and full-text indexes that make searches use an index on PostgreSQL.

Django compiles ``field__icontains=text`` to ``UPPER("table"."field"::text) LIKE UPPER(%text%)``; a GIN
index over that same expression with ``gin_trgm_ops`` serves it, and the trigram similarity operators
on ``Upper(field)`` too (``%>``: pg_trgm folds case, so the upper-cased field has the same trigrams).
``SearchVector(field, config="simple")`` compiles to ``to_tsvector('simple'::regconfig,
COALESCE("field", ''))``; a GIN index over that expression serves ``@@``. On other databases (the SQLite
demo) the operations do nothing: they have no such index types, and the demo's data is small.
"""

from django.db import migrations


class AddTrigramSearchIndex(migrations.operations.base.Operation):
    reduces_to_sql = True
    reversible = True

    def __init__(self, *, model_name, field, name):
        self.model_name = model_name
        self.field = field
        self.name = name

    def state_forwards(self, app_label, state):
        pass  # not part of the model state: the index is an implementation detail of search

    def indexed_expression(self, quoted_column):
        return f"(UPPER({quoted_column}::text)) gin_trgm_ops"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        column = model._meta.get_field(self.field).column
        quote = schema_editor.quote_name
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(self.name)} ON {quote(model._meta.db_table)} "
            f"USING gin ({self.indexed_expression(quote(column))})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(self.name)}")

    def describe(self):
        return f"Add trigram search index {self.name} on {self.model_name}.{self.field}"

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"model_name": self.model_name, "field": self.field, "name": self.name},
        )


class AddFullTextSearchIndex(AddTrigramSearchIndex):
    """A GIN index of the words of a field, as ``SearchVector(field, config="simple")`` reads them (the
    ``simple`` configuration: lower-cased words, no stemming, no stop words; right for names)."""

    def indexed_expression(self, quoted_column):
        return f"(to_tsvector('simple'::regconfig, COALESCE({quoted_column}, '')))"

    def describe(self):
        return f"Add full-text search index {self.name} on {self.model_name}.{self.field}"
