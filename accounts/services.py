"""What admins do to accounts: create them, invite their owners to set a password, deactivate and
reactivate them, change role and clearance, reset a second factor.

DESIGN, "Accounts: nobody acts as someone else": only the owner of an account changes its sign-in
e-mail, password or second factor, so no service here sets any of them (resetting a second factor
removes it; the owner enrols again at next sign-in). Every change is written to the access log with
who made it, and the owner is told at their existing address. Pages, the Django admin and commands
all call these functions; the rules live here.
"""

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.core.context import request_context
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.audit import record_account_change
from core.db import clash_refused
from core.levels import Level, Role
from core.models import DETAIL_ARROW, AccessLog
from core.time_zones import is_zone
from core.visibility import is_admin

Action = AccessLog.Action


class AccountChangeRefused(ValidationError):
    """A change the rules do not allow. Forms show the message; pages answer 403 where it is about who asks."""


def account_change_refusal(*, by, user, allow_self=False):
    """Why ``by`` may not change ``user``'s role, clearance, status or second factor; ``None`` if they may.

    Admins manage accounts, never their own (an admin who could deactivate or reset their own account
    here could also lock themselves out), and not the operators' break-glass accounts (superusers)
    unless they are operators themselves.
    """
    if not is_admin(by):
        return _("Only admins manage accounts.")
    if user.pk == by.pk and not allow_self:
        return _("You cannot change your own account here: ask another admin.")
    if user.is_superuser and not by.is_superuser:
        return _("This is an operators' account: only an operator can change it.")
    return None


def _refuse_unless_allowed(*, by, user, allow_self=False):
    refusal = account_change_refusal(by=by, user=user, allow_self=allow_self)
    if refusal:
        raise AccountChangeRefused(refusal, code="not_allowed")


def _refuse_clearance_above_own(*, by, clearance):
    if clearance not in Level.values:
        raise AccountChangeRefused(_("Unknown clearance."), code="unknown_clearance")
    if clearance > by.clearance:
        raise AccountChangeRefused(_("You cannot give anyone a clearance above your own."), code="clearance_above_own")


def _locked(user):
    """The account's row, locked until the end of the transaction, read afresh."""
    from .models import User

    return User.objects.select_for_update().get(pk=user.pk)


def _refresh(user, account, *names):
    """Let the caller's instance show what was saved."""
    for name in names:
        setattr(user, name, getattr(account, name))


# --- Telling the owner

NOTICES = {
    Action.ACCOUNT_DEACTIVATED: (
        _("Your account was deactivated"),
        _("An administrator deactivated your Parley account."),
        _("You can no longer sign in."),
    ),
    Action.ACCOUNT_REACTIVATED: (
        _("Your account was reactivated"),
        _("An administrator reactivated your Parley account."),
        _("You can sign in again with your password."),
    ),
    Action.ROLE_CHANGED: (
        _("Your role was changed"),
        _("An administrator changed your role in Parley from %(before)s to %(after)s."),
        _("What you can see and do in Parley changes accordingly."),
    ),
    Action.CLEARANCE_CHANGED: (
        _("Your clearance was changed"),
        _("An administrator changed your clearance in Parley from %(before)s to %(after)s."),
        _("What you can see in Parley changes accordingly."),
    ),
    Action.MFA_RESET: (
        _("Your second factor was reset"),
        _("An administrator removed the authenticator app (and recovery codes) from your Parley account."),
        _("The next time you sign in, you will set up an authenticator app again."),
    ),
    Action.ACCOUNT_UPDATED: (
        _("Your account details were changed"),
        _("An administrator changed these details of your Parley account: %(fields)s."),
        "",
    ),
}


def _tell_owner(account, *, by, action, **values):
    """E-mail the owner at their existing address, in their language: what changed, who changed it, when.

    The message carries no link and no secret. It is sent inside the change's transaction, so that a
    change whose owner could not be told does not happen.
    """
    subject, change, consequence = NOTICES[action]
    with translation.override(account.preferred_language or settings.LANGUAGE_CODE):
        values = {
            name: ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            for name, value in values.items()
        }
        context = {
            "account": account,
            "change": str(change) % values if values else str(change),
            "consequence": str(consequence),
            "by": by.full_name or by.email,
            "at": timezone.now(),
        }
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject)
        body = render_to_string("accounts/email/account_changed_message.txt", context)
    send_mail(subject, body, None, [account.email])


