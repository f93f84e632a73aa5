"""IANA time zones: every known name, the zones of each country, a city's usual zone, and the form
field to pick one.

The zones of a country come from ``zone.tab`` of the ``tzdata`` package (the IANA database that
``zoneinfo`` reads where the system has none): one line per zone, with the ISO 3166 code of its
country.
"""

import unicodedata
import zoneinfo
from functools import cache
from importlib import resources
from urllib.parse import unquote

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def all_zones():
    """Every zone name ``zoneinfo`` knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


@cache
def _canonical_names():
    return {name.casefold(): name for name in all_zones()}


def canonical_zone(text):
    """The zone named ``text`` spelled as IANA spells it ("europe/oslo" → "Europe/Oslo"); ``None`` if unknown."""
    return _canonical_names().get((text or "").strip().casefold())


@cache
def _zones_by_country():
    table = {}
    source = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in source.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, zone, *_comment = line.split("\t")
        table.setdefault(country, []).append(zone)
    return {country: tuple(zones) for country, zones in table.items()}


def country_zones(country):
    """The zones of an ISO 3166 country code, in the database's order (for the US: east to west)."""
    return _zones_by_country().get(str(country or "").upper(), ())


def zone_country(zone):
    """The country code a zone belongs to in ``zone.tab``; ``None`` for "UTC", "Etc/GMT+5" and the like."""
    return _countries_by_zone().get(zone)


@cache
def _countries_by_zone():
    return {zone: country for country, zones in _zones_by_country().items() for zone in zones}


def _place_key(name):
    """ "São Paulo", "sao paulo" and the zone's "Sao_Paulo" alike."""
    decomposed = unicodedata.normalize("NFKD", name.replace("_", " "))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def usual_zone(country, city=""):
    """The zone a venue is usually in, where that is unambiguous, else ``None``.

    A country with one zone: that zone, whatever the city (Geneva, CH: Europe/Zurich). A country
    with several: the zone named after the city, if there is one (New York, US: America/New_York).
    """
    zones = country_zones(country)
    if len(zones) == 1:
        return zones[0]
    city_key = _place_key(city or "")
    if not city_key:
        return None
    named = [zone for zone in zones if _place_key(zone.rsplit("/", 1)[-1]) == city_key]
    return named[0] if len(named) == 1 else None


# --- The form field: a text box that searches a list of zones, the venue country's first -----------


class TimeZoneInput(forms.TextInput):
    """A text box with a ``<datalist>`` of zones to search (the browser filters it as one types):
    ``first`` (the venue country's zones) at the top, then every other zone. Without a browser that
    lists, it is a text box that takes any IANA name."""

    template_name = "core/widgets/time_zone_input.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", "dir": "ltr", **(attrs or {})})
        self.first = ()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["list_id"] = widget["attrs"]["list"] = f"{widget['attrs'].get('id') or name}-zones"
        widget["first"], first = self.first, set(self.first)
        widget["rest"] = [zone for zone in all_zones() if zone not in first]
        return context


class TimeZoneField(forms.CharField):
    """Any IANA zone name, whatever its case; the venue's zones are offered first by the form."""

    widget = TimeZoneInput
    default_error_messages = {
        "unknown": _(
            "“%(value)s” is not a time zone. Type the venue's city or region and pick a zone from the "
            "list, e.g. Europe/Zurich."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        zone = canonical_zone(value)
        if zone is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown", params={"value": value})
        return zone


# --- The viewer's own zone: times are shown in the venue's zone, and in this one beside it ------------

# Written by static/js/time_zone.js: the browser's zone (``Intl.DateTimeFormat().resolvedOptions().timeZone``).
BROWSER_ZONE_COOKIE = "parley_tz"


@cache
def _zone_names():
    return frozenset(all_zones())


def is_zone(name):
    """Whether ``name`` is an IANA zone name exactly as ``zoneinfo`` spells it."""
    return isinstance(name, str) and name in _zone_names()


def viewer_zone_name(request):
    """The zone the viewer reads times in: the one chosen in their profile, else their browser's (the
    ``parley_tz`` cookie), else UTC. A value that is not a known zone is passed over, never trusted."""
    if request is None:
        return "UTC"
    cached = getattr(request, "_parley_viewer_zone", None)
    if cached:
        return cached
    user = getattr(request, "user", None)
    chosen = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    zone = chosen if is_zone(chosen) else (browser_zone_name(request) or "UTC")
    request._parley_viewer_zone = zone
    return zone


def browser_zone_name(request):
    """The browser's zone as its page last told Parley (the ``parley_tz`` cookie); "" if none or not a zone."""
    browser = unquote(request.COOKIES.get(BROWSER_ZONE_COOKIE, "")[:100])
    return browser if is_zone(browser) else ""
