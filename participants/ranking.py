"""A participant search on PostgreSQL, best first, at most a bound of its matches ranked (``RankedSearch``).

The rank of a match, best highest: the text as a whole field, at its beginning, as the beginning of words,
anywhere, misspelt (by trigram word similarity). From the codename, and from name, e-mail and organisation
only where the identity is visible to the viewer: a masked participant's rank comes from the codename
alone, so that the order of results tells nothing of the name behind it.

The rank is SQL written here over the columns that the matches bring (``FOUND``), not an expression of
the ORM: it is computed once per match found, in the query that orders them, and costs no join
resolution per comparison to build.
"""

import re

from django.core.exceptions import EmptyResultSet
from django.db import connection

from core.pagination import CountedWithPage
from core.rule_queries import RuleRows

from .querysets import participants_in_order_of

# What each match brings to be ranked, as the columns of ``RankedSearch``'s matching querysets.
FOUND = ("pk", "named", "codename", "full_name", "email", "organisation")


def search_words(text):
    """The words of the search text (runs of letters and digits), at most eight."""
    return re.findall(r"[^\W_]+", text)[:8]


def _tier(column, text, words):
    """SQL and parameters: how ``column`` holds the text: 3 as the whole of it, 2 at its beginning, 1.5 each
    word of the text at the beginning of one of its words (in any order), 1 anywhere; 0 not at all (or
    NULL). As Django's ``iexact``, ``istartswith``, ``iregex`` and ``icontains`` compare on PostgreSQL."""
    like = connection.ops.prep_for_like_query(text)
    # ``\m``: the beginning of a word in PostgreSQL's regular expressions; the words are letters and digits.
    every_word = " AND ".join([f"{column}::text ~* %s"] * len(words))
    starts = [rf"\m{word}" for word in words]
    sql = (
        f"CASE WHEN UPPER({column}::text) LIKE UPPER(%s) THEN CASE"
        f" WHEN UPPER({column}::text) = UPPER(%s) THEN 3.0 WHEN UPPER({column}::text) LIKE UPPER(%s) THEN 2.0"
    )
    params = [f"%{like}%", text, f"{like}%"]
    if words:
        sql += f" WHEN {every_word} THEN 1.5"
        params += starts
    sql += " ELSE 1.0 END"
    if len(words) > 1:
        sql += f" WHEN {every_word} THEN 1.5"
        params += starts
    return f"{sql} ELSE 0.0 END", params


def _rank(text, words, columns, misspelt_columns):
    """The best tier of ``columns``; where none holds the text (found misspelt), the trigram word similarity
    of the text and the closest of ``misspelt_columns``, below 1 (computed for those rows only)."""
    tiers = [_tier(column, text, words) for column in columns]
    best = f"GREATEST({', '.join(sql for sql, _ in tiers)})" if len(tiers) > 1 else tiers[0][0]
    similarity = ", ".join(f"WORD_SIMILARITY(%s, {column})" for column in misspelt_columns)
    similarity = f"GREATEST({similarity})" if len(misspelt_columns) > 1 else similarity
    params = [param for _, tier_params in tiers for param in tier_params] + [text] * len(misspelt_columns)
    return f"COALESCE(NULLIF({best}, 0.0), {similarity})", params


def rank_sql(text):
    """SQL and parameters of the rank of a match, over the columns of ``FOUND``."""
    words = search_words(text)
    every_column = ["codename", "full_name", "email", "organisation"]
    named, named_params = _rank(text, words, every_column, ["codename", "full_name"])
    masked, masked_params = _rank(text, words, ["codename"], ["codename"])
    return f"CASE WHEN named THEN {named} ELSE {masked} END", [*named_params, *masked_params]


