"""The workshop page's invitations: finding participants, adding them to a party's delegation, moving them,
removing drafts, and sending the drafts after review.

For those who may manage the workshop (``selectors.workshop_can_manage``, as its edit page): a workshop the
user may not see answers 404, one they may see but not manage 403. Each change is a POST (CSRF) through a
service. With HTMX a change answers with the fragments it changed (named partials of
``dialogues/_invitations.html``, the balance swapped out of band); without JavaScript the same forms post
and redirect back.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from core.pagination import page_of
from participants.models import Participant
from participants.selectors import VETTING_REQUIRED_FROM, participants_for, vetting_refusal

from . import selectors, services
from .invitation_forms import InvitationAddForm, InvitationPartyForm, InvitationSearchForm, InvitationSendForm
from .models import Invitation, Workshop

PARTIALS = "dialogues/_invitations.html"
DELEGATION_PAGE_SIZE = 25


def _managed_workshop(request, pk):
    workshop = selectors.workshop_for_invitations(request.user, pk)
    if not selectors.workshop_can_manage(request.user, workshop):
        raise PermissionDenied
    return workshop


def _managed_invitation(request, pk):
    """The invitation with its party, and its participant where the user may see the record."""
    invitations = selectors.invitations_for_workshop_page(request.user).select_related("workshop__initiative")
    invitation = get_object_or_404(invitations, pk=pk)
    if not selectors.workshop_can_manage(request.user, invitation.workshop):
        raise PermissionDenied
    return invitation


def _refusal_text(refusal):
    return " ".join(refusal.messages)


def _is_open(workshop):
    return workshop.status in Workshop.OPEN_STATUSES


# --- What the workshop page shows of invitations ---------------------------------------------------------


def invitation_context(request, workshop, *, can_manage, page=None, search=None):
    """The workshop page's balance, delegations (a page of them) and, for those who manage it, the invite
    panel: the search form (``search``: what was searched, if anything) and the participants found.
    A fixed number of queries: the parties, the balance, a page of invitations with their participants
    (and with a search, the participants found and their invitations here)."""
    user = request.user
    parties = selectors.workshop_parties(workshop) if can_manage else []
    balance = selectors.delegation_balance(workshop, viewer=user, parties=parties)
    number = request.GET.get("page") if page is None else page
    context = {
        "workshop": workshop,
        "can_manage": can_manage,
        "can_invite": can_manage and _is_open(workshop),
        "vetting_required": workshop.effective_level >= VETTING_REQUIRED_FROM,
        "parties": parties,
        "balance": balance,
        "delegations": page_of(selectors.workshop_delegations(user, workshop), number, DELEGATION_PAGE_SIZE),
    }
    if context["can_invite"]:
        context.update(_candidates_context(request, workshop, parties, search or {}))
    return context


def _candidates_context(request, workshop, parties, data):
    form = InvitationSearchForm(data, auto_id="invite-%s")  # ids of their own on the workshop page
    found = {"search_form": form, "searched": form.searched(), "search_query": form.query_string()}
    if found["searched"]:
        found["candidates"], found["more"] = selectors.invitation_candidates(request.user, workshop, **form.filters())
    return {"parties": parties, **found}


def _fragments(request, names, context, *, oob=()):
    """Named partials of the invitations template, one after the other; those of ``oob`` swapped out of band."""
    parts = [render_to_string(f"{PARTIALS}#{name}", context, request) for name in names]
    parts += [render_to_string(f"{PARTIALS}#{name}", {**context, "oob": True}, request) for name in oob]
    return HttpResponse("".join(parts))


# --- Finding and adding participants ---------------------------------------------------------------------


@require_safe
def workshop_candidates(request, pk):
    """The participants found by the invite panel's search: its fragment as one types (HTMX); without
    JavaScript, a page with the search and its results."""
    workshop = _managed_workshop(request, pk)
    parties = selectors.workshop_parties(workshop)
    context = {
        "workshop": workshop,
        "vetting_required": workshop.effective_level >= VETTING_REQUIRED_FROM,
        "open": _is_open(workshop),
        **_candidates_context(request, workshop, parties, request.GET),
    }
    if request.htmx:
        return render(request, f"{PARTIALS}#candidates", context)
    return render(request, "dialogues/invitation_search.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_add(request, pk):
    """Add a participant to a party's delegation as a draft: the invite panel's buttons post here. Without
    JavaScript, GET (``?participant=``) shows the choice of party for one participant."""
    workshop = _managed_workshop(request, pk)
    parties = selectors.workshop_parties(workshop)
    if request.method != "POST":
        return _add_page(request, workshop, parties, InvitationAddForm(user=request.user, parties=parties))
    form = InvitationAddForm(request.POST, user=request.user, parties=parties)
    notice = None
    if form.is_valid():
        try:
            invitation = services.invitation_add(
                workshop=workshop,
                participant=form.cleaned_data["participant"],
                party=form.cleaned_data["party"],
                by=request.user,
            )
        except ValidationError as refusal:
            notice = {"level": "danger", "text": _refusal_text(refusal)}
            form.add_error(None, refusal.messages)
        else:
            added = _("%(name)s joins the delegation of %(party)s as a draft: nothing is sent until you send it.") % {
                "name": invitation.participant.display_name,  # as the service read them: by the identity rule
                "party": invitation.party.name,
            }
            notice = {"level": "success", "text": added}
            if not request.htmx:
                messages.success(request, added)
                query = form.search_form().query_string()
                found = reverse("dialogues:workshop-candidates", args=[workshop.pk])
                return redirect(f"{found}?{query}" if query else f"{workshop.get_absolute_url()}#invite")
    elif request.htmx:
        notice = {"level": "danger", "text": " ".join(error for errors in form.errors.values() for error in errors)}
    if not request.htmx:
        return _add_page(request, workshop, parties, form)
    context = invitation_context(request, workshop, can_manage=True, page=1, search=form.search_form().data)
    context["notice"] = notice
    return _fragments(request, ["candidates"], context, oob=["delegation", "balance"])


def _add_page(request, workshop, parties, form):
    """The page that adds one participant (``?participant=``) to a delegation, without JavaScript."""
    participant_id = form.data.get("participant") if form.is_bound else request.GET.get("participant")
    person = participants_for(request.user).filter(pk__in=_ids([participant_id])).first() if participant_id else None
    if participant_id and person is None and not form.is_bound:
        return render(request, "dialogues/invitation_add.html", {"workshop": workshop, "missing": True})
    if person is not None:
        invited = Invitation.objects.filter(workshop=workshop, participant=person).select_related("party")
        person.invitation = invited.first()
        level = workshop.effective_level
        person.refusal = vetting_refusal(level, person.vetting_status, person.vetting_expires_at)
        if not form.is_bound:
            initial = {"participant": person.pk, "search": request.GET.get("search", "")}
            form = InvitationAddForm(initial=initial, user=request.user, parties=parties)
    context = {"workshop": workshop, "person": person, "form": form, "parties": parties, "open": _is_open(workshop)}
    return render(request, "dialogues/invitation_add.html", context)


def _ids(values):
    """The values that are record ids (a number the database holds); the others are no record."""
    return [int(value) for value in values if str(value).isascii() and str(value).isdigit() and int(value) < 2**31]


# --- The delegations: moving an invitation, removing a draft ----------------------------------------------


def _after_change(request, invitation, *, page, text, level="success"):
    """Back to the delegations: their fragment and the balance (HTMX), or the workshop page."""
    workshop = invitation.workshop
    if not request.htmx:
        getattr(messages, level if level != "danger" else "error")(request, text)
        query = f"?page={page}" if page and page > 1 else ""
        return redirect(f"{workshop.get_absolute_url()}{query}#delegation")
    context = invitation_context(request, workshop, can_manage=True, page=page or 1, search={})
    context["notice"] = {"level": level, "text": text}
    return _fragments(request, ["delegation"], context, oob=["balance"])


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_change_party(request, pk):
    """Move an invitation to another party's delegation (GET: the form on its own page)."""
    invitation = _managed_invitation(request, pk)
    parties = selectors.workshop_parties(invitation.workshop)
    if request.method != "POST":
        form = InvitationPartyForm(initial={"party": invitation.party_id}, parties=parties)
        return render(request, "dialogues/invitation_party.html", {"invitation": invitation, "form": form})
    form = InvitationPartyForm(request.POST, parties=parties)
    if not form.is_valid():
        if request.htmx:
            text = " ".join(error for errors in form.errors.values() for error in errors)
            return _after_change(request, invitation, page=1, text=text, level="danger")
        return render(request, "dialogues/invitation_party.html", {"invitation": invitation, "form": form})
    page = form.cleaned_data.get("page")
    try:
        services.invitation_change_party(invitation=invitation, party=form.cleaned_data["party"], by=request.user)
    except ValidationError as refusal:
        if not request.htmx:
            form.add_error(None, refusal.messages)
            return render(request, "dialogues/invitation_party.html", {"invitation": invitation, "form": form})
        return _after_change(request, invitation, page=page, text=_refusal_text(refusal), level="danger")
    text = _("Moved to the delegation of %(party)s.") % {"party": form.cleaned_data["party"].name}
    return _after_change(request, invitation, page=page, text=text)


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_remove(request, pk):
    """Remove a draft invitation (GET: asks first, on its own page)."""
    invitation = _managed_invitation(request, pk)
    if request.method != "POST":
        return render(request, "dialogues/invitation_remove.html", {"invitation": invitation})
    page = _ids([request.POST.get("page", "")])
    page = page[0] if page else None
    try:
        services.invitation_remove(invitation=invitation, by=request.user)
    except ValidationError as refusal:
        return _after_change(request, invitation, page=page, text=_refusal_text(refusal), level="danger")
    return _after_change(request, invitation, page=page, text=_("The draft invitation was removed."))


