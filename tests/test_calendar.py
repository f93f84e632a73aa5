"""The workshop calendar: a month or an ISO week of the workshops the viewer may see, on the days they run
at the venue, with today marked, filterable by initiative; a day links to a new workshop on that date
for those who may create one. Hostile parameters get a clear message, never a server error."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from dialogues.models import TeamMembership, Workshop

from . import factories as f
from .test_dialogues_views import team_initiative

pytestmark = pytest.mark.django_db

CALENDAR = reverse("dialogues:workshop-calendar")
UTC = dt.UTC
TODAY_CELL = r'aria-current="date">\s*<div[^>]*>\s*<time class="calendar-date" datetime="{}"'


def at(year, month, day, hour=9, zone="Europe/Zurich"):
    return dt.datetime(year, month, day, hour, tzinfo=zoneinfo.ZoneInfo(zone))


def workshop_on(initiative, start, *, hours=8, **fields):
    end = start + dt.timedelta(hours=hours)
    return f.WorkshopFactory(initiative=initiative, starts_at=start, ends_at=end, **fields)


def cell_of(html, day):
    """The HTML of the calendar cell of ``day`` (a date)."""
    pattern = r'<td[^>]*>\s*<div[^>]*>\s*<time class="calendar-date" datetime="' + day.isoformat() + r'"[^>]*>.*?</td>'
    match = re.search(pattern, html, re.S)
    assert match, f"no cell for {day}"
    return match.group(0)


@pytest.fixture
def lead_and_initiative(make_user):
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL)
    return lead, initiative


# --- what it shows -------------------------------------------------------------------------------


def test_the_month_shows_the_workshops_the_viewer_may_see_and_no_other(client, make_user, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop_on(initiative, at(2027, 3, 10), title="Lakeside roundtable")
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL)  # not on its team
    workshop_on(hidden, at(2027, 3, 10), title="Secret backchannel")
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    assert "Lakeside roundtable" in cell_of(html, dt.date(2027, 3, 10))
    assert "Secret backchannel" not in html
    assert hidden.codename not in html


def test_a_workshop_is_on_its_venues_date_at_its_venues_time(client, lead_and_initiative):
    """Tokyo, 8 March at 07:00, is still 7 March in UTC: the venue's date counts."""
    lead, initiative = lead_and_initiative
    workshop_on(initiative, at(2027, 3, 8, 7, zone="Asia/Tokyo"), title="Morning in Tokyo", time_zone="Asia/Tokyo")
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    cell = cell_of(html, dt.date(2027, 3, 8))
    assert "Morning in Tokyo" in cell
    assert "07:00" in cell and "(Asia/Tokyo)" in cell
    assert "Morning in Tokyo" not in cell_of(html, dt.date(2027, 3, 7))


