"""Pages of the dialogues app. Each view gathers through a selector, changes through a service, renders."""

import datetime as dt
import zoneinfo
from copy import copy
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import record_read
from core.fields import language_names
from core.models import AccessLog
from core.pagination import paginate
from core.time_zones import viewer_zone_name

from . import calendars, invitation_views, selectors, services
from . import rsvp as rsvp_links
from .forms import (
    CalendarFilterForm,
    ConflictConfirmationForm,
    InitiativeFilterForm,
    InitiativeForm,
    RsvpForm,
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
    can_manage = selectors.workshop_can_manage(request.user, workshop)
    # The balance, a page of the delegations and, for those who manage it, the invite panel.
    context = invitation_views.invitation_context(request, workshop, can_manage=can_manage)
    accepted = context["balance"].accepted
    return render(
        request,
        "dialogues/workshop_detail.html",
        {
            **context,
            "accepted_count": accepted,
            "over_capacity": accepted > workshop.capacity,
            "languages": language_names(workshop.languages),
            "conflicts": selectors.workshop_conflicts(workshop, user=request.user, accepted_count=accepted),
            # Attendance, once it has started: its facilitators and those who manage it.
            "can_record_attendance": selectors.attendance_is_open(workshop)
            and (can_manage or selectors.attendance_can_record(request.user, workshop)),
        },
    )


def _conflicts_to_confirm(request, form, workshop):
    """The scheduling conflicts of a workshop posted at new times (or a new workshop), to be shown before
    it is saved; ``None`` when there are none, or "Save anyway" was ticked. A workshop kept at its times
    is saved without asking again."""
    posted = form.instance
    if workshop.pk and (posted.starts_at, posted.ends_at) == (workshop.starts_at, workshop.ends_at):
        return None
    if ConflictConfirmationForm(request.POST).confirmed():
        return None
    conflicts = selectors.workshop_conflicts(posted, user=request.user)
    return conflicts if conflicts.people else None


def _workshop_form_page(request, *, workshop, initiative, save, initial=None):
    """The create and edit pages share this: a workshop form with its agenda formset."""
    if request.method == "POST":
        form = WorkshopForm(request.POST, instance=copy(workshop), user=request.user)
        form.is_valid()
        # The sessions are checked against the workshop as posted, and typed in its venue's time zone.
        sessions = agenda_formset(request.POST, workshop=form.instance, zone=form.venue_zone())
        conflicts = form.is_valid() and sessions.is_valid() and _conflicts_to_confirm(request, form, workshop)
        if conflicts:
            # Warnings, not a refusal: the page again, with them and the tick that saves anyway.
            context = {"form": form, "sessions": sessions, "workshop": workshop, "initiative": initiative}
            context.update(conflicts=conflicts, confirmation=ConflictConfirmationForm())
            return render(request, "dialogues/workshop_form.html", context)
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
        form = WorkshopForm(instance=copy(workshop), user=request.user, initial=initial)
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

    # From a day of the calendar (``?date=YYYY-MM-DD``): that day, at the venue, from 09:00 to 17:00.
    day = calendars.date_from(request.GET.get("date"))
    initial = None
    if day is not None:
        initial = {"starts_at": dt.datetime.combine(day, dt.time(9)), "ends_at": dt.datetime.combine(day, dt.time(17))}
    return _workshop_form_page(request, workshop=workshop, initiative=initiative, save=save, initial=initial)


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


# --- Answering an invitation: the signed RSVP link (no account: the token is the credential) -----------


def _rsvp_headers(response):
    """Every answer of the RSVP page: the token in its address is sent nowhere, the page indexed nowhere."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _rsvp_refused(request, refused):
    """Why the link cannot be used, and what to do; nothing of the invitation. Tampered 400; expired,
    spent or closed 410."""
    page = render(request, "dialogues/rsvp_refused.html", {"refused": refused}, status=refused.status)
    return _rsvp_headers(page)


@login_not_required
@csrf_exempt  # the page sends no referrer, so a browser's POST carries "Origin: null"; the signed token is the proof
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rsvp(request, token):
    """The invitee accepts or declines, with what attending needs; the answer can be changed while the
    workshop is open, with the newest link (answering spends the one used)."""
    try:
        invitation = rsvp_links.invitation_for_rsvp(token)
    except rsvp_links.RsvpLinkRefused as refused:
        return _rsvp_refused(request, refused)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and invitation.participant.preferred_language:
        translation.activate(invitation.participant.preferred_language)  # as the e-mail was written
        request.LANGUAGE_CODE = translation.get_language()
    if request.method == "POST":
        form = RsvpForm(request.POST)
        if form.is_valid():
            try:
                answered = services.invitation_respond(
                    invitation=invitation, sequence=invitation.token_sequence, **form.response()
                )
            except ValidationError as refusal:
                try:  # closed or answered meanwhile: the same page as for the link
                    rsvp_links.invitation_for_rsvp(token)
                except rsvp_links.RsvpLinkRefused as refused:
                    return _rsvp_refused(request, refused)
                form.add_error(None, refusal)
            else:
                if answered.status == answered.Status.ACCEPTED:
                    thanks = _("Thank you: you have accepted. A confirmation is on its way to your e-mail address.")
                else:
                    thanks = _("Thank you: you have declined. A confirmation is on its way to your e-mail address.")
                messages.success(request, thanks)
                return _rsvp_headers(redirect(rsvp_links.rsvp_path(answered)))
    else:
        form = RsvpForm(initial=RsvpForm.initial_for(invitation))
    workshop = invitation.workshop
    page = render(
        request,
        "dialogues/rsvp.html",
        {"invitation": invitation, "workshop": workshop, "languages": language_names(workshop.languages), "form": form},
    )
    return _rsvp_headers(page)


# --- The calendar --------------------------------------------------------------------------------


def _calendar_query(period, initiative):
    """The query string of the calendar showing ``period``, filtered as it is."""
    query = {period.kind: period.value}
    if initiative is not None:
        query["initiative"] = initiative.pk
    return urlencode(query)


@require_safe
def workshop_calendar(request):
    """A month or an ISO week of the workshops the user may see, on the days they run at the venue."""
    zone = viewer_zone_name(request)
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    period, problem = calendars.period_from(request.GET, today)
    filters = CalendarFilterForm(request.GET, user=request.user)
    initiative = filters.chosen_initiative()
    start, end = calendars.utc_bounds(period)
    workshops, more = selectors.workshops_in_period_for(request.user, start, end, initiative=initiative)
    this_period = calendars.month_period(today.year, today.month)
    if period.kind == "week":
        this_period = calendars.week_period(today)
        other_view = calendars.month_period(period.start.year, (period.start + dt.timedelta(days=3)).month)
    else:
        other_view = calendars.week_period(today if period.start <= today <= period.end else period.start)
    links = {
        "previous": period.step(-1),
        "next": period.step(1),
        "today": this_period,
        "other_view": other_view,
    }
    return render(
        request,
        "dialogues/workshop_calendar.html",
        {
            "period": period,
            "problem": problem,
            "filters": filters,
            "initiative": initiative,
            "weeks": calendars.weeks_of(period, workshops, today),
            "more": more,
            "links": {name: _calendar_query(linked, initiative) if linked else "" for name, linked in links.items()},
            # A day links to a new workshop on that date, for those who may create one in the initiative.
            "can_create": initiative is not None and selectors.initiative_can_manage(request.user, initiative),
            "viewer_zone": zone,
        },
    )
