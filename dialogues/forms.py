"""Forms of the dialogues app: initiatives with their parties, team and funding; workshops with their
agenda. Times of a workshop are entered in the venue's time zone and stored in UTC."""

import datetime as dt
import re
import zoneinfo
from copy import copy

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.forms import (
    CheckedInlineFormSet,
    DateInput,
    DateTimeInput,
    StyledFormMixin,
    UserChoiceField,
    limit_level_choices,
)
from core.levels import Level
from core.time_zones import TimeZoneField, canonical_zone, country_zones, usual_zone, zone_country
from core.validators import validate_datetime_in_range
from core.widgets import TypeAheadChoiceField

from . import selectors
from .choices import INITIATIVES
from .models import AgendaSession, Funding, Initiative, Party, TeamMembership, Workshop

CURRENCY = re.compile(r"[A-Z]{3}")

# The most rows an initiative's parties, team or funding, and a workshop's agenda, take in one save.
MAX_ROWS = 50
MAX_SESSIONS = 100


def to_venue_time(value, zone):
    """A wall-clock time typed in a form, read in ``zone``; ``None`` if the clocks skip that time."""
    wall = timezone.make_naive(value) if timezone.is_aware(value) else value
    local = wall.replace(tzinfo=zone)
    if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return local.astimezone(dt.UTC)


class VenueDateTimeField(forms.DateTimeField):
    """A wall-clock time at the venue, within the years Parley works with (moving year 1 or 9999 into a
    time zone steps off the calendar)."""

    widget = DateTimeInput
    default_validators = [validate_datetime_in_range]


def as_venue_wall_clock(value, zone):
    """A stored UTC time as the naive wall-clock time at the venue, for a form's initial value."""
    return value.astimezone(zone).replace(tzinfo=None) if value else value


class StyledInlineFormSet(CheckedInlineFormSet):
    """An inline formset of ``StyledFormMixin`` forms, its "Remove" box styled like the rest."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


# --- Filters ------------------------------------------------------------------------------------


class InitiativeFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, help_text=_("Title, codename or conflict."))
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("All phases"))] + Initiative.Phase.choices
    )
    level = forms.TypedChoiceField(
        label=_("Level"), required=False, coerce=int, empty_value=None, choices=[("", _("All levels"))] + Level.choices
    )

    def filters(self):
        """The valid filters; anything invalid is ignored rather than an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": (data.get("q") or "").strip(), "phase": data.get("phase") or "", "level": data.get("level")}


