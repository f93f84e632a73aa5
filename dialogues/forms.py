"""Forms of the dialogues app: initiatives with their parties, team and funding; workshops with their
agenda. Times of a workshop are entered in the venue's time zone and stored in UTC."""

import datetime as dt
import re
import zoneinfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.formats import date_format
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

from . import selectors
from .models import AgendaSession, Funding, Initiative, Invitation, Party, TeamMembership, Workshop

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
    initiative = forms.ModelChoiceField(label=_("Initiative"), required=False, queryset=Initiative.objects.none())
    when = forms.ChoiceField(label=_("When"), required=False, choices=WHEN_CHOICES)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = Initiative.objects.visible_to(self.user).order_by("codename")
        self.fields["initiative"].label_from_instance = lambda i: f"{i.codename} — {i.title}"
        self.fields["initiative"].empty_label = _("All initiatives")

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


class InitiativeForm(StyledFormMixin, forms.ModelForm):
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

    def clean_level(self):
        level = self.cleaned_data["level"]
        if self.instance.pk and level > self.instance.level:
            names = selectors.workshops_below_level_label(self.user, self.instance, level)
            if names:
                raise ValidationError(
                    _(
                        "These workshops are below %(level)s and would be less confidential than their initiative: "
                        "%(workshops)s. Raise their levels first."
                    ),
                    code="workshops_below",
                    params={"level": Level(level).label, "workshops": names},
                )
        return level


class TeamMembershipForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = TeamMembership
        fields = ["user", "role"]
        field_classes = {"user": UserChoiceField}

    def __init__(self, *args, initiative_level=None, candidates=None, candidate_choices=None, **kwargs):
        self.initiative_level = initiative_level
        self.candidates, self.candidate_choices = candidates, candidate_choices
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = self.candidates if self.candidates is not None else selectors.team_candidates()
        if self.candidate_choices is not None:
            self.fields["user"].choices = self.candidate_choices  # evaluated once for the whole formset

    def clean(self):
        cleaned = super().clean()
        member = cleaned.get("user")
        if (
            member is not None
            and self.initiative_level is not None
            and not cleaned.get("DELETE")
            and member.clearance < self.initiative_level
        ):
            self.add_error(
                "user",
                _(
                    "%(name)s is cleared for %(clearance)s only, below this initiative's level (%(level)s). "
                    "Choose someone cleared for it."
                )
                % {
                    "name": member.full_name or member.email,
                    "clearance": member.get_clearance_display(),
                    "level": Level(self.initiative_level).label,
                },
            )
        return cleaned


class TeamRowsMixin:
    """Team rows, saved so that members can trade places in one save (the site's form and the admin's).

    A row whose member is changed is that member leaving and another joining: such rows are removed
    before any row is saved and added again after, so no row ever meets the "once per team" rule on
    the way (A in place of B and B in place of A used to end in a database error).
    """

    def get_unique_error_message(self, unique_check):
        return _("Each person can be on the team only once.")

    def save_existing_objects(self, commit=True):
        moved = [
            form
            for form in self.initial_forms
            if commit
            and form.instance.pk is not None
            and form not in self.deleted_forms
            and "user" in form.changed_data
        ]
        if moved:
            TeamMembership.objects.filter(pk__in=[form.instance.pk for form in moved]).delete()
            for form in moved:
                form.instance.pk, form.instance._state.adding = None, True  # left out below, added after
        saved = super().save_existing_objects(commit)
        for form in moved:
            saved.append(self.save_new(form, commit=commit))
            self.changed_objects.append((form.instance, form.changed_data))
        return saved


class TeamMembershipRowsFormSet(TeamRowsMixin, CheckedInlineFormSet):
    """The admin's team rows."""


