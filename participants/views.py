"""Participants and organisations: lists, details, create and edit. Views gather, call a service, render."""

from copy import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import record_read
from core.fields import language_names
from core.pagination import CountedWithPage, paginate
from core.visibility import is_organisation_member

from . import selectors, services
from .forms import OrganizationFilterForm, OrganizationForm, ParticipantFilterForm, ParticipantForm
from .vetting_selectors import vetting_can_work


def _require(allowed):
    """What the user may see but not work on answers 403."""
    if not allowed:
        raise PermissionDenied


# --- Participants


@require_safe
def participant_list(request):
    _require(selectors.participant_can_work_on(request.user))
    form = ParticipantFilterForm(request.GET, user=request.user)
    filters = form.filters()
    participants = selectors.participant_list_for(request.user, **filters)
    if filters.get("search") and not isinstance(participants, CountedWithPage):
        # A search finds every match before the page is cut: their number comes with the page.
        participants = CountedWithPage(participants)
    page_obj = paginate(request, participants)
    return render(
        request,
        "participants/participant_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "participants": selectors.with_vetting_labels(page_obj.object_list),
            "searched": bool(filters.get("search")),
        },
    )


@require_safe
def participant_detail(request, pk):
    user = request.user
    participant = selectors.participant_get_for(user, pk)
    record_read(user=user, record=participant, path=request.path)
    participant.vetting_label = selectors.vetting_status_label(
        participant.vetting_status, participant.vetting_expires_at
    )
    context = {
        "participant": participant,
        "languages": language_names(participant.languages),
        "consents": selectors.participant_consents(participant),
        # A page of them, latest first: someone invited to every workshop of years is one page's work.
        "page_obj": paginate(request, selectors.participant_invitations_for(user, participant)),
        "vetting_cases": selectors.participant_vetting_cases_for(user, participant),
        # Vetting is for the organisation: staff see the status alone, admins the cases too.
        "show_vetting_status": is_organisation_member(user),
        "can_edit": selectors.participant_can_edit(user, participant),
        "can_vet": vetting_can_work(user),
    }
    context["invitations"] = context["page_obj"].object_list
    return render(request, "participants/participant_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def participant_create(request):
    _require(selectors.participant_can_work_on(request.user))
    form = ParticipantForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            participant = services.participant_create(
                by=request.user, consents=form.given_consents(), **form.participant_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Participant saved."))
            return redirect(participant)
    return render(request, "participants/participant_form.html", {"form": form, "participant": None})


@require_http_methods(["GET", "HEAD", "POST"])
def participant_update(request, pk):
    participant = selectors.participant_get_for(request.user, pk)
    _require(selectors.participant_can_edit(request.user, participant))
    if request.method == "POST":
        # The form and the service work on copies, so the page keeps the stored name while errors are shown.
        form = ParticipantForm(request.POST, instance=copy(participant), user=request.user)
        if form.is_valid():
            try:
                services.participant_update(
                    participant=copy(participant),
                    by=request.user,
                    consents=form.given_consents(),
                    **form.participant_fields(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Participant saved."))
                return redirect(participant)
    else:
        record_read(user=request.user, record=participant, path=request.path)  # the form shows all of it
        form = ParticipantForm(instance=copy(participant), user=request.user)
    return render(request, "participants/participant_form.html", {"form": form, "participant": participant})


# --- Organisations


@require_safe
def organization_list(request):
    _require(selectors.organization_can_work_on(request.user))
    form = OrganizationFilterForm(request.GET)
    organizations = selectors.organization_list_for(request.user, **form.filters())
    page_obj = paginate(request, organizations)
    return render(
        request,
        "participants/organization_list.html",
        {"form": form, "page_obj": page_obj, "organizations": page_obj.object_list},
    )


@require_safe
def organization_detail(request, pk):
    organization = selectors.organization_get_for(request.user, pk)
    page_obj = paginate(request, selectors.organization_participants_for(request.user, organization))
    context = {
        "organization": organization,
        "page_obj": page_obj,
        "participants": page_obj.object_list,
        "can_edit": selectors.organization_can_work_on(request.user),
    }
    return render(request, "participants/organization_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def organization_create(request):
    _require(selectors.organization_can_work_on(request.user))
    form = OrganizationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            organization = services.organization_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect(organization)
    return render(request, "participants/organization_form.html", {"form": form, "organization": None})


@require_http_methods(["GET", "HEAD", "POST"])
def organization_update(request, pk):
    organization = selectors.organization_get_for(request.user, pk)
    _require(selectors.organization_can_work_on(request.user))
    # The form and the service work on copies, so the page keeps the stored name while errors are shown.
    form = OrganizationForm(request.POST if request.method == "POST" else None, instance=copy(organization))
    if form.is_bound and form.is_valid():
        try:
            services.organization_update(organization=copy(organization), by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect(organization)
    return render(request, "participants/organization_form.html", {"form": form, "organization": organization})
