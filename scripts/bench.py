"""``make bench``: Parley's pages under load, side by side with the ceiling and the peer, at two data sizes.

For each data size (``seed_demo --scale N`` for N in PARLEY_BENCH_SCALES, default 1 and 10, into a
fresh PostgreSQL database; ``NxP`` adds ``--participants-per-copy P``: ``12,500x200`` is about 1,000
and 100,000 participants) it serves, with gunicorn and PARLEY_BENCH_WORKERS (2) sync workers each:

- the *ceiling*, ``scripts/bench/ceiling.py``: a one-file Django project whose one page runs one query
  on the same database and renders 25 participants with a template (what any Django page can do here);
- Parley under its production settings (DEBUG off, cached template loader, Redis cache), where the
  *peer* is the Django admin's participant changelist as the demo admin, and the pages are every list
  and detail page, the dashboard of each role and the participant search, each as the demo account of
  the roles it is for.

Each account gets a signed-in session, second factor done, made the way the test client makes one
(``scripts/bench/sessions.py``). Each page is first requested in this process with the test client to
count its SQL queries and time one request alone, then over HTTP until it answers 200, then loaded by
``wrk`` (a second process, loopback only) with PARLEY_BENCH_CONNECTIONS (16) connections for
PARLEY_BENCH_SECONDS (5) seconds.
The ceiling is loaded first, again after every PARLEY_BENCH_CEILING_EVERY (8) pages and last, at each
size; a page's share of the ceiling is taken against the ceiling runs just before and after it, so that
a machine that gets busier or quieter during the run moves the reference with the pages.

It prints one table and, after a complete run, writes it with the machine to scripts/bench/results.md.
Environment: PARLEY_BENCH_SCALES ("1,10"), PARLEY_BENCH_SECONDS, PARLEY_BENCH_CONNECTIONS,
PARLEY_BENCH_WORKERS, PARLEY_BENCH_CEILING_EVERY, PARLEY_BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/parley_bench:
dropped and created again), PARLEY_BENCH_REDIS_URL (redis://127.0.0.1:6379/0, keys "parley-bench:*"),
PARLEY_BENCH_PAGES (only the rows whose "page as role" contains one of these comma-separated words;
such a partial run leaves the results file alone), PARLEY_BENCH_RESULTS (the results file).
"""

import datetime
import http.client
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench.database import database_create_fresh  # noqa: E402
from scripts.bench.measure import (  # noqa: E402
    CEILING,
    COLUMNS,
    PAGE,
    PEER,
    Measurement,
    cpu_busy_share,
    cpu_model,
    format_table,
    parse_scales,
    parse_wrk,
    size_label,
    table_rows,
    wrk_command,
)
from scripts.bench.pages import PAGES, PEER_PAGE, ROLES, page_url  # noqa: E402

HOST = "127.0.0.1"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SCALES = os.environ.get("PARLEY_BENCH_SCALES", "1,10")
SECONDS = float(os.environ.get("PARLEY_BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("PARLEY_BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("PARLEY_BENCH_WORKERS", "2"))
CEILING_EVERY = max(1, int(os.environ.get("PARLEY_BENCH_CEILING_EVERY", "8")))
WRK_THREADS = 2
DATABASE_URL = os.environ.get("PARLEY_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench")
REDIS_URL = os.environ.get("PARLEY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PAGE_FILTER = [word.strip() for word in os.environ.get("PARLEY_BENCH_PAGES", "").split(",") if word.strip()]
RESULTS = Path(os.environ.get("PARLEY_BENCH_RESULTS", ROOT / "scripts" / "bench" / "results.md"))
VAR_DIR = ROOT / "var" / "bench"

# Parley's production settings, made to run on loopback over plain HTTP: every other setting is production's.
PARLEY_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CACHE_KEY_PREFIX": "parley-bench",
    "ALLOWED_HOSTS": f"{HOST},localhost",
    "SECURE_SSL_REDIRECT": "false",  # in production a TLS proxy stands in front; here wrk speaks plain HTTP
    "STATIC_ROOT": str(VAR_DIR / "static"),
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # the demo data invites its accounts
    "LOG_LEVEL": "WARNING",
}


def selected(page, role):
    return not PAGE_FILTER or any(word in f"{page} as {role}" for word in PAGE_FILTER)


# --- The database


def manage(*arguments):
    """Run ``manage.py`` with the bench's settings in a process of its own; stop the bench if it fails."""
    environment = {**os.environ, **PARLEY_ENVIRONMENT}
    completed = subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "manage.py"), *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    if completed.returncode:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}")
    return completed.stdout


