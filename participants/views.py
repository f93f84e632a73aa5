"""Participants and organisations: lists, details, create and edit. Views gather, call a service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import record_read
from core.fields import language_names
from core.pagination import paginate
from core.visibility import is_organisation_member

from . import selectors, services
from .forms import OrganizationFilterForm, OrganizationForm, ParticipantFilterForm, ParticipantForm

CLASH_MESSAGE = gettext_lazy(
    "The record could not be saved because another one was saved with the same details at the same time. "
    "Check the e-mail address, codename or name and try again."
)


def _require(allowed):
    """Participants and organisations are worked on by admins and staff; other roles get 403."""
    if not allowed:
        raise PermissionDenied


def _require_identity(participant):
    """Editing a participant whose identity the user may not see would disclose it: 403."""
    if not participant.identity_visible:
        raise PermissionDenied


# --- Participants


def participant_list(request):
    _require(selectors.participant_can_work_on(request.user))
    form = ParticipantFilterForm(request.GET, user=request.user)
    participants = selectors.participant_list_for(request.user, **form.filters())
    page_obj = paginate(request, participants)
    return render(
        request,
        "participants/participant_list.html",
        {"form": form, "page_obj": page_obj, "participants": selectors.with_vetting_labels(page_obj.object_list)},
    )


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
        "invitations": selectors.participant_invitations_for(user, participant),
        "vetting_cases": selectors.participant_vetting_cases_for(user, participant),
        # Vetting is for the organisation: staff see the status alone, admins the cases too.
        "show_vetting_status": is_organisation_member(user),
        "can_edit": selectors.participant_can_work_on(user) and participant.identity_visible,
    }
    return render(request, "participants/participant_detail.html", context)


def participant_create(request):
    _require(selectors.participant_can_work_on(request.user))
    form = ParticipantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_create(
                by=request.user, consents=form.given_consents(), **form.participant_fields()
            )
        except IntegrityError:
            form.add_error(None, CLASH_MESSAGE)
        else:
            messages.success(request, _("Participant saved."))
            return redirect(participant)
    return render(request, "participants/participant_form.html", {"form": form, "participant": None})


def participant_update(request, pk):
    participant = selectors.participant_get_for(request.user, pk)
    _require(selectors.participant_can_work_on(request.user))
    _require_identity(participant)
    if request.method != "POST":
        record_read(user=request.user, record=participant, path=request.path)  # the form shows all of it
    form = ParticipantForm(request.POST or None, instance=participant, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_update(
                participant=participant,
                by=request.user,
                consents=form.given_consents(),
                **form.participant_fields(),
            )
        except IntegrityError:
            form.add_error(None, CLASH_MESSAGE)
        else:
            messages.success(request, _("Participant saved."))
            return redirect(participant)
    return render(request, "participants/participant_form.html", {"form": form, "participant": participant})


# --- Organisations


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


def organization_create(request):
    _require(selectors.organization_can_work_on(request.user))
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(by=request.user, **form.cleaned_data)
        except IntegrityError:
            form.add_error(None, CLASH_MESSAGE)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect(organization)
    return render(request, "participants/organization_form.html", {"form": form, "organization": None})


def organization_update(request, pk):
    organization = selectors.organization_get_for(request.user, pk)
    _require(selectors.organization_can_work_on(request.user))
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(organization=organization, by=request.user, **form.cleaned_data)
        except IntegrityError:
            form.add_error(None, CLASH_MESSAGE)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect(organization)
    return render(request, "participants/organization_form.html", {"form": form, "organization": organization})
