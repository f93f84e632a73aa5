"""Settings shared by every environment. Everything configurable comes from the environment."""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PARLEY_VAR_DIR", BASE_DIR / "var"))


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "core",
    "accounts",
    "participants",
    "dialogues",
    "facilitators",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.RuleTiesMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RejectNulCharactersMiddleware",  # last: its 400 page gets every header and context
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dialogues.context_processors.links",
            ],
        },
    },
]

# --- Database: DATABASE_URL, or an SQLite file in var/ for the zero-set-up demo.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'parley.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it starts on a query's estimated cost and spends 100-650 ms compiling queries
    # that run in a few milliseconds (the access log, the vetting queue); Parley's queries are short.
    # Random reads cost little more than sequential ones on SSDs: index lookups are planned as such.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c random_page_cost=1.1"
# The queries compiled once (``core.prepared``) are prepared once per connection. Off
# (DATABASE_PREPARED_STATEMENTS=false) behind a pooler that hands each transaction another server
# connection (PgBouncer's transaction mode), where a statement prepared on one is unknown on the next.
PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set; otherwise a database table, so that the login rate
# limits of allauth still hold across web processes in the demo.
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, answering as a cache miss (and logging) while Redis is away: pages, sign-in and
            # sessions (from the database) go on working; only the cache's speed is lost meanwhile.
            "BACKEND": "core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "parley"),
        }
    }
    # A signed-in request reads its session from Redis, not from the database (written to both).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "parley_cache",
        }
    }

# --- Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Parley] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "https")
# allauth's defaults, spelled out: failed logins are limited per IP and per account.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# Behind a proxy, the client's address comes from what our proxies wrote (accounts/client_ip.py):
# the networks they connect from, how many of them append to X-Forwarded-For, or the header one sets.
PARLEY_TRUSTED_PROXIES = env_list("PARLEY_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
PARLEY_TRUSTED_PROXY_COUNT = int(env("PARLEY_TRUSTED_PROXY_COUNT", "0"))
PARLEY_CLIENT_IP_HEADER = env("PARLEY_CLIENT_IP_HEADER", "")
for _network in PARLEY_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"PARLEY_TRUSTED_PROXIES: {_network!r} is not an address or network.") from _error
if PARLEY_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("PARLEY_TRUSTED_PROXY_COUNT must be 0 or more.")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Parley"

# --- Internationalisation: every string is marked; the five languages are switched on from day one.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # one date and time format per language (config/formats/)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: vendored front-end files in static/, served by WhiteNoise.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))
# Documents are never served from MEDIA_URL: only through the access-checked download view.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- E-mail
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Parley <no-reply@parley.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The address people reach Parley at: links in e-mails (the RSVP link) are built on it.
PARLEY_SITE_URL = env("PARLEY_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a signed RSVP link works (dialogues.rsvp); answering spends it earlier.
PARLEY_RSVP_MAX_AGE_DAYS = int(env("PARLEY_RSVP_MAX_AGE_DAYS", "60"))
# How long the signed link that marks an action item done works (facilitators.action_links); using it
# spends it earlier. Its owner is reminded this many days before an item is due (and on the day, then weekly).
PARLEY_ACTION_LINK_MAX_AGE_DAYS = int(env("PARLEY_ACTION_LINK_MAX_AGE_DAYS", "60"))
PARLEY_ACTION_REMINDER_DAYS = int(env("PARLEY_ACTION_REMINDER_DAYS", "3"))
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))

# --- Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport, which needs
# no server, so that web, worker and scheduler run together on one machine with no set-up.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown or retry backoff (the outbox retries within an hour), so that a
        # task waiting for its time is not handed to a second worker meanwhile.
        "visibility_timeout": 2 * 60 * 60,
        # A page that publishes with the broker down waits a second at most, then leaves the
        # messages to the sweeper: one connection attempt (kombu would otherwise try again three
        # times, sleeping two seconds in all, before it gives up).
        "socket_connect_timeout": 1,
        "max_retries": 0,
        "socket_timeout": 5,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The outbox: a message due for this long and still waiting is published again by the sweeper.
PARLEY_OUTBOX_STALE_SECONDS = int(env("PARLEY_OUTBOX_STALE_SECONDS", "60"))
PARLEY_OUTBOX_SWEEP_SECONDS = float(env("PARLEY_OUTBOX_SWEEP_SECONDS", "60"))
# The first wait after a temporary SMTP error (4xx); each further one doubles, up to an hour.
PARLEY_OUTBOX_FIRST_RETRY_SECONDS = float(env("PARLEY_OUTBOX_FIRST_RETRY_SECONDS", "30"))
PARLEY_REMINDER_SECONDS = float(env("PARLEY_REMINDER_SECONDS", "900"))
# Sanctions screening runs: one queued, or running without progress, for this long is published again.
PARLEY_SCREENING_STALE_SECONDS = int(env("PARLEY_SCREENING_STALE_SECONDS", "300"))
PARLEY_SCREENING_SWEEP_SECONDS = float(env("PARLEY_SCREENING_SWEEP_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "core.tasks.outbox_sweep",
        "schedule": PARLEY_OUTBOX_SWEEP_SECONDS,
    },
    "invitation-reminders": {
        "task": "dialogues.tasks.invitation_reminders_enqueue",
        "schedule": PARLEY_REMINDER_SECONDS,
    },
    "purge-expired-passport-details": {
        "task": "dialogues.tasks.invitation_purge_passport_details",
        "schedule": crontab(minute=17, hour=3),
    },
    # Mondays: each admin's digest of approvals expiring soon and cases open too long (once per ISO week).
    "vetting-digest": {
        "task": "participants.tasks.vetting_digest_enqueue",
        "schedule": crontab(minute=30, hour=6, day_of_week=1),
    },
    "follow-up-reminders": {
        "task": "facilitators.tasks.follow_up_reminders_enqueue",
        "schedule": PARLEY_REMINDER_SECONDS,
    },
    # Screening runs left queued (the broker was away) or running without progress: published again.
    "screening-sweep": {
        "task": "participants.tasks.screening_runs_sweep",
        "schedule": PARLEY_SCREENING_SWEEP_SECONDS,
    },
}

# --- Security headers that hold in every environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Parley
PARLEY_PAGE_SIZE = 25
# Lists count their rows up to this many, then say "more than" (core.pagination.Page).
PARLEY_COUNT_BOUND = 1000
# How long after a workshop ends passport details of its invitations are kept (visa letters).
PARLEY_PASSPORT_RETENTION_DAYS = int(env("PARLEY_PASSPORT_RETENTION_DAYS", "30"))
# Sanctions screening (participants.screening): a match scoring this much or more (0–100: the name's
# likeness, moved up or down by date of birth and nationality) is a hit an admin must clear or confirm.
PARLEY_SANCTIONS_THRESHOLD = float(env("PARLEY_SANCTIONS_THRESHOLD", "85"))
# A sanctions list file larger than this is refused (the published UN list is some 2 MB).
PARLEY_SANCTIONS_LIST_MAX_BYTES = int(env("PARLEY_SANCTIONS_LIST_MAX_BYTES", str(20 * 1024 * 1024)))
# How long a vetting approval holds, from its decision (issue 16: twelve months unless configured).
PARLEY_VETTING_VALIDITY_DAYS = int(env("PARLEY_VETTING_VALIDITY_DAYS", "365"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_one_line": {"()": "core.logging_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print every record a second time: the root's prints it once.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # A 403 or 404 is one line; a 500 keeps its traceback.
        "django.request": {"filters": ["client_errors_one_line"]},
    },
}
