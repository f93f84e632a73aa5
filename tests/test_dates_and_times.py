"""One date and time format on every page: "16 Dec 2026" and "16 Dec 2026, 09:00" in English.

Before, pages showed "Dec. 16, 2026", "12/16/2026 9 a.m." and "04/29/2026 2:58 a.m." side by side.
"""

import datetime as dt
import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from core.levels import Level, Role
from dialogues.models import Invitation, TeamMembership
from facilitators.models import OutcomeReport
from participants.models import VettingCase

from . import factories as f

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
ONE_DATE = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) \d{{4}}(?:, \d{{2}}:\d{{2}})?")
FULL_MONTHS = "January|February|March|April|June|July|August|September|October|November|December"
# Not the "Jan" of "Svalbard and Jan Mayen" (a country, in the nationality filters).
ANY_MONTH = re.compile(rf"\b(?:{FULL_MONTHS}|{MONTHS}|Sept)\b\.?(?! Mayen)")
OTHER_SHAPES = {
    "a.m./p.m.": re.compile(r"\b[ap]\.m\.|\b\d{1,2}\s?(?:AM|PM|am|pm)\b"),
    "numeric date": re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b"),
    "abbreviation with a full stop": re.compile(rf"\b(?:{MONTHS})\. "),
}


class VisibleText(HTMLParser):
    """The text a reader sees: no attributes (``<time datetime>`` holds ISO dates for machines)."""

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self.skipping -= tag in ("script", "style", "template")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def date_shapes(text):
    """(dates in the one format, every month name, dates in another shape)."""
    others = [f"{name}: {match.group(0)}" for name, pattern in OTHER_SHAPES.items() for match in pattern.finditer(text)]
    return ONE_DATE.findall(text), ANY_MONTH.findall(text), others


def at_zurich(days, hour, minute=0):
    day = (timezone.now() + dt.timedelta(days=days)).astimezone(ZURICH).date()
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZURICH)


def english(value, with_time=True):
    text = f"{value.day} {value:%b} {value.year}"
    return f"{text}, {value:%H:%M}" if with_time else text


@pytest.fixture
def world(make_user):
    lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    admin = make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True)
    facilitator = f.FacilitatorFactory(user=make_user(Role.FACILITATOR, Level.CONFIDENTIAL))
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    f.FundingFactory(initiative=initiative)
    starts, ends = at_zurich(10, 9), at_zurich(12, 14, 30)
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL, starts_at=starts, ends_at=ends)
    f.AgendaSessionFactory(workshop=workshop, starts_at=starts, ends_at=at_zurich(10, 10, 30))
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator)
    person = f.ParticipantFactory(level=Level.INTERNAL)
    f.InvitationFactory(
        workshop=workshop,
        participant=person,
        status=Invitation.Status.ACCEPTED,
        responded_at=at_zurich(-3, 15, 45),
    )
    f.ConsentRecordFactory(participant=person, given_at=at_zurich(-40, 2, 58))
    f.VettingCaseFactory(
        participant=person,
        status=VettingCase.Status.APPROVED,
        decided_at=at_zurich(-20, 16),
        expires_at=at_zurich(10, 16),
    )
    secret_person = f.ParticipantFactory(level=Level.CONFIDENTIAL)
    f.OutcomeReportFactory(workshop=workshop, author=facilitator.user, status=OutcomeReport.Status.DRAFT)
    return {
        "lead": lead,
        "admin": admin,
        "facilitator": facilitator.user,
        "initiative": initiative,
        "workshop": workshop,
        "person": person,
        "secret_person": secret_person,
    }


def pages(world):
    return [
        ("lead", reverse("dashboard:home")),
        ("lead", reverse("dialogues:workshop-list")),
        ("lead", world["workshop"].get_absolute_url()),
        ("lead", world["initiative"].get_absolute_url()),
        ("admin", reverse("dashboard:home")),
        ("admin", world["person"].get_absolute_url()),
        ("admin", reverse("core:access-log")),
        ("facilitator", reverse("dashboard:home")),
        ("facilitator", world["workshop"].get_absolute_url()),
    ]


