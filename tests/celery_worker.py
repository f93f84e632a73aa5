"""Real Celery workers and beats for the tests, on a Redis server of the test's own.

Delivery semantics are tested the way they run in production: a ``celery worker`` subprocess
(prefork) consumes from a real Redis and sends to the real SMTP server of ``tests/smtp_server.py``,
reading the pytest-django test database. Tests that use a worker must be
``@pytest.mark.django_db(transaction=True)`` so that the worker sees committed rows, and are marked
``@pytest.mark.worker``.

Each pytest process starts its own ``redis-server`` on a free port (nothing saved to disk), so
parallel test processes never consume each other's tasks, and a test may stop Redis and start it
again (``redis.stop()`` / ``redis.start()``) to see what the outbox does without a broker.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from .smtp_server import free_port

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).parent / "celery")


def wait_until(predicate, *, timeout=20, interval=0.05, message="condition"):
    """Poll ``predicate`` until it returns something true; return that, or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


class RedisServer:
    """A ``redis-server`` of the test's own, on a fixed free port, stoppable and restartable."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = Path(directory)
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=2)

    def is_up(self):
        import redis

        try:
            return self.client().ping()
        except (redis.ConnectionError, redis.TimeoutError):
            return False

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("The worker tests need redis-server on PATH (the tests start a Redis of their own).")
        self.process = subprocess.Popen(  # noqa: S603
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.is_up, timeout=10, message=f"redis-server on port {self.port}")
        return self

    def stop(self):
        """Stop at once, keeping nothing: queued and unacknowledged tasks are lost, as in a crash."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def flush(self):
        self.client().flushall()

    def queued(self):
        """Tasks waiting in the queue plus tasks delivered to a worker and not yet acknowledged (those of a
        killed worker stay unacknowledged until the broker's visibility timeout, two hours)."""
        client = self.client()
        return client.llen("celery") + client.hlen("unacked")


class CeleryProcess:
    """A ``celery`` subprocess in its own process group, logging to a file."""

    def __init__(self, arguments, *, env, log):
        self.log = Path(log)
        self.stderr = self.log.with_suffix(".stderr").open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [CELERY, "-A", "config", *arguments, "--loglevel=INFO", f"--logfile={self.log}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            start_new_session=True,
        )

    @property
    def pid(self):
        return self.process.pid

    def log_text(self):
        parts = [path.read_text(errors="replace") for path in (self.log, self.log.with_suffix(".stderr"))]
        return "\n".join(part for part in parts if part)

    def wait_for_log(self, text, *, timeout=30):
        def seen():
            if self.process.poll() is not None:
                raise AssertionError(f"celery exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            return self.log.exists() and text in self.log.read_text(errors="replace")

        wait_until(seen, timeout=timeout, interval=0.1, message=f"{text!r} in {self.log}")
        return self

    def kill(self):
        """SIGKILL the whole process group: the main process and every pool child, mid-task. Also how a
        test's processes end: with the test over there is nothing to finish (a warm shutdown takes
        seconds), and the database rolls back whatever a killed process had begun."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.stderr.close()


def database_url():
    """The pytest-django test database (test_parley, test_parley_gw0 …) as a DATABASE_URL."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class Celery:
    """Starts workers and beats for one test and stops every one of them afterwards."""

    def __init__(self, *, redis, smtp, directory):
        self.redis = redis
        self.smtp = smtp
        self.directory = Path(directory)
        self.processes = []
        self.stale_seconds = 2
        self.sweep_seconds = 1.0

    def environ(self, extra=None):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            "PARLEY_OUTBOX_STALE_SECONDS": str(self.stale_seconds),
            "PARLEY_OUTBOX_SWEEP_SECONDS": str(self.sweep_seconds),
            "PARLEY_OUTBOX_FIRST_RETRY_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(self.smtp.environ())
        env.update(extra or {})
        return env

    def worker(self, *, concurrency=2, wait=True, env=None):
        name = f"relay-{uuid.uuid4().hex[:8]}"
        process = CeleryProcess(
            [
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-mingle",
                "--without-gossip",
                "-Q",
                "celery",
                "-n",
                f"{name}@%h",
            ],
            env=self.environ(env),
            log=self.directory / f"{name}.log",
        )
        self.processes.append(process)
        if wait:
            process.wait_for_log(" ready.")
        return process

    def beat(self, *, env=None):
        name = f"beat-{uuid.uuid4().hex[:8]}"
        process = CeleryProcess(
            ["beat", "-s", str(self.directory / f"{name}-schedule")],
            env=self.environ(env),
            log=self.directory / f"{name}.log",
        )
        self.processes.append(process)
        return process

    def stop_all(self):
        for process in self.processes:
            process.kill()
        self.processes = []

    def logs(self):
        return "\n".join(f"--- {process.log.name}\n{process.log_text()[-4000:]}" for process in self.processes)


@contextlib.contextmanager
def publishing_to(url):
    """Point this process's Celery app (which publishes after commit) at another broker."""
    from kombu import pools

    from config.celery_app import app

    def switch(to):
        app.conf.broker_url = to
        pools.reset()  # kombu keeps its connection pools by URL, for the whole process
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    switch(url)
    try:
        yield app
    finally:
        switch(previous)


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_server(private_redis):
    """This process's own Redis, empty, up, and the broker that this process publishes to."""
    if not private_redis.is_up():
        private_redis.start()
    private_redis.flush()
    with publishing_to(private_redis.url):
        yield private_redis
    if not private_redis.is_up():
        private_redis.start()
    private_redis.flush()


@pytest.fixture
def celery(redis_server, smtp_server, tmp_path):
    """``celery.worker(concurrency=2)`` and ``celery.beat()`` for this test; all stopped afterwards."""
    manager = Celery(redis=redis_server, smtp=smtp_server, directory=tmp_path)
    yield manager
    print(manager.logs())  # pytest shows it only when the test failed
    manager.stop_all()
