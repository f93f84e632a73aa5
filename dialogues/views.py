"""Pages of the dialogues app. Each view gathers through a selector, changes through a service, renders."""

from copy import copy
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import record_read
from core.fields import language_names
from core.models import AccessLog
from core.pagination import paginate

from . import selectors, services
from .forms import (
    InitiativeFilterForm,
    InitiativeForm,
    WorkshopFilterForm,
    WorkshopForm,
    agenda_formset,
    initiative_formsets,
)
from .models import Document, Initiative, Workshop


def _redirect_after_save(request, record, *, fallback):
    """To the saved record; to ``fallback`` if saving it put it out of the user's sight (level raised)."""
    if type(record).objects.visible_to(request.user).filter(pk=record.pk).exists():
        messages.success(request, _("Saved."))
        return redirect(record)
    messages.warning(request, _("Saved. It is now above what you may see without being on its team."))
    return redirect(fallback)


def _show_refusal(refusal, form, formsets):
    """A service's refusal on the page: each message on the field, or over the rows, it is about; the
    others over the form."""
    if not hasattr(refusal, "error_dict"):
        form.add_error(None, refusal)
        return
    for name, errors in refusal.error_dict.items():
        if name in formsets:
            formsets[name].non_form_errors().extend(errors)
        else:
            form.add_error(name if name in form.fields else None, errors)


# --- Initiatives ---------------------------------------------------------------------------------


@require_safe
def initiative_list(request):
    filters = InitiativeFilterForm(request.GET)
    initiatives = selectors.initiative_list_for(request.user, **filters.filters())
    return render(
        request,
        "dialogues/initiative_list.html",
        {
            "page_obj": paginate(request, initiatives),
            "filters": filters,
            "can_create": selectors.initiative_can_create(request.user),
        },
    )


