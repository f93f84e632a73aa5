"""What admins do to accounts, on Parley's own pages and through the services: each change is in the
access log with who made it, and the owner is told at their existing address."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from core.levels import Level, Role
from core.models import AccessLog
from participants.models import Participant

from . import factories as f
from .conftest import TOTP_SECRET, with_totp

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://")


def account_url(name, account):
    return reverse(f"accounts:{name}", args=[account.pk])


def the_change(account):
    """The one access-log row about ``account``."""
    return AccessLog.objects.get(content_type=ContentType.objects.get_for_model(User), object_id=account.pk)


def the_notice(account):
    """The one e-mail sent, checked to go to the account's existing address and to carry no link or secret."""
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    message = mail.outbox[0]
    assert message.to == [account.email]
    assert not LINK.search(message.body)
    assert TOTP_SECRET not in message.body and account.password not in message.body
    return message


@pytest.fixture
def member(make_user):
    return make_user(Role.STAFF, Level.INTERNAL, email="member@parley.test", full_name="Mara Member")


# --- Role and clearance


def test_changing_the_role_is_logged_and_the_owner_is_told(client, admin_user, member):
    client.force_login(admin_user)
    response = client.post(account_url("account-access", member), {"role": Role.ADMIN, "clearance": Level.INTERNAL})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.ADMIN
    entry = the_change(member)
    assert (entry.user, entry.action, entry.detail, entry.level) == (
        admin_user,
        AccessLog.Action.ROLE_CHANGED,
        "staff → admin",
        Level.INTERNAL,
    )
    assert entry.path == account_url("account-access", member)
    assert str(entry.detail_display) == "Staff → Admin"
    notice = the_notice(member)
    assert "role" in notice.subject.lower()
    assert "from Staff to Admin" in notice.body
    assert admin_user.full_name in notice.body


def test_changing_the_clearance_is_logged_and_the_owner_is_told(client, admin_user, member):
    client.force_login(admin_user)
    client.post(account_url("account-access", member), {"role": Role.STAFF, "clearance": Level.CONFIDENTIAL})
    member.refresh_from_db()
    assert member.clearance == Level.CONFIDENTIAL
    entry = the_change(member)
    assert (entry.action, entry.detail) == (AccessLog.Action.CLEARANCE_CHANGED, "20 → 30")
    assert str(entry.detail_display) == "Internal → Confidential"
    assert "from Internal to Confidential" in the_notice(member).body


def test_saving_the_same_role_and_clearance_changes_nothing_and_tells_no_one(client, admin_user, member):
    client.force_login(admin_user)
    client.post(account_url("account-access", member), {"role": Role.STAFF, "clearance": Level.INTERNAL})
    assert not AccessLog.objects.exists()
    assert mail.outbox == []


