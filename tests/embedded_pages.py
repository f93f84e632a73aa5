"""Run by ``test_embedded_default.py`` in a process of its own, on the embedded default (``make run``'s
SQLite): every page ``make bench`` measures, as the demo account of each role it is for. Prints one line per
page, its status first."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from scripts.bench import sessions  # noqa: E402
from scripts.bench.pages import PAGES, ROLES, page_url  # noqa: E402

print("database", connection.vendor)
for name, url_name, pick, roles in PAGES:
    for role in roles:
        user = get_user_model()._default_manager.get(email=ROLES[role])
        path, why = page_url(url_name, pick, user)
        client = Client()
        cookie, key = sessions.session_cookie_for(user)
        client.cookies[cookie] = key
        status = client.get(path).status_code if path else why
        print(status, f"{name} as {role}", path)