# --- Creating accounts and inviting their owners


ADDRESS_TAKEN = _("An account with this e-mail address already exists.")


def new_account_address(email):
    """The address of a new account as it is stored (trimmed, in lower case).

    Refused (``ValidationError``) when it is already an account's sign-in address or any of an
    account's addresses, whatever its case: the forms show this on their e-mail field.
    """
    from .models import User

    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise ValidationError(ADDRESS_TAKEN, code="duplicate_email")
    return email


@transaction.atomic
def user_create(*, by, email, full_name, role, clearance, preferred_language="en", is_staff=False, path=""):
    """Create an account with no usable password; its owner sets one through an invitation.

    An address already taken is refused with a ``ValidationError`` on "email", also when another
    account took it in the meantime (the database's unique constraint).
    """
    from .models import User

    if not is_admin(by):
        raise AccountChangeRefused(_("Only admins manage accounts."), code="not_allowed")
    _refuse_clearance_above_own(by=by, clearance=clearance)
    try:
        email = new_account_address(email)
    except ValidationError as taken:
        raise ValidationError({"email": taken}) from taken
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        clearance=clearance,
        preferred_language=preferred_language,
        is_staff=is_staff,
    )
    user.set_unusable_password()
    user.full_clean()
    with clash_refused({"email": ValidationError(ADDRESS_TAKEN, code="duplicate_email")}):
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    record_account_change(by=by, account=user, action=Action.ACCOUNT_CREATED, detail=f"{role}, {clearance}", path=path)
    return user


@transaction.atomic
def user_send_invitation(*, user, by, request):
    """E-mail the owner a link to set their password (allauth's reset-password flow), at the account's
    existing address and in the owner's language. Nobody else ever receives the link."""
    if not is_admin(by):
        raise AccountChangeRefused(_("Only admins manage accounts."), code="not_allowed")
    if not user.is_active:
        raise AccountChangeRefused(
            _("The account is deactivated: reactivate it before sending an invitation."), code="inactive"
        )
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": False})
    form = ResetPasswordForm(data={"email": user.email})
    if not form.is_valid():
        raise AccountChangeRefused(form.errors.as_text(), code="address_refused")
    with request_context(request), translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        form.save(request)
    record_account_change(by=by, account=user, action=Action.INVITATION_SENT, path=request.path)


# --- Changes to an account


@transaction.atomic
def user_deactivate(*, user, by, path=""):
    """Nobody signs in to a deactivated account; a session already open ends at its next request."""
    return _set_active(user=user, by=by, active=False, path=path)


@transaction.atomic
def user_reactivate(*, user, by, path=""):
    return _set_active(user=user, by=by, active=True, path=path)


def _set_active(*, user, by, active, path):
    _refuse_unless_allowed(by=by, user=user)
    account = _locked(user)
    if account.is_active == active:
        return False
    account.is_active = active
    account.save(update_fields=["is_active"])
    _refresh(user, account, "is_active")
    action = Action.ACCOUNT_REACTIVATED if active else Action.ACCOUNT_DEACTIVATED
    record_account_change(by=by, account=account, action=action, path=path)
    _tell_owner(account, by=by, action=action)
    return True


@transaction.atomic
def user_change_role(*, user, role, by, path=""):
    """Returns whether the role changed. Someone who now must use a second factor sets one up at once
    (``RequireMFAMiddleware``)."""
    _refuse_unless_allowed(by=by, user=user)
    if role not in Role.values:
        raise AccountChangeRefused(_("Unknown role."), code="unknown_role")
    account = _locked(user)
    before = account.role
    if before == role:
        return False
    account.role = role
    account.save(update_fields=["role"])
    _refresh(user, account, "role")
    record_account_change(
        by=by, account=account, action=Action.ROLE_CHANGED, detail=f"{before}{DETAIL_ARROW}{role}", path=path
    )
    _tell_owner(account, by=by, action=Action.ROLE_CHANGED, before=Role(before).label, after=Role(role).label)
    return True