class WorkshopFilterForm(StyledFormMixin, forms.Form):
    WHEN_CHOICES = [("", _("Any time")), ("upcoming", _("Upcoming")), ("past", _("Past"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + Workshop.Status.choices
    )
    initiative = TypeAheadChoiceField(INITIATIVES, label=_("Initiative"), required=False)
    when = forms.ChoiceField(label=_("When"), required=False, choices=WHEN_CHOICES)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def filters(self):
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "initiative": data.get("initiative"),
            "when": data.get("when") or "",
        }


# --- Initiatives --------------------------------------------------------------------------------


class InitiativeRefusalNamed:
    """For the forms of an initiative, the site's and the admin's (``user``: who fills it in).

    ``Initiative.clean`` refuses a level below some of the initiative's workshops without naming them;
    the form names those its user may see (``selectors.initiative_refusal_for``).
    """

    user = None

    def _update_errors(self, errors):
        # Where a ModelForm takes over the model's refusal (``_post_clean``).
        super()._update_errors(selectors.initiative_refusal_for(self.user, self.instance, errors))


class InitiativeForm(InitiativeRefusalNamed, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Initiative
        fields = ["title", "codename", "conflict", "track", "phase", "objectives", "level"]
        widgets = {"objectives": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        limit_level_choices(self.fields["level"], self.user)

    def clean_codename(self):
        return self.cleaned_data["codename"].strip()


class TeamMembershipForm(StyledFormMixin, forms.ModelForm):
    """A team row; the member's clearance is checked against the initiative as posted (``TeamMembership.clean``)."""

    class Meta:
        model = TeamMembership
        fields = ["user", "role"]
        field_classes = {"user": UserChoiceField}

    def __init__(self, *args, candidates=None, candidate_choices=None, **kwargs):
        self.candidates, self.candidate_choices = candidates, candidate_choices
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = self.candidates if self.candidates is not None else selectors.team_candidates()
        if self.candidate_choices is not None:
            self.fields["user"].choices = self.candidate_choices  # evaluated once for the whole formset


class TeamRowsMixin:
    """Team rows (the site's form and the admin's). Members may trade places in one save: the service
    takes care of the order of the writes, and refuses a team without a lead (``services.initiative_update``;
    the page shows that refusal over the rows)."""

    def get_unique_error_message(self, unique_check):
        return TeamMembership.ONCE_PER_TEAM


class TeamMembershipRowsFormSet(TeamRowsMixin, CheckedInlineFormSet):
    """The admin's team rows."""


class BaseTeamFormSet(TeamRowsMixin, StyledInlineFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = selectors.team_candidates(self.instance)

    @cached_property
    def candidate_choices(self):
        field = UserChoiceField(queryset=self.candidates)
        return [("", field.empty_label), *((user.pk, field.label_from_instance(user)) for user in self.candidates)]

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs.update(candidates=self.candidates, candidate_choices=self.candidate_choices)
        return kwargs


class PartyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Party
        fields = ["name", "description"]
        widgets = {"description": forms.TextInput()}


class PartyRowsMixin:
    """Party rows (the site's form and the admin's). Names may move between parties in one save: the
    service takes care of the order of the writes, and refuses to remove a party with invitations
    (``services.initiative_update``)."""

    def get_unique_error_message(self, unique_check):
        return Party.OWN_NAME


class PartyRowsFormSet(PartyRowsMixin, CheckedInlineFormSet):
    """The admin's party rows."""


class BasePartyFormSet(PartyRowsMixin, StyledInlineFormSet):
    """The site's party rows."""


class FundingForm(StyledFormMixin, forms.ModelForm):
    currency = forms.CharField(
        label=_("Currency"),
        max_length=8,
        widget=forms.TextInput(attrs={"size": 3}),
    )

    class Meta:
        model = Funding
        fields = ["donor", "amount", "currency", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise ValidationError(_("The amount cannot be negative."), code="negative")
        return amount

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if not CURRENCY.fullmatch(currency):
            raise ValidationError(_("Enter a three-letter ISO 4217 currency code, e.g. EUR or USD."), code="currency")
        return currency

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The funding period must end on or after its start."))
        return cleaned


ROWS = {"can_delete": True, "max_num": MAX_ROWS, "validate_max": True}
PartyFormSet = inlineformset_factory(Initiative, Party, form=PartyForm, formset=BasePartyFormSet, extra=2, **ROWS)
TeamFormSet = inlineformset_factory(
    Initiative, TeamMembership, form=TeamMembershipForm, formset=BaseTeamFormSet, extra=2, **ROWS
)
FundingFormSet = inlineformset_factory(
    Initiative, Funding, form=FundingForm, formset=StyledInlineFormSet, extra=1, **ROWS
)


def initiative_formsets(data=None, *, initiative, level):
    """The inline formsets of the initiative edit page; the rows are checked against the initiative at
    ``level`` (the level being saved with them: team members must be cleared for it)."""
    posted = copy(initiative)
    posted.level = level
    return {
        "parties": PartyFormSet(data, instance=posted, prefix="parties"),
        "team": TeamFormSet(data, instance=posted, prefix="team"),
        "fundings": FundingFormSet(data, instance=posted, prefix="fundings"),
    }


# --- Workshops ----------------------------------------------------------------------------------


class WorkshopForm(StyledFormMixin, forms.ModelForm):
    time_zone = TimeZoneField(label=_("Venue time zone"), required=False)
    starts_at = VenueDateTimeField(label=_("Starts (venue time)"))
    ends_at = VenueDateTimeField(label=_("Ends (venue time)"))
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Workshop
        fields = [
            "title",
            "kind",
            "venue",
            "city",
            "country",
            "time_zone",
            "starts_at",
            "ends_at",
            "languages",
            "interpretation",
            "capacity",
            "level",
            "status",
            "reminder_days",
            "chase_after_days",
        ]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        limit_level_choices(self.fields["level"], self.user)
        self.fields["status"].choices = self.instance.status_choices()
        self.fields["capacity"].error_messages["min_value"] = _("Capacity cannot be negative.")
        self.accepted_count = selectors.workshop_accepted_count(self.instance) if self.instance.pk else 0
        if self.is_bound and self._capacity_posted_below(self.accepted_count):
            # Only when it matters: saving a capacity below those who accepted takes a deliberate tick.
            self.fields["keep_capacity"] = forms.BooleanField(
                label=_("Keep this capacity although more people have accepted"),
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
        if self.instance.pk:
            zone = self.instance.zone
            self.initial["starts_at"] = as_venue_wall_clock(self.instance.starts_at, zone)
            self.initial["ends_at"] = as_venue_wall_clock(self.instance.ends_at, zone)
        self.offer_time_zones()

    def offer_time_zones(self, venue=None):
        """Fit the time zone field to the venue: its country's zones first in the list, and (on a page
        being filled in) its usual zone filled in when the field holds none of the country's zones.

        ``venue``: the country, city and time zone as typed so far (the page asks again through HTMX
        when the country or city changes); else the posted data, or the workshop.
        """
        # A saved workshop's zone is never changed behind the user's back: only a venue being typed
        # (or a new workshop) gets its usual zone filled in.
        if venue is not None:
            country, city, current = (venue.get(name, "") for name in ("country", "city", "time_zone"))
            may_fill = True
        elif self.is_bound:
            country, city = (self.data.get(self.add_prefix(name), "") for name in ("country", "city"))
            current, may_fill = None, False
        else:
            country, city = self.instance.country, self.instance.city
            current = self.instance.time_zone if self.instance.pk else ""
            may_fill = not self.instance.pk
        zones = country_zones(country)
        field = self.fields["time_zone"]
        field.widget.first = zones
        if zones:
            field.help_text = _(
                "Start and end are local times there. The zones of %(country)s come first in the list."
            ) % {"country": countries.name(str(country))}
        else:
            field.help_text = _("Start and end are local times there. Type a city or region to search the list.")
        if may_fill:
            typed = canonical_zone(current)
            if zones and typed not in zones:
                # A zone of another country is left over from an earlier venue: the usual one, or none.
                typed = usual_zone(country, city) or (None if zone_country(typed) else typed)
            self.initial["time_zone"] = typed or usual_zone(country, city) or ""
        # With JavaScript, the list follows the venue as it is typed: this page, asked again (the ids
        # are spelled out rather than read from bound fields, which would keep the help text above).
        ids = {name: self.auto_id % self.add_prefix(name) for name in ("country", "city", "time_zone")}
        for name in ("country", "city"):
            self.fields[name].widget.attrs.update(
                {
                    "data-hx-get": "",
                    "data-hx-trigger": "change",
                    "data-hx-vals": '{"refresh": "time_zone"}',
                    "data-hx-include": ", ".join(f"#{id_}" for id_ in ids.values()),
                    "data-hx-target": f"#{ids['time_zone']}-field",
                    "data-hx-swap": "outerHTML",
                    "data-hx-sync": "closest form:replace",
                }
            )

    def clean_time_zone(self):
        """Any IANA zone; left empty, the venue's usual zone where there is no doubt which it is."""
        zone = self.cleaned_data.get("time_zone")
        if zone:
            return zone
        country, city = self.cleaned_data.get("country"), self.cleaned_data.get("city")
        zone = usual_zone(country, city)
        if zone:
            return zone
        if country_zones(country):
            raise ValidationError(
                _("%(country)s has several time zones: type the venue's city or region and pick one."),
                code="ambiguous",
                params={"country": countries.name(str(country))},
            )
        raise ValidationError(_("Enter the venue's time zone, or choose its country."), code="required")

    def workshop_fields(self):
        """The cleaned values of the workshop's own fields, as keyword arguments for the services."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def _capacity_posted_below(self, accepted):
        try:
            return int(self.data.get(self.add_prefix("capacity"), "")) < accepted
        except (TypeError, ValueError, OverflowError):
            return False

    def clean(self):
        cleaned = super().clean()
        capacity = cleaned.get("capacity")
        if capacity is not None and capacity < self.accepted_count and not cleaned.get("keep_capacity"):
            self.add_error(
                "capacity",
                ValidationError(
                    _(
                        "%(accepted)s people have accepted already, more than a capacity of %(capacity)s. "
                        "Raise the capacity, or tick the box below to keep it."
                    ),
                    code="below_accepted",
                    params={"accepted": self.accepted_count, "capacity": capacity},
                ),
            )
        zone_name = cleaned.get("time_zone")
        if zone_name:
            zone = zoneinfo.ZoneInfo(zone_name)
            for name in ("starts_at", "ends_at"):
                if cleaned.get(name) is not None:
                    utc = to_venue_time(cleaned[name], zone)
                    if utc is None:
                        self.add_error(
                            name, _("This time does not exist in %(zone)s (the clocks change).") % {"zone": zone_name}
                        )
                    else:
                        cleaned[name] = utc
        # The end after the start and the level against the initiative's: Workshop.clean().
        return cleaned

    def venue_zone(self):
        """The venue's time zone as posted (else as stored): the agenda's times are typed in it."""
        data = getattr(self, "cleaned_data", {})
        return zoneinfo.ZoneInfo(data.get("time_zone") or self.instance.time_zone)


class AgendaSessionForm(StyledFormMixin, forms.ModelForm):
    """A session of the agenda; that it falls within the workshop as posted is ``AgendaSession.clean``."""

    starts_at = VenueDateTimeField(label=_("Starts (venue time)"))
    ends_at = VenueDateTimeField(label=_("Ends (venue time)"))

    class Meta:
        model = AgendaSession
        fields = ["title", "starts_at", "ends_at", "description"]
        widgets = {"description": forms.TextInput()}

    def __init__(self, *args, zone, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)
        self.stored_times = (self.instance.starts_at, self.instance.ends_at)
        if self.instance.pk:
            self.initial["starts_at"] = as_venue_wall_clock(self.instance.starts_at, self.zone)
            self.initial["ends_at"] = as_venue_wall_clock(self.instance.ends_at, self.zone)

    def clean(self):
        cleaned = super().clean()
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name) is not None:
                utc = to_venue_time(cleaned[name], self.zone)
                if utc is None:
                    self.add_error(name, _("This time does not exist in the venue's time zone (the clocks change)."))
                else:
                    cleaned[name] = utc
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("A session must end after it starts."))
        return cleaned

    def has_changed(self):
        """Also changed when the same wall-clock times now mean other instants (the venue zone changed)."""
        if super().has_changed():
            return True
        data = getattr(self, "cleaned_data", None) or {}
        if not self.instance.pk or "starts_at" not in data or "ends_at" not in data:
            return False
        return (data["starts_at"], data["ends_at"]) != self.stored_times


AgendaSessionFormSet = inlineformset_factory(
    Workshop,
    AgendaSession,
    form=AgendaSessionForm,
    formset=StyledInlineFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_SESSIONS,
    validate_max=True,
)


def agenda_formset(data=None, *, workshop, zone=None):
    """The agenda of ``workshop`` (as posted, on a page being saved: sessions must fall within it); times
    are typed in ``zone``, else the workshop's."""
    zone = zone or zoneinfo.ZoneInfo(workshop.time_zone)
    return AgendaSessionFormSet(data, instance=workshop, prefix="sessions", form_kwargs={"zone": zone})


class RsvpForm(StyledFormMixin, forms.Form):
    """An invitee's answer on the RSVP page (no account): accept or decline, and what attending needs."""

    ACCEPT, DECLINE = "accept", "decline"

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[(ACCEPT, _("I accept the invitation")), (DECLINE, _("I decline the invitation"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose whether you accept or decline.")},
    )
    needs_visa_letter = forms.BooleanField(label=_("I need a visa letter"), required=False)
    needs_travel_support = forms.BooleanField(label=_("I need support with travel costs"), required=False)
    dietary_requirements = forms.CharField(
        label=_("Dietary requirements"),
        max_length=200,
        required=False,
        help_text=_("For example vegetarian, halal, allergies."),
    )
    interpretation_language = forms.ChoiceField(
        label=_("Interpretation into"),
        choices=[("", _("No interpretation needed")), *settings.LANGUAGES],
        required=False,
    )

    @classmethod
    def initial_for(cls, invitation):
        """The invitation's answer so far, to change it."""
        answer = {"accepted": cls.ACCEPT, "declined": cls.DECLINE}.get(invitation.status)
        return {
            "answer": answer,
            "needs_visa_letter": invitation.needs_visa_letter,
            "needs_travel_support": invitation.needs_travel_support,
            "dietary_requirements": invitation.dietary_requirements,
            "interpretation_language": invitation.interpretation_language,
        }

    def response(self):
        """What ``services.invitation_respond`` takes."""
        data = self.cleaned_data
        return {
            "accepted": data["answer"] == self.ACCEPT,
            "needs_visa_letter": data["needs_visa_letter"],
            "needs_travel_support": data["needs_travel_support"],
            "dietary_requirements": data["dietary_requirements"],
            "interpretation_language": data["interpretation_language"],
        }


# --- The calendar -------------------------------------------------------------------------------


class CalendarFilterForm(StyledFormMixin, forms.Form):
    """The calendar's filter: one initiative the user may see (a type-ahead: the list grows)."""

    initiative = TypeAheadChoiceField(INITIATIVES, label=_("Initiative"), required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["initiative"].error_messages["invalid_choice"] = _(
            "That is not an initiative you may see: the calendar shows all of yours."
        )

    def chosen_initiative(self):
        """The initiative chosen, or ``None`` (also when what was sent is not one the user may see)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("initiative")


class ConflictConfirmationForm(forms.Form):
    """The tick that saves a workshop although some of its people are booked elsewhere at the time."""

    save_anyway = forms.BooleanField(
        label=_("Save anyway: I have seen the scheduling conflicts"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def confirmed(self):
        return self.is_valid() and self.cleaned_data["save_anyway"]
