"""``make bench`` (after the pages): invitation fan-out, from "send" to the SMTP server.

On PostgreSQL and Redis, under Parley's production settings: a workshop with PARLEY_BENCH_FANOUT_COUNT
(1,000) draft invitations, each to a participant with an e-mail address of their own; ONE Celery worker
(prefork, PARLEY_BENCH_FANOUT_CONCURRENCY = 2 processes) and an SMTP sink (aiosmtpd, in a process of its
own, counting what it accepts). The clock starts when ``invitations_send`` is called (the staff's "send":
drafts queued, one outbox message each, published after commit) and stops when the sink accepts the last
message. It prints messages per second and checks that each invitation arrived exactly once.

PARLEY_BENCH_FANOUT_PROFILE=1 then profiles the worker's path in this process (cProfile around
``core.outbox.deliver`` of 300 more messages, sent to the same sink) and prints where the time goes.

Environment: PARLEY_BENCH_FANOUT_DATABASE_URL (postgres://postgres@127.0.0.1:5432/parley_bench_fanout:
dropped and created again), PARLEY_BENCH_FANOUT_REDIS_URL (redis://127.0.0.1:6379/13: emptied),
PARLEY_BENCH_RESULTS (the results file, where the fan-out section is replaced or appended).
"""

import contextlib
import cProfile
import datetime
import io
import multiprocessing
import os
import platform
import pstats
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench.database import database_create_fresh  # noqa: E402

COUNT = int(os.environ.get("PARLEY_BENCH_FANOUT_COUNT", "1000"))
CONCURRENCY = int(os.environ.get("PARLEY_BENCH_FANOUT_CONCURRENCY", "2"))
PROFILE = os.environ.get("PARLEY_BENCH_FANOUT_PROFILE", "") not in ("", "0")
DATABASE_URL = os.environ.get(
    "PARLEY_BENCH_FANOUT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench_fanout"
)
REDIS_URL = os.environ.get("PARLEY_BENCH_FANOUT_REDIS_URL", "redis://127.0.0.1:6379/13")
RESULTS = Path(os.environ.get("PARLEY_BENCH_RESULTS", ROOT / "scripts" / "bench" / "results.md"))
CELERY = str(Path(sys.executable).with_name("celery"))
TARGET = 200  # messages per second, issue 14
SECTION = "## Invitation fan-out"
HOST = "127.0.0.1"


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- The SMTP sink, in a process of its own


