"""Login rate limits behind the TLS proxy: clients are counted apart, forged headers change nothing."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.client_ip import client_ip

PROXY = "127.0.0.1"  # where the proxy connects from (PARLEY_TRUSTED_PROXIES' default)
ALICE, BOB = "198.51.100.1", "198.51.100.2"
ATTACKER = "203.0.113.9"
LIMIT = 30  # login attempts a minute per address (allauth's "login" rate)


@pytest.fixture
def behind_one_proxy(settings):
    settings.PARLEY_TRUSTED_PROXY_COUNT = 1
    return settings


def request_from(remote, **headers):
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote, **headers)


def test_without_a_proxy_configured_the_address_is_remote_addr():
    assert client_ip(request_from(ATTACKER, HTTP_X_FORWARDED_FOR=ALICE)) == ATTACKER


def test_behind_the_proxy_the_client_is_the_entry_the_proxy_appended(behind_one_proxy):
    assert client_ip(request_from(PROXY, HTTP_X_FORWARDED_FOR=ALICE)) == ALICE
    # Whatever the client wrote itself stands to the left of what the proxy appended.
    assert client_ip(request_from(PROXY, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {BOB}, {ALICE}")) == ALICE


def test_a_direct_client_cannot_choose_its_address_with_a_header(behind_one_proxy):
    assert client_ip(request_from(ATTACKER, HTTP_X_FORWARDED_FOR=ALICE)) == ATTACKER


def test_two_proxies_are_counted_from_the_right(settings):
    settings.PARLEY_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(PROXY, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {ALICE}, 10.0.0.2")) == ALICE
    # A request that skipped the outer proxy has fewer entries: the leftmost is used, never a 500.
    assert client_ip(request_from(PROXY, HTTP_X_FORWARDED_FOR=ALICE)) == ALICE


def test_a_client_ip_header_set_by_the_proxy(settings):
    settings.PARLEY_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request_from(PROXY, HTTP_X_REAL_IP=ALICE)) == ALICE
    assert client_ip(request_from(ATTACKER, HTTP_X_REAL_IP=ALICE)) == ATTACKER


@pytest.mark.parametrize("garbage", ["", "not-an-address", "999.1.1.1", "\x00", ", ,", "[::1"])
def test_garbage_in_the_header_falls_back_to_the_proxy_address(behind_one_proxy, garbage):
    assert client_ip(request_from(PROXY, HTTP_X_FORWARDED_FOR=garbage)) == PROXY


def test_ports_and_brackets_are_stripped(behind_one_proxy):
    assert client_ip(request_from(PROXY, HTTP_X_FORWARDED_FOR=f"{ALICE}:52311")) == ALICE
    assert client_ip(request_from(PROXY, HTTP_X_FORWARDED_FOR="[2001:db8::1]:443")) == "2001:db8::1"


def _attempts(client, count, *, forwarded_for=lambda n: None, **meta):
    """Failed logins from one connection; ``forwarded_for(n)`` is the n-th request's X-Forwarded-For."""
    url = reverse("account_login")
    statuses = []
    for n in range(count):
        headers = {**meta, "HTTP_X_FORWARDED_FOR": forwarded_for(n)} if forwarded_for(n) else meta
        data = {"login": f"nobody{n}@parley.test", "password": "wrong password"}
        statuses.append(client.post(url, data, **headers).status_code)
    return statuses


@pytest.mark.django_db
def test_two_clients_behind_the_proxy_are_rate_limited_apart(client, behind_one_proxy):
    alice = _attempts(client, LIMIT + 1, REMOTE_ADDR=PROXY, forwarded_for=lambda n: ALICE)
    assert alice[:LIMIT].count(429) == 0
    assert alice[LIMIT] == 429
    # Bob comes through the same proxy and is not locked out by Alice's attempts.
    assert _attempts(client, 1, REMOTE_ADDR=PROXY, forwarded_for=lambda n: BOB) == [200]


@pytest.mark.django_db
def test_a_forged_forwarded_for_from_a_direct_client_changes_nothing(client, behind_one_proxy):
    # A new address every time: still one bucket, the connection's.
    statuses = _attempts(client, LIMIT + 1, REMOTE_ADDR=ATTACKER, forwarded_for=lambda n: f"192.0.2.{n}")
    assert statuses[:LIMIT].count(429) == 0
    assert statuses[LIMIT] == 429


@pytest.mark.django_db
def test_a_forged_forwarded_for_through_the_proxy_changes_nothing(client, behind_one_proxy):
    # The client's own words, then what the proxy appended: Alice's one bucket.
    statuses = _attempts(client, LIMIT + 1, REMOTE_ADDR=PROXY, forwarded_for=lambda n: f"192.0.2.{n}, {ALICE}")
    assert statuses[LIMIT] == 429
