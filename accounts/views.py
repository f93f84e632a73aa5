"""Parley's own pages for the admins' job on accounts (DESIGN: no role's job depends on the Django admin),
and every signed-in user's page for their own preferences (``profile``: language and time zone).

Only admins reach the account pages; everyone else gets 404, as for the access log. The list and every page start
from ``User.objects.visible_to(user)``. What an admin may see but not change (their own account, an
operator's) answers 403. Each change is a POST from a confirmation page and goes through a service,
which logs it and tells the owner.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.pagination import paginate
from core.time_zones import browser_zone_name, viewer_zone_name

from . import selectors, services
from .forms import AccountAccessForm, AccountCreateForm, AccountFilterForm, AccountStatusForm, PreferencesForm


def _require_manager(user):
    if not selectors.account_can_manage(user):
        raise Http404


def _account_for(request, pk):
    _require_manager(request.user)
    return selectors.account_get_for(request.user, pk)


def _changeable_account_for(request, pk):
    account = _account_for(request, pk)
    if services.account_change_refusal(by=request.user, user=account):
        raise PermissionDenied
    return account


@require_safe
def account_list(request):
    _require_manager(request.user)
    form = AccountFilterForm(request.GET)
    page_obj = paginate(request, selectors.account_list_for(request.user, **form.filters()))
    return render(
        request, "accounts/account_list.html", {"form": form, "page_obj": page_obj, "accounts": page_obj.object_list}
    )


@require_safe
def account_detail(request, pk):
    account = _account_for(request, pk)
    context = {
        "account": account,
        "allowed": selectors.account_actions_for(request.user, account),
        "history": selectors.account_history(request.user, account),
    }
    return render(request, "accounts/account_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def account_create(request):
    _require_manager(request.user)
    form = AccountCreateForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        send_invitation = data.pop("send_invitation")
        try:
            account = services.user_create(by=request.user, path=request.path, **data)
        except ValidationError as refused:  # a refusal of the rules, or an address taken in the meantime
            form.add_error(None, refused)
        else:
            messages.success(request, _("Account created."))
            if send_invitation:
                _invite(request, account)
            return redirect("accounts:account-detail", pk=account.pk)
    return render(request, "accounts/account_form.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def account_access(request, pk):
    account = _changeable_account_for(request, pk)
    form = AccountAccessForm(request.POST or None, by=request.user, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.user_change_access(
                user=account, role=data["role"], clearance=data["clearance"], by=request.user, path=request.path
            )
        except services.AccountChangeRefused as refused:
            form.add_error(None, refused)
        else:
            if changed:
                messages.success(request, _("Role and clearance saved. The owner has been told by e-mail."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("accounts:account-detail", pk=account.pk)
    return render(request, "accounts/account_access_form.html", {"account": account, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def account_status(request, pk):
    account = _changeable_account_for(request, pk)
    if request.method == "POST":
        form = AccountStatusForm(request.POST)
        if form.is_valid():
            change = services.user_reactivate if form.cleaned_data["active"] else services.user_deactivate
            if not change(user=account, by=request.user, path=request.path):
                messages.info(request, _("Nothing changed."))
            elif account.is_active:
                messages.success(request, _("Account reactivated. The owner has been told by e-mail."))
            else:
                messages.success(request, _("Account deactivated. The owner has been told by e-mail."))
            return redirect("accounts:account-detail", pk=account.pk)
    if account.is_active:
        confirm = {
            "title": _("Deactivate this account"),
            "question": _("Deactivate the account of %(name)s?") % {"name": account},
            "consequence": _(
                "They can no longer sign in, and a session they have open ends at once. Nothing they did is "
                "deleted; you can reactivate the account later. They are told by e-mail."
            ),
            "button": _("Deactivate"),
            "danger": True,
            "form": AccountStatusForm(initial={"active": "0"}),
        }
    else:
        confirm = {
            "title": _("Reactivate this account"),
            "question": _("Reactivate the account of %(name)s?") % {"name": account},
            "consequence": _("They can sign in again with their password and second factor. They are told by e-mail."),
            "button": _("Reactivate"),
            "danger": False,
            "form": AccountStatusForm(initial={"active": "1"}),
        }
    return render(request, "accounts/account_confirm.html", {"account": account, **confirm})


@require_http_methods(["GET", "HEAD", "POST"])
def account_reset_second_factor(request, pk):
    account = _changeable_account_for(request, pk)
    if request.method == "POST":
        try:
            services.user_reset_second_factor(user=account, by=request.user, path=request.path)
        except services.AccountChangeRefused as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request,
                _("Second factor reset. The owner has been told by e-mail and sets up a new one at next sign-in."),
            )
        return redirect("accounts:account-detail", pk=account.pk)
    confirm = {
        "title": _("Reset the second factor"),
        "question": _("Reset the second factor of %(name)s?") % {"name": account},
        "consequence": _(
            "Their authenticator app and recovery codes stop working. The next time they sign in with their "
            "password, they set up a new authenticator app. Do this only when you have confirmed with them, by "
            "a channel other than e-mail, that they lost their device. They are told by e-mail."
        ),
        "button": _("Reset second factor"),
        "danger": True,
        "unavailable": "" if account.has_authenticator else _("This account has no second factor to reset."),
    }
    return render(request, "accounts/account_confirm.html", {"account": account, **confirm})


@require_http_methods(["GET", "HEAD", "POST"])
def account_invite(request, pk):
    account = _account_for(request, pk)
    if request.method == "POST":
        _invite(request, account)
        return redirect("accounts:account-detail", pk=account.pk)
    confirm = {
        "title": _("Send a set-password invitation"),
        "question": _("Send %(name)s a link to set their password?") % {"name": account},
        "consequence": _(
            "The link goes to the account's own address, %(email)s, and to nobody else. Following it, the owner "
            "chooses a new password; the current one stays valid until then."
        )
        % {"email": account.email},
        "button": _("Send invitation"),
        "danger": False,
        "unavailable": ""
        if account.is_active
        else _("The account is deactivated: reactivate it before sending an invitation."),
    }
    return render(request, "accounts/account_confirm.html", {"account": account, **confirm})


def _invite(request, account):
    try:
        services.user_send_invitation(user=account, by=request.user, request=request)
    except services.AccountChangeRefused as refused:
        messages.warning(request, " ".join(refused.messages))
    else:
        messages.success(request, _("A set-password invitation was sent to %(email)s.") % {"email": account.email})


# --- The signed-in user's own preferences: every role, their own account only (no pk in the URL)


@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    browser_zone = browser_zone_name(request)
    initial = {"preferred_language": request.user.preferred_language, "time_zone": request.user.time_zone}
    form = PreferencesForm(request.POST or None, initial=initial, browser_zone=browser_zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_preferences(user=request.user, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, _("Your preferences are saved."))
            response = redirect("dashboard:home")
            # The interface follows the language chosen here, also over one picked earlier in the footer.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                request.user.preferred_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
            return response
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "browser_zone": browser_zone, "shown_zone": viewer_zone_name(request)},
    )
