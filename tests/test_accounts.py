"""The sign-in pages (allauth) in Parley's layout: no sign-up, no inline script, the QR code under the CSP."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from core.levels import Level, Role

from . import factories as f
from .conftest import with_totp

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(rb"<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def assert_csp_clean(response):
    assert not INLINE_SCRIPT.search(response.content), "inline script"
    assert not INLINE_STYLE.search(response.content), "inline style or event handler"


def assert_in_parley_layout(response):
    assert b'class="navbar' in response.content
    assert b"vendor/bootstrap/bootstrap" in response.content


def test_the_login_page_has_no_sign_up_link(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert reverse("account_signup").encode() not in response.content
    assert b"sign up" not in response.content.lower()
    assert reverse("account_reset_password").encode() in response.content  # "Forgot your password?"


def test_the_login_page_uses_the_parley_layout_and_bootstrap_fields(client):
    response = client.get(reverse("account_login"))
    assert_in_parley_layout(response)
    assert_csp_clean(response)
    assert b'class="form-control' in response.content
    assert b'class="btn btn-primary"' in response.content


def test_a_failed_login_shows_the_error_in_the_form(client):
    user = f.UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert b"alert alert-danger" in response.content


def test_the_open_sign_up_url_creates_no_account(client):
    before = User.objects.count()
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert b"closed" in page.content.lower()
    assert_in_parley_layout(page)
    password = "a long enough password 123"
    client.post(
        reverse("account_signup"), {"email": "intruder@example.org", "password1": password, "password2": password}
    )
    assert User.objects.count() == before
    assert not User.objects.filter(email="intruder@example.org").exists()


@pytest.mark.parametrize("name", ["account_reset_password", "account_reset_password_done"])
def test_password_reset_pages_use_the_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_in_parley_layout(response)
    assert_csp_clean(response)


def test_the_logout_page_uses_the_layout(client, staff):
    client.force_login(staff)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert_in_parley_layout(response)


def test_the_totp_activation_page_shows_the_qr_code_as_a_data_image(client):
    user = f.UserFactory(role=Role.STAFF, clearance=Level.CONFIDENTIAL)
    client.post(reverse("account_login"), {"login": user.email, "password": f.PASSWORD})
    # allauth asks for the password again before a second factor is set up.
    reauthenticate = client.get(reverse("mfa_activate_totp"), follow=True)
    assert reauthenticate.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert_in_parley_layout(reauthenticate)
    assert_csp_clean(reauthenticate)
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert_in_parley_layout(response)
    assert_csp_clean(response)
    assert re.search(rb'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', response.content)
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp


def test_the_second_factor_page_uses_the_layout(client):
    user = with_totp(f.UserFactory(role=Role.ADMIN, clearance=Level.CONFIDENTIAL, is_staff=True))
    response = client.post(reverse("account_login"), {"login": user.email, "password": f.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert_in_parley_layout(response)
    assert_csp_clean(response)
    assert b'name="code"' in response.content


def test_the_recovery_codes_page_uses_the_layout(client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = with_totp(f.UserFactory(role=Role.ADMIN, clearance=Level.CONFIDENTIAL, is_staff=True))
    RecoveryCodes.activate(user)
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    for name in ("mfa_index", "mfa_view_recovery_codes"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_in_parley_layout(response)
        assert_csp_clean(response)
    assert b'id="recovery_codes"' in response.content  # the last page: the codes themselves
