"""A participant's date of birth (issue 16): entered in the form, checked by the services, part of a
protected identity, and screened when it changes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from participants import services
from participants.models import Participant, ScreeningRun
from participants.sanctions import FICTIONAL_LIST, sanctions_list_import

from . import factories as f

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("participants:participant-create")
BORN = dt.date(1957, 3, 14)


def participant_data(**overrides):
    data = {
        "full_name": "Jonas Berg",
        "email": "jonas@example.org",
        "nationality": "NO",
        "languages": ["en"],
        "category": Participant.Category.EXPERT,
        "personal_capacity": "on",
        "risk_level": Participant.RiskLevel.LOW,
        "level": Level.INTERNAL,
    }
    return {**data, **overrides}


def high_risk(**kwargs):
    protected = {"codename": "HERON-7", "risk_level": Participant.RiskLevel.HIGH, "date_of_birth": BORN}
    return f.ParticipantFactory(full_name="Amira Haddad", **protected, **kwargs)


# --- the services


def test_the_services_store_a_date_of_birth(admin_user):
    person = services.participant_create(by=admin_user, full_name="Jonas Berg", languages=["en"], date_of_birth=BORN)
    person.refresh_from_db()
    assert person.date_of_birth == BORN


@pytest.mark.parametrize(
    ("born", "message"),
    [
        (lambda: timezone.localdate() + dt.timedelta(days=1), "cannot be in the future"),
        (lambda: dt.date(1899, 12, 31), "on or after 1900-01-01"),
    ],
)
def test_the_services_refuse_a_date_of_birth_in_the_future_or_before_1900(admin_user, born, message):
    with pytest.raises(ValidationError) as refused:
        services.participant_create(by=admin_user, full_name="Jonas Berg", languages=["en"], date_of_birth=born())
    assert message in refused.value.message_dict["date_of_birth"][0]
    assert not Participant.objects.exists()
    person = f.ParticipantFactory()
    with pytest.raises(ValidationError):
        services.participant_update(participant=person, by=admin_user, date_of_birth=born())
    person.refresh_from_db()
    assert person.date_of_birth is None


def test_today_and_the_first_day_of_1900_are_taken(admin_user):
    for born in (timezone.localdate(), dt.date(1900, 1, 1)):
        services.participant_create(by=admin_user, full_name=f"Born {born}", languages=["en"], date_of_birth=born)


def test_a_new_date_of_birth_asks_for_a_screening(admin_user, django_capture_on_commit_callbacks):
    sanctions_list_import(data=FICTIONAL_LIST.read_bytes(), by=admin_user, screen=False)
    person = f.ParticipantFactory()
    with django_capture_on_commit_callbacks():
        services.participant_update(participant=person, by=admin_user, date_of_birth=BORN)
    assert ScreeningRun.objects.get(participant=person).reason == "changed"


# --- the form


def test_the_form_takes_a_date_of_birth(client, staff):
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(date_of_birth="1957-03-14"))
    assert response.status_code == 302
    assert Participant.objects.get().date_of_birth == BORN


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2999-01-01", "cannot be in the future"),
        ("1850-06-01", "on or after 1900-01-01"),
        ("1957-02-30", "Enter a valid date"),
        ("yesterday", "Enter a valid date"),
    ],
)
def test_the_form_explains_a_date_of_birth_it_refuses(client, staff, typed, message):
    client.force_login(staff)
    response = client.post(CREATE_URL, participant_data(date_of_birth=typed))
    assert response.status_code == 200
    assert message in response.context["form"].errors["date_of_birth"][0]
    assert not Participant.objects.exists()


def test_the_date_picker_offers_only_dates_the_rules_take(client, staff):
    client.force_login(staff)
    widget = client.get(CREATE_URL).context["form"].fields["date_of_birth"].widget
    assert widget.input_type == "date"
    assert widget.attrs["min"] == "1900-01-01" and widget.attrs["max"] == timezone.localdate().isoformat()


# --- part of a protected identity


def test_the_detail_shows_the_date_of_birth_to_whoever_sees_the_identity(client, admin_user):
    person = high_risk()
    client.force_login(admin_user)
    assert b"1957" in client.get(person.get_absolute_url()).content


@pytest.mark.parametrize("viewer", ["staff", "cleared_staff"])
def test_the_date_of_birth_of_a_protected_identity_is_withheld(client, request, viewer):
    person = high_risk()
    client.force_login(request.getfixturevalue(viewer))
    response = client.get(person.get_absolute_url())
    assert response.status_code == 200 and b"HERON-7" in response.content
    assert b"1957" not in response.content and b"Amira" not in response.content
    assert client.get(reverse("participants:participant-update", args=[person.pk])).status_code == 403


def test_the_admin_site_withholds_a_protected_date_of_birth(client, make_user):
    admin = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
    person = high_risk()
    client.force_login(admin)
    change = client.get(reverse("admin:participants_participant_change", args=[person.pk]))
    assert change.status_code == 200
    assert b"1957" not in change.content and b"date_of_birth" not in change.content
