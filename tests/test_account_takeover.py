"""Nobody acts as someone else: the account-takeover chain of issue 11 (§2), step by step, is refused.

The chain was: an admin reads the lead's TOTP secret in the Django admin, adds an e-mail address of
their own to the lead's account, requests a password reset to it, and signs in as the lead. Or filters
users by ``password__startswith`` (authenticators by ``data__icontains``) to read a hash or a secret a
character at a time. Each step is tried here as a Parley admin and as an operator's superuser.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from core.admin import CREDENTIAL_APP_LABELS, is_credential_model, touches_credentials
from core.levels import Level, Role
from core.models import AccessLog

from . import factories as f
from .conftest import TOTP_SECRET, with_totp

pytestmark = pytest.mark.django_db

ATTACKER_ADDRESS = "takeover@attacker.example"
ATTACKER_PASSWORD = "the attacker's own passphrase 77"
RESET_LINK = re.compile(r"/accounts/password/reset/key/\S+")


@pytest.fixture
def lead():
    user = with_totp(f.UserFactory(email="lead@parley.test", role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL))
    RecoveryCodes.activate(user)
    return user


@pytest.fixture(params=["admin", "superuser"])
def actor(request, make_user):
    """A Parley admin (a plain admin, as in the demo), and an operator's break-glass superuser."""
    if request.param == "admin":
        user = make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True, email="admin@parley.test")
        assert not user.is_superuser
        return user
    user = User.objects.create_superuser("operator@parley.test", f.PASSWORD, full_name="Operator")
    return with_totp(user)


def secrets_of(user):
    """Everything that would let someone sign in as ``user``: the hash, the TOTP secret, recovery codes."""
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return [user.password, TOTP_SECRET, *RecoveryCodes(recovery).get_unused_codes(), recovery.data["seed"]]


def assert_discloses_nothing(response, user):
    page = response.content.decode()
    for secret in secrets_of(user):
        assert secret not in page


# --- Step 1: the lead's TOTP secret and recovery codes are nowhere in the admin


@pytest.mark.parametrize(
    "path",
    [
        "/admin/mfa/",
        "/admin/mfa/authenticator/",
        "/admin/mfa/authenticator/1/change/",
        "/admin/account/",
        "/admin/account/emailaddress/",
        "/admin/account/emailaddress/add/",
        "/admin/sessions/session/",
    ],
)
def test_step_1_the_admin_has_no_page_for_authenticators_addresses_or_sessions(client, actor, path):
    client.force_login(actor)
    assert client.get(path).status_code == 404


