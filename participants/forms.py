"""Forms of the participants app: editing people and organisations, and filtering the lists."""

from functools import lru_cache

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.forms import DateInput, StyledFormMixin, limit_level_choices
from core.levels import Level
from core.widgets import TypeAheadChoiceField

from .choices import ORGANISATIONS
from .models import ConsentRecord, Organization, Participant, VettingCase
from .selectors import NOT_VETTED, participant_active_consent_kinds
from .services import EARLIEST_BIRTH, PARTICIPANT_DETAILS, organization_refusals, participant_refusals


def _blank(label):
    return [("", label)]


@lru_cache(maxsize=16)  # the languages Parley speaks
def _countries_named_in(language):
    """Every country as ``(code, name)``, in the order and the names of ``language`` (the active one: the
    argument keys the cache)."""
    return tuple((code, str(name)) for code, name in countries)


class CountryChoices(BaseChoiceIterator):
    """A filter's choices: its blank option (``blank``, "Any …"), then every country, named in the current
    language when the form is shown, not at import. Django takes an iterator's choices as they are: a list of
    some 250 countries it would normalise at each use, twice per render."""

    def __init__(self, blank):
        self.blank = blank

    def __iter__(self):
        yield ("", self.blank)
        yield from _countries_named_in(get_language())


class OrganisationChoiceField(TypeAheadChoiceField):
    """A participant's organisation: one of those the user may see, found by typing."""

    source = ORGANISATIONS

    def __init__(self, **kwargs):
        kwargs.pop("blank", None)
        super().__init__(blank_option="none", **kwargs)


class FitToUserMixin:
    """Fits a form's fields to the user (querysets, level choices) as soon as they exist."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fit_to_user(user)

    def fit_to_user(self, user):
        raise NotImplementedError


class ParticipantRulesMixin:
    """Shows the participant rules of the services (``participant_refusals``) next to their fields,
    before anything is saved: in the web form and in the Django admin's."""

    def clean(self):
        cleaned = super().clean()
        refusals = participant_refusals(
            pk=self.instance.pk,
            email=cleaned.get("email") or "",
            codename=cleaned.get("codename") or "",
            risk_level=cleaned.get("risk_level"),
            date_of_birth=cleaned.get("date_of_birth"),
        )
        for field, error in refusals.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, error)
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
        fields = list(PARTICIPANT_DETAILS)
        field_classes = {"organization": OrganisationChoiceField}
        widgets = {"date_of_birth": DateInput()}

    def fit_to_user(self, user):
        limit_level_choices(self.fields["level"], user)
        # The browser's date picker offers the dates the rules take (``date_of_birth_refusal``).
        self.fields["date_of_birth"].widget.attrs.update(
            min=EARLIEST_BIRTH.isoformat(), max=timezone.localdate().isoformat()
        )
        if self.instance.pk:
            given = participant_active_consent_kinds(self.instance)
            for name, kind in self.CONSENT_FIELDS.items():
                self.fields[name].initial = kind in given

    def participant_fields(self):
        """The cleaned values of the model fields, as keyword arguments for the services."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def given_consents(self):
        return {kind for name, kind in self.CONSENT_FIELDS.items() if self.cleaned_data.get(name)}


class OrganizationRulesMixin:
    """Shows the organisation rules of the services (``organization_refusals``) next to their fields:
    in the web form and in the Django admin's."""

    def clean(self):
        cleaned = super().clean()
        if "name" not in self.errors:
            refusals = organization_refusals(
                pk=self.instance.pk, name=cleaned.get("name") or "", country=cleaned.get("country", "")
            )
            for field, error in refusals.items():
                self.add_error(field, error)
        return cleaned


class OrganizationForm(StyledFormMixin, OrganizationRulesMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "country"]


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
        label=_("Nationality"), required=False, choices=CountryChoices(_("Any nationality"))
    )
    organization = TypeAheadChoiceField(ORGANISATIONS, label=_("Organisation"), required=False)
    level = forms.TypedChoiceField(
        label=_("Level"), required=False, coerce=int, empty_value=None, choices=_blank(_("Any level")) + Level.choices
    )
    vetting_status = forms.ChoiceField(
        label=_("Vetting"),
        required=False,
        choices=_blank(_("Any vetting status")) + [(NOT_VETTED, _("Not vetted"))] + VettingCase.Status.choices,
    )

    def fit_to_user(self, user):
        pass  # the organisation's choices are fitted with the other type-ahead fields (StyledFormMixin)

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
    country = forms.ChoiceField(label=_("Country"), required=False, choices=CountryChoices(_("Any country")))

    def filters(self):
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "country": data.get("country") or "",
        }
