"""The Django admin's form for adding an account: no password; its owner sets one from an invitation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


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
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address already exists."), code="duplicate_email"
            )
        return email
