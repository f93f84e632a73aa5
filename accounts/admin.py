from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ScopedAdminMixin

from .forms import UserAddForm
from .models import User
from .services import user_create, user_send_invitation

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
    "last_login",
    "date_joined",
)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Accounts are created without a password; their owners set one through an e-mailed link.

    Scoped like every admin: a participant's account is their identity (name, e-mail), absent for an
    admin who may not see it (``UserQuerySet.visible_to``).
    """

    list_display = ("email", "full_name", "role", "clearance", "is_active", "is_staff", "last_login")
    list_filter = ("role", "clearance", "is_active", "is_staff")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("password_status", "last_login", "date_joined")
    actions = ("send_set_password_invitation",)

    def get_fields(self, request, obj=None):
        return ADD_FIELDS if obj is None else CHANGE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = UserAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = user_create(
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            clearance=data["clearance"],
            preferred_language=data["preferred_language"],
            is_staff=data["is_staff"],
        )
        obj.__dict__.update(created.__dict__)
        if data.get("send_invitation"):
            self._invite(request, [obj])

    @admin.display(description=_("password"))
    def password_status(self, user):
        return _("Set") if user.has_usable_password() else _("Not set yet")

    @admin.action(description=_("Send set-password invitation"))
    def send_set_password_invitation(self, request, queryset):
        self._invite(request, queryset)

    def _invite(self, request, users):
        sent, skipped = 0, 0
        for user in users:
            if not user.is_active:
                skipped += 1
                continue
            try:
                user_send_invitation(user=user, request=request)
            except ValueError:
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
