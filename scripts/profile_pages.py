"""``make profile``: where Parley's pages spend their time, one page at a time, in this process.

Signs each role in (``scripts/bench/sessions.py``), requests each page of ``scripts/bench/pages.py`` a
few times to warm up, then REPEAT times under cProfile, and prints per page: the milliseconds of one
request, its SQL queries, and the functions that took the most time (their own time, and with what
they call). Runs on the database of DATABASE_URL as it is (seed it first: ``seed_demo --scale N``),
under production's settings with DEBUG off and the cached template loader.

Environment: DATABASE_URL, PARLEY_PROFILE_PAGES (comma-separated words, as PARLEY_BENCH_PAGES),
PARLEY_PROFILE_REPEAT (20), PARLEY_PROFILE_TOP (25; 0: time the pages, no profile),
PARLEY_PROFILE_SORT (tottime or cumulative), PARLEY_PROFILE_SQL
(print the first N characters of each query, with its fastest time of five requests).
"""

import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.setdefault("SECRET_KEY", "make-profile-signs-nothing-that-leaves-this-process")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "bench" / "static"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from scripts.bench import sessions  # noqa: E402
from scripts.bench.pages import PAGES, ROLES, page_url  # noqa: E402

WORDS = [word.strip() for word in os.environ.get("PARLEY_PROFILE_PAGES", "").split(",") if word.strip()]
REPEAT = int(os.environ.get("PARLEY_PROFILE_REPEAT", "20"))
TOP = int(os.environ.get("PARLEY_PROFILE_TOP", "25"))
SORT = os.environ.get("PARLEY_PROFILE_SORT", "tottime")
SHOW_SQL = int(os.environ.get("PARLEY_PROFILE_SQL", "0"))  # characters of each query to print


def client_for(user):
    name, key = sessions.session_cookie_for(user)
    client = Client()
    client.cookies[name] = key
    return client


def profile(client, path):
    for _ in range(3):
        response = client.get(path)
        if response.status_code != 200:
            return f"answers {response.status_code}"
    queries, spent = [], []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(sql)
            spent.append((time.perf_counter() - started) * 1000)

    fastest = None
    for _ in range(5 if SHOW_SQL else 1):
        queries.clear()
        spent.clear()
        with connection.execute_wrapper(timed):
            client.get(path)
        fastest = list(spent) if fastest is None else [min(pair) for pair in zip(fastest, spent, strict=False)]
    if SHOW_SQL:
        for number, (sql, ms) in enumerate(zip(queries, fastest, strict=False), start=1):
            print(f"  SQL {number} ({ms:.2f} ms): {sql[:SHOW_SQL]}")
    plain = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(path)
        plain.append((time.perf_counter() - started) * 1000)
    times = []
    profiler = cProfile.Profile()
    for _ in range(REPEAT if TOP else 0):
        started = time.perf_counter()
        profiler.enable()
        client.get(path)
        profiler.disable()
        times.append((time.perf_counter() - started) * 1000)
    if not TOP:
        return f"{statistics.median(plain):.1f} ms, {len(queries)} queries"
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).strip_dirs().sort_stats(SORT).print_stats(TOP)
    summary = (
        f"{statistics.median(plain):.1f} ms ({statistics.median(times):.1f} with the profiler), {len(queries)} queries"
    )
    return f"{summary}\n{report.getvalue()}"


def main():
    from django.core.management import call_command

    from accounts.models import User

    call_command("collectstatic", interactive=False, verbosity=0)
    users = {role: User.objects.get(email=email) for role, email in ROLES.items()}
    for page, url_name, pick, roles in PAGES:
        for role in roles:
            if WORDS and not any(word in f"{page} as {role}" for word in WORDS):
                continue
            path, why_not = page_url(url_name, pick, users[role])
            if not path:
                print(f"== {page} as {role}: {why_not}")
                continue
            print(f"== {page} as {role}: {path}")
            print(profile(client_for(users[role]), path))


if __name__ == "__main__":
    main()