# --- Review and send -------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def invitations_send(request, pk):
    """Review the drafts to send (all of them, or those chosen: ``?invitation=``), with how many messages
    will go out; confirming sends them (``services.invitations_send``) and returns to the workshop. A
    confirmation that no longer matches the drafts (sent or removed meanwhile) is shown again, as they are."""
    workshop = _managed_workshop(request, pk)
    all_drafts = selectors.invitations_to_send(workshop)
    errors = []
    if request.method == "POST":
        posted = InvitationSendForm(request.POST, drafts=all_drafts)
        if posted.is_valid():
            chosen = posted.cleaned_data["invitations"]
            try:
                sent = services.invitations_send(workshop=workshop, invitations=chosen, by=request.user)
            except ValidationError as refusal:
                errors = refusal.messages
            else:
                messages.success(request, _sent_message(sent, len(chosen) - sent))
                return redirect(workshop)
        else:
            errors = [error for field_errors in posted.errors.values() for error in field_errors]
        chosen = _ids(request.POST.getlist("invitations"))
    else:
        # From the delegation table's boxes (``chosen``: even if none is ticked); all drafts otherwise.
        picked = "invitation" in request.GET or "chosen" in request.GET
        chosen = _ids(request.GET.getlist("invitation")) if picked else None
    drafts = list(_with_participants(request.user, selectors.invitations_to_send(workshop, chosen)))
    emailed = services.invitations_sendable(Invitation.objects.filter(pk__in=[draft.pk for draft in drafts])).count()
    context = {
        "workshop": workshop,
        "form": InvitationSendForm(initial={"invitations": drafts}, drafts=all_drafts),  # what is shown is sent
        "errors": errors,
        "drafts": drafts,
        "emailed": emailed,
        "skipped": len(drafts) - emailed,
        "open": _is_open(workshop),
    }
    return render(request, "dialogues/invitations_send.html", context)


def _with_participants(user, invitations):
    people = Participant.objects.visible_to(user).with_identity_for(user)
    return invitations.prefetch_related(Prefetch("participant", queryset=people))


def _sent_message(sent, skipped):
    text = ngettext(
        "%(count)s invitation is on its way; follow it on the outbox page.",
        "%(count)s invitations are on their way; follow them on the outbox page.",
        sent,
    ) % {"count": sent}
    if skipped:
        text += " " + ngettext(
            "%(count)s draft was not sent: its participant has no e-mail address.",
            "%(count)s drafts were not sent: their participants have no e-mail address.",
            skipped,
        ) % {"count": skipped}
    return text
