"""The navigation offers each role the pages it has a use for."""

import pytest

from core.levels import Level, Role

pytestmark = pytest.mark.django_db

LINKS = {
    "initiatives": 'href="/initiatives/"',
    "workshops": 'href="/workshops/"',
    "participants": 'href="/participants/"',
    "organisations": 'href="/participants/organisations/"',
    "access log": 'href="/audit/"',
    "administration": 'href="/admin/"',
    "accounts": 'href="/user-accounts/"',
}
EXPECTED = {
    Role.ADMIN: set(LINKS),
    Role.STAFF: {"initiatives", "workshops", "participants", "organisations"},
    # A facilitator on no initiative's team would find the initiative list empty: no entry for it
    # (test_no_link_to_a_wall covers the facilitator on a team).
    Role.FACILITATOR: {"workshops"},
    Role.PARTICIPANT: set(),
    Role.OBSERVER: set(),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_its_own_navigation(client, make_user, role):
    client.force_login(make_user(role, Level.CONFIDENTIAL, is_staff=role == Role.ADMIN))
    nav = client.get("/").content.decode().split("</nav>")[0]
    shown = {name for name, link in LINKS.items() if link in nav}
    assert shown == EXPECTED[role]
