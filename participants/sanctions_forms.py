"""Forms of the sanctions pages: uploading a list version, resolving a hit."""

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin

from .sanctions import MAX_LIST_BYTES


class SanctionsListUploadForm(StyledFormMixin, forms.Form):
    source = forms.CharField(
        label=_("List"),
        max_length=60,
        initial="UNSC",
        help_text=_("Which list this file is a version of; importing it replaces that list's current version."),
    )
    file = forms.FileField(
        label=_("XML file"),
        help_text=_("The UN Security Council Consolidated List in its published XML shape."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_source(self):
        source = self.cleaned_data["source"].strip().upper()
        if not source or not all(ch.isalnum() or ch in "-_ " for ch in source):
            raise forms.ValidationError(_("Use letters, digits, spaces, hyphens and underscores only."))
        return source

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": MAX_LIST_BYTES // (1024 * 1024)}
            )
        return upload


class SanctionsHitResolveForm(StyledFormMixin, forms.Form):
    DECISIONS = [("clear", _("Clear: not the same person")), ("confirm", _("Confirm the match"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    note = forms.CharField(label=_("Reason or note"), max_length=2000, required=False, widget=forms.Textarea)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_note(self):
        return self.cleaned_data["note"].replace("\x00", "").strip()

    def clean_next(self):
        target = self.cleaned_data.get("next") or ""
        allowed = self.request is not None and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return target if allowed and target.startswith("/") else ""
