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
