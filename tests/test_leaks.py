"""Confidentiality leaks found in review: each test shows what leaked, to whom, and that it no longer does."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from core.levels import Level, Role
from core.models import AccessLog
from dialogues import services
from dialogues.models import Document, Initiative, Invitation, TeamMembership, Workshop
from participants.models import Participant, VettingCase

from . import factories as f
from .test_dialogues_views import unchanged_post_data

pytestmark = pytest.mark.django_db

HIGH = Participant.RiskLevel.HIGH


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def participant_account(make_user, **identity):
    """A high-risk participant with a sign-in account: the account carries their name and e-mail."""
    identity = {"full_name": "Amira Haddad", "email": "amira@example.org", **identity}
    account = make_user(Role.PARTICIPANT, Level.CONFIDENTIAL, **identity)
    person = f.ParticipantFactory(user=account, risk_level=HIGH, codename="HERON-7", **identity)
    return account, person


# --- the Django admin: invitations ---------------------------------------------------------------


def test_invitation_admin_does_not_name_an_invitee_above_the_admins_clearance(client, make_user):
    """A CONFIDENTIAL admin on the team sees the invitation, not the STRICTLY_CONFIDENTIAL invitee."""
    admin_user = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
    f.TeamMembershipFactory(initiative=workshop.initiative, user=admin_user)
    secret = f.ParticipantFactory(full_name="Samir Khoury", codename="OSPREY-1", level=Level.STRICTLY_CONFIDENTIAL)
    invitation = f.InvitationFactory(workshop=workshop, participant=secret, passport_number="X1234567")
    client.force_login(admin_user)
    changelist = client.get(admin_url(Invitation, "changelist"))
    assert list(changelist.context["cl"].result_list) == [invitation]
    assert b"Samir Khoury" not in changelist.content
    assert b"OSPREY-1" not in changelist.content
    search = client.get(admin_url(Invitation, "changelist"), {"q": "OSPREY"})
    assert list(search.context["cl"].result_list) == []
    change = client.get(admin_url(Invitation, "change", invitation.pk))
    assert change.status_code == 200
    assert b"Samir" not in change.content
    assert b"X1234567" not in change.content


def test_invitation_admin_hides_the_passport_of_an_invitee_whose_identity_is_protected(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
    person = f.ParticipantFactory(full_name="Amira Haddad", risk_level=HIGH)
    invitation = f.InvitationFactory(workshop=workshop, participant=person, passport_number="P7654321")
    client.force_login(admin_user)
    change = client.get(admin_url(Invitation, "change", invitation.pk))
    assert change.status_code == 200
    assert person.codename.encode() in change.content
    assert b"Amira" not in change.content
    assert b"P7654321" not in change.content


def test_invitation_admin_still_shows_the_passport_to_who_may_see_the_identity(client, admin_user):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
    person = f.ParticipantFactory(full_name="Amira Haddad", risk_level=HIGH)
    invitation = f.InvitationFactory(workshop=workshop, participant=person, passport_number="P7654321")
    client.force_login(admin_user)
    change = client.get(admin_url(Invitation, "change", invitation.pk))
    assert b"P7654321" in change.content
    assert b"Amira Haddad" in client.get(admin_url(Invitation, "changelist")).content


# --- raising an initiative's level never names or counts workshops the editor may not see ------------


@pytest.fixture
def initiative_with_hidden_workshops(make_user):
    """An INTERNAL initiative (open to all staff) with two CONFIDENTIAL workshops only its team sees."""
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(
        initiative=initiative, user=make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL), role=TeamMembership.Role.LEAD
    )
    f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL, title="Harbour talks")
    f.WorkshopFactory(initiative=initiative, level=Level.CONFIDENTIAL, title="Harbour talks, second round")
    return initiative


def test_the_initiative_admin_names_no_workshop_the_admin_may_not_see(
    client, admin_user, initiative_with_hidden_workshops
):
    initiative = initiative_with_hidden_workshops
    client.force_login(admin_user)
    url = admin_url(Initiative, "change", initiative.pk)
    data = {
        "title": initiative.title,
        "codename": initiative.codename,
        "conflict": initiative.conflict,
        "track": initiative.track,
        "phase": initiative.phase,
        "level": Level.STRICTLY_CONFIDENTIAL,
    }
    for prefix, count in (("team_memberships", 1), ("parties", 0), ("fundings", 0)):
        data.update({f"{prefix}-TOTAL_FORMS": count, f"{prefix}-INITIAL_FORMS": count})
    membership = initiative.team_memberships.get()
    data.update(
        {
            "team_memberships-0-id": membership.pk,
            "team_memberships-0-initiative": initiative.pk,
            "team_memberships-0-user": membership.user_id,
            "team_memberships-0-role": membership.role,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["level"])
    assert "less confidential" in errors
    assert b"Harbour talks" not in response.content
    initiative.refresh_from_db()
    assert initiative.level == Level.INTERNAL


def test_the_initiative_service_names_no_workshop_its_caller_may_not_see(make_user, initiative_with_hidden_workshops):
    staff = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    with pytest.raises(ValidationError) as refused:
        services.initiative_update(
            initiative=initiative_with_hidden_workshops, by=staff, level=Level.STRICTLY_CONFIDENTIAL
        )
    assert "Harbour talks" not in str(refused.value)


def test_the_initiative_form_does_not_count_workshops_the_editor_may_not_see(
    client, make_user, initiative_with_hidden_workshops
):
    initiative = initiative_with_hidden_workshops
    staff = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    client.force_login(staff)
    url = reverse("dialogues:initiative-update", args=[initiative.pk])
    data = unchanged_post_data(client.get(url), ["parties", "team", "fundings"])
    data["level"] = str(Level.STRICTLY_CONFIDENTIAL)
    response = client.post(url, data)
    assert response.status_code == 200
    error = " ".join(str(e) for e in response.context["form"].errors["level"])
    assert "less confidential" in error
    assert "Harbour" not in error
    assert not any(character.isdigit() for character in error), error  # neither "2 more" nor any count


# --- accounts of participants are identity -------------------------------------------------------


def test_the_access_log_does_not_name_a_participant_whose_identity_is_hidden(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    account, _ = participant_account(make_user)
    AccessLog.objects.create(
        user=account,
        action=AccessLog.Action.DOWNLOAD,
        content_type=ContentType.objects.get_for_model(Document),
        object_id=1,
        level=Level.CONFIDENTIAL,
    )
    client.force_login(admin_user)
    page = client.get(reverse("core:access-log"))
    assert page.context["page_obj"].paginator.count == 1  # the read is still in the log
    assert b"Amira" not in page.content
    assert b"amira@example.org" not in page.content
    assert account not in page.context["form"].fields["user"].queryset
    admin_list = client.get(admin_url(AccessLog, "changelist"))
    assert admin_list.context["cl"].result_count == 1
    assert b"Amira" not in admin_list.content
    assert b"amira@example.org" not in admin_list.content
    assert client.get(admin_url(AccessLog, "changelist"), {"q": "Haddad"}).context["cl"].result_count == 0
    entry = AccessLog.objects.get()
    assert b"Amira" not in client.get(admin_url(AccessLog, "change", entry.pk)).content


def test_the_access_log_names_participants_to_an_admin_who_may_see_them(client, admin_user, make_user):
    account, _ = participant_account(make_user)
    AccessLog.objects.create(
        user=account,
        action=AccessLog.Action.VIEW,
        content_type=ContentType.objects.get_for_model(Document),
        object_id=1,
        level=Level.CONFIDENTIAL,
    )
    client.force_login(admin_user)
    assert b"Amira Haddad" in client.get(reverse("core:access-log")).content
    assert client.get(reverse("core:access-log"), {"user": account.pk}).context["page_obj"].paginator.count == 1


def test_the_user_admin_does_not_show_the_account_of_a_participant_whose_identity_is_hidden(client, make_user):
    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    account, _ = participant_account(make_user)
    visible = f.ParticipantFactory(full_name="Open Person")
    client.force_login(admin_user)
    changelist = client.get(admin_url(User, "changelist"))
    assert b"Amira" not in changelist.content
    assert b"amira@example.org" not in changelist.content
    assert client.get(admin_url(User, "changelist"), {"q": "amira"}).context["cl"].result_count == 0
    assert client.get(admin_url(User, "change", account.pk)).status_code == 302  # as if it did not exist
    # Choices of user fields, and the admin's autocomplete, leave the account out too.
    change = client.get(admin_url(Participant, "change", visible.pk))
    assert b"Amira" not in change.content
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "dialogues", "model_name": "teammembership", "field_name": "user", "term": "Amira"},
    )
    assert autocomplete.status_code == 200
    assert autocomplete.json()["results"] == []


def test_an_admin_cleared_for_the_identity_still_manages_the_account(client, admin_user, make_user):
    account, _ = participant_account(make_user)
    client.force_login(admin_user)
    assert b"Amira Haddad" in client.get(admin_url(User, "changelist")).content
    assert client.get(admin_url(User, "change", account.pk)).status_code == 200


# --- the admin's "view on site" redirect ---------------------------------------------------------


def test_view_on_site_answers_404_for_a_hidden_record_as_for_a_missing_one(client, admin_user, make_user):
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    visible = f.InitiativeFactory(level=Level.INTERNAL)
    initiative_type = ContentType.objects.get_for_model(Initiative)
    client.force_login(admin_user)

    def status(content_type, pk):
        return client.get(reverse("admin:view_on_site", args=[content_type.pk, pk])).status_code

    assert status(initiative_type, visible.pk) == 302
    assert status(initiative_type, hidden.pk) == 404
    assert status(initiative_type, hidden.pk + 1000) == 404
    # Staff with access to the admin site (who see no model there) learn nothing either, e.g. which
    # participant a vetting case is about.
    case = f.VettingCaseFactory(participant=f.ParticipantFactory(level=Level.STRICTLY_CONFIDENTIAL))
    client.force_login(make_user(Role.STAFF, Level.INTERNAL, is_staff=True))
    assert status(ContentType.objects.get_for_model(VettingCase), case.pk) == 404


# --- the admin names no initiative its user may not see ------------------------------------------


def test_the_workshop_admin_shows_only_the_codename_of_an_initiative_the_admin_may_not_see(client, admin_user):
    """An admin who facilitates a workshop sees it, not its initiative (as on the workshop page)."""
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Operation Quiet Harbour", codename="OSPREY")
    workshop = f.WorkshopFactory(initiative=initiative)
    f.AssignmentFactory(workshop=workshop, facilitator=f.FacilitatorFactory(user=admin_user))
    document = f.DocumentFactory(
        initiative=initiative, workshop=None, audience=Document.Audience.FACILITATORS, title="Options paper"
    )
    client.force_login(admin_user)
    changelist = client.get(admin_url(Workshop, "changelist"))
    assert list(changelist.context["cl"].result_list) == [workshop]
    assert b"OSPREY" in changelist.content
    assert b"Quiet Harbour" not in changelist.content
    documents = client.get(admin_url(Document, "changelist"))
    assert list(documents.context["cl"].result_list) == [document]
    assert b"Quiet Harbour" not in documents.content


# --- the access log: edit pages read the whole record too -----------------------------------------


@pytest.mark.parametrize("name", ["dialogues:initiative-update", "dialogues:workshop-update"])
def test_opening_the_edit_page_of_a_confidential_record_is_logged(client, make_user, name):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    workshop = f.WorkshopFactory(initiative=initiative)
    lead = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    record = initiative if name == "dialogues:initiative-update" else workshop
    client.force_login(lead)
    url = reverse(name, args=[record.pk])
    assert client.get(url).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.user, entry.content_type.model_class(), entry.object_id) == (lead, type(record), record.pk)
    assert entry.path == url


def test_opening_the_edit_page_of_a_confidential_participant_is_logged(client, admin_user):
    person = f.ParticipantFactory(level=Level.CONFIDENTIAL)
    client.force_login(admin_user)
    url = reverse("participants:participant-update", args=[person.pk])
    assert client.get(url).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.user, entry.object_id, entry.level, entry.path) == (admin_user, person.pk, Level.CONFIDENTIAL, url)


# --- participants: a draft invitation is not yet theirs to see ------------------------------------


def test_a_participant_does_not_see_a_draft_invitation(client, participant_user):
    me = f.ParticipantFactory(user=participant_user)
    planned = f.WorkshopFactory(title="Lakeside backchannel", city="Montreux")
    f.InvitationFactory(workshop=planned, participant=me, status=Invitation.Status.DRAFT)
    sent = f.WorkshopFactory(title="Open roundtable", city="Oslo")
    f.InvitationFactory(workshop=sent, participant=me, status=Invitation.Status.SENT)
    client.force_login(participant_user)
    for url in (reverse("dashboard:home"), me.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "Open roundtable" in page, url
        assert "Lakeside backchannel" not in page, url
        assert "Montreux" not in page, url


def test_the_action_item_admin_does_not_name_an_owner_whose_identity_is_hidden(client, make_user):
    from facilitators.models import ActionItem

    admin_user = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    account, _ = participant_account(make_user)
    report = f.OutcomeReportFactory(workshop=f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL)))
    f.ActionItemFactory(report=report, owner=account, title="Draft the water non-paper")
    client.force_login(admin_user)
    changelist = client.get(admin_url(ActionItem, "changelist"))
    assert changelist.context["cl"].result_count == 1
    assert b"Draft the water non-paper" in changelist.content
    assert b"Amira" not in changelist.content


@pytest.mark.parametrize("model", [Initiative, Participant])
def test_opening_a_confidential_record_in_the_admin_is_logged(client, admin_user, model):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=initiative, user=admin_user)
    record = initiative if model is Initiative else f.ParticipantFactory(level=Level.STRICTLY_CONFIDENTIAL)
    client.force_login(admin_user)
    url = admin_url(model, "change", record.pk)
    assert client.get(url).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.user, entry.content_type.model_class(), entry.object_id, entry.path) == (
        admin_user,
        model,
        record.pk,
        url,
    )
    assert entry.level == record.level
