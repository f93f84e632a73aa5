"""Forms of the vetting pages: the queue's filters, opening a case, recording checks and assessment,
deciding, and confirming (or sending back) an approval. The rules are the services'; these forms give
their fields and say what is missing before anything is sent."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin
from core.levels import RiskLevel
from core.widgets import TypeAheadChoiceField

from .models import VettingCase
from .services import VETTING_ASSESSMENT_FIELDS
from .vetting_selectors import OPEN

# The longest text kept in a case's field: pages of references, not a book.
TEXT_MAX_LENGTH = 20_000


def _text(label, help_text="", rows=3):
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class VettingQueueFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search by name or codename"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("Open cases")), *VettingCase.Status.choices],
    )
    initiative = TypeAheadChoiceField("initiatives", label=_("Proposed for"), required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def filters(self):
        """The valid filters, as keyword arguments of ``vetting_queue_for``; invalid ones are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status") or OPEN,
            "initiative": data.get("initiative"),
        }


class VettingOpenForm(StyledFormMixin, forms.Form):
    notes = _text(_("Why the case is opened"), _("Optional: who nominated them, or why they are vetted again."))


class VettingChecksForm(StyledFormMixin, forms.Form):
    """The checks and the assessment, as recorded on the case (``vetting_case_record``)."""

    identity_checked = forms.BooleanField(label=_("Identity checked"), required=False)
    references_checked = forms.BooleanField(label=_("References checked"), required=False)
    conflict_of_interest_checked = forms.BooleanField(label=_("Conflict of interest checked"), required=False)
    sanctions_screened = forms.BooleanField(
        label=_("Sanctions screening done"),
        required=False,
        help_text=_("Every hit below must be cleared or confirmed before an approval."),
    )
    references = _text(_("References"), _("Who was asked, and what they said."), rows=4)
    conflict_of_interest = _text(_("Conflict-of-interest declaration"))
    risk_assessment = forms.TypedChoiceField(
        label=_("Assessed risk"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Not assessed yet")), *RiskLevel.choices],
    )
    risk_rationale = _text(_("Why this risk level"))
    notes = _text(_("Notes (confidential)"), _("Seen by admins only; never shown to staff or the participant."), rows=4)

    @classmethod
    def for_case(cls, case, data=None):
        initial = {name: getattr(case, name) for name in VETTING_ASSESSMENT_FIELDS}
        return cls(data, initial=initial, prefix="checks")

    def changes(self):
        """The values that differ from the case's, as ``vetting_case_record`` takes them."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in VETTING_ASSESSMENT_FIELDS}


DECISION_CHOICES = [
    (VettingCase.Status.APPROVED, _("Approve")),
    (VettingCase.Status.APPROVED_WITH_CONDITIONS, _("Approve with conditions")),
    (VettingCase.Status.REJECTED, _("Reject")),
]


class VettingDecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES, widget=forms.RadioSelect)
    conditions = _text(_("Conditions"), _("Required for an approval with conditions."))
    reason = _text(_("Reason"), _("Required for a rejection."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == VettingCase.Status.APPROVED_WITH_CONDITIONS and not (data.get("conditions") or "").strip():
            self.add_error("conditions", _("Write the conditions of the approval."))
        if decision == VettingCase.Status.REJECTED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection."))
        return data


CONFIRM, RETURN = "confirm", "return"


class VettingConfirmForm(StyledFormMixin, forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[(CONFIRM, _("Confirm the approval")), (RETURN, _("Send it back to review"))],
        widget=forms.RadioSelect,
    )
    reason = _text(_("Why it goes back"), _("Required when sending it back."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "confirm")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("answer") == RETURN and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the approval goes back."))
        return data
