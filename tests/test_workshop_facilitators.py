"""The workshop page lists its facilitators. ``dialogues`` reads them through the relation
``workshop.facilitator_assignments``, without importing ``facilitators`` (which is built on it)."""

import pytest

from core.levels import Level, Role
from dialogues.selectors import workshop_get_for
from facilitators.models import Assignment

from . import factories as f

pytestmark = pytest.mark.django_db


def facilitator(name):
    return f.FacilitatorFactory(user=f.UserFactory(role=Role.FACILITATOR, full_name=name))


def test_the_workshop_page_names_each_assigned_facilitator_and_their_role(client, make_user):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator("Lina Moreau"), role=Assignment.Role.LEAD)
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator("Omar Saleh"), role=Assignment.Role.RAPPORTEUR)
    f.AssignmentFactory(facilitator=facilitator("Elsewhere Person"))
    client.force_login(make_user(Role.STAFF, Level.INTERNAL))

    page = client.get(workshop.get_absolute_url()).content.decode()

    assert "Lina Moreau" in page and "Lead facilitator" in page
    assert "Omar Saleh" in page and "Rapporteur" in page
    assert "Elsewhere Person" not in page


def test_the_assignments_come_with_their_facilitator_and_user_in_one_query(make_user, django_assert_num_queries):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
    f.AssignmentFactory.create_batch(3, workshop=workshop)
    staff = make_user(Role.STAFF, Level.INTERNAL)
    shown = workshop_get_for(staff, workshop.pk)

    with django_assert_num_queries(0):
        names = [assignment.facilitator.user.email for assignment in shown.assignments]

    assert len(names) == 3