def test_every_page_shows_dates_and_times_in_the_one_format(client, world):
    client.force_login(world["admin"])
    client.get(world["secret_person"].get_absolute_url())  # an access-log entry to show
    wrong, dates_seen = [], 0
    for who, url in pages(world):
        client.force_login(world[who])
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url
        dates, months, others = date_shapes(visible_text(response.content.decode()))
        dates_seen += len(dates)
        if others or len(months) != len(dates):
            wrong.append(f"{who} {url}: {others or months}")

    assert not wrong, "\n".join(wrong)
    assert dates_seen >= 15


def test_a_workshop_is_shown_in_venue_time_with_a_24_hour_clock(client, world):
    client.force_login(world["lead"])
    workshop = world["workshop"]

    text = visible_text(client.get(workshop.get_absolute_url()).content.decode())

    assert f"{english(workshop.starts_at.astimezone(ZURICH))} – {english(workshop.ends_at.astimezone(ZURICH))}" in text
    assert f"{english(workshop.starts_at.astimezone(ZURICH))} – 10:30" in text  # the agenda session


def test_a_participant_page_shows_consent_and_vetting_in_the_one_format(client, world):
    client.force_login(world["admin"])
    person = world["person"]

    text = visible_text(client.get(person.get_absolute_url()).content.decode())

    consent = person.consents.get()
    assert english(consent.given_at.astimezone(dt.UTC)) in text
    assert english(person.vetting_cases.get().expires_at.astimezone(dt.UTC), with_time=False) in text


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ moment|when }}", "16 Dec 2026, 08:00"),
        ("{{ moment|when:'Europe/Zurich' }}", "16 Dec 2026, 09:00"),
        ("{{ moment|day }}", "16 Dec 2026"),
        ("{{ moment|clock:'Europe/Zurich' }}", "09:00"),
        ("{{ nothing|when|default:'—' }}", "—"),
    ],
)
def test_the_date_filters_render_the_one_format(template, expected):
    moment = dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC)
    with translation.override("en"):
        rendered = Template("{% load core_tags %}" + template).render(Context({"moment": moment, "nothing": None}))
    assert rendered == expected


def test_french_pages_keep_the_french_formats():
    moment = dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC)
    with translation.override("fr"):
        rendered = Template("{% load core_tags %}{{ moment|when }}").render(Context({"moment": moment}))
    assert rendered == "16 décembre 2026 08:00"


def test_machine_readable_times_are_valid_html_datetimes():
    """``<time datetime>`` takes at most three digits of a second: the access log's times have six."""
    moment = dt.datetime(2026, 12, 16, 9, 30, 15, 123456, tzinfo=ZURICH)
    rendered = Template("{% load core_tags %}{{ moment|iso }}").render(Context({"moment": moment}))
    assert rendered == "2026-12-16T08:30:15+00:00"


def test_a_moment_formatted_once_is_shown_in_each_language_and_zone_as_asked():
    """The filters format each moment once per zone, format and language (``core_tags._format``): a moment
    shown in English, then in French, then in another zone, is not shown as it was cached for another."""
    moment = dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC)
    template = Template("{% load core_tags %}{{ moment|when }} | {{ moment|when:zone }} | {{ moment|day }}")
    context = Context({"moment": moment, "zone": "Europe/Zurich"})
    with translation.override("en"):
        english = template.render(context)
    with translation.override("fr"):
        french = template.render(context)
    with timezone.override(ZURICH), translation.override("en"):
        in_zurich = template.render(context)
    assert english == "16 Dec 2026, 08:00 | 16 Dec 2026, 09:00 | 16 Dec 2026"
    assert french != english and "16" in french and "09:00" in french
    assert in_zurich == "16 Dec 2026, 09:00 | 16 Dec 2026, 09:00 | 16 Dec 2026"
