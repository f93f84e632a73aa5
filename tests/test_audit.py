"""Reads of CONFIDENTIAL and higher records are written to the access log."""

import pytest
from django.contrib.contenttypes.models import ContentType

from core.levels import Level
from core.models import AccessLog
from dialogues.models import Initiative, Workshop

from . import factories as f

pytestmark = pytest.mark.django_db


def team_member_of(initiative, make_user, clearance=Level.STRICTLY_CONFIDENTIAL):
    from core.levels import Role

    user = make_user(Role.STAFF, clearance)
    f.TeamMembershipFactory(initiative=initiative, user=user)
    return user


def test_reading_a_confidential_initiative_writes_one_log_row(client, make_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    user = team_member_of(initiative, make_user)
    client.force_login(user)
    assert client.get(initiative.get_absolute_url()).status_code == 200
    entry = AccessLog.objects.get()
    assert entry.user == user
    assert entry.content_type == ContentType.objects.get_for_model(Initiative)
    assert entry.object_id == initiative.pk
    assert entry.level == Level.CONFIDENTIAL
    assert entry.action == AccessLog.Action.VIEW
    assert entry.path == initiative.get_absolute_url()


def test_reading_an_internal_initiative_is_not_logged(client, staff):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    client.force_login(staff)
    assert client.get(initiative.get_absolute_url()).status_code == 200
    assert not AccessLog.objects.exists()


def test_an_internal_workshop_of_a_confidential_initiative_is_logged_at_the_higher_level(client, make_user):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL), level=Level.CONFIDENTIAL)
    Workshop.objects.filter(pk=workshop.pk).update(level=Level.INTERNAL)  # as if set by an older rule
    user = team_member_of(workshop.initiative, make_user)
    client.force_login(user)
    assert client.get(workshop.get_absolute_url()).status_code == 200
    assert AccessLog.objects.get().level == Level.CONFIDENTIAL


def test_a_denied_read_is_not_logged_as_a_read(client, staff):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    client.force_login(staff)
    assert client.get(initiative.get_absolute_url()).status_code == 404
    assert not AccessLog.objects.exists()


def test_downloading_a_document_is_logged_as_a_download(client, make_user):
    document = f.DocumentFactory(level=Level.CONFIDENTIAL)
    user = team_member_of(document.workshop.initiative, make_user)
    f.DocumentVersionFactory(document=document, uploaded_by=user)
    client.force_login(user)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.get().action == AccessLog.Action.DOWNLOAD


def test_reading_a_high_risk_person_is_logged_even_when_the_record_is_internal(client, make_user):
    from core.levels import Role

    admin = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
    person = f.ParticipantFactory(level=Level.INTERNAL, risk_level=3, codename="KESTREL")
    client.force_login(admin)
    assert client.get(person.get_absolute_url()).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.object_id, entry.level) == (person.pk, Level.CONFIDENTIAL)


def test_reading_an_ordinary_internal_participant_is_not_logged(client, staff):
    person = f.ParticipantFactory(level=Level.INTERNAL)
    client.force_login(staff)
    assert client.get(person.get_absolute_url()).status_code == 200
    assert not AccessLog.objects.exists()
