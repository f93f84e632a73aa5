"""What every Parley form shares: Bootstrap classes on widgets and error states, and inline formsets
that a tampered or oversized POST cannot turn into a server error."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet
from django.forms.formsets import DELETION_FIELD_NAME, ManagementForm
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .levels import assignable_levels
from .widgets import TypeAheadChoiceField, faster

# However many rows TOTAL_FORMS claims, a formset builds at most this many beyond its ``max_num``
# (room for rows removed and added in the same save); Django's own bound is a thousand more.
ROW_HEADROOM = 10


class StyledFormMixin:
    """Adds Bootstrap classes to widgets, and ``is-invalid`` to fields with errors; puts the fast select
    widgets of ``core.widgets`` in place of Django's; fits type-ahead fields to the form's ``user``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, TypeAheadChoiceField):
                field.fit(self.user, self.data.get(field.widget.search_name(self.add_prefix(name)), ""))
            field.widget = widget = faster(field.widget)
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = ""
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        # Marked after validation, not in __init__: reading self.errors there would validate the form
        # before subclasses narrow their choices (levels, visible records).
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class CountedManagementForm(ManagementForm):
    """Django's management form, refusing negative row counts: a negative INITIAL_FORMS made stored rows
    count as new ones, inserted a second time."""

    TOTAL_FORMS = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    INITIAL_FORMS = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class CheckedInlineFormSet(BaseInlineFormSet):
    """An inline formset for the site and the admin alike.

    - Row counts in the management form must be whole numbers from 0, and no more stored rows may be claimed
      than the record has (none on a new one); otherwise the formset has one clear error and no rows.
    - At most ``max_num`` rows, never fewer than the rows already stored (so they can always be saved
      back), and at most ``ROW_HEADROOM`` more are ever built, whatever TOTAL_FORMS says.
    - Every stored row is among the rows posted: the services take the rows as the complete list wanted
      (``cleaned_rows``), so a row added by someone else while the page was open is not removed unseen.
    """

    default_error_messages = {
        "missing_management_form": _(
            "The form was damaged in transit (its count of rows is missing or wrong). "
            "Reload the page and make your changes again."
        ),
        "rows_added": _(
            "Rows were added by someone else while this page was open. Reload the page and make your changes again."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = len(self.get_queryset()) if self.instance.pk is not None else 0  # the rows the form shows
        self.stored_count = stored
        self.max_num = max(self.max_num, stored)
        self.absolute_max = self.max_num + ROW_HEADROOM

    @cached_property
    def management_form(self):
        if not self.is_bound:
            return super().management_form
        form = CountedManagementForm(self.data, auto_id=self.auto_id, prefix=self.prefix, renderer=self.renderer)
        form.full_clean()
        # More stored rows claimed than there are (on a new record: any): rows of another record, posted as if
        # they were this one's. Refused whole, like any damaged count.
        if form.is_valid() and form.cleaned_data["INITIAL_FORMS"] > self.stored_count:
            form.add_error(None, self.error_messages["missing_management_form"])
            form.cleaned_data["INITIAL_FORMS"] = form.cleaned_data["TOTAL_FORMS"] = 0
        return form

    def clean(self):
        super().clean()
        if self.management_form.is_valid() and self.instance.pk is not None:  # else the form says it is damaged
            shown = {form.instance.pk for form in self.initial_forms}
            if any(row.pk not in shown for row in self.get_queryset()):
                raise ValidationError(self.error_messages["rows_added"], code="rows_added")

    def cleaned_rows(self):
        """The rows asked for, as the services take them (after validation): every row kept, as a dict of
        its cleaned values with ``"id"``, the stored row's pk (``None`` for a new row). Stored rows left
        out (ticked "Remove") are to be removed."""
        left_out = {self.fk.name, self.model._meta.pk.name, DELETION_FIELD_NAME}
        deleted = self.deleted_forms
        rows = []
        for index, form in enumerate(self.forms):
            new = index >= self.initial_form_count()
            if form in deleted or (new and not form.has_changed()):
                continue
            values = {name: value for name, value in form.cleaned_data.items() if name not in left_out}
            rows.append({"id": None if new else form.instance.pk, **values})
        return rows


def limit_level_choices(field, user):
    """Offer only the levels up to the user's clearance, and say so if another is posted."""
    field.choices = assignable_levels(user)
    field.error_messages["invalid_choice"] = _("Choose a level no higher than your clearance (%(clearance)s).") % {
        "clearance": user.get_clearance_display()
    }


def account_label(user):
    """An account, named by name and e-mail (two people may share a name)."""
    if not user.full_name:
        return user.email
    return _("%(name)s (%(email)s)") % {"name": user.full_name, "email": user.email}


class UserChoiceField(forms.ModelChoiceField):
    """An account to choose, named by name and e-mail (two people may share a name)."""

    def label_from_instance(self, user):
        return account_label(user)
