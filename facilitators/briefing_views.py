"""Pages of Track I briefings: logging one (from a report, or from the initiative), correcting it, reading
it, the initiative's list of them, and the initiative's timeline.

A record the user may not see answers 404; a briefing they may see but not log or change, 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import record_read
from core.pagination import paginate
from dialogues.models import Initiative

from . import briefing_selectors as selectors
from . import services
from .briefing_forms import BriefingForm
from .models import OutcomeReport, TrackOneBriefing

FORM_TEMPLATE = "facilitators/briefing_form.html"


def _initiative(request, pk):
    return get_object_or_404(Initiative.objects.visible_to(request.user), pk=pk)


def _show_refusal(form, refusal):
    if hasattr(refusal, "error_dict"):
        for name, errors in refusal.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


def _saved(request, briefing, message):
    """To the briefing's page; to its initiative's or report's page if saving put it out of the user's sight."""
    if TrackOneBriefing.objects.visible_to(request.user).filter(pk=briefing.pk).exists():
        messages.success(request, message)
        return redirect("facilitators:briefing-detail", briefing.pk)
    messages.warning(request, _("Saved. It is now above what you may see."))
    return redirect("dashboard:home")


def _briefing_form_page(request, *, form, save, context):
    if form.is_bound and form.is_valid():
        try:
            briefing = save(form.values())
        except ValidationError as refusal:
            _show_refusal(form, refusal)
        else:
            return briefing
    return render(request, FORM_TEMPLATE, {"form": form, **context})


@require_http_methods(["GET", "HEAD", "POST"])
def briefing_create_from_report(request, report_pk):
    reports = OutcomeReport.objects.visible_to(request.user).select_related("workshop__initiative", "session")
    report = get_object_or_404(reports, pk=report_pk)
    if not services.track_one_briefing_may_log(user=request.user, report=report):
        raise PermissionDenied
    initiative = report.workshop.initiative
    form = BriefingForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        reports=selectors.initiative_reports_to_brief(request.user, initiative),
        anchor=report,
        initial={"level": report.effective_level},
    )

    def save(values):
        return services.track_one_briefing_create(user=request.user, report=report, **values)

    context = {
        "report": report,
        "workshop": report.workshop,
        "initiative_shown": selectors.initiative_visible(request.user, initiative.pk),
        "initiative": initiative,
    }
    result = _briefing_form_page(request, form=form, save=save, context=context)
    if isinstance(result, TrackOneBriefing):
        return _saved(request, result, _("The briefing was logged."))
    return result


@require_http_methods(["GET", "HEAD", "POST"])
def briefing_create(request, pk):
    initiative = _initiative(request, pk)
    if not selectors.initiative_may_log_briefing(request.user, initiative):
        raise PermissionDenied
    form = BriefingForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        reports=selectors.initiative_reports_to_brief(request.user, initiative),
        initial={"level": initiative.level},
    )

    def save(values):
        return services.track_one_briefing_create(user=request.user, **values)

    context = {"initiative": initiative, "initiative_shown": True}
    result = _briefing_form_page(request, form=form, save=save, context=context)
    if isinstance(result, TrackOneBriefing):
        return _saved(request, result, _("The briefing was logged."))
    return result


@require_http_methods(["GET", "HEAD", "POST"])
def briefing_update(request, pk):
    try:
        briefing = selectors.briefing_get_for(request.user, pk)
    except TrackOneBriefing.DoesNotExist:
        raise Http404 from None
    if not services.track_one_briefing_may_change(user=request.user, briefing=briefing):
        raise PermissionDenied
    initiative = briefing.report.workshop.initiative
    drawn_on = list(briefing.reports.all()) or [briefing.report]
    choosable = {report.pk: report for report in selectors.initiative_reports_to_brief(request.user, initiative)}
    choosable.update((report.pk, report) for report in drawn_on)  # an amended report stays choosable
    initial = {
        "reports": [report.pk for report in drawn_on],
        **{name: getattr(briefing, name) for name in ("recipient", "recipient_role", "briefing_level")},
        **{name: getattr(briefing, name) for name in ("briefed_on", "shared", "level")},
    }
    if request.method != "POST":
        record_read(user=request.user, record=briefing, path=request.path)  # the form shows all of it
    form = BriefingForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        reports=choosable.values(),
        initial=initial,
    )

    def save(values):
        return services.track_one_briefing_update(briefing=briefing, user=request.user, **values)

    context = {
        "briefing": briefing,
        "initiative": initiative,
        "initiative_shown": selectors.initiative_visible(request.user, initiative.pk),
    }
    result = _briefing_form_page(request, form=form, save=save, context=context)
    if isinstance(result, TrackOneBriefing):
        return _saved(request, result, _("Saved."))
    if request.method == "POST":
        briefing.refresh_from_db()
    return result


@require_safe
def briefing_detail(request, pk):
    try:
        briefing = selectors.briefing_get_for(request.user, pk)
    except TrackOneBriefing.DoesNotExist:
        raise Http404 from None
    record_read(user=request.user, record=briefing, path=request.path)
    initiative = briefing.report.workshop.initiative
    return render(
        request,
        "facilitators/briefing_detail.html",
        {
            "briefing": briefing,
            "reports": list(briefing.reports.all()) or [briefing.report],
            "initiative": initiative,
            "initiative_shown": selectors.initiative_visible(request.user, initiative.pk),
            "may_change": services.track_one_briefing_may_change(user=request.user, briefing=briefing),
        },
    )


@require_safe
def initiative_briefings(request, pk):
    initiative = _initiative(request, pk)
    return render(
        request,
        "facilitators/briefing_list.html",
        {
            "initiative": initiative,
            "page_obj": paginate(request, selectors.initiative_briefings_for(request.user, initiative)),
            "may_log": selectors.initiative_may_log_briefing(request.user, initiative),
        },
    )


@require_safe
def initiative_timeline(request, pk):
    initiative = _initiative(request, pk)
    page = paginate(request, selectors.initiative_timeline_for(request.user, initiative))
    return render(
        request,
        "facilitators/briefing_timeline.html",
        {"initiative": initiative, "page_obj": page, "entries": selectors.timeline_entries(request.user, page)},
    )