class RankedSearch(CountedWithPage):
    """The matches of a search, best first, of which at most ``bound`` are ranked: what a search costs is
    bounded by that, not by the number of people who match.

    Ranking orders every match before a page is cut, so that a text that thousands match (a common family
    name, a word of many organisations' names) would cost as much as they are. ``strict`` (the participants
    whose name, codename, e-mail or organisation holds the text or its words) and ``every`` (those and the
    misspelt matches), querysets of the ``FOUND`` columns, are each read no further than ``bound + 1`` rows,
    in whatever order their indexes give them; ``every`` only where ``strict`` did not pass ``bound``. Up
    to ``bound`` strict matches, every match is ranked (a misspelt one always below them); past it, the
    ranked are some ``bound`` of the strict ones, and the list says that more match (``Page.more``), so
    that the viewer narrows the search.

    ``read`` gives a page and the number ranked (``core.pagination.Page``) in two queries: the page's ids,
    ranks and their number, then their rows, read through ``Participant.objects.visible_to`` again (as
    ``ParticipantPages``). Slicing and iterating give rows as ranked.
    """

    def __init__(self, strict, every, user, text, bound):
        self.strict, self.every = strict, every
        self.user, self.text, self.bound = user, text, bound
        self._sql = None

    @property
    def queryset(self):
        """What ``Page`` counts and slices where no page was read (past the end): the ranked themselves."""
        return self

    def _first(self, matches):
        """The SQL and parameters of the first ``bound + 1`` of ``matches`` (a queryset, or ``RuleRows``)."""
        if isinstance(matches, RuleRows):
            compiled = matches.sql_with_params(("slice", None, self.bound + 1))
            if compiled is None:
                raise EmptyResultSet
            return compiled
        return matches[: self.bound + 1].query.sql_with_params()

    def _ranked_sql(self):
        if self._sql is None:
            self._sql = self._ranked_sql_compiled()
        return self._sql

    def _ranked_sql_compiled(self):
        strict_sql, strict_params = self._first(self.strict)
        every_sql, every_params = self._first(self.every)
        rank, rank_params = rank_sql(self.text)
        columns = ", ".join(FOUND)
        # The strict matches read once; every match only where they do not pass the bound. Only column names
        # and compiled querysets are formatted in: the text and every value are parameters.
        sql = (
            f"WITH strict ({columns}) AS MATERIALIZED ({strict_sql}) "  # noqa: S608
            f"SELECT pk, named, {rank} AS rank,"
            " LOWER(CASE WHEN named THEN full_name ELSE codename END) AS shown"
            f" FROM (SELECT * FROM strict UNION SELECT * FROM ({every_sql}) AS every"
            f" WHERE (SELECT COUNT(*) FROM strict) <= %s) AS found"
        )
        return sql, (*strict_params, *rank_params, *every_params, self.bound)

    def read(self, start, stop):
        """The matches ``start`` to ``stop`` as ranked (each with ``search_rank``), and how many are ranked
        (None where none are read)."""
        stop = min(stop, self.bound)
        if start >= stop:
            return [], None
        sql, params = self._ranked_sql()
        with connection.cursor() as cursor:
            # By rank, then by the name shown and the id.
            cursor.execute(
                f"SELECT pk, named, rank, COUNT(*) OVER () FROM ({sql}) AS ranked"  # noqa: S608 (``_ranked_sql``)
                " ORDER BY rank DESC, shown, pk LIMIT %s OFFSET %s",
                (*params, stop - start, start),
            )
            page = cursor.fetchall()
        if not page:
            return [], None
        shown = participants_in_order_of(self.user, [(pk, named) for pk, named, *_ in page])
        ranks = {pk: rank for pk, _named, rank, _ranked in page}
        for participant in shown:
            participant.search_rank = float(ranks[participant.pk])
        return shown, page[0][3]

    def count_up_to(self, limit):
        """How many are ranked, counted no further than ``limit``."""
        sql, params = self._ranked_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS ranked", params)  # noqa: S608 (``_ranked_sql``)
            return min(cursor.fetchone()[0], limit)

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("A search is read a slice at a time.")
        return self.read(index.start or 0, self.bound if index.stop is None else index.stop)[0]

    def __iter__(self):
        return iter(self[:])
