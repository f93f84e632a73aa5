"""Model and form fields every app shares."""

import math

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import validate_language_codes


class LanguageChoiceField(forms.MultipleChoiceField):
    """Parley's languages as boxes to tick: what the admin shows instead of raw JSON."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", settings.LANGUAGES)
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        # An empty value (the admin's raw JSON used to post "") is no language, never a null.
        return [code for code in super().to_python(value) if code != ""]

    def has_changed(self, initial, data):
        # A stored value that is not a list (from before the rule) counts as no language at all.
        return super().has_changed(initial if isinstance(initial, list | tuple) else [], data)


def language_names(codes):
    """The names of a ``LanguagesField``'s codes in the current language, for display. An unknown code is
    shown as it is; a stored value that is not a list of codes (from before the rule) shows as none."""
    if not isinstance(codes, list | tuple):
        return []
    names = dict(settings.LANGUAGES)
    return [str(names.get(code, code)) for code in codes if isinstance(code, str)]


class LanguagesField(models.JSONField):
    """A list of language codes of Parley's languages, such as ``["en", "ar"]``.

    Stored as JSON; every form (the site's and the admin's) offers the languages as choices, and the
    model refuses anything else, so a page that lists the names never meets a number or a mapping.
    """

    default_validators = [validate_language_codes]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": LanguageChoiceField, **kwargs})


def _storable(value):
    """Whether PostgreSQL's jsonb can hold ``value``: no NaN or infinity, no NUL character anywhere."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


class StorableJSONField(forms.JSONField):
    """Django's JSON form field, refusing what the database would refuse with a server error.

    Python reads ``Infinity``, ``NaN``, ``1e400`` and ``"\u0000"`` as JSON; jsonb does not store them,
    and a number of thousands of digits makes Python itself give up. Each is a clear form error here.
    """

    default_error_messages = {"unstorable": _("Enter JSON without NaN, infinite numbers or NUL characters.")}

    def to_python(self, value):
        try:
            converted = super().to_python(value)
        except ValueError as error:  # not JSONDecodeError: an integer too long to convert
            if isinstance(error, ValidationError):
                raise
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from error
        if not _storable(converted):
            raise ValidationError(self.error_messages["unstorable"], code="unstorable")
        return converted

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except ValueError:
            return forms.fields.InvalidJSONInput(data)


REMINDER_DAYS_DEFAULT = (7, 1)
REMINDER_DAYS_MOST = 5
REMINDER_DAYS_LONGEST = 90


def validate_reminder_days(value):
    """A list of at most five whole numbers of days, 0 to 90, each once."""
    if (
        not isinstance(value, list)
        or len(value) > REMINDER_DAYS_MOST
        or not all(isinstance(day, int) and not isinstance(day, bool) for day in value)
    ):
        raise ValidationError(
            _("Give at most %(most)s numbers of days."), code="invalid", params={"most": REMINDER_DAYS_MOST}
        )
    if any(day < 0 or day > REMINDER_DAYS_LONGEST for day in value) or len(set(value)) != len(value):
        raise ValidationError(
            _("Each number of days must be between 0 and %(longest)s, and given once."),
            code="invalid",
            params={"longest": REMINDER_DAYS_LONGEST},
        )


class ReminderDaysFormField(forms.CharField):
    """Days before a workshop, typed as "7, 1"; cleaned to ``[7, 1]`` (largest first)."""

    def __init__(self, **kwargs):
        for name in ("encoder", "decoder", "max_length"):
            kwargs.pop(name, None)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts):
            raise ValidationError(_("Enter whole numbers of days separated by commas, e.g. 7, 1."), code="invalid")
        days = [int(part) for part in parts]
        validate_reminder_days(days)
        return sorted(days, reverse=True)

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != sorted(initial or [], reverse=True)
        except ValidationError:
            return True


def _reminder_days_default():
    return list(REMINDER_DAYS_DEFAULT)


class ReminderDaysField(models.JSONField):
    """Days before a workshop on which those who accepted are reminded: a list such as ``[7, 1]``."""

    default_validators = [validate_reminder_days]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", _reminder_days_default)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{**kwargs, "form_class": ReminderDaysFormField})