@transaction.atomic
def user_change_clearance(*, user, clearance, by, path=""):
    """Returns whether the clearance changed. Nobody raises a clearance above their own."""
    _refuse_unless_allowed(by=by, user=user)
    account = _locked(user)
    before = account.clearance
    if before == clearance:
        return False
    _refuse_clearance_above_own(by=by, clearance=clearance)
    account.clearance = clearance
    account.save(update_fields=["clearance"])
    _refresh(user, account, "clearance")
    record_account_change(
        by=by,
        account=account,
        action=Action.CLEARANCE_CHANGED,
        detail=f"{before}{DETAIL_ARROW}{clearance}",
        path=path,
    )
    _tell_owner(
        account, by=by, action=Action.CLEARANCE_CHANGED, before=Level(before).label, after=Level(clearance).label
    )
    return True


@transaction.atomic
def user_change_access(*, user, role, clearance, by, path=""):
    """Role and clearance together, all or nothing. Returns whether either changed."""
    if clearance != _locked(user).clearance:
        _refuse_clearance_above_own(by=by, clearance=clearance)  # before any owner is told of a role change
    role_changed = user_change_role(user=user, role=role, by=by, path=path)
    clearance_changed = user_change_clearance(user=user, clearance=clearance, by=by, path=path)
    return role_changed or clearance_changed


@transaction.atomic
def user_reset_second_factor(*, user, by, path=""):
    """Remove every authenticator of the account (TOTP, recovery codes, security keys).

    Nothing of the old factor is shown or kept; the owner enrols again at next sign-in, which
    ``RequireMFAMiddleware`` enforces for everyone who must use a second factor.
    """
    _refuse_unless_allowed(by=by, user=user)
    account = _locked(user)
    authenticators = Authenticator.objects.filter(user=account)
    kinds = sorted(set(authenticators.values_list("type", flat=True)))
    if not kinds:
        raise AccountChangeRefused(_("This account has no second factor to reset."), code="nothing_to_reset")
    authenticators.delete()
    record_account_change(by=by, account=account, action=Action.MFA_RESET, detail=", ".join(kinds), path=path)
    _tell_owner(account, by=by, action=Action.MFA_RESET)
    return True


# Details an admin may correct without the owner (never the e-mail address: that is the owner's).
DETAIL_FIELDS = ("full_name", "preferred_language", "is_staff")


@transaction.atomic
def user_update_details(*, user, by, full_name, preferred_language, is_staff, path=""):
    """Correct the name or language of an account, or grant or withdraw access to the Django admin
    site (the operators' tool). Returns the names of the fields that changed."""
    account = _locked(user)
    values = {"full_name": full_name, "preferred_language": preferred_language, "is_staff": is_staff}
    changed = [name for name in DETAIL_FIELDS if getattr(account, name) != values[name]]
    if not changed:
        return []
    # An admin may correct their own name or language, not their own access to the admin site.
    _refuse_unless_allowed(by=by, user=user, allow_self="is_staff" not in changed)
    for name in changed:
        setattr(account, name, values[name])
    account.save(update_fields=changed)
    _refresh(user, account, *changed)
    record_account_change(by=by, account=account, action=Action.ACCOUNT_UPDATED, detail=", ".join(changed), path=path)
    fields = [account._meta.get_field(name).verbose_name for name in changed]
    _tell_owner(account, by=by, action=Action.ACCOUNT_UPDATED, fields=fields)
    return changed


def user_confirm_email_after_password_set(*, user):
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)


@transaction.atomic
def user_update_preferences(*, user, preferred_language, time_zone):
    """The owner's own choice of language and time zone (blank: the browser's). Only the owner calls
    this (their profile page): it changes nothing anyone else relies on, so it is not logged."""
    languages = {code for code, _name in settings.LANGUAGES}
    time_zone = (time_zone or "").strip()
    errors = {}
    if preferred_language not in languages:
        errors["preferred_language"] = ValidationError(_("Choose one of Parley's languages."), code="unknown_language")
    if time_zone and not is_zone(time_zone):
        errors["time_zone"] = ValidationError(
            _("“%(value)s” is not a time zone."), code="unknown_zone", params={"value": time_zone[:64]}
        )
    if errors:
        raise ValidationError(errors)
    account = _locked(user)
    values = {"preferred_language": preferred_language, "time_zone": time_zone}
    changed = [name for name, value in values.items() if getattr(account, name) != value]
    if changed:
        for name in changed:
            setattr(account, name, values[name])
        account.save(update_fields=changed)
        _refresh(user, account, *changed)
    return changed
