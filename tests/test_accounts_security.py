"""Sign-in security: MFA enforcement, login rate limits, the admin login, closed sign-up, settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from core.levels import Level, Role

from . import factories as f
from .conftest import with_totp

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("role", "clearance", "must"),
    [
        (Role.ADMIN, Level.INTERNAL, True),
        (Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, True),
        (Role.STAFF, Level.CONFIDENTIAL, True),
        (Role.STAFF, Level.STRICTLY_CONFIDENTIAL, True),
        (Role.STAFF, Level.INTERNAL, False),
        (Role.FACILITATOR, Level.CONFIDENTIAL, False),
        (Role.PARTICIPANT, Level.CONFIDENTIAL, False),
    ],
)
def test_who_must_use_mfa(role, clearance, must):
    assert f.UserFactory.build(role=role, clearance=clearance).must_use_mfa is must


@pytest.mark.parametrize("path", ["/", "/initiatives/", "/participants/", "/admin/"])
def test_until_mfa_is_set_up_every_page_sends_an_admin_to_the_setup_page(client, path):
    admin = f.UserFactory(role=Role.ADMIN, clearance=Level.CONFIDENTIAL, is_staff=True)
    client.force_login(admin)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_the_setup_page_its_password_check_and_logout_stay_reachable(client):
    user = f.UserFactory(role=Role.STAFF, clearance=Level.CONFIDENTIAL)
    client.post(reverse("account_login"), {"login": user.email, "password": f.PASSWORD})
    # allauth asks for the password again before TOTP can be set up; that page must not loop.
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [] or "reauthenticate" in response.redirect_chain[-1][0]
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get("/").url.startswith(reverse("account_login"))


def test_once_totp_is_set_up_pages_open(client):
    admin = with_totp(f.UserFactory(role=Role.ADMIN, clearance=Level.CONFIDENTIAL, is_staff=True))
    client.force_login(admin)
    assert client.get("/").status_code == 200


def test_recovery_codes_alone_do_not_satisfy_the_requirement(client):
    user = f.UserFactory(role=Role.STAFF, clearance=Level.CONFIDENTIAL)
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"})
    client.force_login(user)
    assert client.get("/").status_code == 302


def test_internal_staff_are_not_forced_into_mfa(client, staff):
    client.force_login(staff)
    assert client.get("/").status_code == 200


def test_login_with_email_and_password_works(client):
    user = f.UserFactory(role=Role.STAFF)
    response = client.post(reverse("account_login"), {"login": user.email, "password": f.PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user


def test_a_user_with_totp_is_asked_for_a_code_after_the_password(client):
    user = with_totp(f.UserFactory(role=Role.ADMIN, clearance=Level.CONFIDENTIAL, is_staff=True))
    response = client.post(reverse("account_login"), {"login": user.email, "password": f.PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Not signed in yet: the dashboard still sends them to the login page.
    assert client.get("/").status_code == 302
    assert reverse("account_login") in client.get("/").url


def test_failed_logins_are_rate_limited_per_account(client):
    user = f.UserFactory(role=Role.STAFF)
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": user.email, "password": "wrong password"})
        assert b"Too many failed login attempts" not in response.content
    response = client.post(url, {"login": user.email, "password": "wrong password"})
    assert b"Too many failed login attempts" in response.content
    # Even the right password is refused while the limit holds.
    response = client.post(url, {"login": user.email, "password": f.PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_login_attempts_are_rate_limited_per_address(client):
    url = reverse("account_login")
    statuses = [
        client.post(url, {"login": f"nobody{n}@parley.test", "password": "wrong password"}).status_code
        for n in range(31)
    ]
    assert statuses[:30].count(429) == 0
    assert statuses[30] == 429


def test_the_rate_limit_counters_live_in_the_shared_cache(client, settings):
    assert settings.CACHES["default"]["BACKEND"] == "core.cache.ForgivingRedisCache"  # Redis, surviving an outage
    from django.core.cache import cache

    cache.set("parley-probe", "1")
    assert cache.get("parley-probe") == "1"


def test_the_django_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_django_admin_is_closed_to_non_admin_accounts(client, staff):
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    assert "/admin/login/" in response.url if response.status_code == 302 else True


def test_sign_up_is_closed(client):
    from accounts.models import User

    before = User.objects.count()
    response = client.post(
        reverse("account_signup"), {"email": "new@parley.test", "password1": "a long enough password 123"}
    )
    assert User.objects.count() == before
    assert response.status_code in (200, 403)
    assert b"closed" in response.content.lower() or response.status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/initiatives/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/parley",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    del env[missing]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_settings_pass_the_deploy_check_with_no_warning():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": "a-production-like-secret-" + "q8Zr2LmX0vT7pW3nK9sB5yH1cF6gJ4dA" * 2,
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/parley",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_carry_a_strict_content_security_policy(client, staff):
    client.force_login(staff)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_nothing_is_loaded_from_another_host(client, staff):
    import re

    client.force_login(staff)
    html = client.get("/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_first_admin_created_at_the_console_can_sign_in_at_once(client):
    from accounts.models import User

    User.objects.create_superuser("first@parley.test", f.PASSWORD, full_name="First Admin")
    response = client.post(reverse("account_login"), {"login": "first@parley.test", "password": f.PASSWORD})
    assert response.status_code == 302
    # Signed in, and sent to set up the second factor that admins must use.
    assert client.get("/").url == reverse("mfa_activate_totp")
