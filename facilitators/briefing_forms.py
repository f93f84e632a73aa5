"""The form of a Track I briefing. It checks what was posted; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, StyledFormMixin, limit_level_choices

from .models import TrackOneBriefing

SHARED_MAX_LENGTH = 20_000
NOT_A_REPORT = _("Choose among the approved reports of this initiative that you may see.")


def report_label(report):
    """How a report is named in the choice: its workshop (and session), and the version approved."""
    place = report.workshop.title
    if report.session_id is not None:
        place = f"{place} · {report.session.title}"
    return _("%(place)s (approved version %(version)s)") % {"place": place, "version": report.approved_version}


class BriefingForm(StyledFormMixin, forms.Form):
    reports = forms.TypedMultipleChoiceField(
        label=_("Reports drawn on"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input me-1"}),
        error_messages={
            "required": _("Choose at least one report the briefing drew on."),
            "invalid_choice": NOT_A_REPORT,
            "invalid_list": NOT_A_REPORT,
        },
    )
    recipient = forms.CharField(
        label=_("Who was briefed"),
        max_length=200,
        help_text=_("The office or person, e.g. “Office of the Special Envoy”."),
    )
    recipient_role = forms.ChoiceField(label=_("Their role"), choices=TrackOneBriefing.RecipientRole.choices)
    briefing_level = forms.ChoiceField(label=_("At what level"), choices=TrackOneBriefing.BriefingLevel.choices)
    briefed_on = forms.DateField(label=_("Briefed on"), widget=DateInput())
    shared = forms.CharField(
        label=_("What was shared"),
        max_length=SHARED_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    level = forms.TypedChoiceField(
        label=_("Confidentiality level"),
        coerce=int,
        help_text=_("Never below the level of the reports it drew on."),
    )

    def __init__(self, *args, user, reports, anchor=None, **kwargs):
        """``reports``: the reports the briefing may draw on; ``anchor``: the report it is logged from,
        always drawn on (then ``reports`` are the others, and choosing none of them is fine)."""
        super().__init__(*args, **kwargs)
        self.anchor = anchor
        self.choosable = {report.pk: report for report in reports if anchor is None or report.pk != anchor.pk}
        field = self.fields["reports"]
        field.choices = [(pk, report_label(report)) for pk, report in self.choosable.items()]
        if anchor is not None:
            field.required = False
            field.label = _("Other reports it drew on")
            if not self.choosable:
                del self.fields["reports"]
        limit_level_choices(self.fields["level"], user)

    def clean_reports(self):
        return [self.choosable[pk] for pk in self.cleaned_data["reports"]]

    def values(self):
        """The cleaned values as the services take them."""
        values = dict(self.cleaned_data)
        values.setdefault("reports", [])
        return values
