"""Participants, organisations and the access log, as the people who use them see them."""

import re

import pytest
from django.urls import reverse

from core.levels import Level, Role
from core.models import AccessLog
from participants import forms as participant_forms
from participants import services as participant_services
from participants.models import ConsentRecord, Organization, Participant, VettingCase

from . import factories as f

pytestmark = pytest.mark.django_db

LIST_URL = reverse("participants:participant-list")
CREATE_URL = reverse("participants:participant-create")
ORGANISATIONS_URL = reverse("participants:organization-list")


def high_risk(**kwargs):
    defaults = {"full_name": "Amira Haddad", "email": "amira@example.org", "codename": "HERON-7"}
    return f.ParticipantFactory(risk_level=Participant.RiskLevel.HIGH, **{**defaults, **kwargs})


def participant_data(**overrides):
    data = {
        "full_name": "Jonas Berg",
        "codename": "",
        "email": "jonas@example.org",
        "nationality": "NO",
        "languages": ["en", "fr"],
        "gender": "",
        "organization": "",
        "title": "Senior researcher",
        "category": Participant.Category.EXPERT,
        "personal_capacity": "on",
        "risk_level": Participant.RiskLevel.LOW,
        "level": Level.INTERNAL,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- search and the list


def test_search_does_not_match_a_hidden_high_risk_name(client, staff):
    high_risk()
    client.force_login(staff)
    for term in ("Amira", "Haddad", "amira@example"):
        response = client.get(LIST_URL, {"q": term})
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == 0
        assert b"HERON-7" not in response.content


def test_search_matches_the_codename_and_shows_only_the_codename(client, staff):
    high_risk()
    client.force_login(staff)
    response = client.get(LIST_URL, {"q": "heron"})
    assert response.context["page_obj"].paginator.count == 1
    assert b"HERON-7" in response.content
    assert b"Amira" not in response.content
    assert b"amira@example.org" not in response.content


def test_search_matches_a_visible_name(client, staff):
    f.ParticipantFactory(full_name="Jonas Berg")
    client.force_login(staff)
    response = client.get(LIST_URL, {"q": "berg"})
    assert response.context["page_obj"].paginator.count == 1
    assert b"Jonas Berg" in response.content


def test_an_admin_cleared_for_confidential_finds_the_high_risk_name(client, admin_user):
    high_risk()
    client.force_login(admin_user)
    response = client.get(LIST_URL, {"q": "Haddad"})
    assert response.context["page_obj"].paginator.count == 1
    assert b"Amira Haddad" in response.content


def test_the_masked_row_hides_the_affiliation(client, staff):
    high_risk(organization=f.OrganizationFactory(name="Secret Ministry"))
    client.force_login(staff)
    response = client.get(LIST_URL)
    assert b"HERON-7" in response.content
    table = response.content.split(b"<table", 1)[1]  # the filter's organisation choices list every name
    assert b"Secret Ministry" not in table


def test_filtering_by_organisation_does_not_place_a_masked_participant(client, staff):
    organisation = f.OrganizationFactory(name="Secret Ministry")
    high_risk(organization=organisation)
    f.ParticipantFactory(full_name="Visible Person", organization=organisation)
    client.force_login(staff)
    response = client.get(LIST_URL, {"organization": organisation.pk})
    assert response.context["page_obj"].paginator.count == 1
    assert b"Visible Person" in response.content
    assert b"HERON-7" not in response.content


def test_staff_list_does_not_show_a_strictly_confidential_participant(client, staff):
    f.ParticipantFactory(full_name="Open Person")
    f.ParticipantFactory(full_name="Secret Person", codename="OWL-1", level=Level.STRICTLY_CONFIDENTIAL)
    client.force_login(staff)
    response = client.get(LIST_URL)
    assert response.context["page_obj"].paginator.count == 1
    assert b"Open Person" in response.content
    assert b"Secret Person" not in response.content
    assert b"OWL-1" not in response.content
    assert b"1 participant" in response.content


def test_filters_narrow_the_list(client, staff):
    f.ParticipantFactory(full_name="Former Official", category=Participant.Category.FORMER_OFFICIAL, nationality="FR")
    f.ParticipantFactory(full_name="An Expert", category=Participant.Category.EXPERT, nationality="DE")
    client.force_login(staff)
    assert client.get(LIST_URL, {"category": "former_official"}).context["page_obj"].paginator.count == 1
    assert client.get(LIST_URL, {"nationality": "DE"}).context["page_obj"].paginator.count == 1
    assert client.get(LIST_URL, {"vetting_status": "none"}).context["page_obj"].paginator.count == 2
    assert client.get(LIST_URL, {"level": Level.CONFIDENTIAL}).context["page_obj"].paginator.count == 0


def test_a_bad_filter_value_is_ignored_not_an_error(client, staff):
    f.ParticipantFactory()
    client.force_login(staff)
    response = client.get(LIST_URL, {"risk_level": "banana", "organization": "999999"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 1


def test_the_list_is_empty_and_says_so(client, staff):
    client.force_login(staff)
    response = client.get(LIST_URL)
    assert b"No participants match." in response.content


def test_facilitators_may_not_use_the_participant_list(client, facilitator_user):
    client.force_login(facilitator_user)
    assert client.get(LIST_URL).status_code == 403


# --- vetting: staff see the status alone


def test_staff_see_the_vetting_status_but_no_vetting_case(client, staff):
    participant = f.ParticipantFactory(full_name="Vetted Person")
    f.VettingCaseFactory(participant=participant, status=VettingCase.Status.PENDING, notes="old case")
    case = f.VettingCaseFactory(
        participant=participant,
        status=VettingCase.Status.APPROVED_WITH_CONDITIONS,
        conditions="No travel to the capital",
        notes="Reference from the embassy was lukewarm",
        decided_at="2026-01-01T10:00Z",
        expires_at="2099-01-01T10:00Z",
        reviewer=f.UserFactory(role=Role.ADMIN, full_name="Reviewing Admin"),
    )
    client.force_login(staff)
    listing = client.get(LIST_URL)
    assert b"Approved with conditions" in listing.content
    detail = client.get(participant.get_absolute_url())
    assert detail.status_code == 200
    assert b"Approved with conditions" in detail.content
    assert list(detail.context["vetting_cases"]) == []
    for secret in (case.conditions, case.notes, "old case", "Reviewing Admin"):
        assert secret.encode() not in detail.content


def test_an_admin_sees_the_vetting_cases(client, admin_user):
    participant = f.ParticipantFactory()
    f.VettingCaseFactory(participant=participant, notes="Reference from the embassy was lukewarm")
    client.force_login(admin_user)
    detail = client.get(participant.get_absolute_url())
    assert b"Reference from the embassy was lukewarm" in detail.content


# --- detail


def test_detail_of_a_masked_participant_shows_no_identity(client, staff):
    participant = high_risk(title="Deputy minister", organization=f.OrganizationFactory(name="Secret Ministry"))
    client.force_login(staff)
    response = client.get(participant.get_absolute_url())
    assert response.status_code == 200
    for secret in (b"Amira", b"amira@example.org", b"Deputy minister", b"Secret Ministry"):
        assert secret not in response.content
    assert b"HERON-7" in response.content


def test_detail_lists_only_invitations_the_viewer_may_see(client, staff):
    participant = f.ParticipantFactory()
    f.InvitationFactory(
        participant=participant,
        workshop=f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), title="Open roundtable"),
    )
    f.InvitationFactory(participant=participant, workshop=f.WorkshopFactory(title="Closed backchannel"))
    client.force_login(staff)
    response = client.get(participant.get_absolute_url())
    assert b"Open roundtable" in response.content
    assert b"Closed backchannel" not in response.content


def test_reading_a_confidential_participant_is_logged(client, make_user):
    workshop = f.WorkshopFactory(level=Level.CONFIDENTIAL)
    participant = f.ParticipantFactory(level=Level.CONFIDENTIAL)
    f.InvitationFactory(workshop=workshop, participant=participant)
    member = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=workshop.initiative, user=member)
    client.force_login(member)
    assert client.get(participant.get_absolute_url()).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.user, entry.object_id, entry.level) == (member, participant.pk, Level.CONFIDENTIAL)


