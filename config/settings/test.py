"""The test suite: real PostgreSQL and Redis (make test starts them), mail kept in memory."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: E402, F403

SECRET_KEY = "test-only-secret-key-not-for-anything-else-0123456789"
DEBUG = False
# Mail kept in memory; a Celery worker started by the tests (tests/celery_worker.py) sends to the tests'
# SMTP server instead (EMAIL_HOST and EMAIL_PORT come from the environment, as in base).
EMAIL_BACKEND = os.environ.get("PARLEY_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Each test process has its own key prefix, so parallel runs never see each other's rate-limit counters.
CACHES["default"]["KEY_PREFIX"] = f"parley-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns about a missing folder)
