"""The vetting pages (issue 16): the queue, a case (checks, decision, confirmation, history), and opening
a case from the participant's page. Admins cleared for CONFIDENTIAL records only: to everyone else they do
not exist (404). Views gather, call a service, render; the rules are the services'."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import record_read
from core.pagination import paginate

from . import selectors, services, vetting_selectors
from .models import VettingCase
from .vetting_forms import (
    RETURN,
    VettingChecksForm,
    VettingConfirmForm,
    VettingDecisionForm,
    VettingOpenForm,
    VettingQueueFilterForm,
)

# The case page's forms, by the ``step`` their POST names (``?step=…``).
STEPS = ("checks", "decide", "confirm")


def _require_vetter(user):
    if not vetting_selectors.vetting_can_work(user):
        raise Http404


@require_safe
def vetting_queue(request):
    user = request.user
    _require_vetter(user)
    form = VettingQueueFilterForm(request.GET, user=user)
    page_obj = paginate(request, vetting_selectors.vetting_queue_for(user, **form.filters()))
    context = {
        "form": form,
        "page_obj": page_obj,
        "cases": vetting_selectors.vetting_queue_rows(user, page_obj.object_list),
    }
    return render(request, "participants/vetting_queue.html", context)


def _case_forms(case, step=None, data=None):
    """The forms the case's status offers, the one of ``step`` bound to ``data``."""
    forms = {}
    if case.status in (VettingCase.Status.PENDING, VettingCase.Status.IN_REVIEW):
        forms["checks_form"] = VettingChecksForm.for_case(case, data if step == "checks" else None)
        forms["decision_form"] = VettingDecisionForm(data if step == "decide" else None)
    elif case.status == VettingCase.Status.AWAITING_CONFIRMATION:
        forms["confirm_form"] = VettingConfirmForm(data if step == "confirm" else None)
    return forms


def _step_done(request, case, step, forms):
    """Run the service of ``step`` with its form's values; ``True`` when it was done."""
    user = request.user
    if step == "checks" and "checks_form" in forms:
        form = forms["checks_form"]
        if form.is_valid():
            services.vetting_case_record(case=case, by=user, **form.changes())
            messages.success(request, _("Checks and assessment saved."))
            return True
    elif step == "decide" and "decision_form" in forms:
        form = forms["decision_form"]
        if form.is_valid():
            data = form.cleaned_data
            decided = services.vetting_case_decide(
                case=case, by=user, decision=data["decision"], conditions=data["conditions"], reason=data["reason"]
            )
            if decided.status == VettingCase.Status.AWAITING_CONFIRMATION:
                messages.success(request, _("Approval proposed: a second admin must confirm it."))
            else:
                messages.success(request, _("Decision recorded."))
            return True
    elif step == "confirm" and "confirm_form" in forms:
        form = forms["confirm_form"]
        if form.is_valid():
            if form.cleaned_data["answer"] == RETURN:
                services.vetting_case_return(case=case, by=user, reason=form.cleaned_data["reason"])
                messages.success(request, _("The approval went back to review."))
            else:
                services.vetting_case_confirm(case=case, by=user)
                messages.success(request, _("Approval confirmed."))
            return True
    else:
        messages.error(request, _("This case has changed since the page was opened: look again before you act."))
    return False


def _refusal_shown(form, refusal):
    """A service's refusal on the form: next to the fields it names where the form has them, else above it."""
    if hasattr(refusal, "error_dict") and set(refusal.error_dict) <= set(form.fields):
        form.add_error(None, refusal)
    else:
        form.add_error(None, refusal.messages)


_FORM_OF_STEP = {"checks": "checks_form", "decide": "decision_form", "confirm": "confirm_form"}


@require_http_methods(["GET", "HEAD", "POST"])
def vetting_case(request, pk):
    user = request.user
    _require_vetter(user)
    case = vetting_selectors.vetting_case_get_for(user, pk)
    step = request.GET.get("step") if request.method == "POST" else None
    forms = _case_forms(case, step, request.POST if step in STEPS else None)
    if request.method == "POST":
        form = forms.get(_FORM_OF_STEP.get(step, ""))
        try:
            if _step_done(request, case, step, forms):
                return redirect("participants:vetting-case", pk=case.pk)
        except ValidationError as refusal:
            _refusal_shown(form, refusal)
    else:
        record_read(user=user, record=case, path=request.path)
    history = paginate(request, vetting_selectors.vetting_case_events(case))
    participant = case.participant
    context = {
        "case": case,
        "participant": participant,
        **forms,
        "missing_checks": services.vetting_case_missing_checks(case),
        "needs_second_admin": case.status in VettingCase.OPEN and services.vetting_needs_second_admin(participant),
        "excluded_confirmers": services.vetting_case_confirmers_excluded(case)
        if case.status == VettingCase.Status.AWAITING_CONFIRMATION
        else set(),
        "proposed_label": dict(VettingCase.Status.choices).get(case.proposed_status, case.proposed_status),
        "proposed": vetting_selectors.proposed_initiatives(user, [participant.pk]).get(participant.pk, []),
        "page_obj": history,
        "history": vetting_selectors.vetting_case_history(history.object_list),
        "action_url": reverse("participants:vetting-case", args=[case.pk]),
    }
    return render(request, "participants/vetting_case.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def vetting_open(request, pk):
    user = request.user
    _require_vetter(user)
    participant = selectors.participant_get_for(user, pk)
    open_case = vetting_selectors.vetting_case_open_for(participant)
    form = VettingOpenForm(request.POST if request.method == "POST" else None)
    if open_case is None and form.is_bound and form.is_valid():
        try:
            case = services.vetting_case_open(participant=participant, by=user, notes=form.cleaned_data["notes"])
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, _("Vetting case opened."))
            return redirect("participants:vetting-case", pk=case.pk)
    context = {"participant": participant, "open_case": open_case, "form": form}
    return render(request, "participants/vetting_open.html", context)
