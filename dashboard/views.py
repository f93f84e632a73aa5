"""The dashboard: the first page after sign-in, what needs the user's attention."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors


@require_safe
def dashboard(request):
    # An observer turns pages of the initiatives they observe (``?page=``); the other roles have one page.
    paging = {"page": request.GET["page"]} if "page" in request.GET else {}
    return render(request, "dashboard/dashboard.html", selectors.dashboard_for(request.user, **paging))
