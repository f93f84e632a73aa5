"""Forms of the dialogues app: initiatives with their parties, team and funding; workshops with their
agenda. Times of a workshop are entered in the venue's time zone and stored in UTC."""

import datetime as dt
import re
import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, DateTimeInput, StyledFormMixin
from core.levels import Level

from . import selectors
from .models import AgendaSession, Funding, Initiative, Invitation, Party, TeamMembership, Workshop

CURRENCY = re.compile(r"[A-Z]{3}")


@cache
def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def limit_level_choices(field, user):
    """Offer only the levels up to the user's clearance, and say so if another is posted."""
    field.choices = [(value, label) for value, label in Level.choices if value <= user.clearance]
    field.error_messages["invalid_choice"] = _("Choose a level no higher than your clearance (%(clearance)s).") % {
        "clearance": user.get_clearance_display()
    }


def to_venue_time(value, zone):
    """A wall-clock time typed in a form, read in ``zone``; ``None`` if the clocks skip that time."""
    wall = timezone.make_naive(value) if timezone.is_aware(value) else value
    local = wall.replace(tzinfo=zone)
    if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return local.astimezone(dt.UTC)


def as_venue_wall_clock(value, zone):
    """A stored UTC time as the naive wall-clock time at the venue, for a form's initial value."""
    return value.astimezone(zone).replace(tzinfo=None) if value else value


class StyledInlineFormSet(BaseInlineFormSet):
    """An inline formset of ``StyledFormMixin`` forms, its "Remove" box styled like the rest."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return _("%(name)s (%(email)s)") % {"name": user.full_name or user.email, "email": user.email}


# --- Filters ------------------------------------------------------------------------------------


class InitiativeFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100, help_text=_("Title, codename or conflict.")
    )
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


class BaseTeamFormSet(StyledInlineFormSet):
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


class BasePartyFormSet(StyledInlineFormSet):
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


PartyFormSet = inlineformset_factory(
    Initiative, Party, form=PartyForm, formset=BasePartyFormSet, extra=2, can_delete=True
)
TeamFormSet = inlineformset_factory(
    Initiative, TeamMembership, form=TeamMembershipForm, formset=BaseTeamFormSet, extra=2, can_delete=True
)
FundingFormSet = inlineformset_factory(
    Initiative, Funding, form=FundingForm, formset=StyledInlineFormSet, extra=1, can_delete=True
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
    time_zone = forms.ChoiceField(
        label=_("Venue time zone"), choices=time_zone_choices, help_text=_("Start and end are local times there.")
    )
    starts_at = forms.DateTimeField(label=_("Starts (venue time)"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends (venue time)"), widget=DateTimeInput())
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
    starts_at = forms.DateTimeField(label=_("Starts (venue time)"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends (venue time)"), widget=DateTimeInput())

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
    Workshop, AgendaSession, form=AgendaSessionForm, formset=StyledInlineFormSet, extra=3, can_delete=True
)


def agenda_formset(data=None, *, workshop, zone=None, span=None):
    zone = zone or zoneinfo.ZoneInfo(workshop.time_zone)
    return AgendaSessionFormSet(data, instance=workshop, prefix="sessions", form_kwargs={"zone": zone, "span": span})