def test_a_workshop_of_several_days_is_on_each_of_them(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop_on(initiative, at(2027, 3, 10), hours=24 * 2 + 8, title="Three-day conference")
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    for day in (10, 11, 12):
        assert "Three-day conference" in cell_of(html, dt.date(2027, 3, day))
    assert "Three-day conference" not in cell_of(html, dt.date(2027, 3, 13))
    assert "continued" in cell_of(html, dt.date(2027, 3, 11))


def test_each_entry_links_to_its_workshop(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = workshop_on(initiative, at(2027, 3, 10))
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    assert f'href="{workshop.get_absolute_url()}"' in html


def test_today_is_marked(client, lead_and_initiative):
    lead, _initiative = lead_and_initiative
    client.force_login(lead)
    today = timezone.now().astimezone(UTC).date()

    html = client.get(CALENDAR).content.decode()

    assert html.count('aria-current="date"') == 1
    assert re.search(TODAY_CELL.format(today), html)


def test_today_is_the_viewers_day(client, make_user):
    """Near midnight UTC, a viewer in Auckland is already on the next day."""
    viewer = make_user(Role.STAFF, Level.INTERNAL, time_zone="Pacific/Kiritimati")  # UTC+14
    client.force_login(viewer)
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()

    html = client.get(CALENDAR, {"month": f"{today:%Y-%m}"}).content.decode()

    assert re.search(TODAY_CELL.format(today), html)


def test_without_a_period_the_current_month_is_shown(client, staff):
    client.force_login(staff)
    today = timezone.now().astimezone(UTC).date()

    html = client.get(CALENDAR).content.decode()

    assert f'datetime="{today:%Y-%m}-01"' in html
    assert f'name="month" value="{today:%Y-%m}"' in html


# --- navigation ----------------------------------------------------------------------------------


def test_a_month_links_to_the_months_before_and_after_and_to_today(client, staff):
    client.force_login(staff)

    html = client.get(CALENDAR, {"month": "2027-01"}).content.decode()

    assert 'href="?month=2026-12"' in html
    assert 'href="?month=2027-02"' in html
    assert f'href="?month={timezone.now():%Y-%m}"' in html
    assert "January 2027" in html


def test_a_month_grid_is_whole_weeks_from_monday(client, staff):
    client.force_login(staff)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    days = re.findall(r'<time class="calendar-date" datetime="([\d-]+)"', html)
    assert days[0] == "2027-03-01"  # a Monday
    assert days[-1] == "2027-04-04"  # the Sunday after the 31st
    assert len(days) % 7 == 0


def test_an_iso_week_shows_its_seven_days_and_links_to_the_weeks_around_it(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop_on(initiative, at(2026, 12, 31), title="New Year's Eve talks")
    workshop_on(initiative, at(2027, 1, 5), title="The week after")
    client.force_login(lead)

    html = client.get(CALENDAR, {"week": "2026-W53"}).content.decode()

    days = re.findall(r'<time class="calendar-date" datetime="([\d-]+)"', html)
    assert days == [f"2026-12-{day}" for day in range(28, 32)] + ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert "New Year&#x27;s Eve talks" in html or "New Year's Eve talks" in html
    assert "The week after" not in html
    assert 'href="?week=2026-W52"' in html
    assert 'href="?week=2027-W01"' in html
    assert "Week 53 of 2026" in html


def test_the_filter_is_kept_when_moving_between_months(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03", "initiative": initiative.pk}).content.decode()

    assert f'href="?month=2027-04&amp;initiative={initiative.pk}"' in html


# --- the initiative filter -----------------------------------------------------------------------


def test_filtering_by_initiative_shows_its_workshops_only(client, make_user, lead_and_initiative):
    lead, initiative = lead_and_initiative
    other = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=other, user=lead)
    workshop_on(initiative, at(2027, 3, 10), title="Ours")
    workshop_on(other, at(2027, 3, 10), title="The other one")
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03", "initiative": initiative.pk}).content.decode()

    assert "Ours" in html
    assert "The other one" not in html


def test_an_initiative_the_viewer_may_not_see_filters_nothing_and_is_not_named(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Hidden talks")
    workshop_on(hidden, at(2027, 3, 10), title="Hidden workshop")
    workshop_on(initiative, at(2027, 3, 10), title="Ours")
    client.force_login(lead)

    response = client.get(CALENDAR, {"month": "2027-03", "initiative": hidden.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "not an initiative you may see" in html
    assert "Ours" in html
    assert "Hidden" not in html
    assert not re.search(rf'href="[^"]*initiative={hidden.pk}\b', html)


# --- a day links to a new workshop on that date --------------------------------------------------


def test_a_day_links_to_a_new_workshop_of_the_filtered_initiative(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03", "initiative": initiative.pk}).content.decode()

    link = reverse("dialogues:workshop-create", args=[initiative.pk]) + "?date=2027-03-10"
    assert f'href="{link}"' in cell_of(html, dt.date(2027, 3, 10))


def test_the_new_workshop_form_starts_on_the_date_of_the_day(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    url = reverse("dialogues:workshop-create", args=[initiative.pk])

    html = client.get(url, {"date": "2027-03-10"}).content.decode()

    assert 'value="2027-03-10T09:00"' in html
    assert 'value="2027-03-10T17:00"' in html


@pytest.mark.parametrize("date", ["9999-99-99", "abc", "2027-02-30", "0001-01-01", "2027-03-10T00:00", "x" * 5000])
def test_a_day_that_is_not_a_date_leaves_the_new_workshop_form_empty(client, lead_and_initiative, date):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    response = client.get(reverse("dialogues:workshop-create", args=[initiative.pk]), {"date": date})

    assert response.status_code == 200
    assert 'name="starts_at" value=' not in response.content.decode()


def test_no_day_links_to_a_new_workshop_without_an_initiative_chosen(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    assert "?date=" not in html
    assert "Choose an initiative to add a workshop" in html


def test_a_team_member_who_may_not_create_workshops_gets_no_day_links(client, make_user):
    initiative, advisor = team_initiative(make_user, level=Level.CONFIDENTIAL, role=TeamMembership.Role.ADVISOR)
    client.force_login(advisor)

    html = client.get(CALENDAR, {"month": "2027-03", "initiative": initiative.pk}).content.decode()

    assert "?date=" not in html
    assert client.get(reverse("dialogues:workshop-create", args=[initiative.pk])).status_code == 403


# --- hostile parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "9999-99"}, "is not a month"),
        ({"month": "2027-13"}, "is not a month"),
        ({"month": "0000-01"}, "is not a month"),
        ({"month": "99999999999999999999-01"}, "is not a month"),
        ({"month": "2027-3"}, "is not a month"),
        ({"month": "<script>"}, "is not a month"),
        ({"week": "abc"}, "is not a week"),
        ({"week": "2026-W54"}, "is not a week"),
        ({"week": "2027-W00"}, "is not a week"),
        ({"week": "9999-W01"}, "is not a week"),
        ({"week": "2027-W" + "9" * 40}, "is not a week"),
    ],
)
def test_a_period_that_cannot_be_shown_says_so_and_shows_this_month(client, staff, query, message):
    client.force_login(staff)
    today = timezone.now().astimezone(UTC).date()

    response = client.get(CALENDAR, query)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'name="month" value="{today:%Y-%m}"' in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("initiative", ["-1", "0", "abc", "99999999999999999999999", "1.5", "١٢", ""])
def test_an_initiative_that_is_not_one_shows_every_workshop(client, lead_and_initiative, initiative):
    lead, own = lead_and_initiative
    workshop_on(own, at(2027, 3, 10), title="Ours")
    client.force_login(lead)

    response = client.get(CALENDAR, {"month": "2027-03", "initiative": initiative})

    assert response.status_code == 200
    assert "Ours" in response.content.decode()


def test_the_first_and_last_months_have_no_link_beyond_them(client, staff):
    client.force_login(staff)

    first = client.get(CALENDAR, {"month": "1900-01"}).content.decode()
    last = client.get(CALENDAR, {"month": "2200-12"}).content.decode()

    assert "month=1899-12" not in first and 'href="?month=1900-02"' in first
    assert "month=2201-01" not in last and 'href="?month=2200-11"' in last


# --- who sees it ---------------------------------------------------------------------------------


def test_a_facilitator_sees_the_workshops_they_are_assigned_to(client, facilitator_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    assigned = workshop_on(initiative, at(2027, 3, 10), title="Assigned one")
    workshop_on(initiative, at(2027, 3, 11), title="Not assigned")
    f.AssignmentFactory(workshop=assigned, facilitator=facilitator_user.facilitator)
    client.force_login(facilitator_user)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    assert "Assigned one" in html
    assert "Not assigned" not in html
    assert initiative.title not in html


def test_the_navigation_offers_the_calendar_to_those_who_list_workshops(client, staff, participant_user):
    client.force_login(staff)
    assert f'href="{CALENDAR}"' in client.get("/").content.decode().split("</nav>")[0]
    assert f'href="{CALENDAR}"' in client.get(reverse("dialogues:workshop-list")).content.decode()
    client.force_login(participant_user)
    assert f'href="{CALENDAR}"' not in client.get("/").content.decode()


# --- bounded work --------------------------------------------------------------------------------


@pytest.mark.parametrize("filtered", [False, True])
def test_the_calendar_queries_do_not_grow_with_the_workshops(client, django_assert_num_queries, make_user, filtered):
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL)
    client.force_login(lead)
    query = {"month": "2027-03", **({"initiative": initiative.pk} if filtered else {})}
    client.get(CALENDAR, query)  # the session and the caches warm
    counts = []
    for size in (3, 30):
        for number in range(size):
            workshop_on(initiative, at(2027, 3, 1 + number % 28), hours=30)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(CALENDAR, query).content.decode()
        counts.append(len(queries))
        assert html.count('class="calendar-entry') >= size
    assert counts[0] == counts[1]
    # The session, the user, their second factor, their ties (read once for every rule) and the workshops;
    # filtered, also the initiative (checked, and shown in the filter's options) and whether the user may add
    # workshops to it.
    expected = 8 if filtered else 5
    with django_assert_num_queries(expected):
        client.get(CALENDAR, query)


def test_a_crowded_month_says_that_not_every_workshop_is_shown(client, lead_and_initiative, monkeypatch):
    from dialogues import selectors

    lead, initiative = lead_and_initiative
    monkeypatch.setitem(selectors.workshops_in_period_for.__kwdefaults__, "limit", 3)
    for day in range(1, 6):
        workshop_on(initiative, at(2027, 3, day))
    client.force_login(lead)

    html = client.get(CALENDAR, {"month": "2027-03"}).content.decode()

    assert html.count('class="calendar-entry') == 3
    assert "Not every workshop of this period fits on the page" in html


def test_cancelled_workshops_are_shown_as_cancelled(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop_on(initiative, at(2027, 3, 10), title="Called off", status=Workshop.Status.CANCELLED)
    client.force_login(lead)

    cell = cell_of(client.get(CALENDAR, {"month": "2027-03"}).content.decode(), dt.date(2027, 3, 10))

    assert "Called off" in cell and "cancelled" in cell
