"""Forms of the outcome-report pages. They validate what is posted and hand plain values to the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin
from core.levels import assignable_levels

# A section of a report holds at most this much text (about twenty pages): a bound on what one save writes.
SECTION_MAX_LENGTH = 50_000
VERSION_MAX = 2_147_483_647

PAGE_OUT_OF_DATE = _("This page is out of date: reopen the report and try again.")


def level_choices(user, floor):
    """The levels ``user`` may give a report whose workshop is at ``floor``: from the floor to their clearance."""
    return [(value, label) for value, label in assignable_levels(user) if value >= floor]


class VersionedForm(StyledFormMixin, forms.Form):
    """A form posted with the report's version as the page showed it (the optimistic lock). A missing or
    tampered version is said over the form, since the field is hidden."""

    version = forms.IntegerField(min_value=1, max_value=VERSION_MAX, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "version" in self.errors:
            del self.errors["version"]
            self.add_error(None, PAGE_OUT_OF_DATE)
        return cleaned


class ReportStartForm(StyledFormMixin, forms.Form):
    part = forms.ChoiceField(label=_("Report on"), widget=forms.RadioSelect)
    level = forms.TypedChoiceField(
        label=_("Confidentiality level"),
        coerce=int,
        help_text=_("The workshop's level, or higher: a report is never less secret than its workshop."),
    )

    WHOLE_WORKSHOP = "workshop"

    def __init__(self, *args, user, workshop, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {str(session.pk): session for session in sessions}
        choices = [(self.WHOLE_WORKSHOP, _("The whole workshop"))]
        choices += [(key, session.title) for key, session in self.sessions.items()]
        self.fields["part"].choices = choices
        self.fields["part"].initial = self.WHOLE_WORKSHOP
        self.fields["level"].choices = level_choices(user, workshop.effective_level)
        self.fields["level"].initial = workshop.effective_level

    def session(self):
        return self.sessions.get(self.cleaned_data["part"])


def _section(label, *, rows=5, help_text=""):
    """A section of a report's text: Markdown, optional, bounded."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=SECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class ReportEditForm(VersionedForm):
    summary = _section(
        _("Summary"), rows=6, help_text=_("Markdown. Under the Chatham House Rule: what was said, never who said it.")
    )
    convergence = _section(_("Points of convergence"))
    divergence = _section(_("Points of divergence"))
    options = _section(_("Options and ideas generated"))
    next_steps = _section(_("Agreed next steps"))
    public_summary = _section(
        _("Public summary"),
        rows=4,
        help_text=_(
            "Optional. Once the report is approved, anyone who may see the workshop reads it on the workshop page; "
            "until then it is as confidential as the report."
        ),
    )
    level = forms.TypedChoiceField(
        label=_("Confidentiality level"),
        coerce=int,
        help_text=_("May be raised above the workshop's level, never lowered below it."),
    )

    SECTIONS = ("summary", "convergence", "divergence", "options", "next_steps", "public_summary")

    def __init__(self, *args, user, report, **kwargs):
        kwargs.setdefault(
            "initial",
            {name: getattr(report, name) for name in (*self.SECTIONS, "level", "version")},
        )
        super().__init__(*args, **kwargs)
        choices = level_choices(user, report.workshop.effective_level)
        if report.level not in dict(choices):  # above the writer's clearance: kept, not offered to lower
            choices = [(value, label) for value, label in choices if value >= report.level]
        self.fields["level"].choices = choices
        for name in self.SECTIONS:
            self.fields[name].widget.attrs["data-section"] = name

    def changes(self):
        return {name: self.cleaned_data[name] for name in (*self.SECTIONS, "level")}


class ReportSubmitForm(VersionedForm):
    """The version as read, and the attribution hits ticked as intended (``confirmed``: their keys)."""

    confirmed = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, hits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmed"].choices = [(str(hit.key), hit.term) for hit in hits]


class ReportReviewForm(StyledFormMixin, forms.Form):
    APPROVE, RETURN = "approve", "return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[(APPROVE, _("Approve: the report is locked")), (RETURN, _("Return it with comments"))],
    )
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=SECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Required to return the report: what should change."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say what should change: a report is returned with comments."))
        return cleaned


class ReportDiffForm(StyledFormMixin, forms.Form):
    """Two version numbers of a report (the page checks that both are kept)."""

    a = forms.IntegerField(label=_("From version"), min_value=1, max_value=VERSION_MAX)
    b = forms.IntegerField(label=_("To version"), min_value=1, max_value=VERSION_MAX)
