"""The workshop calendar: which period a page shows (a month, or an ISO week), its days in weeks, and the
workshops of each day, placed on the days they run at the venue (the venue's own calendar date).

Nothing here reads the database: the view asks ``selectors.workshops_in_period_for`` once, and this
module lays the rows out.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _

from core.validators import EARLIEST_YEAR, LATEST_YEAR

MONTH = re.compile(r"(\d{4})-(\d{2})")
WEEK = re.compile(r"(\d{4})-[Ww](\d{2})")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The widest a venue's clock is from UTC (UTC+14, UTC-12): workshops are read with this margin around
# the days shown, then placed by their venue's date.
ZONE_MARGIN = dt.timedelta(days=1)


@dataclass
class Day:
    date: dt.date
    in_period: bool
    is_today: bool
    entries: list = field(default_factory=list)


@dataclass
class Period:
    """The days a calendar page shows: ``kind`` "month" or "week", from ``first`` to ``last`` (whole
    weeks, Monday to Sunday); ``value`` as the query string spells it (2026-12, 2026-W51)."""

    kind: str
    start: dt.date  # the first day of the month or week itself
    end: dt.date  # its last day
    first: dt.date
    last: dt.date

    @property
    def value(self):
        if self.kind == "week":
            year, week, _weekday = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self):
        if self.kind == "week":
            year, week, _weekday = self.start.isocalendar()
            return _("Week %(week)s of %(year)s, %(start)s – %(end)s") % {
                "week": week,
                "year": year,
                "start": formats.date_format(self.start, "DATE_FORMAT"),
                "end": formats.date_format(self.end, "DATE_FORMAT"),
            }
        return formats.date_format(self.start, "YEAR_MONTH_FORMAT")

    def step(self, direction):
        """The period before (``-1``) or after (``1``) this one; ``None`` beyond the years Parley works with."""
        if self.kind == "week":
            start = self.start + dt.timedelta(weeks=direction)
            return week_period(start) if EARLIEST_YEAR <= start.year <= LATEST_YEAR else None
        month = self.start.year * 12 + self.start.month - 1 + direction
        year, month = divmod(month, 12)
        return month_period(year, month + 1) if EARLIEST_YEAR <= year <= LATEST_YEAR else None


def month_period(year, month):
    start = dt.date(year, month, 1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return Period(
        "month",
        start,
        end,
        start - dt.timedelta(days=start.weekday()),
        end + dt.timedelta(days=6 - end.weekday()),
    )


def week_period(day):
    start = day - dt.timedelta(days=day.weekday())
    end = start + dt.timedelta(days=6)
    return Period("week", start, end, start, end)


def period_from(query, today):
    """The period asked for by ``?week=YYYY-Www`` or ``?month=YYYY-MM``, and a message when the request
    could not be read (then: the month of ``today``). Never raises, whatever is typed."""
    week, month = query.get("week"), query.get("month")
    if week is not None:
        match = WEEK.fullmatch(week.strip()[:20])
        if match:
            year, number = (int(part) for part in match.groups())
            if EARLIEST_YEAR <= year <= LATEST_YEAR:
                try:
                    return week_period(dt.date.fromisocalendar(year, number, 1)), None
                except ValueError:
                    pass
        return month_period(today.year, today.month), _(
            "“%(value)s” is not a week Parley can show (e.g. 2026-W51): this month is shown instead."
        ) % {"value": week[:20]}
    if month is not None:
        match = MONTH.fullmatch(month.strip()[:20])
        if match:
            year, number = (int(part) for part in match.groups())
            if EARLIEST_YEAR <= year <= LATEST_YEAR and 1 <= number <= 12:
                return month_period(year, number), None
        return month_period(today.year, today.month), _(
            "“%(value)s” is not a month Parley can show (e.g. 2026-12): this month is shown instead."
        ) % {"value": month[:20]}
    return month_period(today.year, today.month), None


def date_from(text):
    """A day given as YYYY-MM-DD (the calendar's link to a new workshop); ``None`` if it is not one."""
    text = (text or "").strip()
    if len(text) != 10 or not DATE.fullmatch(text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def utc_bounds(period):
    """The moments to read workshops between: the days shown, widened by the farthest a venue's clock is
    from UTC."""
    start = dt.datetime.combine(period.first, dt.time.min, tzinfo=dt.UTC) - ZONE_MARGIN
    end = dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC) + ZONE_MARGIN
    return start, end


def weeks_of(period, workshops, today):
    """The days of ``period`` in weeks, each with the workshops running on it at the venue's date (a
    workshop of three days is on each of the three), in the order given."""
    days = {}
    weeks = []
    day = period.first
    while day <= period.last:
        week = []
        for _weekday in range(7):
            days[day] = Day(day, period.start <= day <= period.end, day == today)
            week.append(days[day])
            day += dt.timedelta(days=1)
        weeks.append(week)
    for workshop in workshops:
        first = workshop.starts_at.astimezone(workshop.zone).date()
        # A workshop that ends at midnight does not run on the day that begins then.
        last = (workshop.ends_at - dt.timedelta(microseconds=1)).astimezone(workshop.zone).date()
        day, last = max(first, period.first), min(last, period.last)
        while day <= last:
            days[day].entries.append({"workshop": workshop, "first_day": day == first})
            day += dt.timedelta(days=1)
    return weeks
