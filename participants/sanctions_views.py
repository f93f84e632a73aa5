"""Sanctions pages, for admins cleared for CONFIDENTIAL (everyone else: 404, as if they did not exist):
the list versions with the upload form and the screening runs, a run's progress (polled by HTMX), and
resolving a hit (clear or confirm; shown on the vetting case)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.pagination import page_of

from . import sanctions
from .models import Participant, SanctionsHit
from .sanctions_forms import SanctionsHitResolveForm, SanctionsListUploadForm

RUNS_SHOWN = 10
VERSIONS_PER_PAGE = 20


def _require_sanctions(user):
    if not sanctions.sees_sanctions(user):
        raise Http404


@require_http_methods(["GET", "HEAD", "POST"])
def sanctions_lists(request):
    user = request.user
    _require_sanctions(user)
    form = SanctionsListUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = sanctions.sanctions_list_import(
                data=upload.read(sanctions.MAX_LIST_BYTES + 1),
                source=form.cleaned_data["source"],
                file_name=upload.name,
                by=user,
            )
        except ValidationError as refused:
            form.add_error("file", refused)
        else:
            messages.success(
                request,
                _("List imported: %(count)s entries. Everyone is being screened against it.")
                % {"count": version.entry_count},
            )
            return redirect("participants:sanctions-lists")
    runs = list(
        sanctions.screening_runs_visible_to(user)
        .filter(participant__isnull=True)
        .select_related("list_version", "requested_by")
        .order_by("-created_at", "-pk")[:RUNS_SHOWN]
    )
    return render(
        request,
        "participants/sanctions_lists.html",
        {
            "form": form,
            "page_obj": page_of(sanctions.sanctions_lists_for(user), request.GET.get("page"), VERSIONS_PER_PAGE),
            "runs": runs,
        },
        status=400 if form.errors else 200,
    )


@require_safe
def screening_progress(request, pk):
    user = request.user
    _require_sanctions(user)
    run = get_object_or_404(sanctions.screening_runs_visible_to(user).select_related("list_version"), pk=pk)
    return render(request, "participants/sanctions_progress.html", {"run": run})


def sanctions_hit_resolve(request, pk):
    """A POST; a GET is refused as a method (405) to those who may resolve the hit, 404 to the rest."""
    user = request.user
    _require_sanctions(user)
    hit = get_object_or_404(SanctionsHit.objects.visible_to(user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SanctionsHitResolveForm(request.POST, request=request)
    if form.is_valid():
        try:
            hit = sanctions.sanctions_hit_resolve(
                hit=hit, decision=form.cleaned_data["decision"], note=form.cleaned_data["note"], by=user
            )
        except ValidationError as refused:
            messages.error(request, sanctions.refusal_text(refused))
        else:
            if hit.status == SanctionsHit.Status.CLEARED:
                messages.success(request, _("Hit cleared: not the same person."))
            else:
                messages.warning(request, _("Match confirmed."))
    else:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    target = form.cleaned_data.get("next") if form.is_bound and hasattr(form, "cleaned_data") else ""
    if target:
        return redirect(target)
    participant = Participant.objects.visible_to(user).filter(pk=hit.participant_id).first()
    return redirect(participant.get_absolute_url() if participant else "participants:sanctions-lists")
