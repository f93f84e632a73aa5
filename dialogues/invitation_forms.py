"""Forms of the workshop page's invitation panel: finding participants, adding them to a party's delegation,
moving them to another, and sending the drafts. They check what was posted; the rules are the services'."""

import re

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin
from participants.forms import CountryChoices
from participants.models import Participant

from .models import Invitation

LARGEST_ID = 2**31 - 1  # an id beyond the database's integers is no record, never an error

NOT_FOUND = _("This participant was not found.")
NOT_A_PARTY = _("Choose one of the parties of this workshop's initiative.")
SELECTION_CHANGED = _(
    "Some of the chosen invitations were sent or removed meanwhile. Review the drafts below and send again."
)


def _blank(label):
    return [("", label)]


class InvitationSearchForm(StyledFormMixin, forms.Form):
    """Find participants to invite: the search of the participant list (name, codename, e-mail, organisation,
    ranked; by the identity rule), narrowed by organisation, nationality, category and language."""

    q = forms.CharField(
        label=_("Name or codename"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=100)
    nationality = forms.ChoiceField(
        label=_("Nationality"), required=False, choices=CountryChoices(_("Any nationality"))
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_blank(_("Any category")) + Participant.Category.choices
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=_blank(_("Any language")) + list(settings.LANGUAGES)
    )

    def filters(self):
        """The valid criteria, as keyword arguments of ``selectors.invitation_candidates``; invalid ones are
        left out rather than refused (a filter, as on the lists)."""
        data = self._valid_data()
        return {
            "search": data["q"],
            "organisation_name": data["organisation"],
            "nationality": data["nationality"],
            "category": data["category"],
            "language": data["language"],
        }

    def searched(self):
        """Whether any criterion was given: without one, nobody is listed."""
        return any(self._valid_data().values())

    def query_string(self):
        """The valid criteria as a query string, to come back to the same results."""
        return urlencode({name: value for name, value in self._valid_data().items() if value})

    def _valid_data(self):
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: (data.get(name) or "").strip() for name in self.fields}


class InvitationAddForm(StyledFormMixin, forms.Form):
    """Who joins which delegation: a participant the user may see, one of the workshop's parties."""

    participant = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=LARGEST_ID, error_messages={"invalid": NOT_FOUND}
    )
    party = forms.TypedChoiceField(
        label=_("Delegation of"), coerce=int, widget=forms.RadioSelect, error_messages={"invalid_choice": NOT_A_PARTY}
    )
    # The search the participant was found with (a query string), to come back to it.
    search = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, user, parties, **kwargs):
        self.user = user
        self.parties = {party.pk: party for party in parties}
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(party.pk, party.name) for party in parties]
        for name in ("min_value", "max_value"):
            self.fields["participant"].error_messages[name] = NOT_FOUND

    def clean_participant(self):
        found = Participant.objects.visible_to(self.user).filter(pk=self.cleaned_data["participant"]).first()
        if found is None:  # hidden and missing alike
            raise forms.ValidationError(NOT_FOUND, code="missing")
        return found

    def clean_party(self):
        return self.parties[self.cleaned_data["party"]]

    def search_form(self):
        """The search to come back to, read as the search form reads it."""
        return InvitationSearchForm(QueryDict(self.data.get("search", ""), mutable=False))


class InvitationPartyForm(StyledFormMixin, forms.Form):
    """Move an invitation to another party's delegation."""

    party = forms.TypedChoiceField(label=_("Delegation of"), coerce=int, error_messages={"invalid_choice": NOT_A_PARTY})
    # The page of the delegations the change was made on, to come back to it.
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)

    def __init__(self, *args, parties, **kwargs):
        self.parties = {party.pk: party for party in parties}
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(party.pk, party.name) for party in parties]

    def clean_party(self):
        return self.parties[self.cleaned_data["party"]]


class DraftsField(forms.ModelMultipleChoiceField):
    """Invitations by id, each checked to be an id before the database is asked (a number beyond its integers
    is no invitation, not an error)."""

    def _check_values(self, value):
        for pk in value:
            if not isinstance(pk, str | int) or not re.fullmatch(r"[0-9]{1,10}", str(pk)) or int(pk) > LARGEST_ID:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value")
        return super()._check_values(value)


class InvitationSendForm(StyledFormMixin, forms.Form):
    """The drafts to send, as reviewed: every one still a draft of this workshop."""

    invitations = DraftsField(
        queryset=Invitation.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Choose at least one draft to send."),
            "invalid_choice": SELECTION_CHANGED,
            "invalid_pk_value": SELECTION_CHANGED,
            "invalid_list": SELECTION_CHANGED,
        },
    )

    def __init__(self, *args, drafts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitations"].queryset = drafts

    def clean_invitations(self):
        return list(self.cleaned_data["invitations"])