def test_a_hidden_participant_answers_404(client, staff):
    participant = f.ParticipantFactory(level=Level.CONFIDENTIAL)
    client.force_login(staff)
    assert client.get(participant.get_absolute_url()).status_code == 404
    assert client.get(reverse("participants:participant-update", args=[participant.pk])).status_code == 404


# --- create and edit


def test_staff_create_a_participant_with_consents(client, staff):
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(consents_to_data_processing="on", accepts_chatham_house="on"))
    participant = Participant.objects.get(email="jonas@example.org")
    assert response.status_code == 302
    assert response.url == participant.get_absolute_url()
    assert participant.languages == ["en", "fr"]
    assert set(participant.consents.values_list("kind", flat=True)) == {
        ConsentRecord.Kind.DATA_PROCESSING,
        ConsentRecord.Kind.CHATHAM_HOUSE,
    }
    assert participant.consents.filter(recorded_by=staff).count() == 2


def test_unticking_a_consent_withdraws_it(client, staff):
    participant = f.ParticipantFactory(email="jonas@example.org")
    ConsentRecord.objects.create(participant=participant, kind=ConsentRecord.Kind.DATA_PROCESSING)
    ConsentRecord.objects.create(participant=participant, kind=ConsentRecord.Kind.CHATHAM_HOUSE)
    client.force_login(staff)
    url = reverse("participants:participant-update", args=[participant.pk])
    form = client.get(url).context["form"]
    assert form["consents_to_data_processing"].initial is True
    response = client.post(url, participant_data(accepts_chatham_house="on"))
    assert response.status_code == 302
    data = participant.consents.get(kind=ConsentRecord.Kind.DATA_PROCESSING)
    assert data.withdrawn_at is not None
    assert participant.consents.get(kind=ConsentRecord.Kind.CHATHAM_HOUSE).withdrawn_at is None
    # Ticking it again records a new consent; the withdrawal stays in the history.
    client.post(url, participant_data(consents_to_data_processing="on", accepts_chatham_house="on"))
    assert participant.consents.filter(kind=ConsentRecord.Kind.DATA_PROCESSING).count() == 2
    assert participant.consents.filter(withdrawn_at__isnull=True).count() == 2


