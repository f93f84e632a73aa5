"""The facilitator's workspace: the workshops they are assigned to, upcoming and past, with the state of each
outcome report, what is late, and the way to the report and to the attendance.

For facilitators (``dialogues.selectors.facilitation_can_open``, which the menu asks too); anyone else gets
403: the page is theirs by role, and the workshops in it are those they may see (``Workshop.visible_to``).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.pagination import Page
from dialogues.selectors import attendance_is_open, facilitation_can_open

from . import selectors

# The two lists page on their own: ``?upcoming=2&past=3``.
LISTS = ("upcoming", "past")


def _links(workshop, now):
    """Where a row leads: the workshop, its report (or starting one), its attendance once it has started."""
    # Every row is a workshop the user facilitates: they may start its report (``may_start_report``).
    if workshop.report_id:
        report = reverse("facilitators:report-detail", args=[workshop.report_id])
    else:
        report = reverse("facilitators:report-start", args=[workshop.pk])
    attendance = None
    if attendance_is_open(workshop, now):
        attendance = reverse("dialogues:workshop-attendance", args=[workshop.pk])
    return {"report": report, "attendance": attendance}


def _page_queries(request, name, page):
    """The query strings of the pages before and after ``page`` of list ``name``, the other list kept where it is."""
    queries = {}
    for which, number in (("previous", page.number - 1), ("next", page.number + 1)):
        query = request.GET.copy()
        query[name] = number
        queries[f"{which}_query"] = query.urlencode()
    return queries


@require_safe
def workspace(request):
    if not facilitation_can_open(request.user):
        raise PermissionDenied
    now = timezone.now()
    profile = selectors.facilitator_profile_of(request.user)
    context = {"profile": profile, "lists": []}
    if profile is not None:
        workshops = selectors.assigned_workshops_of(request.user, now=now)
        context["late"] = workshops["late"]
        for name in LISTS:
            page = Page(workshops[name], request.GET.get(name), settings.PARLEY_PAGE_SIZE, settings.PARLEY_COUNT_BOUND)
            for workshop in selectors.with_role_labels(page.object_list):
                workshop.links = _links(workshop, now)
            context["lists"].append({"name": name, "page": page, **_page_queries(request, name, page)})
    return render(request, "facilitators/workspace.html", context)