@require_safe
def initiative_detail(request, pk):
    initiative = selectors.initiative_get_for(request.user, pk)
    record_read(user=request.user, record=initiative, path=request.path)
    return render(
        request,
        "dialogues/initiative_detail.html",
        {"initiative": initiative, "can_manage": selectors.initiative_can_manage(request.user, initiative)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def initiative_create(request):
    if not selectors.initiative_can_create(request.user):
        raise PermissionDenied
    form = InitiativeForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            initiative = services.initiative_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The initiative was created; you lead its team."))
            return redirect(initiative)
    return render(request, "dialogues/initiative_form.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def initiative_update(request, pk):
    initiative = get_object_or_404(Initiative.objects.visible_to(request.user), pk=pk)
    if not selectors.initiative_can_manage(request.user, initiative):
        raise PermissionDenied
    if request.method == "POST":
        # The form works on a copy, so the page keeps the stored title while errors are shown.
        form = InitiativeForm(request.POST, instance=copy(initiative), user=request.user)
        form_valid = form.is_valid()
        level = form.cleaned_data.get("level", initiative.level)
        formsets = initiative_formsets(request.POST, initiative=initiative, level=level)
        formsets_valid = [formset.is_valid() for formset in formsets.values()]  # each, for its errors
        if form_valid and all(formsets_valid):
            rows = {name: formset.cleaned_rows() for name, formset in formsets.items()}
            try:
                services.initiative_update(initiative=initiative, by=request.user, **rows, **form.cleaned_data)
            except ValidationError as error:
                initiative.refresh_from_db()
                _show_refusal(error, form, formsets)
            else:
                return _redirect_after_save(request, initiative, fallback="dialogues:initiative-list")
    else:
        record_read(user=request.user, record=initiative, path=request.path)  # the form shows all of it
        form = InitiativeForm(instance=copy(initiative), user=request.user)
        formsets = initiative_formsets(initiative=initiative, level=initiative.level)
    return render(
        request,
        "dialogues/initiative_form.html",
        {"form": form, "initiative": initiative, "formsets": formsets},
    )


# --- Workshops -----------------------------------------------------------------------------------


@require_safe
def workshop_list(request):
    filters = WorkshopFilterForm(request.GET, user=request.user)
    workshops = selectors.workshop_list_for(request.user, **filters.filters())
    return render(
        request, "dialogues/workshop_list.html", {"page_obj": paginate(request, workshops), "filters": filters}
    )


@require_safe
def workshop_detail(request, pk):
    workshop = selectors.workshop_get_for(request.user, pk)
    record_read(user=request.user, record=workshop, path=request.path)
    invitations = list(workshop.invitations.all())
    balance = selectors.delegation_balance(invitations)
    accepted = sum(row["accepted"] for row in balance)
    return render(
        request,
        "dialogues/workshop_detail.html",
        {
            "workshop": workshop,
            "invitations": invitations,
            "balance": balance,
            "accepted_count": accepted,
            "over_capacity": accepted > workshop.capacity,
            "languages": language_names(workshop.languages),
            "can_manage": selectors.workshop_can_manage(request.user, workshop),
        },
    )


def _workshop_form_page(request, *, workshop, initiative, save):
    """The create and edit pages share this: a workshop form with its agenda formset."""
    if request.method == "POST":
        form = WorkshopForm(request.POST, instance=copy(workshop), user=request.user)
        form.is_valid()
        # The sessions are checked against the workshop as posted, and typed in its venue's time zone.
        sessions = agenda_formset(request.POST, workshop=form.instance, zone=form.venue_zone())
        if form.is_valid() and sessions.is_valid():
            try:
                saved = save(form.workshop_fields(), sessions.cleaned_rows())
            except ValidationError as error:
                _show_refusal(error, form, {"sessions": sessions})
            else:
                return _redirect_after_save(request, saved, fallback="dialogues:workshop-list")
    elif request.htmx and request.GET.get("refresh") == "time_zone":
        # The venue's country or city was changed: the time zone field again, fitted to the new venue.
        form = WorkshopForm(instance=copy(workshop), user=request.user)
        form.offer_time_zones(request.GET)
        return render(request, "includes/form_fields.html#field", {"field": form["time_zone"]})
    else:
        if workshop.pk:
            record_read(user=request.user, record=workshop, path=request.path)  # the form shows all of it
        form = WorkshopForm(instance=copy(workshop), user=request.user)
        sessions = agenda_formset(workshop=workshop)
    return render(
        request,
        "dialogues/workshop_form.html",
        {"form": form, "sessions": sessions, "workshop": workshop, "initiative": initiative},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def workshop_create(request, pk):
    initiative = get_object_or_404(Initiative.objects.visible_to(request.user), pk=pk)
    if not selectors.initiative_can_manage(request.user, initiative):
        raise PermissionDenied
    workshop = Workshop(initiative=initiative, level=initiative.level)

    def save(fields, sessions):
        return services.workshop_create(initiative=initiative, by=request.user, sessions=sessions, **fields)

    return _workshop_form_page(request, workshop=workshop, initiative=initiative, save=save)


@require_http_methods(["GET", "HEAD", "POST"])
def workshop_update(request, pk):
    workshop = get_object_or_404(
        Workshop.objects.visible_to(request.user)
        .select_related("initiative")
        .annotate(initiative_visible=selectors.initiative_visible_flag(request.user)),
        pk=pk,
    )
    if not selectors.workshop_can_manage(request.user, workshop):
        raise PermissionDenied

    def save(fields, sessions):
        return services.workshop_update(workshop=copy(workshop), by=request.user, sessions=sessions, **fields)

    return _workshop_form_page(request, workshop=workshop, initiative=workshop.initiative, save=save)


# --- Documents -----------------------------------------------------------------------------------


@require_safe
def document_download(request, pk):
    document = get_object_or_404(
        Document.objects.visible_to(request.user).select_related("initiative", "workshop__initiative"), pk=pk
    )
    version = selectors.document_latest_version(request.user, document)
    if version is None:
        raise Http404(_("This document has no file yet."))
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("This document's file is missing.")) from missing
    record_read(user=request.user, record=document, action=AccessLog.Action.DOWNLOAD, path=request.path)
    response = FileResponse(handle, as_attachment=True, filename=Path(version.file.name).name)
    response["Cache-Control"] = "private, no-store"
    return response
