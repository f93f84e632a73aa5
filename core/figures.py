"""Aggregate figures that never single anyone out.

Observers (donors) see numbers only. A cell of fewer than ``SMALL_CELL`` shows "< 3"; and where the
total is shown too, a single small cell could be worked out by subtraction, so more cells are withheld
(the smallest others) until what is withheld adds up to at least ``SMALL_CELL`` people.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

SMALL_CELL = 3


@dataclass(frozen=True)
class Cell:
    label: str
    count: int  # the true number: for sums and tests, never rendered where ``shown`` is a mask
    shown: str  # what the page shows


def masked(count):
    return str(count) if count >= SMALL_CELL else _("< %(threshold)s") % {"threshold": SMALL_CELL}


def withheld():
    return _("withheld")


def breakdown(pairs):
    """``pairs`` of (label, count) as cells with small ones masked, plus a total cell.

    Returns ``(cells, total)``; ``cells`` keep the order of ``pairs``.
    """
    pairs = list(pairs)
    total = sum(count for _label, count in pairs)
    if total < SMALL_CELL:
        return [Cell(label, count, masked(count)) for label, count in pairs], Cell(_("Total"), total, masked(total))
    small = {index for index, (_label, count) in enumerate(pairs) if count < SMALL_CELL}
    hidden = set(small)
    # Secondary suppression: the total minus the shown cells must not reveal 1 or 2 people.
    while 0 < sum(pairs[index][1] for index in hidden) < SMALL_CELL:
        others = [index for index in range(len(pairs)) if index not in hidden]
        if not others:
            break
        hidden.add(min(others, key=lambda index: (pairs[index][1], index)))
    cells = []
    for index, (label, count) in enumerate(pairs):
        if index in small:
            shown = masked(count)
        elif index in hidden:
            shown = withheld()
        else:
            shown = str(count)
        cells.append(Cell(label, count, shown))
    return cells, Cell(_("Total"), total, str(total))
