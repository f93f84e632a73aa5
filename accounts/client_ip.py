"""Which address a request comes from, for the login rate limits.

Behind a TLS proxy every request arrives from the proxy's address, so counting by ``REMOTE_ADDR``
would put all users in one bucket. The client's address is then read from what the proxies we run
wrote, and only from them:

- ``PARLEY_TRUSTED_PROXIES``: the networks our proxies connect from. A request from anywhere else is
  a direct client, and whatever it says in ``X-Forwarded-For`` is ignored.
- ``PARLEY_TRUSTED_PROXY_COUNT``: how many proxies of ours append to ``X-Forwarded-For``; the client is
  the entry that many places from the right (the entries to its left are the client's own words).
- ``PARLEY_CLIENT_IP_HEADER``: instead of counting, a header our proxy sets to the client's address
  (``X-Real-IP``).

With none of them set, the address is ``REMOTE_ADDR``.
"""

import ipaddress
from functools import cache

from django.conf import settings


def _clean(value):
    """An address as written in a header (perhaps with a port), or ``None`` if it is not one."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@cache
def _trusted_networks(spec):
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _from_trusted_proxy(address):
    networks = _trusted_networks(tuple(settings.PARLEY_TRUSTED_PROXIES))
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request):
    """The client's address: ``REMOTE_ADDR``, or what a trusted proxy of ours says it is."""
    remote = _clean(request.META.get("REMOTE_ADDR")) or "0.0.0.0"  # noqa: S104 (a bucket, not a bind address)
    count = settings.PARLEY_TRUSTED_PROXY_COUNT
    header = settings.PARLEY_CLIENT_IP_HEADER
    if not (count or header) or not _from_trusted_proxy(remote):
        return remote
    if header:
        return _clean(request.headers.get(header)) or remote
    hops = [hop for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    if not hops:
        return remote
    # Our proxies appended the last ``count`` entries; the one they received the request from is the
    # client. Fewer entries than proxies: the request skipped one of them; take the leftmost we have.
    return _clean(hops[-count] if len(hops) >= count else hops[0]) or remote