def test_a_duplicate_email_is_a_form_error_not_a_500(client, staff):
    f.ParticipantFactory(email="taken@example.org")
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(email="Taken@Example.org"))
    assert response.status_code == 200
    assert "already registered" in response.context["form"].errors["email"][0]
    assert Participant.objects.filter(email__iexact="taken@example.org").count() == 1


def test_a_duplicate_email_of_a_hidden_participant_is_also_a_form_error(client, staff):
    f.ParticipantFactory(email="secret@example.org", level=Level.STRICTLY_CONFIDENTIAL)
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(email="secret@example.org"))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_a_malformed_email_is_a_form_error(client, staff):
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(email="not-an-address"))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_a_duplicate_codename_is_a_form_error(client, staff):
    f.ParticipantFactory(codename="KESTREL")
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(codename="kestrel"))
    assert response.status_code == 200
    assert "codename" in response.context["form"].errors


def test_a_high_risk_participant_without_codename_is_a_form_error(client, staff):
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(risk_level=Participant.RiskLevel.HIGH, codename=""))
    assert response.status_code == 200
    assert "must have a codename" in response.context["form"].errors["codename"][0]
    assert not Participant.objects.exists()


def test_level_choices_stop_at_the_editors_clearance(client, staff):
    client.force_login(staff)
    form = client.get(CREATE_URL).context["form"]
    assert [value for value, _ in form.fields["level"].choices] == [Level.PUBLIC, Level.INTERNAL]
    response = client.post(CREATE_URL, participant_data(level=Level.CONFIDENTIAL))
    assert response.status_code == 200
    assert "level" in response.context["form"].errors


