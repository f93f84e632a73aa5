import datetime as dt
import functools
import zoneinfo

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.levels import Level
from core.time_zones import viewer_zone_name

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


def _formatted(value, zone, format_name):
    """``value`` in ``zone`` (``_in_zone``) in the active language's format ``format_name``. A page shows the
    same few moments many times (a workshop's start in every list and warning that names it): each is
    formatted once per moment, zone, format and language (``_format``)."""
    if not zone:
        zone = timezone.get_current_timezone()
    if not isinstance(value, dt.date):  # not a moment: formatted as it comes, uncached
        return _format.__wrapped__(value, zone, format_name, None)
    return _format(value, zone, format_name, get_language())


@functools.lru_cache(maxsize=4096)
def _format(value, zone, format_name, language):
    # ``language`` is the one active: a key, so that no language is shown another's format.
    moment = _in_zone(value, zone)
    return time_format(moment, format_name) if format_name == "TIME_FORMAT" else date_format(moment, format_name)


@register.filter
def when(value, zone=None):
    """A date and time: ``{{ workshop.starts_at|when:workshop.time_zone }}`` → 16 Dec 2026, 09:00."""
    if value in (None, ""):
        return ""
    return _formatted(value, zone, "DATETIME_FORMAT")


@register.filter
def day(value, zone=None):
    """A date (or the day of a moment): ``{{ funding.starts_on|day }}`` → 16 Dec 2026."""
    if value in (None, ""):
        return ""
    return _formatted(value, zone, "DATE_FORMAT")


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
    return _formatted(value, zone, "TIME_FORMAT")


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (keeps filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


# --- Small pieces shown on every row of a list: written in Python, not a template include per row.


@register.simple_tag
def level_badge(level):
    """A confidentiality level as a coloured badge."""
    try:
        label = Level(level).label
    except ValueError:
        label = _("Unknown")
    return format_html('<span class="badge level-badge level-{}">{}</span>', level, label)


@register.simple_tag(takes_context=True)
def workshop_when(context, workshop):
    """A workshop's start and end in the venue's time zone, with the zone's name; and in the viewer's
    own zone beside them where its clocks show other times (``viewer_zone``)."""
    venue = format_html(
        '<time datetime="{}">{}</time> – <time datetime="{}">{}</time> '
        '<span class="text-body-secondary small">({})</span>',
        iso(workshop.starts_at),
        when(workshop.starts_at, workshop.time_zone),
        iso(workshop.ends_at),
        when(workshop.ends_at, workshop.time_zone),
        workshop.time_zone,
    )
    viewer = viewer_zone(context)
    if not _clocks_differ(workshop.starts_at, workshop.time_zone, viewer):
        return venue
    return format_html(
        '{} <span class="viewer-time small">· {}</span>',
        venue,
        _("%(start)s – %(end)s your time (%(zone)s)")
        % {"start": when(workshop.starts_at, viewer), "end": when(workshop.ends_at, viewer), "zone": viewer},
    )


def viewer_zone(context):
    """The viewer's own zone (``core.time_zones.viewer_zone_name``); ``None`` outside a request (e-mails)."""
    request = context.get("request")
    return viewer_zone_name(request) if request is not None else None


def _clocks_differ(moment, zone, viewer):
    """Whether the viewer's clock shows another time than the venue's at ``moment``."""
    if not viewer or not zone or not isinstance(moment, dt.datetime) or timezone.is_naive(moment):
        return False
    if viewer == zone:
        return False
    try:
        return _in_zone(moment, zone).replace(tzinfo=None) != _in_zone(moment, viewer).replace(tzinfo=None)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OverflowError):
        return False


@register.simple_tag(takes_context=True)
def in_zones(context, moment, zone, short=False):
    """A moment at the venue, with its zone, and the viewer's time beside it where their clock differs:
    ``{% in_zones workshop.starts_at workshop.time_zone %}`` → 16 Dec 2026, 09:00 (Europe/Zurich)
    · 08:00 your time (Europe/London). ``short=True``: times of day only (a calendar's day cell)."""
    if moment in (None, ""):
        return ""
    show = clock if short else when
    venue = format_html(
        '<time datetime="{}">{}</time> <span class="text-body-secondary small">({})</span>',
        iso(moment),
        show(moment, zone),
        zone,
    )
    viewer = viewer_zone(context)
    if not _clocks_differ(moment, zone, viewer):
        return venue
    same_day = _in_zone(moment, zone).date() == _in_zone(moment, viewer).date()
    mine = clock(moment, viewer) if short or same_day else when(moment, viewer)
    return format_html(
        '{} <span class="viewer-time small">· {}</span>',
        venue,
        _("%(time)s your time (%(zone)s)") % {"time": mine, "zone": viewer},
    )


@register.simple_tag
def initiative_label(workshop):
    """The initiative of a workshop: a link where the viewer may see it (``initiative_visible``), else its
    codename alone."""
    initiative = workshop.initiative
    if getattr(workshop, "initiative_visible", False):
        return format_html(
            '<a href="{}">{}</a> <span class="codename small">{}</span>',
            initiative.get_absolute_url(),
            initiative.title,
            initiative.codename,
        )
    return format_html('<span class="codename">{}</span>', initiative.codename)


@register.simple_tag
def participant_name(participant, link=False):
    """A participant as the viewer may know them: the name, or the codename marked as such when their
    identity is protected (``identity_visible``); a link to their page with ``link=True``."""
    if participant.identity_visible:
        name = format_html("{}", participant.display_name)
    else:
        name = format_html(
            '<span class="codename" title="{}">{}</span>',
            _("Identity protected: shown by codename"),
            participant.display_name,
        )
    if link:
        return format_html('<a href="{}">{}</a>', participant.get_absolute_url(), name)
    return name
