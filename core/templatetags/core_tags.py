import datetime as dt
import zoneinfo

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from core.levels import Level

register = template.Library()


# --- Dates and times: one format everywhere, the language's DATE_FORMAT / DATETIME_FORMAT / TIME_FORMAT
# (config/formats/). A moment is shown in ``zone`` when given (a workshop's venue), else in the current
# time zone (UTC); a missing value is shown as nothing, so that ``|default:"—"`` applies.


def _in_zone(value, zone):
    if not (isinstance(value, dt.datetime) and timezone.is_aware(value)):
        return value
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone) if zone else None
    return timezone.localtime(value, zone)


@register.filter
def when(value, zone=None):
    """A date and time: ``{{ workshop.starts_at|when:workshop.time_zone }}`` → 16 Dec 2026, 09:00."""
    if value in (None, ""):
        return ""
    return date_format(_in_zone(value, zone), "DATETIME_FORMAT")


@register.filter
def day(value, zone=None):
    """A date (or the day of a moment): ``{{ funding.starts_on|day }}`` → 16 Dec 2026."""
    if value in (None, ""):
        return ""
    return date_format(_in_zone(value, zone), "DATE_FORMAT")


@register.filter
def iso(value):
    """A moment for machines (``<time datetime>``): UTC, to the second, e.g. 2026-12-16T08:00:00+00:00."""
    if not isinstance(value, dt.datetime):
        return ""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


@register.filter
def clock(value, zone=None):
    """The time of day of a moment: ``{{ session.ends_at|clock:workshop.time_zone }}`` → 10:30."""
    if value in (None, ""):
        return ""
    return time_format(_in_zone(value, zone), "TIME_FORMAT")


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (keeps filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.inclusion_tag("includes/level_badge.html")
def level_badge(level):
    try:
        label = Level(level).label
    except ValueError:
        label = _("Unknown")
    return {"level": level, "label": label}