def test_organisation_choices_of_the_form_come_from_visible_organisations(client, staff):
    organisation = f.OrganizationFactory()
    client.force_login(staff)
    form = client.get(CREATE_URL).context["form"]
    assert list(form.fields["organization"].queryset) == [organisation]


def test_editing_a_participant_whose_identity_is_hidden_is_forbidden(client, staff):
    participant = high_risk()
    client.force_login(staff)
    url = reverse("participants:participant-update", args=[participant.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, participant_data(codename="HERON-7")).status_code == 403


def test_facilitators_may_not_create_participants(client, facilitator_user):
    client.force_login(facilitator_user)
    assert client.get(CREATE_URL).status_code == 403


# --- organisations


def test_organisation_list_counts_only_participants_whose_affiliation_is_visible(client, staff):
    organisation = f.OrganizationFactory(name="Peace Institute")
    f.ParticipantFactory(organization=organisation)
    high_risk(organization=organisation)
    f.ParticipantFactory(organization=organisation, level=Level.STRICTLY_CONFIDENTIAL)
    client.force_login(staff)
    response = client.get(ORGANISATIONS_URL)
    assert [o.participant_count for o in response.context["organizations"]] == [1]


def test_organisation_search_and_filters(client, staff):
    f.OrganizationFactory(name="Peace Institute", kind=Organization.Kind.THINK_TANK, country="CH")
    f.OrganizationFactory(name="Harbour University", kind=Organization.Kind.UNIVERSITY, country="NO")
    client.force_login(staff)
    assert client.get(ORGANISATIONS_URL, {"q": "peace"}).context["page_obj"].paginator.count == 1
    assert client.get(ORGANISATIONS_URL, {"kind": "university"}).context["page_obj"].paginator.count == 1
    assert client.get(ORGANISATIONS_URL, {"country": "CH"}).context["page_obj"].paginator.count == 1


def test_organisation_detail_does_not_list_a_masked_participant(client, staff):
    organisation = f.OrganizationFactory()
    f.ParticipantFactory(organization=organisation, full_name="Visible Person")
    high_risk(organization=organisation)
    client.force_login(staff)
    response = client.get(organisation.get_absolute_url())
    assert b"Visible Person" in response.content
    assert b"HERON-7" not in response.content
    assert b"Amira" not in response.content


def test_a_duplicate_organisation_is_a_form_error(client, staff):
    f.OrganizationFactory(name="Peace Institute", country="CH")
    client.force_login(staff)
    url = reverse("participants:organization-create")
    response = client.post(url, {"name": "peace institute", "kind": "ngo", "country": "CH"})
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["name"][0]
    # The same name in another country is another organisation.
    assert client.post(url, {"name": "Peace Institute", "kind": "ngo", "country": "NO"}).status_code == 302


def test_editing_an_organisation(client, staff):
    organisation = f.OrganizationFactory(name="Old Name")
    client.force_login(staff)
    url = reverse("participants:organization-update", args=[organisation.pk])
    response = client.post(url, {"name": "New Name", "kind": "ngo", "country": "CH"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "New Name"


# --- the access log


def test_the_access_log_is_not_found_for_staff(client, cleared_staff, make_user):
    client.force_login(make_user(Role.STAFF, Level.INTERNAL))
    assert client.get(reverse("core:access-log")).status_code == 404
    client.force_login(cleared_staff)
    assert client.get(reverse("core:access-log")).status_code == 404


def test_the_access_log_lists_reads_for_admins_without_titles(client, admin_user, make_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL, title="Operation Quiet Harbour")
    member = make_user(Role.STAFF, Level.CONFIDENTIAL, full_name="Reading Member")
    f.TeamMembershipFactory(initiative=initiative, user=member)
    client.force_login(member)
    assert client.get(initiative.get_absolute_url()).status_code == 200
    client.force_login(admin_user)
    response = client.get(reverse("core:access-log"))
    assert response.status_code == 200
    assert [entry.user for entry in response.context["entries"]] == [member]
    assert b"Reading Member" in response.content
    assert member.email.encode() in response.content
    assert initiative.get_absolute_url().encode() in response.content
    assert b"Operation Quiet Harbour" not in response.content


def test_the_access_log_filters(client, admin_user, staff):
    from django.contrib.contenttypes.models import ContentType

    from dialogues.models import Initiative

    initiative_type = ContentType.objects.get_for_model(Initiative)
    participant_type = ContentType.objects.get_for_model(Participant)
    AccessLog.objects.create(user=staff, action="view", content_type=initiative_type, object_id=1, level=30)
    AccessLog.objects.create(user=admin_user, action="view", content_type=participant_type, object_id=2, level=40)
    client.force_login(admin_user)
    url = reverse("core:access-log")
    assert client.get(url, {"user": staff.pk}).context["page_obj"].paginator.count == 1
    assert client.get(url, {"record_type": participant_type.pk}).context["page_obj"].paginator.count == 1
    assert client.get(url, {"date_from": "2000-01-01"}).context["page_obj"].paginator.count == 2
    assert client.get(url, {"date_to": "2000-01-01"}).context["page_obj"].paginator.count == 0


# --- a fixed number of queries, whatever the data size


def seed_participants(count, organisation):
    for _ in range(count):
        participant = f.ParticipantFactory(organization=organisation)
        f.VettingCaseFactory(participant=participant)
        ConsentRecord.objects.create(participant=participant, kind=ConsentRecord.Kind.DATA_PROCESSING)
        f.InvitationFactory(
            participant=participant, workshop=f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
        )


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        # user, MFA, the viewer's ties (read once for every rule), the page's own: for a viewer who sees
        # some names only, the count, the page's ids and their rows (``ParticipantPages``)
        ("participants:participant-list", 6),
        ("participants:organization-list", 4),
    ],
)
def test_list_queries_do_not_grow(client, staff, django_assert_num_queries, url_name, expected):
    organisation = f.OrganizationFactory()
    client.force_login(staff)
    for size in (3, 30):
        seed_participants(size, organisation)
        with django_assert_num_queries(expected):
            assert client.get(reverse(url_name)).status_code == 200


def test_a_search_reads_its_page_and_the_number_of_matches_in_one_query(client, staff, django_assert_num_queries):
    organisation = f.OrganizationFactory()
    client.force_login(staff)
    for size in (3, 30):
        seed_participants(size, organisation)
        # user, the viewer's ties, the ids of the page's matches with their number, their rows, the filter's
        # organisations
        with django_assert_num_queries(5):
            response = client.get(reverse("participants:participant-list"), {"q": organisation.name})
        assert response.context["page_obj"].paginator.count == Participant.objects.count()


@pytest.mark.parametrize(
    ("page", "shown_page", "rows"), [("1", 1, 25), ("2", 2, 5), ("3", 2, 5), ("99999999", 2, 5), ("x", 1, 25)]
)
def test_a_search_pages_like_the_list_and_a_page_past_the_end_is_the_last(client, staff, page, shown_page, rows):
    organisation = f.OrganizationFactory(name="Harbour Institute")
    f.ParticipantFactory.create_batch(30, organization=organisation)
    f.ParticipantFactory.create_batch(3)  # not matching
    client.force_login(staff)

    page_obj = client.get(reverse("participants:participant-list"), {"q": "Harbour", "page": page}).context["page_obj"]

    assert (page_obj.paginator.count, page_obj.paginator.num_pages) == (30, 2)
    assert (page_obj.number, len(page_obj.object_list)) == (shown_page, rows)
    assert page_obj.has_next() == (shown_page == 1)


def test_a_search_that_matches_nobody_is_an_empty_first_page(client, staff):
    f.ParticipantFactory.create_batch(3)
    client.force_login(staff)
    page_obj = client.get(reverse("participants:participant-list"), {"q": "Nobody-At-All", "page": "4"}).context[
        "page_obj"
    ]
    assert (page_obj.paginator.count, page_obj.number, list(page_obj.object_list)) == (0, 1, [])


def test_detail_queries_do_not_grow(client, staff, django_assert_num_queries):
    organisation = f.OrganizationFactory()
    client.force_login(staff)
    for size in (3, 30):
        seed_participants(size, organisation)
        participant = Participant.objects.filter(organization=organisation).first()
        for _ in range(size):
            ConsentRecord.objects.create(participant=participant, kind=ConsentRecord.Kind.CHATHAM_HOUSE)
        with django_assert_num_queries(6):  # user, MFA, ties, participant, consents, a page of invitations counted
            assert client.get(participant.get_absolute_url()).status_code == 200
        with django_assert_num_queries(5):
            assert client.get(organisation.get_absolute_url()).status_code == 200


def test_a_facilitator_sees_an_invitee_but_not_their_vetting_status(client, facilitator_user):
    workshop = f.WorkshopFactory(level=Level.CONFIDENTIAL)
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    participant = f.ParticipantFactory(full_name="Invited Person")
    f.InvitationFactory(workshop=workshop, participant=participant)
    f.VettingCaseFactory(
        participant=participant,
        status=VettingCase.Status.REJECTED,
        decided_at="2026-01-01T10:00Z",
        decision_reason="No references.",
    )
    client.force_login(facilitator_user)
    response = client.get(participant.get_absolute_url())
    assert response.status_code == 200
    assert b"Invited Person" in response.content
    assert b"Rejected" not in response.content
    assert b"Not vetted" not in response.content


def checks_blind_to_the_clashing_row(monkeypatch):
    """As if another request saved the clashing row after every check had found the values free:
    the forms' and services' checks and the model's constraint checks see nothing taken."""
    monkeypatch.setattr(participant_forms, "participant_refusals", lambda **values: {})
    monkeypatch.setattr(participant_services, "participant_refusals", lambda **values: {})
    monkeypatch.setattr(participant_forms, "organization_refusals", lambda **values: {})
    monkeypatch.setattr(participant_services, "organization_refusals", lambda **values: {})
    monkeypatch.setattr(Participant, "validate_constraints", lambda self, exclude=None: None)
    monkeypatch.setattr(Organization, "validate_constraints", lambda self, exclude=None: None)


def test_a_clash_caught_only_by_the_database_is_still_a_form_error(client, staff, monkeypatch):
    f.ParticipantFactory(email="taken@example.org")
    checks_blind_to_the_clashing_row(monkeypatch)
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(full_name="Second Person", email="taken@example.org"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(participant_services.CLASH_MESSAGE)]
    assert "saved with the same details at the same time" in response.content.decode()
    assert Participant.objects.filter(email="taken@example.org").count() == 1
    assert not Participant.objects.filter(full_name="Second Person").exists()


def test_a_clash_caught_only_by_the_database_on_edit_saves_nothing(client, staff, monkeypatch):
    f.ParticipantFactory(codename="KESTREL")
    participant = f.ParticipantFactory(full_name="Jonas Berg", email="jonas@example.org", codename="")
    checks_blind_to_the_clashing_row(monkeypatch)
    client.force_login(staff)
    url = reverse("participants:participant-update", args=[participant.pk])
    response = client.post(url, participant_data(full_name="Jonas Renamed", codename="KESTREL"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "Jonas Berg" in title_and_heading(response)[1]  # the refused change is not shown as the name
    participant.refresh_from_db()
    assert (participant.full_name, participant.codename) == ("Jonas Berg", "")


def test_an_organisation_clash_caught_only_by_the_database_is_a_form_error(client, staff, monkeypatch):
    f.OrganizationFactory(name="Peace Institute", country="CH")
    checks_blind_to_the_clashing_row(monkeypatch)
    client.force_login(staff)
    url = reverse("participants:organization-create")
    response = client.post(url, {"name": "Peace Institute", "kind": "ngo", "country": "CH"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Organization.objects.filter(name="Peace Institute").count() == 1


# --- a failed edit keeps the stored name on the page


def title_and_heading(response):
    page = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    return title, heading


def test_a_failed_participant_edit_shows_the_stored_name_in_the_title(client, staff):
    participant = f.ParticipantFactory(full_name="Jonas Berg", email="jonas@example.org")
    client.force_login(staff)
    url = reverse("participants:participant-update", args=[participant.pk])
    response = client.post(url, participant_data(full_name="Unsaved Name", email="not-an-address"))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    title, heading = title_and_heading(response)
    assert "Jonas Berg" in title and "Unsaved Name" not in title
    assert "Jonas Berg" in heading and "Unsaved Name" not in heading
    assert response.context["form"]["full_name"].value() == "Unsaved Name"  # what was typed stays in the field


def test_a_failed_organisation_edit_shows_the_stored_name_in_the_title(client, staff):
    organisation = f.OrganizationFactory(name="Old Name", country="CH")
    client.force_login(staff)
    url = reverse("participants:organization-update", args=[organisation.pk])
    response = client.post(url, {"name": "Unsaved Name", "kind": "no-such-kind", "country": "CH"})
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    title, heading = title_and_heading(response)
    assert "Old Name" in title and "Unsaved Name" not in title
    assert "Old Name" in heading and "Unsaved Name" not in heading


# --- each page declares the methods it answers


def participant_pages():
    participant = f.ParticipantFactory()
    organisation = f.OrganizationFactory()
    return {
        "participant-list": (reverse("participants:participant-list"), "safe"),
        "participant-detail": (participant.get_absolute_url(), "safe"),
        "participant-create": (CREATE_URL, "form"),
        "participant-update": (reverse("participants:participant-update", args=[participant.pk]), "form"),
        "organization-list": (ORGANISATIONS_URL, "safe"),
        "organization-detail": (organisation.get_absolute_url(), "safe"),
        "organization-create": (reverse("participants:organization-create"), "form"),
        "organization-update": (reverse("participants:organization-update", args=[organisation.pk]), "form"),
    }


@pytest.mark.parametrize("method", ["delete", "put", "patch"])
def test_every_participants_page_refuses_methods_it_does_not_allow(client, staff, method):
    client.force_login(staff)
    for name, (url, kind) in participant_pages().items():
        response = getattr(client, method)(url)
        assert response.status_code == 405, name
        expected = {"GET", "HEAD"} if kind == "safe" else {"GET", "HEAD", "POST"}
        assert set(response["Allow"].split(", ")) == expected, name


def test_the_read_only_participants_pages_refuse_a_post(client, staff):
    client.force_login(staff)
    for name, (url, kind) in participant_pages().items():
        if kind == "safe":
            assert client.post(url).status_code == 405, name


def test_the_participants_pages_answer_head(client, staff):
    client.force_login(staff)
    for name, (url, _kind) in participant_pages().items():
        assert client.head(url).status_code == 200, name


def test_a_participants_invitations_are_paged_latest_first(client, staff, settings):
    settings.PARLEY_PAGE_SIZE = 3
    participant = f.ParticipantFactory(level=Level.INTERNAL)
    workshops = [
        f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), level=Level.INTERNAL) for _ in range(5)
    ]
    for workshop in workshops:
        f.InvitationFactory(workshop=workshop, participant=participant)
    client.force_login(staff)
    latest = sorted(workshops, key=lambda workshop: workshop.starts_at, reverse=True)
    first = client.get(participant.get_absolute_url())
    assert [i.workshop for i in first.context["invitations"]] == latest[:3]
    assert "5 invitations, latest workshop first." in first.content.decode()
    second = client.get(participant.get_absolute_url(), {"page": 2})
    assert [i.workshop for i in second.context["invitations"]] == latest[3:]
