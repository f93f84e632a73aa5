"""The ceiling: what any Django page can do on this machine. A whole Django project in one file.

A page of a new ``startproject`` (its default middleware, DEBUG off, the cached template loader)
that runs one query on Parley's database, the first 25 participants through the ORM, and renders
them as a 25-row table with a template. No session, no sign-in: nothing but the work every page
does at least. ``make bench`` serves it with gunicorn beside Parley:

    DATABASE_URL=postgres://... gunicorn --chdir scripts/bench ceiling:application --workers 2
"""

import os

import dj_database_url
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY", "the-ceiling-of-make-bench-serves-nothing-secret"),
    ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    # startproject's middleware, minus static files and the admin: what a plain Django page pays for.
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    # Parley's connection settings (config/settings/base.py): persistent connections, health checks.
    DATABASES={
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench"),
            conn_max_age=60,
            conn_health_checks=True,
        )
    },
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.cached.Loader",
                        [
                            (
                                "django.template.loaders.locmem.Loader",
                                {
                                    "participants.html": """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Participants</title></head>
<body>
<h1>Participants</h1>
<table>
  <thead><tr><th>#</th><th>Codename</th><th>Category</th><th>Nationality</th><th>Risk</th><th>Level</th></tr></thead>
  <tbody>
  {% for participant in participants %}
    <tr>
      <td>{{ participant.pk }}</td>
      <td>{{ participant.codename|default:"—" }}</td>
      <td>{{ participant.category }}</td>
      <td>{{ participant.nationality }}</td>
      <td>{{ participant.risk_level }}</td>
      <td>{{ participant.level }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
</body>
</html>
"""
                                },
                            )
                        ],
                    )
                ],
            },
        }
    ],
    USE_TZ=True,
)

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import models  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402


class Participant(models.Model):
    """Parley's participant table, read as is (a few of its columns)."""

    codename = models.CharField(max_length=60)
    category = models.CharField(max_length=20)
    nationality = models.CharField(max_length=2)
    risk_level = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()

    class Meta:
        app_label = "ceiling"
        db_table = "participants_participant"
        managed = False

    def __str__(self):
        return self.codename or f"#{self.pk}"


def participant_table(request):
    participants = Participant.objects.order_by("pk")[:25]
    return render(request, "participants.html", {"participants": participants})


urlpatterns = [path("", participant_table)]
application = get_wsgi_application()
