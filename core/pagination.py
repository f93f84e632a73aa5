from django.conf import settings
from django.core.paginator import Paginator
from django.utils.translation import gettext as _


def paginate(request, queryset, per_page=None):
    """One page of ``queryset`` for ``?page=``; a page out of range gives the last page, not an error."""
    paginator = Paginator(queryset, per_page or settings.PARLEY_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def counted_list(queryset, size=10, bound=100):
    """The first ``size`` rows and how many there are, as the dashboard's lists show them: two queries.

    The count stops past ``bound`` (``count`` is then ``bound + 1`` and ``count_shown`` reads "100+"): a
    dashboard says that there is much to do, not exactly how much, and counting every row of a growing
    table is the one cost of the page that would grow with it. ``bounded`` says whether it stopped.
    """
    count = queryset.order_by()[: bound + 1].count()
    bounded = count > bound
    return {
        "count": count,
        "bound": bound,
        "bounded": bounded,
        "count_shown": _("%(bound)s+") % {"bound": bound} if bounded else str(count),
        "items": list(queryset[:size]),
    }


def first_rows(queryset, size):
    """The first ``size`` rows, and whether there are more (one row more is read to know): one query, no count."""
    rows = list(queryset[: size + 1])
    return rows[:size], len(rows) > size


def page_of(queryset, number, size):
    """Page ``number`` of ``queryset`` (from 1; anything else is page 1), without counting the rows: the
    page's rows, and whether pages come before and after it. For lists where nobody needs their number."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    items, more = first_rows(queryset[start:], size)
    return {
        "items": items,
        "number": number,
        "has_previous": number > 1,
        "has_next": more,
        "previous_page_number": number - 1,
        "next_page_number": number + 1,
    }
