"""The pages of action items: adding one to a report and changing it (the workshop's assigned facilitators
and the initiative's team), the owner's own list, and the signed done-link of a participant owner.

A report or item the user may not see answers 404; one they may see but not manage, 403. Changes go through
``services``; a refusal is shown on the form, never a server error.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from core.pagination import paginate

from . import action_links, services
from .action_forms import ActionItemForm
from .action_items import SHOWN, action_items_owned_by, may_manage_action_items
from .models import ActionItem, OutcomeReport


def _form_refused(form, refusal):
    """A service's refusal on the form: on its field where it names one the form has, else on the form."""
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


def _back_to(report):
    return reverse("facilitators:report-detail", args=[report.pk]) + "#action-items"


@require_http_methods(["GET", "HEAD", "POST"])
def action_add(request, report_pk):
    reports = OutcomeReport.objects.visible_to(request.user).select_related("workshop__initiative")
    report = get_object_or_404(reports, pk=report_pk)
    if not may_manage_action_items(request.user, report):
        raise PermissionDenied
    form = ActionItemForm(request.POST or None, user=request.user, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_create(report=report, by=request.user, **form.values())
        except ValidationError as refusal:
            _form_refused(form, refusal)
        else:
            messages.success(request, _("The action was added."))
            return redirect(_back_to(report))
    return render(request, "facilitators/action_form.html", {"form": form, "report": report, "item": None})


@require_http_methods(["GET", "HEAD", "POST"])
def action_edit(request, pk):
    items = ActionItem.objects.visible_to(request.user).select_related("report__workshop__initiative")
    item = get_object_or_404(items, pk=pk)
    report = item.report
    if not may_manage_action_items(request.user, report):
        raise PermissionDenied
    form = ActionItemForm(request.POST or None, user=request.user, report=report, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_update(item=item, by=request.user, **form.values())
        except ValidationError as refusal:
            _form_refused(form, refusal)
        else:
            messages.success(request, _("The action was saved."))
            return redirect(_back_to(report))
    return render(request, "facilitators/action_form.html", {"form": form, "report": report, "item": item})


@require_safe
def my_action_items(request):
    shown = request.GET.get("show", "open")
    if shown not in SHOWN:
        shown = "open"
    page = paginate(request, action_items_owned_by(request.user, shown))
    return render(
        request,
        "facilitators/action_mine.html",
        {"page_obj": page, "items": page.object_list, "shown": shown, "open_statuses": ("open", "in_progress")},
    )


def action_complete(request, pk):
    """The owner (or the report's team) marks an action done, from their list."""
    item = get_object_or_404(ActionItem.objects.visible_to(request.user).select_related("owner_participant"), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.action_item_mark_done(item=item, by=request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("The action is marked done."))
    return redirect("facilitators:my-action-items")


# --- The signed done-link: a participant owner, no account (the token is the credential) -------------------


def _link_headers(response):
    """Every answer of the done-link page: the token in its address is sent nowhere, the page indexed nowhere."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_refused(request, refused):
    """Why the link cannot be used; nothing of the item. Tampered 400; expired, spent or closed 410."""
    return _link_headers(
        render(request, "facilitators/action_done_refused.html", {"refused": refused}, status=refused.status)
    )


@login_not_required
@csrf_exempt  # the page sends no referrer, so a browser's POST carries "Origin: null"; the signed token is the proof
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def action_done(request, token):
    """The participant who owns an action confirms that it is done (a POST: a link opened by a mail
    scanner changes nothing); the link is then spent."""
    try:
        item = action_links.item_for_done_link(token)
    except action_links.ActionLinkRefused as refused:
        return _link_refused(request, refused)
    participant = item.owner_participant
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and participant.preferred_language:
        translation.activate(participant.preferred_language)  # as the e-mail was written
        request.LANGUAGE_CODE = translation.get_language()
    if request.method == "POST":
        try:
            item = services.action_item_mark_done(item=item, sequence=item.token_sequence)
        except (ValidationError, PermissionDenied):
            try:  # done or superseded meanwhile: the same page as for the link
                action_links.item_for_done_link(token)
            except action_links.ActionLinkRefused as refused:
                return _link_refused(request, refused)
            return _link_refused(request, action_links.ActionLinkSpent())
        return _link_headers(render(request, "facilitators/action_done.html", {"item": item, "done": True}))
    return _link_headers(render(request, "facilitators/action_done.html", {"item": item, "done": False}))
