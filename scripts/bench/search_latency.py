"""Participant search latency: what the list page asks the database for a search, per role, in this process.

For each of ~30 realistic search texts (family and given names, whole names in either order, partial
codenames, e-mail fragments, organisation names, misspellings) and each role (the lead, a staff member,
and the admin), runs the list's selector as the view does: ``participant_list_for(user, search=text)``
paged as the view pages a search (``core.pagination.Page`` of ``participants.ranking.RankedSearch``), i.e.
the first page of 25 rows and the number of matches, with the user's ties read once as in a request
(``ties_read_once``).
One warm-up round, then REPEAT rounds; prints p50/p95/max per role over every request, and the slowest
texts. Reads only.

    DATABASE_URL=postgres://…/parley_big .venv/bin/python scripts/bench/search_latency.py

Environment: DATABASE_URL, PARLEY_SEARCH_REPEAT (5), PARLEY_SEARCH_ROLES (lead,admin), PARLEY_SEARCH_EVERY
(``1``: also the median of each text), PARLEY_SEARCH_JIT
(``off``: ``SET jit = off`` for the session, to compare with the server's setting; PostgreSQL's JIT
compiles any query whose estimated cost passes ``jit_above_cost``, which the visibility rule's
correlated subqueries reach, for a second or more on this machine).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from core.pagination import CountedWithPage, Page  # noqa: E402
from core.visibility import ties_read_once  # noqa: E402
from participants.selectors import participant_list_for  # noqa: E402
from scripts.bench.pages import ROLES  # noqa: E402

REPEAT = int(os.environ.get("PARLEY_SEARCH_REPEAT", "5"))
EVERY_TEXT = os.environ.get("PARLEY_SEARCH_EVERY") == "1"
ROLE_NAMES = [name.strip() for name in os.environ.get("PARLEY_SEARCH_ROLES", "lead,admin").split(",") if name.strip()]
PAGE_SIZE = 25

TEXTS = (
    # family names
    "Haddad",
    "Mansour",
    "Nikolić",
    "Diallo",
    "García",
    "Al-Balushi",
    # given names
    "Khalil",
    "Yasmin",
    "Goran",
    "Aminata",
    # whole names, in either order
    "Ziad Haddad",
    "Haddad Ziad",
    "Layla Issa",
    # partial codenames
    "KITE",
    "HERON-2",
    "willow-27",
    "LARK-4",
    # e-mail fragments
    "ziad.haddad",
    "@radiohorizon",
    "noura.alsabah-30",
    "lakeside-iss",
    # organisation names
    "Lakeside",
    "Radio Horizon",
    "Corridor Review",
    "Maritime",
    # misspellings
    "Hadad",
    "Mansur",
    "Khallil",
    "Nikolic",
    "Lakside",
)


def search_once(user, text):
    """Milliseconds for the count and the first page of the search, as the list page asks them."""
    started = time.perf_counter()
    with ties_read_once():  # as each request reads them (``core.middleware.RuleTiesMiddleware``)
        found = participant_list_for(user, search=text)
        found = found if isinstance(found, CountedWithPage) else CountedWithPage(found)  # as the view pages it
        page = Page(found, 1, PAGE_SIZE, settings.PARLEY_COUNT_BOUND)
    return (time.perf_counter() - started) * 1000, page.count


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    if os.environ.get("PARLEY_SEARCH_JIT") == "off":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    database = f"{connection.vendor} {connection.settings_dict.get('NAME')}"
    print(f"database: {database}, jit {jit}, {len(TEXTS)} texts, {REPEAT} rounds")
    print(f"{'role':<8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   slowest texts (median ms, rows found)")
    for role in ROLE_NAMES:
        user = User.objects.get(email=ROLES[role])
        for text in TEXTS:  # warm-up: plans, caches
            search_once(user, text)
        times = {text: [] for text in TEXTS}
        found = {}
        for _ in range(REPEAT):
            for text in TEXTS:
                milliseconds, found[text] = search_once(user, text)
                times[text].append(milliseconds)
        every = [milliseconds for per_text in times.values() for milliseconds in per_text]
        slowest = sorted(TEXTS, key=lambda text: statistics.median(times[text]), reverse=True)[:4]
        worst = ", ".join(f"{text!r} {statistics.median(times[text]):.0f} ({found[text]})" for text in slowest)
        print(f"{role:<8} {percentile(every, 0.5):8.1f} {percentile(every, 0.95):8.1f} {max(every):8.1f}   {worst}")
        if EVERY_TEXT:
            for text in TEXTS:
                print(f"         {statistics.median(times[text]):8.1f} ms {found[text]:>6} rows  {text!r}")


if __name__ == "__main__":
    main()
