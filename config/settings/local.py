"""The zero-set-up demo: SQLite and a filesystem broker unless DATABASE_URL/REDIS_URL say otherwise."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "insecure-local-demo-key-do-not-use-in-production")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Mail is kept in files under var/mail for the demo unless an SMTP server is configured.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns about a missing folder)
# The development server prints each request with its status ("GET /participants/ HTTP/1.1" 403 …):
# a 403 or 404 is that one line; django.request adds its own for 5xx only (with the traceback).
LOGGING["loggers"]["django.request"]["level"] = "ERROR"  # noqa: F405
