"""The services that write participants and organisations hold their rules: a command, a task, the
web form and the Django admin meet the same refusals, as a ValidationError keyed by field."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.levels import Level
from participants import forms as participant_forms
from participants import services
from participants.models import ConsentRecord, Organization, Participant

from . import factories as f

pytestmark = pytest.mark.django_db


def refused_fields(excinfo):
    return set(excinfo.value.error_dict)


def blind_checks(monkeypatch):
    """As if the clashing row were saved after every check had found the values free."""
    for module in (participant_forms, services):
        monkeypatch.setattr(module, "participant_refusals", lambda **values: {})
        monkeypatch.setattr(module, "organization_refusals", lambda **values: {})
    monkeypatch.setattr(Participant, "validate_constraints", lambda self, exclude=None: None)
    monkeypatch.setattr(Organization, "validate_constraints", lambda self, exclude=None: None)


# --- participants


def test_the_service_refuses_an_email_address_taken_whatever_its_case(staff):
    f.ParticipantFactory(email="taken@example.org")
    with pytest.raises(ValidationError) as excinfo:
        services.participant_create(by=staff, full_name="Someone", email="Taken@Example.org")
    assert refused_fields(excinfo) == {"email"}
    assert Participant.objects.count() == 1


def test_the_service_refuses_a_codename_in_use(staff):
    f.ParticipantFactory(codename="KESTREL")
    with pytest.raises(ValidationError) as excinfo:
        services.participant_create(by=staff, full_name="Someone", codename="kestrel")
    assert refused_fields(excinfo) == {"codename"}


def test_the_service_refuses_a_high_risk_participant_without_a_codename(staff):
    with pytest.raises(ValidationError) as excinfo:
        services.participant_create(by=staff, full_name="Someone", risk_level=Participant.RiskLevel.HIGH)
    assert refused_fields(excinfo) == {"codename"}
    assert not Participant.objects.exists()


def test_the_service_refuses_a_level_above_the_editors_clearance(staff):
    with pytest.raises(ValidationError) as excinfo:
        services.participant_create(by=staff, full_name="Someone", level=Level.CONFIDENTIAL)
    assert refused_fields(excinfo) == {"level"}
    participant = f.ParticipantFactory(level=Level.INTERNAL)
    with pytest.raises(ValidationError) as excinfo:
        services.participant_update(participant=participant, by=staff, level=Level.CONFIDENTIAL)
    assert refused_fields(excinfo) == {"level"}
    participant.refresh_from_db()
    assert participant.level == Level.INTERNAL


def test_the_service_refuses_what_the_model_refuses(staff):
    with pytest.raises(ValidationError) as excinfo:
        services.participant_create(by=staff, full_name="", email="not-an-address", languages=["xx"])
    assert refused_fields(excinfo) == {"full_name", "email", "languages"}


def test_a_refused_update_leaves_the_stored_participant_as_it_was(staff):
    f.ParticipantFactory(email="taken@example.org")
    participant = f.ParticipantFactory(full_name="Jonas Berg", email="jonas@example.org")
    with pytest.raises(ValidationError):
        services.participant_update(
            participant=participant, by=staff, full_name="Renamed", email="TAKEN@example.org", consents=set()
        )
    participant.refresh_from_db()
    assert (participant.full_name, participant.email) == ("Jonas Berg", "jonas@example.org")


def test_a_clash_at_the_database_is_a_validation_error_from_the_service(staff, monkeypatch):
    f.ParticipantFactory(email="taken@example.org")
    blind_checks(monkeypatch)
    with pytest.raises(ValidationError) as excinfo:
        services.participant_create(
            by=staff,
            full_name="Second Person",
            email="taken@example.org",
            consents={ConsentRecord.Kind.DATA_PROCESSING},
        )
    assert excinfo.value.messages == [str(services.CLASH_MESSAGE)]
    assert not Participant.objects.filter(full_name="Second Person").exists()
    assert not ConsentRecord.objects.exists()


def test_the_service_takes_only_the_participants_fields(staff):
    with pytest.raises(TypeError):
        services.participant_create(by=staff, full_name="Someone", created_at="2020-01-01")


# --- organisations


def test_the_service_refuses_an_organisation_name_taken_in_the_same_country(staff):
    f.OrganizationFactory(name="Peace Institute", country="CH")
    with pytest.raises(ValidationError) as excinfo:
        services.organization_create(by=staff, name="PEACE INSTITUTE", kind="ngo", country="CH")
    assert refused_fields(excinfo) == {"name"}
    assert services.organization_create(by=staff, name="Peace Institute", kind="ngo", country="NO").pk


def test_the_service_refuses_an_unknown_kind_of_organisation(staff):
    organisation = f.OrganizationFactory(name="Old Name")
    with pytest.raises(ValidationError) as excinfo:
        services.organization_update(organization=organisation, by=staff, name="New Name", kind="club")
    assert refused_fields(excinfo) == {"kind"}
    organisation.refresh_from_db()
    assert organisation.name == "Old Name"


def test_an_organisation_clash_at_the_database_is_a_validation_error_from_the_service(staff, monkeypatch):
    f.OrganizationFactory(name="Peace Institute", country="CH")
    blind_checks(monkeypatch)
    with pytest.raises(ValidationError):
        services.organization_create(by=staff, name="Peace Institute", kind="ngo", country="CH")
    assert Organization.objects.filter(name="Peace Institute").count() == 1


# --- the Django admin writes through the same services


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def participant_admin_data(**overrides):
    return {
        "full_name": "Someone",
        "email": "someone@example.org",
        "category": "expert",
        "risk_level": 1,
        "level": Level.INTERNAL,
        "consents-TOTAL_FORMS": 0,
        "consents-INITIAL_FORMS": 0,
        "vetting_cases-TOTAL_FORMS": 0,
        "vetting_cases-INITIAL_FORMS": 0,
        **overrides,
    }


def test_the_admin_adds_a_participant_and_goes_on_with_the_one_created(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        admin_url(Participant, "add"),
        participant_admin_data(
            **{
                "_continue": "1",
                "consents-TOTAL_FORMS": 1,
                "consents-0-kind": ConsentRecord.Kind.PHOTOGRAPHY,
                "consents-0-given_at_0": "2026-01-05",
                "consents-0-given_at_1": "10:00:00",
            }
        ),
    )
    participant = Participant.objects.get()
    assert response.status_code == 302
    assert response.url.startswith(admin_url(Participant, "change", participant.pk))
    assert participant.consents.get().kind == ConsentRecord.Kind.PHOTOGRAPHY  # the inline saved against it
    entry = LogEntry.objects.get(action_flag=ADDITION)
    assert entry.object_id == str(participant.pk)


def test_the_admin_edits_a_participant_through_the_service(client, admin_user, monkeypatch):
    participant = f.ParticipantFactory(full_name="Old Name", email="old@example.org")
    calls = []
    update = services.participant_update
    monkeypatch.setattr(
        "participants.admin.participant_update", lambda **kwargs: calls.append(kwargs) or update(**kwargs)
    )
    client.force_login(admin_user)
    response = client.post(
        admin_url(Participant, "change", participant.pk),
        participant_admin_data(full_name="New Name", email="old@example.org", languages=["en"]),
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.full_name == "New Name"
    assert [(call["by"], call["consents"]) for call in calls] == [(admin_user, None)]


def test_a_clash_the_admin_form_could_not_see_is_the_services_message(client, admin_user, monkeypatch):
    f.ParticipantFactory(email="taken@example.org")
    blind_checks(monkeypatch)
    client.force_login(admin_user)
    response = client.post(
        admin_url(Participant, "add"), participant_admin_data(full_name="Second Person", email="taken@example.org")
    )
    assert response.status_code == 302
    assert "saved with the same details at the same time" in client.get(response.url).content.decode()
    assert not Participant.objects.filter(full_name="Second Person").exists()


def test_the_admin_adds_an_organisation_and_goes_on_with_the_one_created(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        admin_url(Organization, "add"), {"name": "Peace Institute", "kind": "ngo", "country": "CH", "_continue": "1"}
    )
    organisation = Organization.objects.get()
    assert response.status_code == 302
    assert response.url.startswith(admin_url(Organization, "change", organisation.pk))
    assert LogEntry.objects.get(action_flag=ADDITION).object_id == str(organisation.pk)


def test_the_organisation_admin_form_shows_a_taken_name_on_the_field(client, admin_user):
    organisation = f.OrganizationFactory(name="Peace Institute", country="CH")
    other = f.OrganizationFactory(name="Other", country="CH")
    client.force_login(admin_user)
    response = client.post(
        admin_url(Organization, "change", other.pk), {"name": "peace institute", "kind": "ngo", "country": "CH"}
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["name"])
    organisation.refresh_from_db()
    other.refresh_from_db()
    assert other.name == "Other"
