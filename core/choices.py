"""Choices from a table that grows: offered a few at a time, found by typing (type-ahead).

A select over organisations, initiatives or accounts cannot list every row: at a hundred thousand rows
the page would take seconds and the list would be useless. A ``ChoiceSource`` names where such a
field's options come from: the records the user may see (the same ``visible_to`` query the field
validates against), the fields a typed text is looked up in, and how an option is labelled. The select
shows at most ``OPTION_LIMIT`` options (the chosen one always among them); the text box beside it asks
``core:choice-options`` for the options matching what is typed (HTMX), or, without JavaScript, the
filter form sends the text and the page comes back with the matching options.

Each app declares its sources in its ``choices.py``, imported by its ``AppConfig.ready``.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The most options a type-ahead select shows at once, the chosen ones aside.
OPTION_LIMIT = 20
# The longest text looked up; longer is cut, not refused (a search box, not a form field to fix).
SEARCH_MAX_LENGTH = 100

_sources = {}


@dataclass(frozen=True)
class ChoiceSource:
    """Where the options of a type-ahead select come from.

    ``model``: the records' model; ``records(user)``: every record the user may choose, a queryset
    (``visible_to``); ``search_fields``: looked up with ``icontains``; ``order_by``: the options' order;
    ``label(record)``: the option's text; ``allowed(user)``: whether the user may ask at all (else 404,
    as for a page they may not open).
    ``any_label`` is the blank option of a filter ("Any organisation").
    """

    name: str
    model: Any
    records: Any
    search_fields: tuple
    order_by: tuple
    any_label: Any
    label: Any = str
    allowed: Any = field(default=lambda user: True)
    only: tuple = ()

    def choosable(self, user):
        """What the user may choose (what the field validates against)."""
        return self.records(user)

    def matching(self, user, text, limit=OPTION_LIMIT):
        """``(records, more)``: the first ``limit`` records matching ``text`` in order, and whether there are more."""
        records = self.records(user)
        text = (text or "").strip()[:SEARCH_MAX_LENGTH]
        if text:
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__icontains": text})
            records = records.filter(condition)
        if self.only:
            records = records.only(*self.only)
        found = list(records.order_by(*self.order_by)[: limit + 1])
        return found[:limit], len(found) > limit

    def chosen(self, user, values):
        """The records of ``values`` (pks as submitted) that the user may choose; anything else is left out."""
        pks = [
            value
            for value in (str(value).strip() for value in values)
            if value.isascii() and value.isdigit() and len(value) < 19  # "²" and "١٢" are digits to str.isdigit
        ]
        if not pks:
            return []
        records = self.records(user)
        if self.only:
            records = records.only(*self.only)
        return list(records.filter(pk__in=pks).order_by(*self.order_by))


def register(source):
    if source.name in _sources and _sources[source.name] is not source:
        raise ValueError(f"A choice source named {source.name!r} is registered already.")
    _sources[source.name] = source
    return source


def source_named(name):
    """The registered source of this name, or ``None``."""
    return _sources.get(name)


MORE_LABEL = _("More match: type to narrow the list.")
NONE_FOUND_LABEL = _("Nothing matches: try other words.")
NO_CHOICE_LABEL = "---------"
