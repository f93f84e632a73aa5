"""Benchmark of the main pages: SQL queries and median response time at two data sizes.

`make bench` runs it with DJANGO_SETTINGS_MODULE=config.settings.test. It works in a database of
its own (PostgreSQL "parley_bench" on 127.0.0.1, or PARLEY_BENCH_DATABASE_URL), which it creates
if missing, migrates and empties; then it seeds the demo at --scale 1 and --scale 5 and, for each
scale, requests every main page as the demo staff user and the demo admin with the test client:
one warm-up request, then REPEATS measured ones. It prints numbers; it asserts nothing.
"""

import os
import statistics
import sys
import tempfile
import time
import warnings
from io import StringIO
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
BENCH_DATABASE_URL = os.environ.get("PARLEY_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench")
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL

import django  # noqa: E402

SCALES = (1, 5)
REPEATS = 5
USERS = (("staff", "staff@parley.test"), ("admin", "admin@parley.test"))
NOT_AVAILABLE = "n/a (not available)"


def create_database_if_missing(url):
    """Create the PostgreSQL database named in ``url`` unless it exists (SQLite needs nothing)."""
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg2
    from psycopg2 import sql

    name = unquote(parts.path.lstrip("/"))
    connection = psycopg2.connect(
        dbname="postgres",
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created database {name}.")
    finally:
        connection.close()


# Object pickers: the visible record with the most attached to it, so detail pages do real work.


def biggest_initiative(user):
    from django.db.models import Count

    from dialogues.models import Initiative

    return Initiative.objects.visible_to(user).annotate(n=Count("workshops")).order_by("-n", "pk").first()


def biggest_workshop(user):
    from django.db.models import Count

    from dialogues.models import Workshop

    return Workshop.objects.visible_to(user).annotate(n=Count("invitations")).order_by("-n", "pk").first()


def busiest_participant(user):
    from django.db.models import Count

    from participants.models import Participant

    return Participant.objects.visible_to(user).annotate(n=Count("invitations")).order_by("-n", "pk").first()


PAGES = (
    ("dashboard", "dashboard:home", None),
    ("initiative list", "dialogues:initiative-list", None),
    ("initiative detail", "dialogues:initiative-detail", biggest_initiative),
    ("workshop list", "dialogues:workshop-list", None),
    ("workshop detail", "dialogues:workshop-detail", biggest_workshop),
    ("participant list", "participants:participant-list", None),
    ("participant detail", "participants:participant-detail", busiest_participant),
    ("organisation list", "participants:organization-list", None),
)


def page_url(url_name, pick, user):
    """The page's URL for ``user``, or a reason why there is none."""
    from django.urls import NoReverseMatch, reverse

    args = []
    if pick is not None:
        record = pick(user)
        if record is None:
            return None, "n/a (nothing visible)"
        args = [record.pk]
    try:
        return reverse(url_name, args=args), ""
    except NoReverseMatch:
        return None, NOT_AVAILABLE
    except Exception as error:  # e.g. a URLconf that does not import yet
        return None, f"{NOT_AVAILABLE}: {type(error).__name__}"


def measure(client, url):
    """Status, query counts of the measured requests, and their median time in milliseconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up: template loading, content-type cache …
    counts, seconds = [], []
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        counts.append(len(queries))
    return response.status_code, counts, statistics.median(seconds) * 1000


def bench_scale(scale):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from dialogues.models import Invitation, Workshop
    from participants.models import Participant

    started = time.perf_counter()
    call_command("seed_demo", scale=scale, stdout=StringIO())
    print(
        f"\nScale {scale}: seeded in {time.perf_counter() - started:.1f} s — "
        f"{Participant.objects.count()} participants, {Workshop.objects.count()} workshops, "
        f"{Invitation.objects.count()} invitations"
    )
    print(f"  {'page':<20} {'user':<6} {'status':>6} {'queries':>8} {'median ms':>10}")
    results = {}
    User = get_user_model()
    for user_label, email in USERS:
        user = User.objects.get(email=email)
        client = Client()
        client.force_login(user)
        for page, url_name, pick in PAGES:
            url, reason = page_url(url_name, pick, user)
            if url is None:
                print(f"  {page:<20} {user_label:<6} {reason}")
                continue
            try:
                status, counts, median_ms = measure(client, url)
            except Exception as error:  # a page under construction must not stop the bench
                print(f"  {page:<20} {user_label:<6} error: {type(error).__name__}: {str(error)[:80]}")
                continue
            queries = str(counts[-1]) if len(set(counts)) == 1 else f"{min(counts)}-{max(counts)}"
            print(f"  {page:<20} {user_label:<6} {status:>6} {queries:>8} {median_ms:>10.1f}")
            results[(page, user_label)] = counts[-1]
    return results


def compare(first, last):
    print(f"\nQueries, scale {SCALES[0]} -> scale {SCALES[-1]}:")
    for key in sorted(set(first) | set(last)):
        page, user_label = key
        before, after = first.get(key), last.get(key)
        verdict = "stable" if before == after else "GROWS" if None not in (before, after) else "n/a"
        print(f"  {page:<20} {user_label:<6} {before!s:>5} -> {after!s:<5} {verdict}")


def main():
    create_database_if_missing(BENCH_DATABASE_URL)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: collectstatic is not needed here
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    print(
        f"Parley benchmark — database {connection.settings_dict['NAME']} ({connection.vendor}), "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, median of {REPEATS} requests after a warm-up"
    )
    with tempfile.TemporaryDirectory(prefix="parley-bench-media-") as media, override_settings(MEDIA_ROOT=media):
        results = [bench_scale(scale) for scale in SCALES]
    compare(results[0], results[-1])
    if not settings.DEBUG:
        print("\n(DEBUG is off, as in production; times include template rendering.)")


if __name__ == "__main__":
    main()
