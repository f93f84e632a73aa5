"""Forms of the participants app: editing people and organisations, and filtering the lists."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.forms import StyledFormMixin, limit_level_choices
from core.levels import Level

from .models import ConsentRecord, Organization, Participant, VettingCase
from .selectors import NOT_VETTED, participant_active_consent_kinds


def _blank(label):
    return [("", label)]


def country_choices():
    """Every country, named in the current language (a callable: evaluated per form, not at import)."""
    return [(code, name) for code, name in countries]


class FitToUserMixin:
    """Fits a form's fields to the user (querysets, level choices) as soon as they exist."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fit_to_user(user)

    def fit_to_user(self, user):
        raise NotImplementedError


class ParticipantRulesMixin:
    """The checks every participant form shares (the web form and the Django admin).

    The database has partial unique constraints on e-mail and codename and a check that high-risk
    people have a codename; they are checked here first so that a clash is a field error, not a 500.
    Uniqueness is checked against all participants, including those the editor cannot see: the
    constraint holds for everyone. The messages say no more than that the value is taken.
    """

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip()
        if email and Participant.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This e-mail address is already registered for another participant."), code="duplicate_email"
            )
        return email

    def clean_codename(self):
        codename = (self.cleaned_data.get("codename") or "").strip()
        if codename and Participant.objects.filter(codename__iexact=codename).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This codename is already in use; choose another."), code="duplicate_codename"
            )
        return codename

    def clean(self):
        cleaned = super().clean()
        risk_level = cleaned.get("risk_level")
        if (
            risk_level is not None
            and int(risk_level) >= Participant.RiskLevel.HIGH
            and not cleaned.get("codename")
            and "codename" not in self.errors
        ):
            self.add_error(
                "codename",
                forms.ValidationError(
                    _("A high-risk participant must have a codename: it is shown instead of their name."),
                    code="high_risk_without_codename",
                ),
            )
        return cleaned


class ParticipantForm(StyledFormMixin, FitToUserMixin, ParticipantRulesMixin, forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input me-1"}),
    )
    consents_to_data_processing = forms.BooleanField(
        label=_("Consents to data processing"),
        required=False,
        help_text=_("Unticking it records the withdrawal of consent."),
    )
    accepts_chatham_house = forms.BooleanField(
        label=_("Accepts the Chatham House ground rules"),
        required=False,
    )

    CONSENT_FIELDS = {
        "consents_to_data_processing": ConsentRecord.Kind.DATA_PROCESSING,
        "accepts_chatham_house": ConsentRecord.Kind.CHATHAM_HOUSE,
    }

    class Meta:
        model = Participant
        fields = [
            "full_name",
            "codename",
            "email",
            "nationality",
            "languages",
            "gender",
            "organization",
            "title",
            "category",
            "personal_capacity",
            "risk_level",
            "level",
        ]

    def fit_to_user(self, user):
        self.fields["organization"].queryset = Organization.objects.visible_to(user).order_by("name")
        limit_level_choices(self.fields["level"], user)
        if self.instance.pk:
            given = participant_active_consent_kinds(self.instance)
            for name, kind in self.CONSENT_FIELDS.items():
                self.fields[name].initial = kind in given

    def participant_fields(self):
        """The cleaned values of the model fields, as keyword arguments for the services."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def given_consents(self):
        return {kind for name, kind in self.CONSENT_FIELDS.items() if self.cleaned_data.get(name)}


class OrganizationForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "country"]

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()

    def clean(self):
        cleaned = super().clean()
        name, country = cleaned.get("name"), cleaned.get("country", "")
        if name and "name" not in self.errors:
            clash = Organization.objects.filter(name__iexact=name, country=country).exclude(pk=self.instance.pk)
            if clash.exists():
                if country:
                    message = _("An organisation called “%(name)s” in %(country)s already exists.") % {
                        "name": name,
                        "country": countries.name(country),
                    }
                else:
                    message = _("An organisation called “%(name)s” with no country already exists.") % {"name": name}
                self.add_error("name", forms.ValidationError(message, code="duplicate_organization"))
        return cleaned


class ParticipantFilterForm(StyledFormMixin, FitToUserMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_blank(_("Any category")) + Participant.Category.choices
    )
    risk_level = forms.TypedChoiceField(
        label=_("Risk level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_blank(_("Any risk level")) + Participant.RiskLevel.choices,
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"), required=False, choices=lambda: _blank(_("Any nationality")) + country_choices()
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=Organization.objects.none(), empty_label=_("Any organisation")
    )
    level = forms.TypedChoiceField(
        label=_("Level"), required=False, coerce=int, empty_value=None, choices=_blank(_("Any level")) + Level.choices
    )
    vetting_status = forms.ChoiceField(
        label=_("Vetting"),
        required=False,
        choices=_blank(_("Any vetting status")) + [(NOT_VETTED, _("Not vetted"))] + VettingCase.Status.choices,
    )

    def fit_to_user(self, user):
        self.fields["organization"].queryset = Organization.objects.visible_to(user).order_by("name")

    def filters(self):
        """The valid filters, as keyword arguments of ``participant_list_for``; invalid ones are ignored."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "category": data.get("category") or "",
            "risk_level": data.get("risk_level"),
            "nationality": data.get("nationality") or "",
            "organization": data.get("organization"),
            "level": data.get("level"),
            "vetting_status": data.get("vetting_status") or "",
        }


class OrganizationFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(_("Any kind")) + Organization.Kind.choices)
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=lambda: _blank(_("Any country")) + country_choices()
    )

    def filters(self):
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "country": data.get("country") or "",
        }