def sink(port, accepted, last_at, ready):
    """Accept every message, count it, note when the last one came; nothing parsed, nothing kept. Runs
    until it is terminated."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            with accepted.get_lock():
                accepted.value += len(envelope.rcpt_tos)
            last_at.value = time.time()
            return "250 OK"

    Controller(Counting(), hostname=HOST, port=port).start()
    ready.set()
    while True:
        signal.pause()


# --- Setting up


def environment(smtp_port):
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "parley-bench-fanout",
        "ALLOWED_HOSTS": HOST,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "LOG_LEVEL": "WARNING",
    }


def workshop_with_drafts(count, *, label):
    """A workshop with ``count`` draft invitations to participants of their own addresses; and its lead."""
    from django.utils import timezone

    from accounts.models import User
    from core.levels import Level, Role
    from dialogues.models import Initiative, Invitation, Party, TeamMembership, Workshop
    from participants.models import Organization, Participant

    lead = User.objects.create_user(
        email=f"lead-{label}@parley.invalid", full_name="Bench Lead", role=Role.STAFF, clearance=Level.INTERNAL
    )
    initiative = Initiative.objects.create(
        title=f"Fan-out {label}", codename=f"FANOUT-{label}", conflict="Bench", level=Level.INTERNAL
    )
    TeamMembership.objects.create(initiative=initiative, user=lead, role=TeamMembership.Role.PROGRAMME_OFFICER)
    starts_at = timezone.now() + datetime.timedelta(days=30)
    workshop = Workshop.objects.create(
        initiative=initiative,
        title=f"Fan-out workshop {label}",
        city="Geneva",
        country="CH",
        time_zone="Europe/Zurich",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(days=2),
        capacity=count,
        level=Level.INTERNAL,
    )
    party = Party.objects.create(initiative=initiative, name="Delegation")
    organization = Organization.objects.create(name=f"Institute {label}", kind=Organization.Kind.NGO, country="CH")
    languages = ["en", "fr", "es", "ar", "ru"]
    people = Participant.objects.bulk_create(
        Participant(
            full_name=f"Invitee {label} {number}",
            email=f"invitee-{label}-{number}@example.org",
            nationality="CH",
            languages=["en"],
            preferred_language=languages[number % len(languages)],
            organization=organization,
            category=Participant.Category.EXPERT,
            level=Level.INTERNAL,
        )
        for number in range(count)
    )
    invitations = Invitation.objects.bulk_create(
        Invitation(workshop=workshop, participant=person, party=party, status=Invitation.Status.DRAFT)
        for person in people
    )
    return workshop, invitations, lead


def start_worker(env, log):
    worker = subprocess.Popen(  # noqa: S603
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            f"--concurrency={CONCURRENCY}",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            "celery",
            "-n",
            f"fanout-{os.getpid()}@%h",
            "--loglevel=INFO",
            f"--logfile={log}",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not (log.exists() and " ready." in log.read_text(errors="replace")):
        if worker.poll() is not None or time.monotonic() > deadline:
            stop(worker)
            sys.exit(f"The Celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    return worker


def cpu_seconds(pid):
    """CPU time (user + system) of a process and its children still running, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def others_busy_share():
    """The share of the CPU that other processes use, over one second before the run."""
    from scripts.bench.measure import cpu_busy_share

    before = Path("/proc/stat").read_text()
    time.sleep(1)
    return cpu_busy_share(before, Path("/proc/stat").read_text())


def stop(process):
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


# --- Measuring


def fan_out(workshop, invitations, lead, accepted, last_at, worker):
    from dialogues.services import invitations_send

    cpu_before = cpu_seconds(worker.pid)
    started = time.time()
    written = invitations_send(workshop=workshop, invitations=invitations, by=lead)
    returned = time.time()
    if written != COUNT:
        sys.exit(f"invitations_send wrote {written} messages, not {COUNT}")
    deadline = time.monotonic() + 300
    while accepted.value < COUNT:
        if time.monotonic() > deadline:
            sys.exit(f"Only {accepted.value} of {COUNT} messages reached the SMTP server in 5 minutes.")
        time.sleep(0.01)
    return started, returned, last_at.value, cpu_seconds(worker.pid) - cpu_before


def exactly_once():
    """Each message sent once and every invitation marked sent (the sink counted the messages)."""
    from core.models import OutboxMessage
    from dialogues.models import Invitation

    sent = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT, attempts=1).count()
    return sent == COUNT and Invitation.objects.filter(status=Invitation.Status.SENT).count() == COUNT


def profile_deliver(accepted):
    """cProfile around ``core.outbox.deliver`` in this process, for 300 more messages to the same sink."""
    from core import outbox
    from core.models import OutboxMessage
    from dialogues.services import invitations_send

    workshop, invitations, lead = workshop_with_drafts(300, label="profile")
    published = outbox.publish
    outbox.publish = lambda ids, countdown=None: True  # kept from the worker: this process sends them
    try:
        invitations_send(workshop=workshop, invitations=invitations, by=lead)
    finally:
        outbox.publish = published
    ids = list(OutboxMessage.objects.filter(object_id__in=[i.pk for i in invitations]).values_list("pk", flat=True))
    before = accepted.value
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    outbox.deliver(ids)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\nIn process: {len(ids)} messages in {elapsed:.2f} s = {len(ids) / elapsed:.0f}/s for one process")
    print(f"(the sink accepted {accepted.value - before})\n")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    print(out.getvalue())