def vacuum_analyze():
    """Fresh planner statistics after the bulk load, as autovacuum would give them a little later."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def data_counts():
    from dialogues.models import Invitation, Workshop
    from participants.models import Organization, Participant

    return {
        "participants": Participant.objects.count(),
        "organisations": Organization.objects.count(),
        "workshops": Workshop.objects.count(),
        "invitations": Invitation.objects.count(),
    }


# --- The servers


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def http_get(port, path, cookie=""):
    """Status of one GET on loopback, redirects not followed."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextmanager
def gunicorn(name, application, *, chdir, environment, log_dir):
    """A gunicorn server of ``application`` on a free loopback port, for the length of the ``with``."""
    port = free_port()
    log = (log_dir / f"{name}.log").open("w")
    command = [
        GUNICORN,
        application,
        f"--chdir={chdir}",
        f"--workers={WORKERS}",
        f"--bind={HOST}:{port}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(  # noqa: S603
        command, env={**os.environ, **environment}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                sys.exit(f"gunicorn ({name}) stopped at start:\n{(log_dir / f'{name}.log').read_text()[-3000:]}")
            try:
                http_get(port, "/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"gunicorn ({name}) does not answer on port {port}")
                time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def load(port, path, cookie=""):
    """Warm up every worker, check the page answers 200, then load it with wrk."""
    for _ in range(2 * WORKERS):
        status = http_get(port, path, cookie)
        if status != 200:
            return None, f"answers {status} over HTTP"
    command = wrk_command(
        f"http://{HOST}:{port}{path}", cookie=cookie, seconds=SECONDS, connections=CONNECTIONS, threads=WRK_THREADS
    )
    completed = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 60)  # noqa: S603
    if completed.returncode:
        return None, f"wrk failed: {completed.stderr.strip()[:100]}"
    return parse_wrk(completed.stdout), ""


# --- In this process: sessions, URLs, query counts


def measure_in_process(path, cookie_name, cookie_value, repeats=5):
    """Status, SQL queries and median milliseconds of ``path`` through the test client, after a warm-up request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME=HOST)
    client.cookies[cookie_name] = cookie_value
    client.get(path)
    timings = []
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
    return response.status_code, len(queries), statistics.median(timings)


def plan(size):
    """Every (kind, page, role, path, cookie) to load at this size, with its query count, or a skipped row."""
    from accounts.models import User
    from scripts.bench.sessions import cookie_header, session_cookie_for

    targets, skipped = [], []
    sessions = {}
    for kind, (page, url_name, pick, roles) in [(PEER, PEER_PAGE), *((PAGE, spec) for spec in PAGES)]:
        for role in roles:
            if not selected(page, role) and kind != PEER:
                continue
            user = User.objects.get(email=ROLES[role])
            if role not in sessions:
                sessions[role] = session_cookie_for(user)
            cookie_name, cookie_value = sessions[role]
            path, reason = page_url(url_name, pick, user)
            queries = milliseconds = None
            if path is not None:
                status, queries, milliseconds = measure_in_process(path, cookie_name, cookie_value)
                if status != 200:
                    path, reason = None, f"answers {status}"
            if path is None:
                skipped.append(Measurement(size, page, role, kind=kind, note=f"skipped: {reason}"))
                continue
            cookie = cookie_header(cookie_name, cookie_value)
            targets.append((kind, page, role, path, cookie, queries, milliseconds))
    return targets, skipped


# --- One size, and the whole run


def bench_size(scale, per_copy, base_participants, log_dir):
    """Seed up to this size, measure every page; ``base_participants``: the first size's (None: this is it)."""
    import django.db

    started = time.perf_counter()
    seed = ["seed_demo", f"--scale={scale}"] + ([f"--participants-per-copy={per_copy}"] if per_copy else [])
    manage(*seed)
    seeded = time.perf_counter() - started
    vacuum_analyze()
    counts = data_counts()
    size = size_label(counts["participants"], base_participants or counts["participants"])
    described = ", ".join(f"{count:,} {label}" for label, count in counts.items())
    print(f"\n{size} = {' '.join(seed)} (seeded in {seeded:.0f} s): {described}", flush=True)
    targets, skipped = plan(size)
    django.db.connections.close_all()
    busy = cpu_busy_elsewhere()
    if busy is not None:
        described += f"; before loading, {busy:.0%} of the CPU time was used by other processes"
        print(f"  CPU busy besides the bench: {busy:.0%}", flush=True)

    measurements = []
    with ExitStack() as servers:
        ceiling_port = servers.enter_context(
            gunicorn(
                f"ceiling-{scale}",
                "ceiling:application",
                chdir=ROOT / "scripts" / "bench",
                environment={"DATABASE_URL": DATABASE_URL},
                log_dir=log_dir,
            )
        )
        parley_port = servers.enter_context(
            gunicorn(f"parley-{scale}", "config.wsgi", chdir=ROOT, environment=PARLEY_ENVIRONMENT, log_dir=log_dir)
        )

        def run(kind, page, role, port, path, cookie="", queries=None, milliseconds=None):
            result, note = load(port, path, cookie)
            measurement = Measurement(
                size, page, role, load=result, queries=queries, in_process_ms=milliseconds, kind=kind, note=note
            )
            measurements.append(measurement)
            rate = f"{result.per_second:7.0f} req/s, p95 {result.p95_ms:6.1f} ms" if result else note
            print(f"  {page + ' as ' + role:<44} {rate}", flush=True)

        run(CEILING, "ceiling", "anonymous", ceiling_port, "/", queries=1)
        for number, (kind, page, role, path, cookie, queries, milliseconds) in enumerate(targets, start=1):
            run(kind, page, role, parley_port, path, cookie, queries, milliseconds)
            if number % CEILING_EVERY == 0 or number == len(targets):
                run(CEILING, "ceiling, again", "anonymous", ceiling_port, "/", queries=1)
    return measurements + skipped, f"{size}: {' '.join(seed)}: {described}", counts["participants"]


def git_commit():
    def git(*arguments):
        return subprocess.run(  # noqa: S603
            ["git", *arguments],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit} (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else commit


def load_average():
    """The machine's 1-minute load average: how busy it is besides the bench (2 means two busy cores)."""
    loadavg = Path("/proc/loadavg")
    return loadavg.read_text().split()[0] if loadavg.exists() else "unknown"


def cpu_busy_elsewhere(seconds=2.0):
    """The share of the machine's CPU time other processes use while the bench sits idle for ``seconds``."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return None
    before = stat.read_text()
    time.sleep(seconds)
    return cpu_busy_share(before, stat.read_text())


def machine():
    cpuinfo = Path("/proc/cpuinfo")
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout  # noqa: S607
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import django

    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "CPU": f"{os.cpu_count()} × {cpu_model(cpuinfo.read_text()) if cpuinfo.exists() else platform.processor()}",
        "load average (1 min) before the run": load_average(),
        "software": (
            f"Python {platform.python_version()}, Django {django.get_version()}, PostgreSQL {postgres}, "
            f"{wrk_version.split(' Copyright')[0].strip() or 'wrk'}"
        ),
        "load": (
            f"wrk, {CONNECTIONS} connections, {WRK_THREADS} threads, {SECONDS:g} s per row, loopback; "
            f"gunicorn {WORKERS} sync workers per server"
        ),
    }


def results_text(about, sizes, table):
    lines = ["# Benchmark results (`make bench`)", "", "The last complete run; `make bench` rewrites this file.", ""]
    lines += [f"- {label}: {value}" for label, value in about.items()]
    lines += [f"- {line}" for line in sizes]
    lines += [
        "",
        table,
        "",
        "Columns: requests per second and latency percentiles under load (wrk); SQL queries and milliseconds of",
        "one request alone, in process (test client, median of 5); requests per second as a share of the ceiling",
        "(a one-query Django page; for a page, the mean of the ceiling runs just before and after it) and as a",
        "multiple of the peer (the Django admin's participant changelist); the time of one request alone at this",
        "size over its time at the first size. wrk shares the machine's cores with the servers; the other",
        "processes' share of the CPU just before each size is measured is given above.",
        "",
    ]
    return "\n".join(lines)


def main():
    if shutil.which("wrk") is None:
        sys.exit("make bench needs wrk, the HTTP load generator: apt-get install wrk (Debian/Ubuntu), brew install wrk")
    try:
        scales = parse_scales(SCALES)
    except ValueError as error:
        sys.exit(str(error))
    if not scales:
        sys.exit("PARLEY_BENCH_SCALES names no scale, e.g. PARLEY_BENCH_SCALES=1,10 or 12,500x200")
    os.environ.update(PARLEY_ENVIRONMENT)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Parley benchmark: database {urlparse(DATABASE_URL).path.lstrip('/')} (created afresh), scales {scales}")
    database_create_fresh(DATABASE_URL)
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")

    import django

    django.setup()
    about = machine()
    measurements, sizes, base_participants = [], [], None
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as log_dir:
        for scale, per_copy in scales:
            size_measurements, described, participants = bench_size(scale, per_copy, base_participants, Path(log_dir))
            base_participants = base_participants or participants
            measurements += size_measurements
            sizes.append(described)
    table = format_table(table_rows(measurements), COLUMNS)
    print()
    print(table)
    if PAGE_FILTER:
        print(f"\nA partial run (PARLEY_BENCH_PAGES): {RESULTS} left as it was.")
        return
    RESULTS.write_text(results_text(about, sizes, table))
    print(f"\nWritten to {RESULTS}.")


if __name__ == "__main__":
    main()
