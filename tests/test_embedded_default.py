"""``make run``'s embedded default (SQLite, no Redis) serves every page: the suite runs on PostgreSQL, and
SQLite refuses some SQL PostgreSQL takes (a sliced part of a UNION answered 500 on the facilitator's
dashboard). Migrates, seeds the demo and requests each page as each role, in a process of its own."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args, env):
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_every_page_answers_on_the_embedded_default(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'parley.sqlite3'}",
        PARLEY_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
    )
    run(["manage.py", "migrate", "--verbosity", "0"], env)
    run(["manage.py", "createcachetable"], env)
    run(["manage.py", "seed_demo"], env)
    lines = run([str(ROOT / "tests" / "embedded_pages.py")], env).splitlines()
    assert lines[0] == "database sqlite"
    pages = lines[1:]
    assert len(pages) >= 20
    failed = [line for line in pages if not line.startswith("200 ")]
    assert not failed, failed