def test_an_admin_cannot_raise_a_clearance_above_their_own(client, make_user, member):
    admin_user = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
    client.force_login(admin_user)
    form = client.get(account_url("account-access", member)).context["form"]
    assert [value for value, _ in form.fields["clearance"].choices] == [
        Level.PUBLIC,
        Level.INTERNAL,
        Level.CONFIDENTIAL,
    ]
    response = client.post(
        account_url("account-access", member), {"role": Role.STAFF, "clearance": Level.STRICTLY_CONFIDENTIAL}
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.clearance == Level.INTERNAL
    with pytest.raises(services.AccountChangeRefused):
        services.user_change_clearance(user=member, clearance=Level.STRICTLY_CONFIDENTIAL, by=admin_user)
    assert not AccessLog.objects.exists() and mail.outbox == []


def test_a_clearance_above_the_admins_own_is_kept_when_only_the_role_changes(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
    lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    client.force_login(admin_user)
    form = client.get(account_url("account-access", lead)).context["form"]
    assert form["clearance"].value() == Level.STRICTLY_CONFIDENTIAL
    client.post(account_url("account-access", lead), {"role": Role.ADMIN, "clearance": Level.STRICTLY_CONFIDENTIAL})
    lead.refresh_from_db()
    assert (lead.role, lead.clearance) == (Role.ADMIN, Level.STRICTLY_CONFIDENTIAL)


def test_a_new_duty_to_use_a_second_factor_applies_at_the_next_page(client, admin_user, member):
    client.force_login(admin_user)
    client.post(account_url("account-access", member), {"role": Role.STAFF, "clearance": Level.CONFIDENTIAL})
    owner = Client()
    owner.force_login(member)
    assert owner.get("/").url == reverse("mfa_activate_totp")


# --- Deactivating and reactivating


def test_deactivating_ends_the_owners_session_is_logged_and_the_owner_is_told(client, admin_user, member):
    owner = Client()
    owner.force_login(member)
    assert owner.get("/").status_code == 200
    client.force_login(admin_user)
    confirm = client.get(account_url("account-status", member))
    assert b'name="active" value="0"' in confirm.content
    client.post(account_url("account-status", member), {"active": "0"})
    member.refresh_from_db()
    assert not member.is_active
    assert the_change(member).action == AccessLog.Action.ACCOUNT_DEACTIVATED
    assert "deactivated" in the_notice(member).subject.lower()
    assert owner.get("/").status_code == 302  # signed out
    login = Client().post(reverse("account_login"), {"login": member.email, "password": f.PASSWORD})
    assert login.status_code != 302 or "inactive" in login.url


def test_deactivating_twice_changes_nothing_the_second_time(client, admin_user, member):
    client.force_login(admin_user)
    client.post(account_url("account-status", member), {"active": "0"})
    client.post(account_url("account-status", member), {"active": "0"})
    assert AccessLog.objects.count() == 1
    assert len(mail.outbox) == 1


def test_reactivating_is_logged_and_the_owner_can_sign_in_again(client, admin_user, member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    client.force_login(admin_user)
    assert b'name="active" value="1"' in client.get(account_url("account-status", member)).content
    client.post(account_url("account-status", member), {"active": "1"})
    member.refresh_from_db()
    assert member.is_active
    assert the_change(member).action == AccessLog.Action.ACCOUNT_REACTIVATED
    assert "reactivated" in the_notice(member).subject.lower()
    login = Client().post(reverse("account_login"), {"login": member.email, "password": f.PASSWORD})
    assert login.status_code == 302 and "inactive" not in login.url


# --- Resetting a second factor


def test_resetting_a_second_factor_forces_the_owner_to_enrol_again_at_next_sign_in(client, admin_user, cleared_staff):
    RecoveryCodes.activate(cleared_staff)
    client.force_login(admin_user)
    assert client.post(account_url("account-reset-second-factor", cleared_staff)).status_code == 302
    assert not Authenticator.objects.filter(user=cleared_staff).exists()
    entry = the_change(cleared_staff)
    assert (entry.action, entry.detail) == (AccessLog.Action.MFA_RESET, "recovery_codes, totp")
    assert "second factor" in the_notice(cleared_staff).subject.lower()

    owner = Client()
    response = owner.post(reverse("account_login"), {"login": cleared_staff.email, "password": f.PASSWORD})
    assert response.url != reverse("mfa_authenticate")  # the old factor is no longer asked for
    assert owner.get("/").url == reverse("mfa_activate_totp")  # a new one must be set up first


def test_there_is_nothing_to_reset_for_an_account_without_a_second_factor(client, admin_user, member):
    client.force_login(admin_user)
    page = client.get(account_url("account-reset-second-factor", member))
    assert page.status_code == 200
    assert b'type="submit"' not in page.content.split(b"</nav>", 1)[1].split(b"<footer")[0]
    client.post(account_url("account-reset-second-factor", member))
    assert not AccessLog.objects.exists() and mail.outbox == []


# --- Set-password invitations


def test_resending_the_invitation_mails_the_existing_address_and_is_logged(client, admin_user, member):
    client.force_login(admin_user)
    client.post(account_url("account-invite", member))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert "/accounts/password/reset/key/" in message.body
    entry = the_change(member)
    assert (entry.user, entry.action) == (admin_user, AccessLog.Action.INVITATION_SENT)


def test_a_deactivated_account_gets_no_invitation(client, admin_user, member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    client.force_login(admin_user)
    client.post(account_url("account-invite", member))
    assert mail.outbox == [] and not AccessLog.objects.exists()


def test_the_invitation_and_the_notices_are_written_in_the_owners_language(client, admin_user, make_user, monkeypatch):
    from allauth.account.adapter import DefaultAccountAdapter
    from django.utils import translation

    languages = []
    render_mail = DefaultAccountAdapter.render_mail
    render_notice = services.render_to_string

    def spy_mail(self, *args, **kwargs):
        languages.append(("invitation", translation.get_language()))
        return render_mail(self, *args, **kwargs)

    def spy_notice(*args, **kwargs):
        languages.append(("notice", translation.get_language()))
        return render_notice(*args, **kwargs)

    monkeypatch.setattr(DefaultAccountAdapter, "render_mail", spy_mail)
    monkeypatch.setattr(services, "render_to_string", spy_notice)
    owner = make_user(Role.STAFF, Level.INTERNAL, preferred_language="ar")
    client.force_login(admin_user)
    client.post(account_url("account-invite", owner))
    client.post(account_url("account-status", owner), {"active": "0"})
    assert languages == [("invitation", "ar"), ("notice", "ar")]


# --- Creating an account


def test_creating_an_account_sends_the_invitation_and_is_logged(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:account-create"),
        {
            "email": "New.Colleague@Parley.test",
            "full_name": "New Colleague",
            "role": Role.STAFF,
            "clearance": Level.INTERNAL,
            "preferred_language": "en",
            "send_invitation": "on",
        },
    )
    account = User.objects.get(email="new.colleague@parley.test")
    assert response.url == account_url("account-detail", account)
    assert not account.has_usable_password()
    assert EmailAddress.objects.get(user=account).verified is False
    actions = list(AccessLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AccessLog.Action.ACCOUNT_CREATED, AccessLog.Action.INVITATION_SENT]
    assert [message.to for message in mail.outbox] == [["new.colleague@parley.test"]]


def test_an_address_already_used_by_any_account_is_refused(client, admin_user, member):
    EmailAddress.objects.create(user=member, email="second@parley.test", verified=True)
    client.force_login(admin_user)
    for email in (member.email.upper(), "second@parley.test"):
        response = client.post(
            reverse("accounts:account-create"),
            {
                "email": email,
                "full_name": "X",
                "role": Role.STAFF,
                "clearance": Level.INTERNAL,
                "preferred_language": "en",
            },
        )
        assert response.status_code == 200
        assert "already exists" in str(response.context["form"].errors["email"])


def new_account_data(**overrides):
    return {
        "email": "new.colleague@parley.test",
        "full_name": "New Colleague",
        "role": Role.STAFF,
        "clearance": Level.INTERNAL,
        "preferred_language": "en",
        **overrides,
    }


def test_the_service_refuses_an_address_already_taken_on_the_email_field(admin_user, member):
    data = new_account_data(email=member.email.upper())
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(by=admin_user, **data)
    assert set(excinfo.value.error_dict) == {"email"}
    assert not User.objects.filter(full_name="New Colleague").exists()


def test_the_service_refuses_what_the_model_refuses(admin_user):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(by=admin_user, **new_account_data(full_name="", role="emperor"))
    assert set(excinfo.value.error_dict) == {"full_name", "role"}
    assert not User.objects.filter(email="new.colleague@parley.test").exists()


def test_an_address_taken_in_the_meantime_is_shown_on_the_email_field(client, admin_user, member, monkeypatch):
    # As if another request created the account after the form's and the service's checks found it free.
    from accounts import forms as account_forms

    def blind(email):
        return email.strip().lower()

    monkeypatch.setattr(account_forms, "new_account_address", blind)
    monkeypatch.setattr(services, "new_account_address", blind)
    monkeypatch.setattr(User, "validate_unique", lambda self, exclude=None: None)
    client.force_login(admin_user)
    response = client.post(reverse("accounts:account-create"), new_account_data(email=member.email))
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["email"])
    assert User.objects.filter(email=member.email).count() == 1
    assert not User.objects.filter(full_name="New Colleague").exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.ACCOUNT_CREATED).exists()


def test_the_create_form_offers_no_clearance_above_the_admins_own(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    client.force_login(admin_user)
    form = client.get(reverse("accounts:account-create")).context["form"]
    assert [value for value, _ in form.fields["clearance"].choices] == [Level.PUBLIC, Level.INTERNAL]
    assert "password" not in " ".join(form.fields)


# --- Who may do what


@pytest.mark.parametrize("name", ["account-access", "account-status", "account-reset-second-factor"])
def test_an_admin_cannot_change_their_own_account_here(client, admin_user, name):
    client.force_login(admin_user)
    assert client.get(account_url(name, admin_user)).status_code == 403
    assert client.post(account_url(name, admin_user), {"active": "0"}).status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert Authenticator.objects.filter(user=admin_user).exists()
    assert not AccessLog.objects.exists()


def test_an_admins_own_account_page_offers_no_change_it_would_refuse(client, admin_user):
    client.force_login(admin_user)
    page = client.get(account_url("account-detail", admin_user)).content.decode()
    for name in ("account-access", "account-status", "account-reset-second-factor"):
        assert account_url(name, admin_user) not in page
    assert account_url("account-invite", admin_user) in page


def test_a_plain_admin_cannot_change_an_operators_account(client, admin_user):
    operator = with_totp(User.objects.create_superuser("operator@parley.test", f.PASSWORD, full_name="Operator"))
    client.force_login(admin_user)
    assert client.get(account_url("account-detail", operator)).status_code == 200
    for name in ("account-access", "account-status", "account-reset-second-factor"):
        assert client.post(account_url(name, operator), {"active": "0"}).status_code == 403
    operator.refresh_from_db()
    assert operator.is_active and Authenticator.objects.filter(user=operator).exists()


def test_services_refuse_anyone_who_is_not_an_admin(cleared_staff, member):
    for change in (
        lambda: services.user_deactivate(user=member, by=cleared_staff),
        lambda: services.user_change_role(user=member, role=Role.ADMIN, by=cleared_staff),
        lambda: services.user_reset_second_factor(user=member, by=cleared_staff),
    ):
        with pytest.raises(services.AccountChangeRefused):
            change()
    assert not AccessLog.objects.exists()


def test_a_hidden_participants_account_is_absent_from_the_account_pages(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    hidden = make_user(Role.PARTICIPANT, Level.CONFIDENTIAL, full_name="Amira Haddad")
    f.ParticipantFactory(user=hidden, full_name="Amira Haddad", risk_level=Participant.RiskLevel.HIGH, codename="HERON")
    client.force_login(admin_user)
    assert list(client.get(reverse("accounts:account-list"), {"q": "Amira"}).context["accounts"]) == []
    assert hidden.email.encode() not in client.get(reverse("accounts:account-list")).content
    assert client.get(account_url("account-detail", hidden)).status_code == 404
    assert client.post(account_url("account-status", hidden), {"active": "0"}).status_code == 404


# --- The list


def test_the_account_list_searches_and_filters(client, admin_user, member, make_user):
    make_user(Role.FACILITATOR, Level.CONFIDENTIAL, full_name="Fatou Facilitator", is_active=False)
    client.force_login(admin_user)

    def names(**query):
        return [
            account.full_name for account in client.get(reverse("accounts:account-list"), query).context["accounts"]
        ]

    assert names(q="mara") == ["Mara Member"]
    assert names(q="member@parley") == ["Mara Member"]
    assert names(role=Role.FACILITATOR) == ["Fatou Facilitator"]
    assert names(status="inactive") == ["Fatou Facilitator"]
    assert "Fatou Facilitator" not in names(status="active")


def test_the_account_list_queries_do_not_grow_with_the_accounts(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    client.get(reverse("accounts:account-list"))
    for _ in range(20):
        with_totp(f.UserFactory(role=Role.ADMIN))
    with django_assert_max_num_queries(12):
        client.get(reverse("accounts:account-list"))


# --- The Django admin goes through the same services


def test_a_role_changed_in_the_django_admin_is_logged_and_told(client, admin_user, member):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_change", args=[member.pk]),
        {
            "full_name": member.full_name,
            "role": Role.FACILITATOR,
            "clearance": member.clearance,
            "preferred_language": member.preferred_language,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.FACILITATOR
    assert the_change(member).action == AccessLog.Action.ROLE_CHANGED
    assert the_notice(member).to == ["member@parley.test"]


def test_an_admin_cannot_change_their_own_role_or_status_in_the_django_admin(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    client.post(
        url,
        {
            "full_name": "Renamed Admin",
            "role": Role.STAFF,
            "clearance": Level.PUBLIC,
            "preferred_language": "en",
        },
    )
    admin_user.refresh_from_db()
    assert (admin_user.full_name, admin_user.role, admin_user.is_active) == ("Renamed Admin", Role.ADMIN, True)
    assert admin_user.clearance == Level.STRICTLY_CONFIDENTIAL


def test_the_django_admin_adds_an_account_and_goes_on_with_the_one_created(client, admin_user):
    client.force_login(admin_user)
    data = {**new_account_data(email="New.Colleague@Parley.test"), "send_invitation": "on", "_continue": "1"}
    response = client.post(reverse("admin:accounts_user_add"), data)
    account = User.objects.get(email="new.colleague@parley.test")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:accounts_user_change", args=[account.pk]))
    assert LogEntry.objects.get(action_flag=ADDITION).object_id == str(account.pk)
    actions = list(AccessLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AccessLog.Action.ACCOUNT_CREATED, AccessLog.Action.INVITATION_SENT]
    assert [message.to for message in mail.outbox] == [["new.colleague@parley.test"]]


def test_accounts_cannot_be_deleted_in_the_django_admin(client, admin_user, member):
    client.force_login(admin_user)
    assert client.post(reverse("admin:accounts_user_delete", args=[member.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=member.pk).exists()


# --- The access log shows account changes


def test_the_access_log_page_lists_account_changes_with_what_changed(client, admin_user, member):
    client.force_login(admin_user)
    client.post(account_url("account-access", member), {"role": Role.ADMIN, "clearance": Level.INTERNAL})
    page = client.get(reverse("core:access-log"), {"action": AccessLog.Action.ROLE_CHANGED}).content.decode()
    assert "Role changed" in page
    assert "Staff → Admin" in page
    detail = client.get(account_url("account-detail", member)).content.decode()
    assert "Role changed" in detail and "Staff → Admin" in detail


# --- Each page declares the methods it answers


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("account-list", {"GET", "HEAD"}),
        ("account-create", {"GET", "HEAD", "POST"}),
        ("account-detail", {"GET", "HEAD"}),
        ("account-access", {"GET", "HEAD", "POST"}),
        ("account-status", {"GET", "HEAD", "POST"}),
        ("account-reset-second-factor", {"GET", "HEAD", "POST"}),
        ("account-invite", {"GET", "HEAD", "POST"}),
    ],
)
def test_every_account_page_refuses_methods_it_does_not_allow(client, admin_user, member, name, allowed):
    client.force_login(admin_user)
    url = reverse(f"accounts:{name}") if name in {"account-list", "account-create"} else account_url(name, member)
    for method in ("delete", "put", "patch"):
        response = getattr(client, method)(url)
        assert response.status_code == 405, method
        assert set(response["Allow"].split(", ")) == allowed
    if "POST" not in allowed:
        assert client.post(url).status_code == 405
