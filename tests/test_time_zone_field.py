"""The venue time zone: the venue country's zones first in a list one can search, the city's usual
zone filled in where there is no doubt, and any IANA name accepted without JavaScript."""

import re

import pytest
from django.urls import reverse

from core.levels import Level
from core.time_zones import country_zones, usual_zone
from dialogues.forms import WorkshopForm
from dialogues.models import Workshop

from . import factories as f
from .test_dialogues_views import team_initiative, workshop_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_and_initiative(make_user):
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL, clearance=Level.CONFIDENTIAL)
    return lead, initiative


def offered(html):
    return re.findall(r'<option value="([^"]+)">', html)


def input_value(html):
    match = re.search(r'<input type="text" name="time_zone" value="([^"]*)"', html)
    return match.group(1) if match else ""


def refresh(client, initiative, **venue):
    """What the page asks through HTMX when the venue's country or city changes."""
    return client.get(
        reverse("dialogues:workshop-create", args=[initiative.pk]),
        {"refresh": "time_zone", "time_zone": "", **venue},
        HTTP_HX_REQUEST="true",
    )


# --- the list ------------------------------------------------------------------------------------


def test_the_zones_of_the_venue_country_come_first(make_user, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = f.WorkshopFactory(initiative=initiative, country="US", city="Chicago", time_zone="America/Chicago")

    form = WorkshopForm(instance=workshop, user=lead)
    zones = offered(str(form["time_zone"]))

    us_zones = list(country_zones("US"))
    assert len(us_zones) > 20
    assert zones[: len(us_zones)] == us_zones
    assert sorted(zones) == sorted(set(zones))  # every zone once
    assert "The zones of United States of America come first" in str(form["time_zone"].help_text)


def test_the_field_is_a_text_box_that_searches_the_list(lead_and_initiative):
    lead, initiative = lead_and_initiative

    html = str(WorkshopForm(instance=Workshop(initiative=initiative), user=lead)["time_zone"])

    assert 'list="id_time_zone-zones"' in html
    assert '<datalist id="id_time_zone-zones">' in html
    assert "<select" not in html


def test_changing_the_country_refreshes_the_field_with_that_countrys_zones_first(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    response = refresh(client, initiative, country="RU", city="")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the field alone, swapped in place
    assert html.strip().startswith('<div class="mb-3" id="id_time_zone-field">')
    assert offered(html)[:2] == ["Europe/Kaliningrad", "Europe/Moscow"]


def test_the_country_and_city_ask_for_the_refresh(lead_and_initiative):
    lead, initiative = lead_and_initiative

    form = WorkshopForm(instance=Workshop(initiative=initiative), user=lead)

    for name in ("country", "city"):
        attrs = form.fields[name].widget.attrs
        assert attrs["data-hx-get"] == ""
        assert attrs["data-hx-target"] == "#id_time_zone-field"
        assert "#id_time_zone" in attrs["data-hx-include"]


# --- filled in where there is no doubt -----------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "city", "zone"),
    [
        ("CH", "Geneva", "Europe/Zurich"),  # one zone in the country, whatever the city
        ("NO", "", "Europe/Oslo"),
        ("US", "New York", "America/New_York"),  # several: the one named after the city
        ("BR", "São Paulo", "America/Sao_Paulo"),
        ("US", "Springfield", None),  # several, none named after the city
        ("US", "", None),
        ("", "Oslo", None),
    ],
)
def test_the_usual_zone_of_a_venue(country, city, zone):
    assert usual_zone(country, city) == zone


def test_a_single_zone_country_fills_in_its_zone(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    assert input_value(refresh(client, initiative, country="CH", city="Geneva").content.decode()) == "Europe/Zurich"


def test_a_zone_typed_for_the_country_is_kept_when_the_city_changes(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    html = refresh(client, initiative, country="US", city="New York", time_zone="America/Chicago").content.decode()

    assert input_value(html) == "America/Chicago"


def test_a_country_with_several_zones_and_no_matching_city_fills_in_nothing(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    assert input_value(refresh(client, initiative, country="US", city="Springfield").content.decode()) == ""


def test_editing_a_saved_workshop_keeps_its_zone(lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = f.WorkshopFactory(initiative=initiative, country="CH", city="Geneva", time_zone="Asia/Tokyo")

    html = str(WorkshopForm(instance=workshop, user=lead)["time_zone"])

    assert input_value(html) == "Asia/Tokyo"


# --- without JavaScript: what is posted ----------------------------------------------------------


def post_workshop(client, initiative, **changes):
    return client.post(reverse("dialogues:workshop-create", args=[initiative.pk]), workshop_post_data(**changes))


def test_an_unknown_zone_is_refused_with_a_clear_message(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    response = post_workshop(client, initiative, time_zone="Mars/Olympus_Mons")

    assert response.context["form"].errors["time_zone"] == [
        "“Mars/Olympus_Mons” is not a time zone. Type the venue's city or region and pick a zone from the list, "
        "e.g. Europe/Zurich."
    ]
    assert not Workshop.objects.exists()


def test_any_zone_is_accepted_whatever_its_case(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    response = post_workshop(client, initiative, country="JP", city="Tokyo", time_zone=" asia/tokyo ")

    assert response.status_code == 302
    assert Workshop.objects.get().time_zone == "Asia/Tokyo"


def test_a_zone_of_another_country_is_accepted(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    post_workshop(client, initiative, country="CH", time_zone="Etc/UTC")

    assert Workshop.objects.get().time_zone == "Etc/UTC"


def test_an_empty_zone_is_the_venues_usual_zone(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    response = post_workshop(client, initiative, country="NO", city="Oslo", time_zone="")

    assert response.status_code == 302
    assert Workshop.objects.get().time_zone == "Europe/Oslo"


def test_an_empty_zone_in_a_country_with_several_asks_for_one(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)

    response = post_workshop(client, initiative, country="US", city="Springfield", time_zone="")

    assert response.context["form"].errors["time_zone"] == [
        "United States of America has several time zones: type the venue's city or region and pick one."
    ]
    assert not Workshop.objects.exists()
