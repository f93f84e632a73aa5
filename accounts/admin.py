"""The accounts in the Django admin (the operators' tool; admins do this job on Parley's own pages).

Nobody changes another person's sign-in e-mail, password or second factor here: the e-mail is read
only, there is no password form, and the models that hold credentials (allauth's e-mail addresses and
authenticators, sessions) are not in the admin at all. Role, clearance, status and details go through
the services, which log each change and tell the owner.
"""

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.core import checks
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ScopedAdminMixin, is_credential_model

from .forms import UserAddForm, UserChangeForm
from .models import User
from .services import (
    AccountChangeRefused,
    account_change_refusal,
    user_change_clearance,
    user_change_role,
    user_create,
    user_deactivate,
    user_reactivate,
    user_send_invitation,
    user_update_details,
)

ADD_FIELDS = ("email", "full_name", "role", "clearance", "preferred_language", "is_staff", "send_invitation")
CHANGE_FIELDS = (
    "email",
    "full_name",
    "role",
    "clearance",
    "preferred_language",
    "is_active",
    "is_staff",
    "password_status",
    "second_factor",
    "last_login",
    "date_joined",
)
ACCESS_FIELDS = ("role", "clearance", "is_active", "is_staff")
DETAIL_FIELDS = ("full_name", "preferred_language")


def withdraw_credential_models(site=admin.site):
    """Take every model that holds a credential out of the admin site: allauth registers its e-mail
    addresses (adding a verified one to any account) and authenticators (showing TOTP secrets and
    recovery codes); ``django.contrib.sessions`` and allauth's user sessions, when installed, hold
    session keys. Called once every app's ``admin`` module is loaded (``AccountsConfig.ready``)."""
    withdrawn = [model for model in list(site._registry) if is_credential_model(model)]
    for model in withdrawn:
        site.unregister(model)
    return withdrawn


def check_no_credential_model_in_admin(app_configs=None, **kwargs):
    """A system check, should a model holding credentials be registered after ``ready`` ran."""
    return [
        checks.Error(
            f"{model._meta.label} holds credentials and is registered in the admin site.",
            hint="Unregister it (accounts.admin.withdraw_credential_models): no admin page may show a secret.",
            obj=model,
            id="accounts.E001",
        )
        for model in admin.site._registry
        if is_credential_model(model)
    ]


@admin.register(User)
class UserAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Accounts are created without a password; their owners set one through an e-mailed link.

    Scoped like every admin: a participant's account is their identity (name, e-mail), absent for an
    admin who may not see it (``UserQuerySet.visible_to``). The e-mail address is read only once the
    account exists: only its owner changes it, on allauth's own pages. Accounts are deactivated, never
    deleted (the access log refers to them).
    """

    list_display = ("email", "full_name", "role", "clearance", "is_active", "is_staff", "last_login")
    list_filter = ("role", "clearance", "is_active", "is_staff")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("email", "password_status", "second_factor", "last_login", "date_joined")
    actions = ("send_set_password_invitation",)

    def get_fields(self, request, obj=None):
        return ADD_FIELDS if obj is None else CHANGE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = self.readonly_fields
        if account_change_refusal(by=request.user, user=obj, allow_self=True):
            return readonly + ACCESS_FIELDS + DETAIL_FIELDS  # an operator's account, for a plain admin
        if account_change_refusal(by=request.user, user=obj):
            return readonly + ACCESS_FIELDS  # their own account: name and language only
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserAddForm if obj is None else UserChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    # No delete_record: accounts are deactivated, never deleted.

    def create_record(self, request, form):
        data = form.cleaned_data
        created = user_create(
            by=request.user,
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            clearance=data["clearance"],
            preferred_language=data["preferred_language"],
            is_staff=data["is_staff"],
            path=request.path,
        )
        if data.get("send_invitation"):
            self._invite(request, [created])
        return created

    def update_record(self, request, obj, form):
        self._change(obj, form.cleaned_data, set(form.changed_data), by=request.user, path=request.path)

    def _change(self, obj, data, changed, *, by, path):
        """Each change through its service, on the account as stored (the form has already set ``obj``)."""
        account = User.objects.get(pk=obj.pk)
        if changed & {"full_name", "preferred_language", "is_staff"}:
            user_update_details(
                user=account,
                by=by,
                full_name=data.get("full_name", account.full_name),
                preferred_language=data.get("preferred_language", account.preferred_language),
                is_staff=data.get("is_staff", account.is_staff),
                path=path,
            )
        if "role" in changed:
            user_change_role(user=account, role=data["role"], by=by, path=path)
        if "clearance" in changed:
            user_change_clearance(user=account, clearance=data["clearance"], by=by, path=path)
        if "is_active" in changed:
            change_status = user_reactivate if data["is_active"] else user_deactivate
            change_status(user=account, by=by, path=path)
        obj.refresh_from_db()

    @admin.display(description=_("password"))
    def password_status(self, user):
        return _("Set") if user.has_usable_password() else _("Not set yet")

    @admin.display(description=_("second factor"))
    def second_factor(self, user):
        """Whether one is set up, never what it is. Parley's account page resets it."""
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return _("Set up")
        return _("Not set up")

    @admin.action(description=_("Send set-password invitation"))
    def send_set_password_invitation(self, request, queryset):
        self._invite(request, queryset)

    def _invite(self, request, users):
        sent, skipped = 0, 0
        for user in users:
            try:
                user_send_invitation(user=user, by=request.user, request=request)
            except AccountChangeRefused:
                skipped += 1
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "Sent a set-password invitation to %(count)d user.",
                    "Sent set-password invitations to %(count)d users.",
                    sent,
                )
                % {"count": sent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d user got no invitation (inactive, or the address was refused).",
                    "%(count)d users got no invitation (inactive, or the address was refused).",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
