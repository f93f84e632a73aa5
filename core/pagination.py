from django.conf import settings
from django.core.paginator import Paginator


def paginate(request, queryset, per_page=None):
    """One page of ``queryset`` for ``?page=``; a page out of range gives the last page, not an error."""
    paginator = Paginator(queryset, per_page or settings.PARLEY_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def counted_list(queryset, size=10):
    """A count and the first ``size`` rows, as the dashboard's lists show them: two queries whatever the size."""
    return {"count": queryset.count(), "items": list(queryset[:size])}
