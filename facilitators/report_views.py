"""The outcome-report pages: start, read, edit (with a live preview), submit (the non-attribution check),
review, amend, and the version history with a side-by-side diff.

A report the user may not see answers 404 (``OutcomeReport.objects.visible_to``); one they may see but not
write (or review) answers 403. Every change goes through ``services``; reads of CONFIDENTIAL and higher
reports are audited.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audit import record_read
from core.pagination import paginate
from dialogues.models import Workshop

from . import services
from .diff import SECTIONS, diff_versions
from .markup import render_markdown
from .models import OutcomeReport
from .outcome_reports import may_start_report, report_permissions
from .report_forms import (
    SECTION_MAX_LENGTH,
    ReportDiffForm,
    ReportEditForm,
    ReportReviewForm,
    ReportStartForm,
    ReportSubmitForm,
)

SECTION_LABELS = dict(SECTIONS)
TEXT_SECTIONS = ReportEditForm.SECTIONS
VERSIONS_PER_PAGE = 25


def _report(request, pk):
    reports = OutcomeReport.objects.visible_to(request.user).select_related(
        "workshop__initiative", "session", "author", "approved_by"
    )
    return get_object_or_404(reports, pk=pk)


def _report_for(request, pk, *, review=False):
    """The report, if the user may write it (``review``: review it); 404 if they may not see it, 403 if not that."""
    report = _report(request, pk)
    may_write, may_review = report_permissions(request.user, report)
    if not (may_review if review else may_write):
        raise PermissionDenied
    report.may_write, report.may_review = may_write, may_review
    return report


def _sections(content):
    """``[(name, label, rendered HTML)]`` of a report's text (a report, or a version's ``content``)."""
    get = content.get if isinstance(content, dict) else lambda name: getattr(content, name)
    return [(name, SECTION_LABELS[name], render_markdown(get(name) or "")) for name in TEXT_SECTIONS]


def _refusal_shown(request, refusal, form=None):
    """A service's refusal: on the form's fields where it names them, otherwise over the form (or as a message)."""
    if form is None:
        for text in refusal.messages:
            messages.error(request, text)
        return
    if hasattr(refusal, "error_dict"):
        for name, errors in refusal.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


# --- Starting a report ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def report_start(request, workshop_pk):
    """Start the report of a workshop, or of one of its agenda sessions (those without one yet)."""
    workshop = get_object_or_404(Workshop.objects.visible_to(request.user).select_related("initiative"), pk=workshop_pk)
    if not may_start_report(request.user, workshop):
        raise PermissionDenied
    taken = set(OutcomeReport.objects.filter(workshop=workshop).values_list("session_id", flat=True))
    sessions = [session for session in workshop.sessions.order_by("starts_at", "pk") if session.pk not in taken]
    form = ReportStartForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        workshop=workshop,
        sessions=sessions,
        initial={"part": request.GET.get("session") or ReportStartForm.WHOLE_WORKSHOP},
    )
    if None in taken:
        form.fields["part"].choices = form.fields["part"].choices[1:]
    if form.is_bound and form.is_valid():
        try:
            report = services.outcome_report_start(
                workshop=workshop, session=form.session(), level=form.cleaned_data["level"], by=request.user
            )
        except ValidationError as refusal:
            _refusal_shown(request, refusal, form)
        else:
            messages.success(request, _("The report was started: write it, then submit it for review."))
            return redirect("facilitators:report-edit", report.pk)
    return render(
        request,
        "facilitators/report_start.html",
        {"workshop": workshop, "form": form, "nothing_left": not form.fields["part"].choices},
    )


# --- Reading ------------------------------------------------------------------------------------------------


@require_safe
def report_detail(request, pk):
    report = _report(request, pk)
    record_read(user=request.user, record=report, path=request.path)
    may_write, may_review = report_permissions(request.user, report)
    events = report.events.select_related("by").order_by("-at", "-pk")
    return render(
        request,
        "facilitators/report_detail.html",
        {
            "report": report,
            "workshop": report.workshop,
            "sections": _sections(report),
            "public_summary": render_markdown(report.public_summary),
            "may_write": may_write,
            "may_review": may_review,
            "editable": report.status in OutcomeReport.EDITABLE,
            "events": paginate(request, events),
        },
    )


@require_safe
def report_versions(request, pk):
    report = _report(request, pk)
    versions = report.versions.select_related("saved_by").order_by("-number")
    page = paginate(request, versions, per_page=VERSIONS_PER_PAGE)
    latest = page.object_list[0].number if page.object_list else report.version
    form = ReportDiffForm(initial={"a": max(1, latest - 1), "b": latest})
    return render(request, "facilitators/report_versions.html", {"report": report, "page_obj": page, "form": form})


@require_safe
def report_version(request, pk, number):
    report = _report(request, pk)
    version = get_object_or_404(report.versions.select_related("saved_by"), number=number)
    record_read(user=request.user, record=report, path=request.path)
    return render(
        request,
        "facilitators/report_version.html",
        {
            "report": report,
            "version": version,
            "sections": _sections(version.content),
            "public_summary": render_markdown(version.content.get("public_summary") or ""),
            "level": version.content.get("level"),
        },
    )


@require_safe
def report_diff(request, pk):
    report = _report(request, pk)
    form = ReportDiffForm(request.GET or None)
    sections = None
    if form.is_bound and form.is_valid():
        numbers = (form.cleaned_data["a"], form.cleaned_data["b"])
        kept = {version.number: version for version in report.versions.filter(number__in=numbers)}
        missing = [number for number in numbers if number not in kept]
        if missing:
            form.add_error(None, _("No such version of this report: %(numbers)s.") % {"numbers": missing[0]})
        else:
            record_read(user=request.user, record=report, path=request.path)
            old, new = kept[numbers[0]], kept[numbers[1]]
            sections = diff_versions(old.content, new.content)
    return render(
        request,
        "facilitators/report_diff.html",
        {
            "report": report,
            "form": form,
            "sections": sections,
            "changed": sections and any(s.changed for s in sections),
        },
    )


# --- Writing ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def report_edit(request, pk):
    report = _report_for(request, pk)
    if report.status not in OutcomeReport.EDITABLE:
        return render(request, "facilitators/report_locked.html", {"report": report}, status=200)
    data = request.POST if request.method == "POST" else None
    form = ReportEditForm(data, user=request.user, report=report)
    _live_preview(form, report)
    previews, stale = None, None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:  # without JavaScript: the page again, with the text rendered
            previews = {name: render_markdown(form.cleaned_data[name]) for name in TEXT_SECTIONS}
        else:
            try:
                services.outcome_report_save(
                    report=report, by=request.user, expected_version=form.cleaned_data["version"], **form.changes()
                )
            except ValidationError as refusal:
                if getattr(refusal, "code", None) == "stale":
                    stale = {"from": form.cleaned_data["version"], "to": report.version}
                _refusal_shown(request, refusal, form)
            else:
                messages.success(request, _("Saved as version %(number)s.") % {"number": report.version})
                return redirect("facilitators:report-detail", report.pk)
    if request.method != "POST":
        record_read(user=request.user, record=report, path=request.path)
    return render(
        request,
        "facilitators/report_form.html",
        {"report": report, "form": form, "rows": _rows(form, previews), "stale": stale},
    )


def _rows(form, previews):
    """The edit form's fields in order, each section with its preview (rendered on "Preview" without JavaScript;
    on opening the page, the text as stored)."""
    if previews is None:
        previews = {name: render_markdown(form[name].value()) for name in TEXT_SECTIONS}
    return [(form[name], previews.get(name, "")) for name in (*TEXT_SECTIONS, "level")]


def _live_preview(form, report):
    """Each section's textarea posts itself (HTMX) as one types, and shows the rendered text below it."""
    url = reverse("facilitators:report-preview", args=[report.pk])
    for name in TEXT_SECTIONS:
        form.fields[name].widget.attrs.update(
            {
                "data-hx-post": url,
                "data-hx-trigger": "input changed delay:500ms",
                "data-hx-target": f"#preview-{name}",
                "data-hx-swap": "innerHTML",
                "data-hx-vals": f'{{"section": "{name}"}}',
            }
        )


