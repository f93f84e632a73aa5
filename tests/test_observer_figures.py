"""What observers (donors) see: figures of the initiatives they observe within their clearance, totals
that agree with their breakdowns, and no cell small enough to single anyone out."""

import pytest
from django.urls import reverse

from core.figures import SMALL_CELL, breakdown
from core.levels import Level, Role
from dialogues.models import Invitation
from dialogues.selectors import initiative_figures_for_observer
from participants.models import Participant

from . import factories as f

pytestmark = pytest.mark.django_db

ACCEPTED = Invitation.Status.ACCEPTED
WOMAN, MAN = Participant.Gender.WOMAN, Participant.Gender.MAN


def invite(workshop, party, *, status=ACCEPTED, gender=WOMAN, person=None):
    person = person or f.ParticipantFactory(gender=gender)
    return f.InvitationFactory(workshop=workshop, party=party, status=status, participant=person)


@pytest.fixture
def internal_observer():
    return f.UserFactory(role=Role.OBSERVER, clearance=Level.INTERNAL)


def test_an_observer_sees_no_figure_of_an_initiative_above_its_clearance(client, internal_observer):
    shown = f.InitiativeFactory(level=Level.INTERNAL, codename="TAPESTRY")
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL, codename="MERIDIAN")
    for initiative, party_name in ((shown, "Weavers"), (hidden, "Northern Coalition")):
        initiative.observers.add(internal_observer)
        party = f.PartyFactory(initiative=initiative, name=party_name)
        workshop = f.WorkshopFactory(initiative=initiative, level=initiative.level)
        for _ in range(4):
            invite(workshop, party)
    client.force_login(internal_observer)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "TAPESTRY" in page and "Weavers" in page
    assert "MERIDIAN" not in page
    assert "Northern Coalition" not in page


def test_workshops_above_the_observers_clearance_are_left_out_of_the_figures(internal_observer):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    initiative.observers.add(internal_observer)
    party = f.PartyFactory(initiative=initiative)
    open_workshop = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
    secret_workshop = f.WorkshopFactory(initiative=initiative, level=Level.STRICTLY_CONFIDENTIAL)
    for _ in range(3):
        invite(open_workshop, party)
    for _ in range(5):
        invite(secret_workshop, party)
    [row] = initiative_figures_for_observer(internal_observer)
    assert row["workshops"] == 1
    assert row["accepted_total"].count == 3


@pytest.mark.parametrize("small", [1, 2])
def test_a_cell_of_fewer_than_three_people_shows_less_than_three(client, internal_observer, small):
    initiative = f.InitiativeFactory(level=Level.INTERNAL, codename="TAPESTRY")
    initiative.observers.add(internal_observer)
    north, south = (
        f.PartyFactory(initiative=initiative, name="North"),
        f.PartyFactory(initiative=initiative, name="South"),
    )
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
    for _ in range(small):
        invite(workshop, north, gender=MAN)
    for _ in range(6):
        invite(workshop, south)
    client.force_login(internal_observer)
    response = client.get(reverse("dashboard:home"))
    [row] = response.context["observed"]
    party_cells = {cell.label: cell.shown for cell in row["by_party"]}
    gender_cells = {cell.label: cell.shown for cell in row["by_gender"]}
    assert party_cells["North"] == "< 3"
    assert gender_cells["Man"] == "< 3"
    # The total is shown, so one more cell is withheld: North = total - South would give it away.
    assert party_cells["South"] != "6"
    assert gender_cells["Woman"] != "6"
    page = response.content.decode()
    assert "&lt; 3" in page


def test_totals_agree_with_their_breakdowns(internal_observer):
    """The demo showed "Accepted" 28 against 29 by party: people in two delegations, attended not counted."""
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    initiative.observers.add(internal_observer)
    north, south = (
        f.PartyFactory(initiative=initiative, name="North"),
        f.PartyFactory(initiative=initiative, name="South"),
    )
    first = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
    second = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
    mover = f.ParticipantFactory(gender=WOMAN)
    invite(first, north, person=mover)
    invite(second, south, person=mover, status=Invitation.Status.ATTENDED)
    for status in (ACCEPTED, ACCEPTED, Invitation.Status.ATTENDED, Invitation.Status.SENT, Invitation.Status.DECLINED):
        invite(first, north, status=status, gender=MAN)
        invite(second, south, status=status)
    invite(first, north, status=Invitation.Status.DRAFT)  # a plan, not a figure
    [row] = initiative_figures_for_observer(internal_observer)
    by_status = {cell.label: cell.count for cell in row["by_status"]}
    accepted = row["accepted_total"].count
    assert "Draft" not in by_status
    assert sum(by_status.values()) == row["sent_total"].count == 12
    assert accepted == by_status["Accepted"] + by_status["Attended"] == 8
    assert sum(cell.count for cell in row["by_party"]) == accepted
    assert sum(cell.count for cell in row["by_gender"]) == accepted


def test_every_party_is_listed_even_with_no_accepted_place(internal_observer):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    initiative.observers.add(internal_observer)
    f.PartyFactory(initiative=initiative, name="Quiet side")
    [row] = initiative_figures_for_observer(internal_observer)
    assert [(cell.label, cell.shown) for cell in row["by_party"]] == [("Quiet side", "< 3")]


@pytest.mark.parametrize(
    ("counts", "withheld_at_least"),
    [
        ([10, 1], 2),  # the 1 is masked, so the 10 must go too
        ([10, 7, 1], 2),
        ([10, 7, 2, 1], 2),  # 2 + 1 = 3 withheld already: enough
        ([10, 7, 5], 0),
        ([0, 0, 9], 2),  # zeros are masked as "< 3"
    ],
)
def test_withheld_cells_never_add_up_to_one_or_two_people(counts, withheld_at_least):
    cells, total = breakdown([(f"cell {n}", count) for n, count in enumerate(counts)])
    hidden = [cell for cell in cells if not cell.shown.isdigit()]
    assert len(hidden) >= withheld_at_least
    assert sum(cell.count for cell in hidden) == 0 or sum(cell.count for cell in hidden) >= SMALL_CELL
    assert total.count == sum(counts)
    assert [cell.count for cell in cells] == counts
