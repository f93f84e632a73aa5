"""Every list and detail page runs a fixed number of queries, whatever the amount of data.

Each page is measured at two data sizes for several roles; the counts must be equal, and are pinned
exactly, so that a new per-row query or a new per-page query both show up.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from dialogues.models import Document, Invitation, TeamMembership

from . import factories as f
from .conftest import with_totp

pytestmark = pytest.mark.django_db


class Seed:
    """An initiative world that grows: more of everything, all visible to the viewers."""

    def __init__(self):
        self.lead = with_totp(f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL))
        self.admin = with_totp(f.UserFactory(role=Role.ADMIN, clearance=Level.STRICTLY_CONFIDENTIAL, is_staff=True))
        self.facilitator = f.FacilitatorFactory(user=f.UserFactory(role=Role.FACILITATOR, clearance=Level.CONFIDENTIAL))
        self.participant_user = f.UserFactory(role=Role.PARTICIPANT, clearance=Level.CONFIDENTIAL)
        self.me = f.ParticipantFactory(user=self.participant_user)
        self.observer = f.UserFactory(role=Role.OBSERVER, clearance=Level.CONFIDENTIAL)
        self.organisation = f.OrganizationFactory()
        self.initiative = self.new_initiative()
        self.workshop = f.WorkshopFactory(initiative=self.initiative, level=Level.CONFIDENTIAL)
        f.AssignmentFactory(workshop=self.workshop, facilitator=self.facilitator)
        self.person = f.ParticipantFactory(organization=self.organisation)
        self.party = f.PartyFactory(initiative=self.initiative)
        f.InvitationFactory(workshop=self.workshop, participant=self.person, party=self.party)
        f.InvitationFactory(
            workshop=self.workshop, participant=self.me, party=self.party, status=Invitation.Status.ACCEPTED
        )
        f.VettingCaseFactory(participant=self.person)
        # Booked elsewhere at the same time from the start, so that the workshop page asks about its
        # conflicts at both sizes.
        clash = f.WorkshopFactory(
            initiative=self.initiative, starts_at=self.workshop.starts_at, ends_at=self.workshop.ends_at
        )
        f.InvitationFactory(workshop=clash, participant=self.person)

    def new_initiative(self, level=Level.CONFIDENTIAL):
        initiative = f.InitiativeFactory(level=level)
        f.TeamMembershipFactory(initiative=initiative, user=self.lead, role=TeamMembership.Role.LEAD)
        initiative.observers.add(self.observer)
        return initiative

    def grow(self, n):
        for i in range(n):
            initiative = self.new_initiative(level=Level.INTERNAL if i % 2 else Level.CONFIDENTIAL)
            f.PartyFactory(initiative=self.initiative)
            f.FundingFactory(initiative=self.initiative)
            f.TeamMembershipFactory(
                initiative=self.initiative, user=f.UserFactory(clearance=Level.STRICTLY_CONFIDENTIAL)
            )
            workshop = f.WorkshopFactory(initiative=initiative)
            f.AssignmentFactory(workshop=workshop, facilitator=self.facilitator)
            f.AssignmentFactory(workshop=self.workshop)
            f.AgendaSessionFactory(workshop=self.workshop)
            person = f.ParticipantFactory(
                organization=self.organisation,
                risk_level=3 if i % 3 == 0 else 1,
            )
            f.VettingCaseFactory(participant=person)
            f.InvitationFactory(workshop=self.workshop, participant=person, party=self.party)
            f.InvitationFactory(workshop=workshop, participant=person)
            f.InvitationFactory(workshop=workshop, participant=self.me, status=Invitation.Status.ACCEPTED)
            f.InvitationFactory(workshop=self.workshop, participant=f.ParticipantFactory(), party=self.party)
            document = f.DocumentFactory(workshop=self.workshop, audience=Document.Audience.ATTENDEES)
            f.DocumentVersionFactory(document=document, uploaded_by=self.lead)
            f.DocumentFactory(workshop=None, initiative=self.initiative)
            f.ConsentRecordFactory(participant=self.person)
            f.OutcomeReportFactory(workshop=workshop, author=self.facilitator.user)


PAGES = [
    # (page, viewer attribute, URL builder, queries: user, MFA check where required, page data; the session
    # is read from the cache). Every dashboard but an observer's reads the user's open action items (+1).
    # Every page that asks a confidentiality rule reads the viewer's ties once (+1: core.visibility.read_ties);
    # a rule that reaches none of them (a facilitator on no team) then costs no query at all.
    ("dashboard", "lead", lambda s: reverse("dashboard:home"), 7),
    ("dashboard", "admin", lambda s: reverse("dashboard:home"), 12),
    # Facilitators' pages ask whether the menu offers the initiative list: on no team, answered without a query.
    ("dashboard", "facilitator_user", lambda s: reverse("dashboard:home"), 6),
    ("dashboard", "participant_user", lambda s: reverse("dashboard:home"), 5),
    ("dashboard", "observer", lambda s: reverse("dashboard:home"), 6),
    ("initiative list", "lead", lambda s: reverse("dialogues:initiative-list"), 5),
    ("initiative detail", "lead", lambda s: s.initiative.get_absolute_url(), 11),
    # Edit pages of CONFIDENTIAL records write their access-log row (+1).
    ("initiative edit", "lead", lambda s: reverse("dialogues:initiative-update", args=[s.initiative.pk]), 10),
    ("workshop list", "lead", lambda s: reverse("dialogues:workshop-list"), 6),
    ("workshop list", "facilitator_user", lambda s: reverse("dialogues:workshop-list"), 4),
    # The delegations: the balance in one aggregate, a page of invitations and their participants; the parties
    # for those who manage it (+1); the conflict warnings (+1); the outcome reports the viewer may see, the
    # approved public summaries and whether the viewer may start a report (+3).
    # Its conflicts: the bookings, then which of their workshops and people the viewer may see (+2).
    ("workshop detail", "lead", lambda s: s.workshop.get_absolute_url(), 18),
    ("workshop detail", "facilitator_user", lambda s: s.workshop.get_absolute_url(), 16),
    ("workshop edit", "lead", lambda s: reverse("dialogues:workshop-update", args=[s.workshop.pk]), 8),
    # A lead sees some names only: the page's ids, in the order of the names shown, then their rows (+1).
    ("participant list", "lead", lambda s: reverse("participants:participant-list"), 7),
    ("participant list", "admin", lambda s: reverse("participants:participant-list"), 5),
    # The invitations are paged: counted (up to the bound), then a page of them (+1).
    ("participant detail", "lead", lambda s: s.person.get_absolute_url(), 7),
    ("participant detail", "admin", lambda s: s.person.get_absolute_url(), 7),
    ("organisation list", "lead", lambda s: reverse("participants:organization-list"), 5),
    ("organisation detail", "lead", lambda s: s.organisation.get_absolute_url(), 6),
    ("access log", "admin", lambda s: reverse("core:access-log"), 5),
]


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(("page", "viewer", "url", "expected"), PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
def test_page_queries_do_not_grow_with_the_data(client, page, viewer, url, expected):
    seed = Seed()
    seed.facilitator_user = seed.facilitator.user
    client.force_login(getattr(seed, viewer))
    count(client, url(seed))  # warm per-process caches (content types) so both sizes compare alike
    small = count(client, url(seed))
    seed.grow(12)
    large = count(client, url(seed))
    assert small == large, f"{page} as {viewer}: {small} queries with little data, {large} with more"
    assert large == expected, f"{page} as {viewer}: {large} queries, pinned at {expected}"


# --- The facilitator's workspace and the attendance form (issue 15) ------------------------------------


class HeldSeed:
    """A facilitator's workshops, upcoming and past with reports in every state, and a workshop under way whose
    accepted invitees (some of them at high risk) grow."""

    def __init__(self):
        from django.utils import timezone

        self.now = timezone.now()
        self.lead = with_totp(f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL))
        self.facilitator = f.FacilitatorFactory(user=f.UserFactory(role=Role.FACILITATOR, clearance=Level.CONFIDENTIAL))
        self.facilitator_user = self.facilitator.user
        self.initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
        f.TeamMembershipFactory(initiative=self.initiative, user=self.lead, role=TeamMembership.Role.LEAD)
        self.party = f.PartyFactory(initiative=self.initiative)
        self.workshop = self.assigned(days=-1)
        self.grow(1)

    def assigned(self, days):
        import datetime as dt

        start = self.now + dt.timedelta(days=days)
        workshop = f.WorkshopFactory(initiative=self.initiative, starts_at=start, ends_at=start + dt.timedelta(days=2))
        f.AssignmentFactory(workshop=workshop, facilitator=self.facilitator)
        return workshop

    def grow(self, n):
        statuses = ("draft", "submitted", "returned", "approved")
        for i in range(n):
            self.assigned(days=10 + i)
            past = self.assigned(days=-10 - i)
            status = statuses[i % 4]
            dates = {"submitted_at": self.now} if status != "draft" else {}
            if status == "approved":
                dates.update(approved_at=self.now, approved_by=self.lead)
            f.OutcomeReportFactory(workshop=past, author=self.facilitator_user, status=status, **dates)
            session = f.AgendaSessionFactory(workshop=past)
            f.OutcomeReportFactory(workshop=past, author=self.facilitator_user, session=session)
            f.InvitationFactory(workshop=past, party=self.party, status=Invitation.Status.ACCEPTED)
            for status in (Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW):
                person = f.ParticipantFactory(risk_level=3 if i % 2 else 1)
                f.InvitationFactory(workshop=self.workshop, participant=person, party=self.party, status=status)
            f.InvitationFactory(workshop=self.workshop, party=self.party, status=Invitation.Status.DECLINED)


HELD_PAGES = [
    # The user; the facilitator's profile, the late figures, each list counted and a page of it read; the
    # menu's initiative list.
    ("workspace", "facilitator_user", lambda s: reverse("facilitators:workspace"), 8),
    # The user; the workshop, whether they are assigned to it, its invitees and their participants (by the
    # identity rule), the access-log row; the menu's initiative list.
    ("attendance", "facilitator_user", lambda s: reverse("dialogues:workshop-attendance", args=[s.workshop.pk]), 7),
    # The lead: the MFA check, and their team role once they are found not assigned (+1); no menu query.
    ("attendance", "lead", lambda s: reverse("dialogues:workshop-attendance", args=[s.workshop.pk]), 9),
]


@pytest.mark.parametrize(("page", "viewer", "url", "expected"), HELD_PAGES, ids=[f"{p[0]}-{p[1]}" for p in HELD_PAGES])
def test_facilitation_page_queries_do_not_grow_with_the_data(client, page, viewer, url, expected):
    seed = HeldSeed()
    client.force_login(getattr(seed, viewer))
    count(client, url(seed))
    small = count(client, url(seed))
    seed.grow(12)
    large = count(client, url(seed))
    assert small == large, f"{page} as {viewer}: {small} queries with little data, {large} with more"
    assert large == expected, f"{page} as {viewer}: {large} queries, pinned at {expected}"


class ActionItemsSeed:
    """Action items owned by a team member and by a participant's own record, across initiatives (issue 15)."""

    def __init__(self):
        self.lead = with_totp(f.UserFactory(role=Role.STAFF, clearance=Level.STRICTLY_CONFIDENTIAL))
        self.participant_user = f.UserFactory(role=Role.PARTICIPANT, clearance=Level.CONFIDENTIAL)
        self.me = f.ParticipantFactory(user=self.participant_user)

    def grow(self, n):
        for i in range(n):
            initiative = f.InitiativeFactory(level=Level.INTERNAL if i % 2 else Level.CONFIDENTIAL)
            f.TeamMembershipFactory(initiative=initiative, user=self.lead, role=TeamMembership.Role.LEAD)
            workshop = f.WorkshopFactory(initiative=initiative)
            f.InvitationFactory(workshop=workshop, participant=self.me, status=Invitation.Status.ACCEPTED)
            report = f.OutcomeReportFactory(workshop=workshop)
            f.ActionItemFactory(report=report, owner_participant=self.me)
            done = {"status": "done", "completed_at": timezone.now()} if i % 3 == 0 else {}
            f.ActionItemFactory(report=report, owner=self.lead, **done)


# The user (and MFA check where required); the items counted (up to the bound), then a page of them with
# their workshops (whether the viewer may know each is a subquery of that one read).
ACTION_ITEM_PAGES = [
    ("lead", "", 5),
    ("lead", "?show=all&page=2", 5),
    ("participant_user", "", 4),
]


@pytest.mark.parametrize(("viewer", "query", "expected"), ACTION_ITEM_PAGES)
def test_my_action_items_queries_do_not_grow_with_the_data(client, viewer, query, expected):
    seed = ActionItemsSeed()
    seed.grow(2)
    client.force_login(getattr(seed, viewer))
    url = reverse("facilitators:my-action-items") + query
    count(client, url)
    small = count(client, url)
    seed.grow(30)
    large = count(client, url)
    assert small == large, f"my action items as {viewer}: {small} queries with little data, {large} with more"
    assert large == expected, f"my action items as {viewer}: {large} queries, pinned at {expected}"