@require_POST
def report_preview(request, pk):
    """The live preview (HTMX): one section posted as typed, rendered as the report will show it."""
    _report_for(request, pk)  # its writers only
    name = request.POST.get("section")
    text = request.POST.get(name, "")[:SECTION_MAX_LENGTH] if name in TEXT_SECTIONS else ""
    return render(request, "facilitators/report_form.html#preview", {"html": render_markdown(text)})


@require_http_methods(["GET", "HEAD", "POST"])
def report_submit(request, pk):
    """The non-attribution check, then submission: each hit shown in context with a tick "intended"."""
    report = _report_for(request, pk)
    if report.status not in OutcomeReport.EDITABLE:
        return render(request, "facilitators/report_locked.html", {"report": report}, status=200)
    hits = services.outcome_report_attributions(report=report, user=request.user)
    data = request.POST if request.method == "POST" else None
    form = ReportSubmitForm(data, hits=hits, initial={"version": report.version})
    if form.is_bound and form.is_valid():
        try:
            services.outcome_report_submit(
                report=report,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                confirmed=form.cleaned_data["confirmed"],
            )
        except ValidationError as refusal:
            _refusal_shown(request, refusal, form)
        else:
            messages.success(request, _("The report was submitted for review."))
            return redirect("facilitators:report-detail", report.pk)
    if request.method != "POST":
        record_read(user=request.user, record=report, path=request.path)  # the hits quote the text
    ticked = set(form["confirmed"].value() or ()) if form.is_bound else set()
    rows = [
        {
            "hit": hit,
            "key": str(hit.key),
            "label": SECTION_LABELS.get(hit.field, hit.field),
            "ticked": str(hit.key) in ticked,
        }
        for hit in hits
    ]
    return render(request, "facilitators/report_submit.html", {"report": report, "form": form, "hits": rows})


