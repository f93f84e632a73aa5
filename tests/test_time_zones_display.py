"""Times in the venue's time zone, with the viewer's own beside them where their clock differs. The viewer's
zone is the one chosen on their preferences page, else their browser's (the ``parley_tz`` cookie that
static/js/time_zone.js writes), else UTC; a value that is not a zone is never trusted."""

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.services import user_update_preferences
from core.levels import Level, Role
from core.time_zones import BROWSER_ZONE_COOKIE, viewer_zone_name

from . import factories as f
from .test_dialogues_views import team_initiative

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
# 16 Dec 2026, 09:00 in Zurich (UTC+1), 08:00 in London.
START = dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def lead_and_workshop(make_user):
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL)
    workshop = f.WorkshopFactory(
        initiative=initiative,
        title="Lakeside roundtable",
        time_zone="Europe/Zurich",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=8),
    )
    return lead, workshop


def render(source, request=None, **context):
    return Template("{% load core_tags %}" + source).render(Context({"request": request, **context}))


def request_with(user=None, cookie=None):
    request = RequestFactory().get("/")
    request.user = user or SimpleNamespace(is_authenticated=False)
    if cookie is not None:
        request.COOKIES[BROWSER_ZONE_COOKIE] = cookie
    return request


# --- whose zone ----------------------------------------------------------------------------------


def test_the_profiles_zone_comes_first(make_user):
    user = make_user(time_zone="Asia/Tokyo")
    assert viewer_zone_name(request_with(user, cookie="Europe/London")) == "Asia/Tokyo"


def test_without_one_the_browsers_zone_is_used(make_user):
    user = make_user(time_zone="")
    assert viewer_zone_name(request_with(user, cookie="Europe/London")) == "Europe/London"


@pytest.mark.parametrize("cookie", ["", "Mars/Olympus", "europe/london", "../../etc/passwd", "x" * 5000, "UTC\x00"])
def test_a_cookie_that_is_not_a_zone_is_passed_over(make_user, cookie):
    user = make_user(time_zone="")
    assert viewer_zone_name(request_with(user, cookie=cookie)) == "UTC"


def test_a_stored_zone_that_is_no_longer_known_is_passed_over(make_user):
    user = make_user(time_zone="Atlantis/Capital")
    assert viewer_zone_name(request_with(user, cookie="Europe/London")) == "Europe/London"


def test_the_browser_script_writes_the_cookie_parley_reads():
    script = Path(finders.find("js/time_zone.js")).read_text(encoding="utf-8")
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in script
    assert f'"{BROWSER_ZONE_COOKIE}=' in script
    assert "SameSite=Lax" in script and "path=/" in script


def test_every_page_loads_the_script_from_static_files(client, staff):
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert '<script src="/static/js/time_zone.js" defer></script>' in html


# --- the tag -------------------------------------------------------------------------------------


def test_a_moment_is_shown_at_the_venue_with_the_viewers_time_beside_it(make_user):
    request = request_with(make_user(time_zone="Europe/London"))

    html = render("{% in_zones moment 'Europe/Zurich' %}", request, moment=START)

    assert "16 Dec 2026, 09:00</time>" in html
    assert "(Europe/Zurich)" in html
    assert "· 08:00 your time (Europe/London)" in html


def test_on_another_day_the_viewers_date_is_shown_too(make_user):
    request = request_with(make_user(time_zone="America/Los_Angeles"))

    html = render("{% in_zones moment 'Asia/Tokyo' %}", request, moment=dt.datetime(2026, 12, 16, 1, 0, tzinfo=dt.UTC))

    assert "16 Dec 2026, 10:00</time>" in html
    assert "15 Dec 2026, 17:00 your time (America/Los_Angeles)" in html


@pytest.mark.parametrize("zone", ["Europe/Zurich", "Europe/Berlin"])
def test_nothing_is_added_where_the_viewers_clock_shows_the_same_time(make_user, zone):
    request = request_with(make_user(time_zone=zone))

    html = render("{% in_zones moment 'Europe/Zurich' %}", request, moment=START)

    assert "your time" not in html


def test_outside_a_request_only_the_venues_time_is_shown():
    html = render("{% in_zones moment 'Europe/Zurich' %}", None, moment=START)
    assert "16 Dec 2026, 09:00" in html and "your time" not in html


# --- the pages -----------------------------------------------------------------------------------


