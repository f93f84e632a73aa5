"""Forms for accounts: the Django admin's and those of Parley's account pages.

An account is created with no password (its owner sets one from an invitation), and no form ever
edits someone's sign-in e-mail address or password.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin, limit_level_choices
from core.levels import Level, Role
from core.time_zones import TimeZoneField

from .models import User
from .services import new_account_address


class UserAddForm(forms.ModelForm):
    send_invitation = forms.BooleanField(
        label=_("Send a set-password invitation now"),
        required=False,
        initial=True,
        help_text=_("E-mails the new user a link to choose their password. You can also send it later."),
    )

    class Meta:
        model = User
        fields = ("email", "full_name", "role", "clearance", "preferred_language", "is_staff")

    def clean_email(self):
        return new_account_address(self.cleaned_data["email"])


class UserChangeForm(forms.ModelForm):
    """The Django admin's form for changing an account. Its fields are what ``UserAdmin`` allows; the
    e-mail address and the password are never among them (they are the owner's)."""

    class Meta:
        model = User
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keep_current_clearance(self.fields.get("clearance"), self.instance.clearance)


def keep_current_clearance(field, current):
    """Offer the account's current clearance even when it is above the editor's own.

    The choices stop at the editor's clearance; without its current value a select would show, and
    submit, the first choice, lowering the clearance of an account whose name was all that changed.
    Keeping a clearance is not raising it.
    """
    if field is None or current in {value for value, _label in field.choices}:
        return
    field.choices = [*field.choices, (current, Level(current).label)]


# --- Parley's own account pages (accounts/views.py)


def _blank(label):
    return [("", label)]


class AccountFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, help_text=_("Name or e-mail address"))
    role = forms.ChoiceField(label=_("Role"), required=False, choices=_blank(_("Any role")) + Role.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), ("active", _("Active")), ("inactive", _("Deactivated"))],
    )

    def filters(self):
        self.is_valid()
        data = self.cleaned_data
        status = data.get("status") or ""
        return {
            "search": (data.get("q") or "").strip(),
            "role": data.get("role") or "",
            "active": {"active": True, "inactive": False}.get(status),
        }


class AccountCreateForm(StyledFormMixin, forms.Form):
    """A new account has no password: its owner chooses one from the e-mailed invitation."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)
    clearance = forms.TypedChoiceField(label=_("Clearance"), coerce=int, initial=Level.INTERNAL)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )
    send_invitation = forms.BooleanField(
        label=_("Send a set-password invitation now"),
        required=False,
        initial=True,
        help_text=_("E-mails the new user a link to choose their password. You can also send it later."),
    )

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        limit_level_choices(self.fields["clearance"], by)

    def clean_email(self):
        return new_account_address(self.cleaned_data["email"])


class AccountAccessForm(StyledFormMixin, forms.Form):
    """Role and clearance of an account; the clearance never above the editor's own."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    clearance = forms.TypedChoiceField(label=_("Clearance"), coerce=int)

    def __init__(self, *args, by, account, **kwargs):
        kwargs.setdefault("initial", {"role": account.role, "clearance": account.clearance})
        super().__init__(*args, **kwargs)
        limit_level_choices(self.fields["clearance"], by)
        keep_current_clearance(self.fields["clearance"], account.clearance)


class AccountStatusForm(forms.Form):
    """The status asked for, explicitly: submitting twice does not undo the first."""

    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", widget=forms.HiddenInput
    )


# --- The signed-in user's own preferences (accounts/views.py: profile)


class PreferencesForm(StyledFormMixin, forms.Form):
    """The owner's language and time zone (blank: the browser's, as the page last told Parley)."""

    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    time_zone = TimeZoneField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "Times are shown in the venue's time zone, and in this one beside them where it differs. "
            "Leave it empty to use your browser's."
        ),
    )

    def __init__(self, *args, browser_zone="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.first = (browser_zone,) if browser_zone else ()
        self.fields["time_zone"].error_messages["unknown"] = _(
            "“%(value)s” is not a time zone. Pick one from the list, e.g. Europe/Zurich, or leave it empty."
        )