@require_http_methods(["GET", "HEAD", "POST"])
def report_review(request, pk):
    """Approve or return a submitted report: the initiative's leads."""
    report = _report_for(request, pk, review=True)
    if report.status != OutcomeReport.Status.SUBMITTED:
        return render(request, "facilitators/report_locked.html", {"report": report}, status=200)
    form = ReportReviewForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            if form.cleaned_data["decision"] == ReportReviewForm.APPROVE:
                services.outcome_report_approve(report=report, by=request.user)
                done = _("The report was approved and is now locked.")
            else:
                services.outcome_report_return(report=report, by=request.user, comment=form.cleaned_data["comment"])
                done = _("The report was returned with your comments.")
        except ValidationError as refusal:
            _refusal_shown(request, refusal, form)
        else:
            messages.success(request, done)
            return redirect("facilitators:report-detail", report.pk)
    if request.method != "POST":
        record_read(user=request.user, record=report, path=request.path)
    return render(
        request,
        "facilitators/report_review.html",
        {
            "report": report,
            "form": form,
            "sections": _sections(report),
            "public_summary": render_markdown(report.public_summary),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def report_amend(request, pk):
    """Start amending an approved report (a new draft version, approved again)."""
    report = _report_for(request, pk)
    if report.status != OutcomeReport.Status.APPROVED:
        return render(request, "facilitators/report_locked.html", {"report": report}, status=200)
    if request.method == "POST":
        try:
            services.outcome_report_amend(report=report, by=request.user)
        except ValidationError as refusal:
            _refusal_shown(request, refusal)
            return redirect("facilitators:report-detail", report.pk)
        messages.success(request, _("An amendment was started as version %(number)s.") % {"number": report.version})
        return redirect("facilitators:report-edit", report.pk)
    return render(request, "facilitators/report_amend.html", {"report": report})