def test_the_workshop_page_shows_the_viewers_time_beside_the_venues(client, lead_and_workshop):
    lead, workshop = lead_and_workshop
    lead.time_zone = "Europe/London"
    lead.save()
    client.force_login(lead)

    html = client.get(workshop.get_absolute_url()).content.decode()

    assert "16 Dec 2026, 09:00</time>" in html
    assert "16 Dec 2026, 08:00 – 16 Dec 2026, 16:00 your time (Europe/London)" in html


def test_the_browsers_zone_is_used_when_the_profile_has_none(client, lead_and_workshop):
    lead, workshop = lead_and_workshop
    client.cookies[BROWSER_ZONE_COOKIE] = "America/New_York"
    client.force_login(lead)

    html = client.get(workshop.get_absolute_url()).content.decode()

    assert "16 Dec 2026, 03:00 – 16 Dec 2026, 11:00 your time (America/New_York)" in html


def test_a_viewer_in_the_venues_zone_sees_the_venues_time_alone(client, lead_and_workshop):
    lead, workshop = lead_and_workshop
    client.cookies[BROWSER_ZONE_COOKIE] = "Europe/Zurich"
    client.force_login(lead)

    html = client.get(workshop.get_absolute_url()).content.decode()

    assert "16 Dec 2026, 09:00</time>" in html
    assert "your time" not in html


def test_the_workshop_list_shows_the_viewers_time(client, lead_and_workshop):
    lead, workshop = lead_and_workshop
    client.cookies[BROWSER_ZONE_COOKIE] = "Asia/Tokyo"
    client.force_login(lead)

    html = client.get(reverse("dialogues:workshop-list")).content.decode()

    assert "16 Dec 2026, 17:00 – 17 Dec 2026, 01:00 your time (Asia/Tokyo)" in html


def test_the_calendar_shows_the_viewers_time(client, lead_and_workshop):
    lead, workshop = lead_and_workshop
    client.cookies[BROWSER_ZONE_COOKIE] = "Europe/London"
    client.force_login(lead)

    html = client.get(reverse("dialogues:workshop-calendar"), {"month": "2026-12"}).content.decode()

    assert "09:00</time>" in html
    assert "· 08:00 your time (Europe/London)" in html


# --- the preferences page ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_everyone_has_a_preferences_page_linked_from_the_menu(client, make_user, role):
    client.force_login(make_user(role, Level.INTERNAL))

    response = client.get("/", follow=True)

    assert f'href="{PROFILE}"' in response.content.decode()
    assert client.get(PROFILE).status_code == 200


def test_the_owner_saves_a_time_zone_and_a_language(client, make_user):
    user = make_user(preferred_language="en", time_zone="")
    client.force_login(user)

    response = client.post(PROFILE, {"preferred_language": "fr", "time_zone": "asia/tokyo"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.preferred_language, user.time_zone) == ("fr", "Asia/Tokyo")
    assert response.cookies["django_language"].value == "fr"


def test_an_empty_zone_means_the_browsers(client, make_user):
    user = make_user(time_zone="Asia/Tokyo")
    client.force_login(user)

    client.post(PROFILE, {"preferred_language": "en", "time_zone": ""})

    user.refresh_from_db()
    assert user.time_zone == ""


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "<script>alert(1)</script>", "x" * 500, "UTC\x00", "Europe/../../etc", "١٢"]
)
def test_a_zone_that_is_not_one_is_refused_with_a_message(client, make_user, zone):
    user = make_user(time_zone="Europe/Oslo")
    client.force_login(user)

    response = client.post(PROFILE, {"preferred_language": "en", "time_zone": zone})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "is-invalid" in response.content.decode()
    user.refresh_from_db()
    assert user.time_zone == "Europe/Oslo"


def test_a_language_parley_does_not_speak_is_refused(client, make_user):
    user = make_user(preferred_language="en")
    client.force_login(user)

    response = client.post(PROFILE, {"preferred_language": "xx", "time_zone": ""})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_the_page_changes_the_signed_in_users_account_only(client, make_user):
    owner, other = make_user(time_zone=""), make_user(time_zone="")
    client.force_login(owner)

    client.post(PROFILE, {"preferred_language": "en", "time_zone": "Asia/Tokyo", "pk": other.pk, "user": other.pk})

    other.refresh_from_db()
    assert other.time_zone == ""


def test_the_service_refuses_what_is_not_a_zone(make_user):
    user = make_user(time_zone="")
    with pytest.raises(Exception, match="not a time zone"):
        user_update_preferences(user=user, preferred_language="en", time_zone="Nowhere/Land")
    assert user_update_preferences(user=user, preferred_language="en", time_zone="Asia/Tokyo") == ["time_zone"]
