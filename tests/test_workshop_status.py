"""A workshop's status moves only along its allowed transitions, and its capacity is not set below the
number accepted without a deliberate confirmation."""

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.levels import Level
from dialogues import services
from dialogues.models import Invitation, Workshop

from . import factories as f
from .test_dialogues_views import team_initiative, unchanged_post_data

pytestmark = pytest.mark.django_db

S = Workshop.Status


@pytest.fixture
def lead_and_initiative(make_user):
    initiative, lead = team_initiative(make_user, level=Level.CONFIDENTIAL, clearance=Level.CONFIDENTIAL)
    return lead, initiative


def edit(client, workshop, **changes):
    url = reverse("dialogues:workshop-update", args=[workshop.pk])
    data = unchanged_post_data(client.get(url), formset_names=["sessions"])
    data.update(changes)
    return client.post(url, data)


def upcoming(initiative, status=S.PLANNED, **fields):
    return f.WorkshopFactory(initiative=initiative, status=status, **fields)


def started(initiative, status=S.CONFIRMED):
    starts_at = timezone.now() - dt.timedelta(hours=3)
    return f.WorkshopFactory(
        initiative=initiative, status=status, starts_at=starts_at, ends_at=starts_at + dt.timedelta(days=1)
    )


def reload(workshop):
    return Workshop.objects.get(pk=workshop.pk)


def test_a_workshop_cannot_be_marked_held_before_it_starts(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = upcoming(initiative, S.CONFIRMED)
    client.force_login(lead)
    response = edit(client, workshop, status=S.HELD)
    assert response.status_code == 200
    assert response.context["form"].errors["status"] == ["A workshop can be marked held only once it has started."]
    assert reload(workshop).status == S.CONFIRMED


def test_a_workshop_is_marked_held_once_it_has_started(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = started(initiative)
    client.force_login(lead)
    assert edit(client, workshop, status=S.HELD).status_code == 302
    assert reload(workshop).status == S.HELD


@pytest.mark.parametrize("stored", [S.PLANNED, S.INVITING, S.CONFIRMED])
def test_any_open_workshop_can_be_cancelled(client, lead_and_initiative, stored):
    lead, initiative = lead_and_initiative
    workshop = upcoming(initiative, stored)
    client.force_login(lead)
    assert edit(client, workshop, status=S.CANCELLED).status_code == 302
    assert reload(workshop).status == S.CANCELLED


@pytest.mark.parametrize(("stored", "new"), [(S.HELD, S.PLANNED), (S.HELD, S.CANCELLED), (S.CANCELLED, S.PLANNED)])
def test_held_and_cancelled_are_final(client, lead_and_initiative, stored, new):
    lead, initiative = lead_and_initiative
    workshop = started(initiative, stored)
    client.force_login(lead)
    response = edit(client, workshop, status=new)
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert reload(workshop).status == stored


def test_the_form_offers_only_the_statuses_a_workshop_may_move_to(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    held = started(initiative, S.HELD)
    offered = dict(
        client.get(reverse("dialogues:workshop-update", args=[held.pk])).context["form"].fields["status"].choices
    )
    assert list(offered) == [S.HELD]
    new = client.get(reverse("dialogues:workshop-create", args=[initiative.pk])).context["form"]
    assert S.CANCELLED not in dict(new.fields["status"].choices)


def test_the_service_refuses_a_transition_whoever_calls_it(lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = Workshop.objects.get(pk=upcoming(initiative, S.PLANNED).pk)
    with pytest.raises(ValidationError) as refused:
        services.workshop_update(workshop=workshop, by=lead, status=S.HELD)
    assert "status" in refused.value.message_dict
    cancelled = Workshop.objects.get(pk=upcoming(initiative, S.CANCELLED).pk)
    with pytest.raises(ValidationError):
        services.workshop_update(workshop=cancelled, by=lead, status=S.CONFIRMED)
    assert reload(cancelled).status == S.CANCELLED


def test_a_new_workshop_cannot_start_out_cancelled(lead_and_initiative):
    lead, initiative = lead_and_initiative
    now = timezone.now()
    with pytest.raises(ValidationError):
        services.workshop_create(
            initiative=initiative,
            by=lead,
            title="Never",
            starts_at=now + dt.timedelta(days=3),
            ends_at=now + dt.timedelta(days=4),
            status=S.CANCELLED,
            level=initiative.level,
        )
    assert not Workshop.objects.filter(title="Never").exists()


def test_the_admin_refuses_the_same_transition(admin_user):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    workshop = Workshop.objects.get(pk=upcoming(initiative, S.INVITING, level=Level.INTERNAL).pk)
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[Workshop]
    form_class = model_admin.get_form(request, workshop, change=True)
    initial = form_class(instance=workshop).initial
    data = {key: value for key, value in initial.items() if value is not None}
    data.update(status=S.HELD, starts_at=workshop.starts_at.strftime("%Y-%m-%d %H:%M:%S"))
    data.update({"starts_at_0": workshop.starts_at.date(), "starts_at_1": workshop.starts_at.time()})
    data.update({"ends_at_0": workshop.ends_at.date(), "ends_at_1": workshop.ends_at.time()})
    form = form_class(data=data, instance=workshop)
    assert not form.is_valid()
    assert form.errors["status"] == ["A workshop can be marked held only once it has started."]


# --- capacity ------------------------------------------------------------------------------------


def accept(workshop, count):
    party = f.PartyFactory(initiative=workshop.initiative)
    for _ in range(count):
        f.InvitationFactory(workshop=workshop, party=party, status=Invitation.Status.ACCEPTED)


def test_capacity_below_the_number_accepted_needs_a_deliberate_tick(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = upcoming(initiative, capacity=10)
    accept(workshop, 6)
    client.force_login(lead)
    response = edit(client, workshop, capacity="4")
    assert response.status_code == 200
    [message] = response.context["form"].errors["capacity"]
    assert message.startswith("6 people have accepted already")
    assert "keep_capacity" in response.context["form"].fields
    assert reload(workshop).capacity == 10
    assert edit(client, workshop, capacity="4", keep_capacity="on").status_code == 302
    assert reload(workshop).capacity == 4


def test_the_workshop_page_warns_when_more_have_accepted_than_there_are_places(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = upcoming(initiative, capacity=3)
    client.force_login(lead)
    assert "more than the capacity" not in client.get(workshop.get_absolute_url()).content.decode()
    accept(workshop, 5)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "5 people have accepted, more than the capacity of 3." in page


def test_a_capacity_at_or_above_the_number_accepted_saves_without_a_question(client, lead_and_initiative):
    lead, initiative = lead_and_initiative
    workshop = upcoming(initiative, capacity=10)
    accept(workshop, 6)
    client.force_login(lead)
    assert edit(client, workshop, capacity="6").status_code == 302
    assert reload(workshop).capacity == 6
