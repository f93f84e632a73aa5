"""The Django admin obeys the confidentiality rule, and creates accounts without passwords."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from accounts.models import User
from core import outbox
from core.admin import ScopedAdminMixin
from core.levels import Level, Role
from core.models import AccessLog
from dialogues.models import Initiative, TeamMembership
from participants.models import Participant, SanctionsList, ScreeningRun

from . import factories as f

pytestmark = pytest.mark.django_db

OUR_APPS = {"core", "accounts", "participants", "dialogues", "facilitators"}


def our_model_admins():
    return [
        (model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in OUR_APPS
    ]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- every model is there, and every admin is scoped


def test_every_model_of_our_apps_has_a_scoped_admin():
    from django.apps import apps

    registered = {model for model, _ in our_model_admins()}
    for app_label in OUR_APPS:
        for model in apps.get_app_config(app_label).get_models():
            assert model in registered, f"{model.__name__} has no admin"
    for model, model_admin in our_model_admins():
        assert isinstance(model_admin, ScopedAdminMixin), f"{model.__name__} admin is not scoped"
        for inline in model_admin.inlines:
            assert issubclass(inline, ScopedAdminMixin), f"{inline.__name__} is not scoped"


def seed_one_of_everything(user):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=user)
    workshop = f.WorkshopFactory(initiative=initiative)
    f.FundingFactory(initiative=initiative)
    f.AgendaSessionFactory(workshop=workshop)
    invitation = f.InvitationFactory(workshop=workshop)
    invitation.reminders.create(kind="chase")
    f.DocumentVersionFactory(document=f.DocumentFactory(workshop=workshop))
    assignment = f.AssignmentFactory(workshop=workshop)
    report = f.OutcomeReportFactory(workshop=workshop, author=assignment.facilitator.user)
    report.versions.create(number=1, content={"summary": "x"}, saved_by=user)
    report.events.create(action="created", version=1, by=user)
    f.ActionItemFactory(report=report)
    f.TrackOneBriefingFactory(report=report)
    outbox.enqueue(kind="invitation", key=f"invitation:{invitation.pk}", record=invitation)
    participant = invitation.participant
    participant.consents.create(kind="data_processing")
    case = f.VettingCaseFactory(participant=participant)
    case.events.create(action="opened", actor=user, changes={"status": [None, "pending"]})
    f.SanctionsHitFactory(participant=participant)
    listed = SanctionsList.objects.create(source="UNSC", entry_count=0, imported_by=user)
    ScreeningRun.objects.create(participant=participant, list_version=listed, reason="test", total=1)
    AccessLog.objects.create(
        user=user,
        action="view",
        content_type=ContentType.objects.get_for_model(Initiative),
        object_id=1,
        level=Level.CONFIDENTIAL,
    )


def test_every_admin_page_opens_for_an_admin(client, admin_user):
    seed_one_of_everything(admin_user)
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in our_model_admins():
        changelist = client.get(admin_url(model, "changelist"))
        assert changelist.status_code == 200, model.__name__
        obj = model_admin.get_queryset(changelist.wsgi_request).first()
        assert obj is not None, f"nothing of {model.__name__} visible"
        assert client.get(admin_url(model, "change", obj.pk)).status_code == 200, model.__name__
        if model_admin.has_add_permission(changelist.wsgi_request):
            assert client.get(admin_url(model, "add")).status_code == 200, model.__name__


def test_staff_with_django_admin_access_see_no_model(client, make_user):
    staff = make_user(Role.STAFF, Level.INTERNAL, is_staff=True)
    f.InitiativeFactory(level=Level.INTERNAL)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []
    assert client.get(admin_url(Initiative, "changelist")).status_code == 403


# --- hidden records are absent


def test_a_confidential_initiative_off_the_admins_team_is_absent(client, admin_user):
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Operation Quiet Harbour")
    visible = f.InitiativeFactory(level=Level.INTERNAL, title="Open Civil Dialogue")
    client.force_login(admin_user)
    changelist = client.get(admin_url(Initiative, "changelist"))
    assert list(changelist.context["cl"].result_list) == [visible]
    assert b"Operation Quiet Harbour" not in changelist.content
    for view in ("change", "delete", "history"):
        response = client.get(admin_url(Initiative, view, hidden.pk), follow=True)
        assert b"Operation Quiet Harbour" not in response.content
        assert response.redirect_chain[0][1] == 302
        assert response.redirect_chain[-1][0] == reverse("admin:index")
    # Searching for it finds nothing either.
    search = client.get(admin_url(Initiative, "changelist"), {"q": "Quiet Harbour"})
    assert list(search.context["cl"].result_list) == []


def test_the_same_initiative_opens_once_the_admin_is_on_its_team(client, admin_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Operation Quiet Harbour")
    f.TeamMembershipFactory(initiative=initiative, user=admin_user)
    client.force_login(admin_user)
    assert client.get(admin_url(Initiative, "change", initiative.pk)).status_code == 200


def test_related_choices_and_filters_offer_only_visible_records(client, admin_user):
    from dialogues.models import Workshop

    f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Operation Quiet Harbour")
    visible = f.InitiativeFactory(level=Level.INTERNAL, title="Open Civil Dialogue")
    f.WorkshopFactory(initiative=visible)
    client.force_login(admin_user)
    add = client.get(admin_url(Workshop, "add"))
    assert list(add.context["adminform"].form.fields["initiative"].queryset) == [visible]
    assert b"Operation Quiet Harbour" not in add.content
    changelist = client.get(admin_url(Workshop, "changelist"))
    assert b"Open Civil Dialogue" in changelist.content  # the initiative filter
    assert b"Operation Quiet Harbour" not in changelist.content


def test_level_choices_stop_at_the_admins_clearance(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    client.force_login(admin_user)
    form = client.get(admin_url(Initiative, "add")).context["adminform"].form
    assert [value for value, _ in form.fields["level"].choices] == [Level.PUBLIC, Level.INTERNAL]


def test_adding_an_initiative_puts_its_creator_on_the_team_as_lead(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        admin_url(Initiative, "add"),
        {
            "title": "New dialogue",
            "codename": "FALCON",
            "conflict": "Somewhere",
            "track": "track_2",
            "phase": "exploratory",
            "objectives": "",
            "level": Level.CONFIDENTIAL,
            **{
                f"{prefix}-{key}": value
                for prefix in ("team_memberships", "parties", "fundings")
                for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
            },
        },
    )
    assert response.status_code == 302, response.content
    initiative = Initiative.objects.get(codename="FALCON")
    assert initiative.created_by == admin_user
    assert TeamMembership.objects.filter(initiative=initiative, user=admin_user, role="lead").exists()


def test_a_delete_that_would_cascade_to_hidden_records_is_refused_and_names_no_title(client, admin_user):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.DocumentFactory(workshop=None, initiative=initiative, level=Level.STRICTLY_CONFIDENTIAL, title="Secret Paper")
    client.force_login(admin_user)
    response = client.get(admin_url(Initiative, "delete", initiative.pk))
    assert response.status_code == 200
    assert b"Secret Paper" not in response.content
    assert response.context["perms_lacking"]
    client.post(admin_url(Initiative, "delete", initiative.pk), {"post": "yes"})
    assert Initiative.objects.filter(pk=initiative.pk).exists()


# --- participants' identities


def test_the_participant_changelist_hides_names_from_an_admin_without_confidential_clearance(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    participant = f.ParticipantFactory(
        full_name="Amira Haddad", email="amira@example.org", codename="HERON-7", risk_level=Participant.RiskLevel.HIGH
    )
    client.force_login(admin_user)
    changelist = client.get(admin_url(Participant, "changelist"))
    assert b"HERON-7" in changelist.content
    assert b"Amira" not in changelist.content
    assert list(client.get(admin_url(Participant, "changelist"), {"q": "Haddad"}).context["cl"].result_list) == []
    assert list(client.get(admin_url(Participant, "changelist"), {"q": "HERON"}).context["cl"].result_list) == [
        participant
    ]
    change = client.get(admin_url(Participant, "change", participant.pk))
    assert change.status_code == 200
    assert b"Amira" not in change.content
    assert b"amira@example.org" not in change.content
    assert not change.context["has_change_permission"]


def test_an_admin_with_confidential_clearance_sees_the_name(client, admin_user):
    f.ParticipantFactory(full_name="Amira Haddad", codename="HERON-7", risk_level=Participant.RiskLevel.HIGH)
    client.force_login(admin_user)
    assert b"Amira Haddad" in client.get(admin_url(Participant, "changelist")).content


def test_the_participant_admin_form_gives_a_clear_error_for_a_duplicate_email(client, admin_user):
    f.ParticipantFactory(email="taken@example.org")
    client.force_login(admin_user)
    response = client.post(
        admin_url(Participant, "add"),
        {
            "full_name": "Someone",
            "email": "taken@example.org",
            "category": "expert",
            "risk_level": 1,
            "level": Level.INTERNAL,
            "languages": "[]",
            "consents-TOTAL_FORMS": 0,
            "consents-INITIAL_FORMS": 0,
            "vetting_cases-TOTAL_FORMS": 0,
            "vetting_cases-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "already registered" in str(response.context["adminform"].form.errors["email"])


# --- the access log is read-only


def test_the_access_log_admin_is_read_only(client, admin_user):
    entry = AccessLog.objects.create(
        user=admin_user,
        action="view",
        content_type=ContentType.objects.get_for_model(Initiative),
        object_id=1,
        level=Level.CONFIDENTIAL,
    )
    client.force_login(admin_user)
    assert client.get(admin_url(AccessLog, "add")).status_code == 403
    assert client.post(admin_url(AccessLog, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk).exists()


# --- accounts: added without a password, invited to set one


def add_user(client, **overrides):
    data = {
        "email": "New.Person@Parley.test",
        "full_name": "New Person",
        "role": Role.STAFF,
        "clearance": Level.INTERNAL,
        "preferred_language": "fr",
        **overrides,
    }
    return client.post(admin_url(User, "add"), data)


def test_the_add_user_form_takes_no_password(client, admin_user):
    client.force_login(admin_user)
    form = client.get(admin_url(User, "add")).context["adminform"].form
    assert not any("password" in name for name in form.fields)
    response = add_user(client)
    assert response.status_code == 302
    user = User.objects.get(email="new.person@parley.test")
    assert not user.has_usable_password()
    assert user.preferred_language == "fr"
    assert EmailAddress.objects.get(user=user).verified is False
    assert mail.outbox == []  # the box was left unticked


def test_a_duplicate_account_is_a_form_error(client, admin_user):
    client.force_login(admin_user)
    response = add_user(client, email=admin_user.email.upper())
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["email"])


def test_clearance_choices_stop_at_the_admins_own(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
    client.force_login(admin_user)
    response = add_user(client, clearance=Level.STRICTLY_CONFIDENTIAL)
    assert response.status_code == 200
    assert "clearance" in response.context["adminform"].form.errors


def set_password_link(message):
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)


def test_the_invitation_action_mails_a_set_password_link_that_verifies_the_address(client, admin_user):
    client.force_login(admin_user)
    add_user(client)
    user = User.objects.get(email="new.person@parley.test")
    response = client.post(
        admin_url(User, "changelist"),
        {"action": "send_set_password_invitation", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@parley.test"]
    link = set_password_link(message)

    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    password = "a long and unusual passphrase 42"
    done = client.post(set_url, {"password1": password, "password2": password})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified is True

    login = client.post(
        reverse("account_login"), {"login": "new.person@parley.test", "password": password, "next": "/participants/"}
    )
    assert login.status_code == 302
    assert login.url == "/participants/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_ticking_the_box_sends_the_invitation_on_creation(client, admin_user):
    client.force_login(admin_user)
    add_user(client, send_invitation="on")
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_change_lists_name_countries_and_sort_by_them(client, admin_user):
    from participants.models import Participant

    f.ParticipantFactory(nationality="NO", level=Level.INTERNAL)
    f.ParticipantFactory(nationality="LB", level=Level.INTERNAL)
    client.force_login(admin_user)
    html = client.get(admin_url(Participant, "changelist")).content.decode()
    assert '<td class="field-nationality_name">Norway</td>' in html
    assert '<td class="field-nationality_name">Lebanon</td>' in html
    columns = client.get(admin_url(Participant, "changelist")).context["cl"].list_display
    index = [getattr(column, "__name__", column) for column in columns].index("nationality_name")
    ordered = client.get(admin_url(Participant, "changelist"), {"o": str(index)})
    assert [p.nationality.code for p in ordered.context["cl"].result_list] == ["LB", "NO"]