class BaseTeamFormSet(TeamRowsMixin, StyledInlineFormSet):
    def __init__(self, *args, initiative_level=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative_level = initiative_level
        self.candidates = selectors.team_candidates(self.instance)

    @cached_property
    def candidate_choices(self):
        field = UserChoiceField(queryset=self.candidates)
        return [("", field.empty_label), *((user.pk, field.label_from_instance(user)) for user in self.candidates)]

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs.update(
            initiative_level=self.initiative_level,
            candidates=self.candidates,
            candidate_choices=self.candidate_choices,
        )
        return kwargs

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept = [form.cleaned_data for form in self.forms if not self._should_delete_form(form)]
        if not any(data.get("user") and data.get("role") == TeamMembership.Role.LEAD for data in kept):
            raise ValidationError(_("The team needs at least one lead."), code="no_lead")


class PartyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Party
        fields = ["name", "description"]
        widgets = {"description": forms.TextInput()}


class PartyRowsMixin:
    """Party rows, saved so that names can move between parties in one save (the site's form and the
    admin's).

    Renamed and removed parties give up their names before any party is saved, so that two parties
    can swap names, or one take the name of another renamed or removed (this used to end in a
    database error).
    """

    def get_unique_error_message(self, unique_check):
        return _("Each party needs its own name.")

    def save_existing_objects(self, commit=True):
        if commit:
            vacating = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk is not None and (form in self.deleted_forms or "name" in form.changed_data)
            ]
            if vacating:
                # A name no form can post (the forms strip spaces), unique per row; each is replaced below.
                placeholder = Concat(Value(" renaming "), Cast("pk", output_field=CharField()), Value(" "))
                Party.objects.filter(pk__in=vacating).update(name=placeholder)
        return super().save_existing_objects(commit)


class PartyRowsFormSet(PartyRowsMixin, CheckedInlineFormSet):
    """The admin's party rows."""


class BasePartyFormSet(PartyRowsMixin, StyledInlineFormSet):
    def clean(self):
        super().clean()
        removed = [form.instance.pk for form in self.forms if form.instance.pk and self._should_delete_form(form)]
        if removed:
            invited = (
                Party.objects.filter(pk__in=removed)
                .filter(pk__in=Invitation.objects.values("party_id"))
                .values_list("name", flat=True)
            )
            if invited:
                raise ValidationError(
                    _("These parties have invitations and cannot be removed: %(parties)s."),
                    code="party_invited",
                    params={"parties": ", ".join(invited)},
                )


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
    """The inline formsets of the initiative edit page; team clearances are checked against ``level``."""
    return {
        "parties": PartyFormSet(data, instance=initiative, prefix="parties"),
        "team": TeamFormSet(data, instance=initiative, prefix="team", initiative_level=level),
        "fundings": FundingFormSet(data, instance=initiative, prefix="fundings"),
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

    def session_kwargs(self):
        """What the agenda formset needs from this form: the venue zone and, if valid, the span."""
        data = getattr(self, "cleaned_data", {})
        zone_name = data.get("time_zone") or self.instance.time_zone
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        span = (starts_at, ends_at) if starts_at and ends_at and ends_at > starts_at else None
        return {"zone": zoneinfo.ZoneInfo(zone_name), "span": span}


class AgendaSessionForm(StyledFormMixin, forms.ModelForm):
    starts_at = VenueDateTimeField(label=_("Starts (venue time)"))
    ends_at = VenueDateTimeField(label=_("Ends (venue time)"))

    class Meta:
        model = AgendaSession
        fields = ["title", "starts_at", "ends_at", "description"]
        widgets = {"description": forms.TextInput()}

    def __init__(self, *args, zone, span=None, **kwargs):
        self.zone, self.span = zone, span
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
        if starts_at and ends_at:
            if ends_at <= starts_at:
                self.add_error("ends_at", _("A session must end after it starts."))
            elif self.span and (starts_at < self.span[0] or ends_at > self.span[1]):
                self.add_error(
                    "starts_at",
                    _("A session must fall within the workshop, from %(start)s to %(end)s.")
                    % {
                        "start": date_format(self.span[0].astimezone(self.zone), "DATETIME_FORMAT"),
                        "end": date_format(self.span[1].astimezone(self.zone), "DATETIME_FORMAT"),
                    },
                )
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


def agenda_formset(data=None, *, workshop, zone=None, span=None):
    zone = zone or zoneinfo.ZoneInfo(workshop.time_zone)
    return AgendaSessionFormSet(data, instance=workshop, prefix="sessions", form_kwargs={"zone": zone, "span": span})