def test_step_1_no_admin_url_names_an_authenticator_or_an_address():
    for name in ("admin:mfa_authenticator_changelist", "admin:account_emailaddress_changelist"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


def test_step_1_the_pages_about_the_lead_show_no_secret(client, actor, lead):
    client.force_login(actor)
    pages = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[lead.pk]),
        reverse("admin:accounts_user_history", args=[lead.pk]),
        reverse("accounts:account-list"),
        reverse("accounts:account-detail", args=[lead.pk]),
        reverse("core:access-log"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_discloses_nothing(response, lead)
    change = client.get(reverse("admin:accounts_user_change", args=[lead.pk])).content.decode()
    assert "Set up" in change  # whether a second factor exists, never what it is


# --- Step 2: no filter reaches a hash or a secret


@pytest.mark.parametrize(
    ("changelist", "lookup"),
    [
        ("admin:accounts_user_changelist", "password__startswith"),
        ("admin:accounts_user_changelist", "password__regex"),
        ("admin:accounts_user_changelist", "authenticator__data__icontains"),
        ("admin:accounts_user_changelist", "emailaddress__email__icontains"),
        ("admin:core_accesslog_changelist", "user__password__startswith"),
        ("admin:core_accesslog_changelist", "user__authenticator__data__icontains"),
    ],
)
def test_step_2_filtering_by_a_hash_or_a_secret_is_refused(client, actor, lead, changelist, lookup):
    # A row about the lead, so that the access log has something to disclose.
    AccessLog.objects.create(
        user=lead, action="view", content_type=ContentType.objects.get_for_model(User), object_id=1, level=30
    )
    client.force_login(actor)
    probe = lead.password[:6] if "password" in lookup else TOTP_SECRET[:4]
    response = client.get(reverse(changelist), {lookup: probe})
    assert response.status_code == 400
    assert lead.email.encode() not in response.content


def test_step_2_the_superusers_group_admin_refuses_them_too(client, lead):
    operator = with_totp(User.objects.create_superuser("operator@parley.test", f.PASSWORD, full_name="Operator"))
    client.force_login(operator)
    group = Group.objects.create(name="Anyone")
    lead.groups.add(group)
    response = client.get(reverse("admin:auth_group_changelist"), {"user__password__startswith": lead.password[:6]})
    assert response.status_code == 400


def paths_to_users(model, depth=2, prefix=""):
    """Every lookup path from ``model`` to an account, following relations both ways."""
    if model is User:
        yield prefix
    if depth == 0:
        return
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None and not is_credential_model(field.related_model):
            yield from paths_to_users(field.related_model, depth - 1, f"{prefix}{field.name}__")


CREDENTIAL_PROBES = ("password__startswith", "authenticator__data__icontains", "emailaddress__email__iexact")


def test_step_2_no_registered_admin_allows_a_lookup_that_reaches_a_credential(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    probed = 0
    for model, model_admin in admin.site._registry.items():
        for path in set(paths_to_users(model)):
            for probe in CREDENTIAL_PROBES:
                assert not model_admin.lookup_allowed(path + probe, "x", request), f"{model.__name__}: {path}{probe}"
                probed += 1
    assert probed > 100  # the walk reached the accounts from many models


@pytest.mark.parametrize(
    "path",
    [
        "password",
        "password__startswith",
        "user__password",
        "author__password__regex",
        "user__authenticator__data__icontains",
        "authenticator",
        "emailaddress__email",
        "user__emailaddress__verified",
        "session_key",
    ],
)
def test_touches_credentials_recognises_paths_to_secrets(path):
    from core.models import AccessLog as Model

    assert touches_credentials(User, path) or touches_credentials(Model, path)


@pytest.mark.parametrize("path", ["email", "full_name__icontains", "role", "clearance__gte", "access_logs__path"])
def test_touches_credentials_leaves_ordinary_account_fields_alone(path):
    assert not touches_credentials(User, path)


def test_no_registered_admin_shows_lists_searches_or_edits_a_credential(admin_user, lead):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        assert model._meta.app_label not in CREDENTIAL_APP_LABELS, model._meta.label
        names = [
            *model_admin.get_list_display(request),
            *[item for item in model_admin.get_list_filter(request) if isinstance(item, str)],
            *[name.lstrip("^=@") for name in model_admin.get_search_fields(request)],
            *[name.lstrip("-") for name in model_admin.get_ordering(request) if isinstance(name, str)],
            *model_admin.get_readonly_fields(request),
            *model_admin.raw_id_fields,
            *model_admin.autocomplete_fields,
            *([model_admin.date_hierarchy] if model_admin.date_hierarchy else []),
            *model_admin.get_form(request).base_fields,
        ]
        for name in names:
            if isinstance(name, str):
                assert not touches_credentials(model, name), f"{model.__name__}: {name}"
    user_form = admin.site._registry[User].get_form(request, lead, change=True)
    assert not {"password", "email", "is_superuser", "groups", "user_permissions"} & set(user_form.base_fields)


def test_a_model_holding_credentials_registered_in_the_admin_fails_the_system_check():
    from accounts.admin import check_no_credential_model_in_admin

    assert check_no_credential_model_in_admin() == []
    admin.site.register(Authenticator)
    try:
        assert [error.id for error in check_no_credential_model_in_admin()] == ["accounts.E001"]
    finally:
        admin.site.unregister(Authenticator)


# --- Step 3: no one adds an address to, or changes the address of, someone else's account


def test_step_3_the_email_of_an_account_is_read_only_and_a_post_does_not_change_it(client, actor, lead):
    client.force_login(actor)
    url = reverse("admin:accounts_user_change", args=[lead.pk])
    page = client.get(url)
    assert 'name="email"' not in page.content.decode()
    response = client.post(
        url,
        {
            "email": ATTACKER_ADDRESS,
            "full_name": lead.full_name,
            "role": lead.role,
            "clearance": lead.clearance,
            "preferred_language": lead.preferred_language,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.email == "lead@parley.test"
    assert list(EmailAddress.objects.filter(user=lead).values_list("email", flat=True)) == ["lead@parley.test"]
    assert not EmailAddress.objects.filter(email=ATTACKER_ADDRESS).exists()


def test_step_3_the_admin_cannot_add_an_email_address_record(client, actor, lead):
    client.force_login(actor)
    response = client.post(
        "/admin/account/emailaddress/add/", {"user": lead.pk, "email": ATTACKER_ADDRESS, "verified": "on"}
    )
    assert response.status_code == 404
    assert not EmailAddress.objects.filter(email=ATTACKER_ADDRESS).exists()


def test_step_3_allauths_own_address_page_changes_only_the_signed_in_users_addresses(client, actor, lead):
    client.force_login(actor)
    client.post(reverse("account_email"), {"action_add": "", "email": ATTACKER_ADDRESS})
    assert not EmailAddress.objects.filter(user=lead).exclude(email=lead.email).exists()


# --- Step 4: a password reset for the lead's address reaches only the lead


@pytest.mark.parametrize(
    "typed", ["lead@parley.test", "LEAD@Parley.Test", "lead@parley.test,takeover@attacker.example", "leaԁ@parley.test"]
)
def test_step_4_a_reset_link_for_the_lead_goes_only_to_the_leads_own_address(actor, lead, typed):
    anonymous = Client()
    anonymous.post(reverse("account_reset_password"), {"email": typed})
    with_links = [message for message in mail.outbox if RESET_LINK.search(message.body)]
    for message in with_links:
        assert [address.lower() for address in message.to] == [lead.email]
    assert not any(actor.email in message.to for message in mail.outbox)


def test_step_4_the_invitation_an_admin_sends_goes_to_the_owner_and_shows_the_admin_no_link(client, actor, lead):
    client.force_login(actor)
    response = client.post(reverse("accounts:account-invite", args=[lead.pk]), follow=True)
    assert response.status_code == 200
    assert not RESET_LINK.search(response.content.decode())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [lead.email]
    assert RESET_LINK.search(mail.outbox[0].body)


# --- Step 5: no one sets another person's password


def test_step_5_the_admin_has_no_password_form_for_an_account(client, actor, lead):
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_user_password_change", args=[lead.pk])
    with pytest.raises(NoReverseMatch):
        reverse("admin:accounts_user_password_change", args=[lead.pk])
    client.force_login(actor)
    url = f"/admin/accounts/user/{lead.pk}/password/"
    response = client.post(url, {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD}, follow=True)
    assert response.status_code in (200, 403, 404)  # the admin index, with "does not exist"
    assert 'type="password"' not in response.content.decode()
    lead.refresh_from_db()
    assert lead.check_password(f.PASSWORD)
    assert not lead.check_password(ATTACKER_PASSWORD)


def test_step_5_parleys_account_pages_have_no_password_field(client, actor, lead):
    client.force_login(actor)
    for name in ("account-detail", "account-access", "account-status", "account-invite"):
        page = client.get(reverse(f"accounts:{name}", args=[lead.pk])).content.decode()
        assert 'type="password"' not in page, name
        assert 'name="email"' not in page, name


# --- Step 6: and so no one signs in as the lead


def test_step_6_the_admin_cannot_sign_in_as_the_lead(client, actor, lead):
    client.force_login(actor)
    # Everything the admin may do to the account: even resetting its second factor...
    client.post(reverse("accounts:account-reset-second-factor", args=[lead.pk]))
    client.post(reverse("admin:accounts_user_change", args=[lead.pk]), {"email": ATTACKER_ADDRESS})
    Client().post(reverse("account_reset_password"), {"email": ATTACKER_ADDRESS})

    # ...leaves them without the lead's password: no guess of theirs signs the lead in.
    intruder = Client()
    for password in (ATTACKER_PASSWORD, "", lead.password):
        intruder.post(reverse("account_login"), {"login": lead.email, "password": password})
        assert "_auth_user_id" not in intruder.session
    # And the lead was told, at their own address, that their second factor was reset.
    notices = [message for message in mail.outbox if message.to == [lead.email]]
    assert any("second factor" in message.subject.lower() for message in notices)
    assert not any(RESET_LINK.search(message.body) for message in mail.outbox if message.to != [lead.email])


def attempt_takeover(client, lead):
    """The chain of issue 11 as an attacker with the admin's session would run it; True if it signs them in."""
    # 1. Read the lead's TOTP secret where the admin used to show authenticators.
    authenticator = Authenticator.objects.get(user=lead, type=Authenticator.Type.TOTP)
    page = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/").content.decode()
    secret = TOTP_SECRET if TOTP_SECRET in page else None
    # 2. Put an address of their own on the account: the user's e-mail field, or an e-mail address record.
    client.post(
        reverse("admin:accounts_user_change", args=[lead.pk]),
        {
            "email": ATTACKER_ADDRESS,
            "full_name": lead.full_name,
            "role": lead.role,
            "clearance": lead.clearance,
            "preferred_language": lead.preferred_language,
            "is_active": "on",
        },
    )
    client.post(
        "/admin/account/emailaddress/add/",
        {"user": lead.pk, "email": ATTACKER_ADDRESS, "verified": "on", "primary": "on"},
    )
    # 3. Ask for a password reset to that address and follow the link it gets.
    outsider = Client()
    outsider.post(reverse("account_reset_password"), {"email": ATTACKER_ADDRESS})
    for message in mail.outbox:
        link = RESET_LINK.search(message.body)
        if ATTACKER_ADDRESS in message.to and link:
            form = outsider.get(link.group(0), follow=True)
            target = form.redirect_chain[-1][0] if form.redirect_chain else link.group(0)
            outsider.post(target, {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD})
    # 4. Sign in as the lead with that password and a code made from the secret.
    intruder = Client()
    intruder.post(reverse("account_login"), {"login": lead.email, "password": ATTACKER_PASSWORD})
    intruder.post(reverse("account_login"), {"login": ATTACKER_ADDRESS, "password": ATTACKER_PASSWORD})
    if secret:
        counters = list(yield_hotp_counters_from_time())
        intruder.post(
            reverse("mfa_authenticate"), {"code": format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))}
        )
    return intruder.session.get("_auth_user_id") == str(lead.pk)


def test_the_whole_chain_no_longer_signs_anyone_in_as_the_lead(client, actor, lead):
    client.force_login(actor)
    assert attempt_takeover(client, lead) is False
    lead.refresh_from_db()
    assert lead.email == "lead@parley.test" and lead.check_password(f.PASSWORD)
