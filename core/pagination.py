import math

from django.conf import settings
from django.db.models import Count, QuerySet, Window
from django.utils.translation import gettext as _

from .rule_queries import counted_rows


def bounded_count(rows, bound):
    """How many ``rows`` there are, counting no further than ``bound + 1``: a queryset, or a list of rows
    with ``count_up_to(limit)`` (``participants.selectors.ParticipantPages``)."""
    if isinstance(rows, QuerySet):
        return counted_rows(rows, bound + 1).count()
    return rows.count_up_to(bound + 1)


MAX_PAGE = 100_000


class CountedWithPage:
    """A queryset whose number of rows comes with each page read, in the same query (``COUNT(*) OVER ()``).

    For lists whose every row is computed before a page is cut anyway, such as a search that ranks every
    match to sort them: counting them apart finds and ranks them all a second time. ``Page`` reads it so;
    slicing and iterating give the queryset's rows.
    """

    def __init__(self, queryset):
        self.queryset = queryset

    def read(self, start, stop):
        """Rows ``start`` to ``stop`` and the number of all rows; None for the number where none are read."""
        rows = list(self.queryset.annotate(rows_in_all=Window(Count("*")))[start:stop])
        return rows, (rows[0].rows_in_all if rows else None)

    def __getitem__(self, index):
        return self.queryset[index]

    def __iter__(self):
        return iter(self.queryset)


class Page:
    """A page of a list and how many rows there are, counted no further than ``bound``.

    Counting every row of a growing table is the one cost of a list page that would grow with it; past
    ``bound`` the page says "more than 1,000" (``more``) and goes on page by page (``has_next``, from one
    row more read than shown) without a last page number. ``paginator`` is the page itself, so that
    templates read ``page_obj.paginator.count`` as of Django's ``Page``.
    """

    def __init__(self, rows, number, per_page, bound):
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        shown = None
        if isinstance(rows, CountedWithPage):
            if bound is not None:  # the page and the number of rows in one query, unless it is past the end
                start = (min(number, MAX_PAGE) - 1) * per_page
                shown, counted = rows.read(start, start + per_page + 1)
                if counted is None:
                    shown = None if number > 1 else []  # past the end: counted below, and the last page read
                    counted = None if number > 1 else 0
            rows = rows.queryset
        if shown is None:
            # ``bound`` None: no count at all, for lists where nobody needs their number (``page_of``).
            counted = None if bound is None else bounded_count(rows, bound)
        self.more = counted is not None and counted > bound
        self.count = None if counted is None else min(counted, bound)
        self.num_pages = None if counted is None or self.more else max(1, math.ceil(self.count / per_page))
        # Out of range: the last page, not an error (past the bound, where the last is unknown, a page
        # beyond the end is empty, and a number no list reaches is cut).
        number = min(number, self.num_pages or MAX_PAGE)
        if shown is None:
            start = (number - 1) * per_page
            shown = list(rows[start : start + per_page + 1]) if counted != 0 else []
        self.object_list = shown[:per_page]
        self.number = number
        self.has_next_page = len(shown) > per_page
        self.paginator = self

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self.has_next_page

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_previous() or self.has_next()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def paginate(request, rows, per_page=None, bound=None):
    """One page of ``rows`` for ``?page=`` (a page out of range gives the last page, not an error), its
    rows counted up to ``PARLEY_COUNT_BOUND`` (``Page``)."""
    return Page(
        rows,
        request.GET.get("page"),
        per_page or settings.PARLEY_PAGE_SIZE,
        bound or settings.PARLEY_COUNT_BOUND,
    )


COUNTED_LIST_SIZE = 10


def counted_list(queryset, size=COUNTED_LIST_SIZE, bound=100, items=None):
    """The first ``size`` rows and how many there are, as the dashboard's lists show them: two queries.

    The count stops past ``bound`` (``count`` is then ``bound + 1`` and ``count_shown`` reads "100+"): a
    dashboard says that there is much to do, not exactly how much, and counting every row of a growing
    table is the one cost of the page that would grow with it. ``bounded`` says whether it stopped.
    ``items``: where the rows shown come from, when not from ``queryset`` itself (the same rows, as
    another model's records).
    """
    return {**counted(queryset, bound), "items": list((queryset if items is None else items)[:size])}


def counted(queryset, bound=100):
    """How many rows there are, as the dashboard shows a number (one query): ``count``, stopped past
    ``bound`` (then ``bound + 1``, ``bounded`` true and ``count_shown`` "100+"), and ``bound``."""
    count = bounded_count(queryset, bound)
    bounded = count > bound
    return {
        "count": count,
        "bound": bound,
        "bounded": bounded,
        "count_shown": _("%(bound)s+") % {"bound": bound} if bounded else str(count),
    }


def first_rows(queryset, size):
    """The first ``size`` rows, and whether there are more (one row more is read to know): one query, no count."""
    rows = list(queryset[: size + 1])
    return rows[:size], len(rows) > size


def page_of(queryset, number, size):
    """Page ``number`` of ``queryset`` (from 1; anything else is page 1) without counting the rows: its
    rows, and whether pages come before and after it (a ``Page``). For lists where nobody needs their number."""
    return Page(queryset, number, size, bound=None)
