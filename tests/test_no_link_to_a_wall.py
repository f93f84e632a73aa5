"""No link to a wall: every link, menu entry and breadcrumb a user is shown leads to a page they may see.

For each role of the access-matrix world, a crawler starts at the dashboard, follows every same-site
``<a href>`` it finds and asserts that each answers 200 (directly or after redirects), never 403, 404
or a sign-in page. The Django admin is followed but not crawled (it is the operators' tool, tested
elsewhere); signing out and switching languages are not links to follow.
"""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.urls import reverse

from core.levels import Level, Role
from dialogues.models import TeamMembership
from participants.models import Participant

from . import factories as f
from .test_access_matrix import VIEWERS, build_world

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 300
SKIPPED_PREFIXES = ("/accounts/logout/", "/i18n/", "/static/")
NOT_CRAWLED_PREFIXES = ("/admin/",)
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
# Calendar links go on for ever (the month before, and the one before that…): links that differ only in
# the values of these parameters are followed once.
PERIOD_PARAMETERS = {"month", "week", "date"}


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                self.hrefs.append(href)


def links_of(url, html):
    """The same-site links of a page, as absolute paths with their query string, fragments dropped."""
    parser = LinkParser()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        if href.startswith(("mailto:", "tel:", "javascript:")) or href.startswith("#") or not href.strip():
            continue
        parts = urlsplit(urljoin(url, href))
        if parts.netloc not in ("", "testserver"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(SKIPPED_PREFIXES):
            found.append(path)
    return found


def visit_key(link):
    """A link as the crawl tells visits apart: calendar periods and days count as one."""
    parts = urlsplit(link)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(name in PERIOD_PARAMETERS for name, _value in query):
        return link
    kept = sorted((name, "*" if name in PERIOD_PARAMETERS else value) for name, value in query)
    return parts.path + "?" + urlencode(kept)


def crawl(client):
    """Visit every page reachable by links from the dashboard; return (pages visited, walls hit)."""
    start = reverse("dashboard:home")
    queue, seen, walls, visited = deque([(start, "(start)")]), {start}, [], 0
    while queue and visited < PAGE_LIMIT:
        url, found_on = queue.popleft()
        visited += 1
        response = client.get(url, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        if response.status_code != 200 or urlsplit(final).path.startswith(LOGIN_PATHS):
            walls.append(f"{url} (linked from {found_on}): {response.status_code} at {final}")
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            # A download: reaching it is all that matters. Close the file only: closing the response
            # would send request_finished, which closes the test's database connection.
            getattr(response, "file_to_stream", None) and response.file_to_stream.close()
            continue
        if urlsplit(final).path.startswith(NOT_CRAWLED_PREFIXES):
            continue
        for link in links_of(final, response.content.decode()):
            if visit_key(link) not in seen:
                seen.add(visit_key(link))
                queue.append((link, url))
    return visited, walls


@pytest.mark.parametrize("who", VIEWERS)
def test_every_link_a_role_is_shown_leads_to_a_page_it_may_see(client, who):
    world = build_world()
    client.force_login(world.users[who])

    visited, walls = crawl(client)

    assert visited < PAGE_LIMIT, "the crawl did not finish within its bound"
    assert not walls, f"{who} is shown links to walls:\n" + "\n".join(walls)


def test_the_crawl_reaches_records_through_links(client):
    """The crawler itself works: the team member reaches workshops, participants and downloads."""
    world = build_world()
    client.force_login(world.users["team"])

    visited, walls = crawl(client)

    assert visited > 4 * len(Level), f"only {visited} pages reached"


def test_a_facilitator_on_no_team_is_not_offered_the_initiative_list(client, facilitator_user):
    client.force_login(facilitator_user)

    nav = client.get("/").content.decode().split("</nav>")[0]

    assert 'href="/initiatives/"' not in nav
    assert 'href="/workshops/"' in nav


def test_a_facilitator_on_a_team_is_offered_the_initiative_list(client, facilitator_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=facilitator_user, role=TeamMembership.Role.FACILITATOR)
    client.force_login(facilitator_user)

    nav = client.get("/").content.decode().split("</nav>")[0]

    assert 'href="/initiatives/"' in nav


def test_a_participant_page_shows_a_facilitator_the_affiliation_without_a_link(client):
    world = build_world()
    person = world.people[Level.CONFIDENTIAL]
    client.force_login(world.users["facilitator"])

    html = client.get(person.get_absolute_url()).content.decode()

    assert world.organisation.name in html
    assert world.organisation.get_absolute_url() not in html
    assert f'href="{reverse("participants:participant-list")}"' not in html


def test_an_admin_without_access_to_the_admin_site_is_not_offered_it(client, make_user):
    client.force_login(make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=False))

    html = client.get("/").content.decode()

    assert 'href="/admin/"' not in html
    assert 'href="/audit/"' in html


def test_a_participant_reading_their_own_record_gets_no_link_to_the_workshops(client):
    """Their own invitations are theirs to see; the workshops' pages are not (they answer 404)."""
    world = build_world()
    me = Participant.objects.get(user=world.users["participant"])
    client.force_login(world.users["participant"])

    html = client.get(me.get_absolute_url()).content.decode()

    workshop = world.workshops[Level.CONFIDENTIAL]
    assert workshop.title in html
    assert workshop.get_absolute_url() not in html
    assert client.get(workshop.get_absolute_url()).status_code == 404