def machine():
    from scripts.bench.measure import cpu_model

    return f"{os.cpu_count()} × {cpu_model(Path('/proc/cpuinfo').read_text())}"


def results_section(rate, seconds, send_ms, cpu_ms, busy, load_before):
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")

    def git(*arguments):
        return subprocess.run(  # noqa: S603
            ["git", *arguments],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    verdict = "meets" if rate >= TARGET else "below"
    return (
        f"{SECTION} (`scripts/bench/fanout.py`)\n\n"
        f"- date: {now}; commit: {commit}; CPU: {machine()}; load average (1 min) before: "
        f"{load_before:.2f}; other processes' share of the CPU just before: {busy:.0%}; "
        f"Python {platform.python_version()}\n"
        f"- {COUNT:,} invitations, one participant and address each, sent by `invitations_send` on PostgreSQL "
        f"and Redis (production settings); ONE Celery worker, prefork, concurrency {CONCURRENCY}; an aiosmtpd "
        "sink in a process of its own, on loopback\n\n"
        "| messages | send call ms | seconds to the last message | messages/s | target | worker CPU ms/message |\n"
        "|---------:|-------------:|----------------------------:|-----------:|-------:|----------------------:|\n"
        f"| {COUNT:,} | {send_ms:.0f} | {seconds:.2f} | {rate:.0f} | ≥ {TARGET} ({verdict}) | {cpu_ms:.1f} |\n\n"
        "From the call of `invitations_send` (drafts queued, one outbox row each, published to Celery after "
        "commit) to the SMTP server's acceptance of the last message; each invitation arrived exactly once.\n"
    )


def write_results(section):
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results (`make bench`)\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda match: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n")


def main():
    smtp_port = free_port()
    env = environment(smtp_port)
    os.environ.update(env)
    load_before = os.getloadavg()[0]
    print(
        f"Invitation fan-out: {COUNT:,} invitations, one worker (prefork, concurrency {CONCURRENCY}), "
        f"database {urlparse(DATABASE_URL).path.lstrip('/')} (created afresh)"
    )
    database_create_fresh(DATABASE_URL)
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    import django

    django.setup()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()

    context = multiprocessing.get_context("spawn")
    accepted, last_at, ready = context.Value("l", 0), context.Value("d", 0.0), context.Event()
    smtp = context.Process(target=sink, args=(smtp_port, accepted, last_at, ready), daemon=True)
    smtp.start()
    ready.wait(30)

    workshop, invitations, lead = workshop_with_drafts(COUNT, label="bench")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    with tempfile.TemporaryDirectory(prefix="parley-fanout-") as log_dir:
        worker = start_worker(env, Path(log_dir) / "worker.log")
        try:
            busy = others_busy_share()
            started, returned, last, worker_cpu = fan_out(workshop, invitations, lead, accepted, last_at, worker)
            time.sleep(0.5)  # a duplicate would arrive now
            duplicates = accepted.value - COUNT
            if duplicates or not exactly_once():
                sys.exit(f"Not exactly once: {accepted.value} messages accepted for {COUNT} invitations.")
        finally:
            stop(worker)
    seconds = last - started
    rate = COUNT / seconds
    send_ms = (returned - started) * 1000
    cpu_ms = worker_cpu * 1000 / COUNT
    print(
        f"send call {send_ms:.0f} ms; the last of {COUNT:,} messages after {seconds:.2f} s: {rate:.0f} messages/s "
        f"(worker CPU {cpu_ms:.1f} ms per message; other processes used {busy:.0%} of the CPU just before)"
    )
    if PROFILE:
        profile_deliver(accepted)
    os.kill(smtp.pid, signal.SIGTERM)
    smtp.join(10)
    write_results(results_section(rate, seconds, send_ms, cpu_ms, busy, load_before))
    print(f"Written to {RESULTS}.")


if __name__ == "__main__":
    main()
