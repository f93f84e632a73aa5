"""Validators every app shares: dates Parley can work with, and lists of language codes.

A date at the very edge of the calendar (year 1, year 9999) is valid for Python and PostgreSQL, but
moving it into a venue's time zone or adding a day to it steps off the calendar; no meeting or log entry
of Parley is that far away, so such dates are refused where they are entered, with a clear message.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


def _year_of(value):
    return value.year if isinstance(value, dt.date) else None


def validate_datetime_in_range(value):
    """A date and time between the years ``EARLIEST_YEAR`` and ``LATEST_YEAR`` (whatever its time zone)."""
    year = _year_of(value)
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValidationError(
            _("Enter a date and time between the years %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


def validate_date_in_range(value):
    """A date between the years ``EARLIEST_YEAR`` and ``LATEST_YEAR``."""
    year = _year_of(value)
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValidationError(
            _("Enter a date between the years %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


def language_codes():
    """The language codes a record may hold: Parley's languages."""
    return [code for code, _name in settings.LANGUAGES]


def validate_language_codes(value):
    """A list of distinct codes of Parley's languages (``["en", "ar"]``); the empty list is fine."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Enter a list of language codes, such as en or fr."), code="not_a_list")
    unknown = [code for code in value if code not in language_codes()]
    if unknown:
        raise ValidationError(
            _("Unknown language codes: %(codes)s. Choose from %(known)s."),
            code="unknown_language",
            params={"codes": ", ".join(unknown), "known": ", ".join(language_codes())},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each language may be listed only once."), code="duplicate_language")
