"""The confidentiality rule of DESIGN.md, model by model, at the queryset level (visible_to)."""

import pytest

from accounts.models import User
from core.levels import Level, RiskLevel, Role
from core.visibility import (
    assigned_initiative_ids,
    assigned_workshop_ids,
    attended_workshop_ids,
    identity_rule,
    invitee_identity_rule,
    invitee_rule,
    participant_rule,
    seen_workshop,
    staffed_flag,
    team_initiative_ids,
)
from dialogues.models import Document, Initiative, Invitation, Party, Workshop
from facilitators.models import ActionItem, OutcomeReport, TrackOneBriefing
from facilitators.outcome_reports import may_start_report
from participants.models import Organization, Participant, SanctionsHit, VettingCase
from participants.selectors import participant_list_for

from . import factories as f

pytestmark = pytest.mark.django_db

LEVELS = list(Level)


def visible(model, user, obj):
    return model.objects.visible_to(user).filter(pk=obj.pk).exists()


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
def test_organisation_members_off_the_team_see_internal_and_below_only(make_user, role, level):
    user = make_user(role, Level.STRICTLY_CONFIDENTIAL)
    initiative = f.InitiativeFactory(level=level)
    assert visible(Initiative, user, initiative) is (level <= Level.INTERNAL)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.PARTICIPANT, Role.OBSERVER])
def test_other_roles_off_the_team_see_no_initiative(make_user, role, level):
    user = make_user(role, Level.STRICTLY_CONFIDENTIAL)
    initiative = f.InitiativeFactory(level=level)
    assert not visible(Initiative, user, initiative)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("clearance", LEVELS)
def test_team_members_see_their_initiative_only_when_cleared(make_user, level, clearance):
    user = make_user(Role.STAFF, clearance)
    initiative = f.InitiativeFactory(level=level)
    f.TeamMembershipFactory(initiative=initiative, user=user)
    assert visible(Initiative, user, initiative) is (clearance >= level)


def test_clearance_alone_opens_nothing_for_an_admin(admin_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    workshop = f.WorkshopFactory(initiative=initiative)
    assert not visible(Initiative, admin_user, initiative)
    assert not visible(Workshop, admin_user, workshop)


def test_internal_staff_do_not_see_an_internal_initiative_above_their_clearance(make_user):
    user = make_user(Role.STAFF, Level.PUBLIC)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    assert not visible(Initiative, user, initiative)


def test_observers_see_nothing_even_on_the_team(observer):
    initiative = f.InitiativeFactory(level=Level.PUBLIC)
    f.TeamMembershipFactory(initiative=initiative, user=observer)
    initiative.observers.add(observer)
    assert not visible(Initiative, observer, initiative)
    assert Initiative.objects.observed_by(observer).filter(pk=initiative.pk).exists()


def test_a_workshop_is_never_easier_to_see_than_its_initiative(staff):
    # An INTERNAL workshop of a CONFIDENTIAL initiative stays hidden from INTERNAL staff.
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    workshop = f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
    assert not visible(Workshop, staff, workshop)


def test_the_assigned_facilitator_sees_the_workshop_but_not_the_initiative(facilitator_user):
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    other = f.WorkshopFactory(initiative=workshop.initiative)
    assert visible(Workshop, facilitator_user, workshop)
    assert not visible(Workshop, facilitator_user, other)
    assert not visible(Initiative, facilitator_user, workshop.initiative)


def test_an_assigned_facilitator_without_clearance_sees_nothing(make_user):
    user = make_user(Role.FACILITATOR, Level.INTERNAL)
    facilitator = f.FacilitatorFactory(user=user)
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
    f.AssignmentFactory(workshop=workshop, facilitator=facilitator)
    assert not visible(Workshop, user, workshop)


def test_an_invited_participant_sees_their_own_invitation_only(participant_user):
    me = f.ParticipantFactory(user=participant_user)
    mine = f.InvitationFactory(participant=me)
    someone_elses = f.InvitationFactory(workshop=mine.workshop)
    assert visible(Invitation, participant_user, mine)
    assert not visible(Invitation, participant_user, someone_elses)
    assert not visible(Workshop, participant_user, mine.workshop)
    assert not visible(Party, participant_user, mine.party)


def test_a_participant_user_on_a_team_gains_nothing_from_it(participant_user):
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=participant_user)
    assert not visible(Initiative, participant_user, initiative)


def test_parties_follow_their_initiative(staff, cleared_staff):
    party = f.PartyFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
    f.TeamMembershipFactory(initiative=party.initiative, user=cleared_staff)
    assert visible(Party, cleared_staff, party)
    assert not visible(Party, staff, party)


class TestParticipants:
    def test_staff_see_internal_participants_but_not_secret_ones(self, make_user):
        user = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
        ordinary = f.ParticipantFactory(level=Level.INTERNAL)
        secret = f.ParticipantFactory(level=Level.CONFIDENTIAL)
        assert visible(Participant, user, ordinary)
        assert not visible(Participant, user, secret)

    def test_admins_see_every_participant_they_are_cleared_for(self, make_user):
        admin = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
        secret = f.ParticipantFactory(level=Level.CONFIDENTIAL)
        top_secret = f.ParticipantFactory(level=Level.STRICTLY_CONFIDENTIAL)
        assert visible(Participant, admin, secret)
        assert not visible(Participant, admin, top_secret)

    def test_the_team_of_a_workshop_sees_its_secret_invitees(self, make_user):
        lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
        invitation = f.InvitationFactory(
            workshop=f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.STRICTLY_CONFIDENTIAL)),
            participant=f.ParticipantFactory(level=Level.STRICTLY_CONFIDENTIAL),
        )
        assert not visible(Participant, lead, invitation.participant)
        f.TeamMembershipFactory(initiative=invitation.workshop.initiative, user=lead)
        assert visible(Participant, lead, invitation.participant)

    def test_staff_see_a_secret_invitee_of_an_internal_workshop_of_any_team_as_far_as_cleared(self, make_user):
        cleared, uncleared = make_user(Role.STAFF, Level.CONFIDENTIAL), make_user(Role.STAFF, Level.INTERNAL)
        internal = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), level=Level.INTERNAL)
        confidential = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
        invited_here = f.ParticipantFactory(level=Level.CONFIDENTIAL)
        invited_there = f.ParticipantFactory(level=Level.CONFIDENTIAL)
        top_secret = f.ParticipantFactory(level=Level.STRICTLY_CONFIDENTIAL)
        for person in (invited_here, top_secret):
            f.InvitationFactory(workshop=internal, participant=person)
        f.InvitationFactory(workshop=confidential, participant=invited_there)

        seen = set(Participant.objects.visible_to(cleared).values_list("pk", flat=True))
        assert invited_here.pk in seen
        assert not seen & {invited_there.pk, top_secret.pk}
        assert not visible(Participant, uncleared, invited_here)
        # Raising the workshop above INTERNAL takes it, and its secret invitee, from staff not on its team.
        Workshop.objects.filter(pk=internal.pk).update(level=Level.CONFIDENTIAL)
        assert not visible(Participant, cleared, invited_here)

    def test_facilitators_facilitator_and_observers_see_no_uninvited_participant(self, facilitator_user, observer):
        person = f.ParticipantFactory(level=Level.PUBLIC)
        assert not visible(Participant, facilitator_user, person)
        assert not visible(Participant, observer, person)

    def test_a_participant_sees_their_own_record(self, participant_user):
        me = f.ParticipantFactory(user=participant_user, level=Level.STRICTLY_CONFIDENTIAL)
        other = f.ParticipantFactory(level=Level.PUBLIC)
        assert visible(Participant, participant_user, me)
        assert not visible(Participant, participant_user, other)


class TestIdentity:
    def identity(self, user, participant):
        return Participant.objects.with_identity_for(user).get(pk=participant.pk).display_name

    def test_low_risk_names_are_shown_to_whoever_sees_the_record(self, staff):
        person = f.ParticipantFactory(full_name="Amira Haddad")
        assert self.identity(staff, person) == "Amira Haddad"

    def test_high_risk_names_are_hidden_from_internal_staff(self, staff):
        person = f.ParticipantFactory(full_name="Amira Haddad", risk_level=3, codename="KESTREL")
        assert self.identity(staff, person) == "KESTREL"

    def test_high_risk_names_are_hidden_from_internal_staff_who_see_the_workshop(self, staff):
        invitation = f.InvitationFactory(
            workshop=f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL)),
            participant=f.ParticipantFactory(full_name="Amira Haddad", risk_level=3, codename="KESTREL"),
        )
        assert visible(Workshop, staff, invitation.workshop)
        assert self.identity(staff, invitation.participant) == "KESTREL"

    def test_high_risk_names_are_shown_to_the_cleared_team(self, make_user):
        lead = make_user(Role.STAFF, Level.CONFIDENTIAL)
        invitation = f.InvitationFactory(
            participant=f.ParticipantFactory(full_name="Amira Haddad", risk_level=3, codename="KESTREL")
        )
        f.TeamMembershipFactory(initiative=invitation.workshop.initiative, user=lead)
        assert self.identity(lead, invitation.participant) == "Amira Haddad"

    def test_high_risk_names_are_hidden_from_a_team_member_below_confidential(self, make_user):
        member = make_user(Role.STAFF, Level.INTERNAL)
        invitation = f.InvitationFactory(
            workshop=f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL)),
            participant=f.ParticipantFactory(full_name="Amira Haddad", risk_level=3, codename="KESTREL"),
        )
        f.TeamMembershipFactory(initiative=invitation.workshop.initiative, user=member)
        assert self.identity(member, invitation.participant) == "KESTREL"

    def test_high_risk_names_are_shown_to_confidential_admins_only(self, make_user):
        person = f.ParticipantFactory(full_name="Amira Haddad", risk_level=3, codename="KESTREL")
        assert self.identity(make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True), person) == "Amira Haddad"
        assert self.identity(make_user(Role.ADMIN, Level.INTERNAL, is_staff=True), person) == "KESTREL"

    def test_the_assigned_facilitator_sees_the_name(self, facilitator_user):
        invitation = f.InvitationFactory(
            participant=f.ParticipantFactory(full_name="Amira Haddad", risk_level=3, codename="KESTREL")
        )
        f.AssignmentFactory(workshop=invitation.workshop, facilitator=facilitator_user.facilitator)
        assert self.identity(facilitator_user, invitation.participant) == "Amira Haddad"

    def test_the_string_form_of_a_participant_never_reveals_a_name(self):
        person = f.ParticipantFactory(full_name="Amira Haddad", risk_level=3, codename="KESTREL")
        assert str(person) == "KESTREL"


class TestDocuments:
    def setup_documents(self):
        workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
        return workshop, {
            audience: f.DocumentFactory(workshop=workshop, audience=audience) for audience in Document.Audience
        }

    def test_the_team_sees_every_audience(self, cleared_staff):
        workshop, documents = self.setup_documents()
        f.TeamMembershipFactory(initiative=workshop.initiative, user=cleared_staff)
        assert all(visible(Document, cleared_staff, d) for d in documents.values())

    def test_facilitators_see_facilitator_and_attendee_documents(self, facilitator_user):
        workshop, documents = self.setup_documents()
        f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
        assert not visible(Document, facilitator_user, documents[Document.Audience.TEAM])
        assert visible(Document, facilitator_user, documents[Document.Audience.FACILITATORS])
        assert visible(Document, facilitator_user, documents[Document.Audience.ATTENDEES])

    @pytest.mark.parametrize(
        ("status", "sees"),
        [
            (Invitation.Status.ACCEPTED, True),
            (Invitation.Status.ATTENDED, True),
            (Invitation.Status.SENT, False),
            (Invitation.Status.DECLINED, False),
        ],
    )
    def test_attendees_see_attendee_documents_once_accepted(self, participant_user, status, sees):
        workshop, documents = self.setup_documents()
        f.InvitationFactory(workshop=workshop, participant=f.ParticipantFactory(user=participant_user), status=status)
        assert visible(Document, participant_user, documents[Document.Audience.ATTENDEES]) is sees
        assert not visible(Document, participant_user, documents[Document.Audience.FACILITATORS])

    def test_a_document_above_the_readers_clearance_stays_hidden(self, make_user):
        member = make_user(Role.STAFF, Level.CONFIDENTIAL)
        document = f.DocumentFactory(level=Level.STRICTLY_CONFIDENTIAL)
        f.TeamMembershipFactory(initiative=document.workshop.initiative, user=member)
        assert not visible(Document, member, document)

    def test_initiative_documents_follow_the_initiative(self, staff):
        internal = f.DocumentFactory(workshop=None, initiative=f.InitiativeFactory(level=Level.INTERNAL))
        secret = f.DocumentFactory(workshop=None, initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
        assert visible(Document, staff, internal)
        assert not visible(Document, staff, secret)


class TestOutcomes:
    def test_a_report_is_never_easier_to_see_than_its_workshop(self, staff):
        report = f.OutcomeReportFactory(
            workshop=f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL)), level=Level.INTERNAL
        )
        assert not visible(OutcomeReport, staff, report)

    def test_the_owner_of_an_action_item_sees_it_but_not_the_report(self, make_user):
        owner = make_user(Role.STAFF, Level.CONFIDENTIAL)
        item = f.ActionItemFactory(owner=owner)
        assert visible(ActionItem, owner, item)
        assert not visible(OutcomeReport, owner, item.report)

    def test_an_action_item_owner_still_needs_clearance(self, staff):
        item = f.ActionItemFactory(owner=staff)
        assert not visible(ActionItem, staff, item)

    def test_briefings_follow_the_report(self, facilitator_user, staff):
        briefing = f.TrackOneBriefingFactory()
        f.AssignmentFactory(workshop=briefing.report.workshop, facilitator=facilitator_user.facilitator)
        assert visible(TrackOneBriefing, facilitator_user, briefing)
        assert not visible(TrackOneBriefing, staff, briefing)


class TestVetting:
    def test_only_confidential_admins_see_vetting_cases_and_hits(self, make_user, cleared_staff):
        case = f.VettingCaseFactory()
        hit = f.SanctionsHitFactory(participant=case.participant)
        admin = make_user(Role.ADMIN, Level.CONFIDENTIAL, is_staff=True)
        low_admin = make_user(Role.ADMIN, Level.INTERNAL, is_staff=True)
        assert visible(VettingCase, admin, case) and visible(SanctionsHit, admin, hit)
        assert not visible(VettingCase, low_admin, case)
        assert not visible(VettingCase, cleared_staff, case)
        assert not visible(SanctionsHit, cleared_staff, hit)

    def test_staff_see_the_vetting_status_alone(self, staff):
        case = f.VettingCaseFactory(status=VettingCase.Status.IN_REVIEW)
        row = Participant.objects.visible_to(staff).with_vetting_status().get(pk=case.participant.pk)
        assert row.vetting_status == VettingCase.Status.IN_REVIEW


def test_organisations_are_for_admin_and_staff(staff, facilitator_user, observer, participant_user):
    organisation = f.OrganizationFactory()
    assert visible(Organization, staff, organisation)
    for user in (facilitator_user, observer, participant_user):
        assert not visible(Organization, user, organisation)


def test_visible_to_never_duplicates_rows(make_user):
    """Subqueries, not joins: many team members and facilitators must not multiply rows."""
    user = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory.create_batch(3, initiative=initiative)
    f.TeamMembershipFactory(initiative=initiative, user=user)
    workshop = f.WorkshopFactory(initiative=initiative)
    f.AssignmentFactory.create_batch(3, workshop=workshop)
    assert Initiative.objects.visible_to(user).count() == 1
    assert Workshop.objects.visible_to(user).count() == 1


def test_inactive_and_anonymous_users_see_nothing(make_user):
    from django.contrib.auth.models import AnonymousUser

    user = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL, is_active=False)
    initiative = f.InitiativeFactory(level=Level.PUBLIC)
    assert not visible(Initiative, user, initiative)
    assert not visible(Initiative, AnonymousUser(), initiative)


class TestRulesFromEitherSide:
    """The participant and identity rules of ``core.visibility`` read the same whether they start from
    the participant (``Participant.objects``) or from the sign-in account (``User.objects``)."""

    @pytest.fixture
    def people_and_readers(self, make_user, admin_user, staff, facilitator_user, participant_user, observer):
        open_workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
        secret_workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
        lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
        f.TeamMembershipFactory(initiative=secret_workshop.initiative, user=lead)
        f.AssignmentFactory(workshop=secret_workshop, facilitator=facilitator_user.facilitator)
        low = f.ParticipantFactory(user=make_user(Role.PARTICIPANT), level=Level.INTERNAL)
        high = f.ParticipantFactory(
            user=make_user(Role.PARTICIPANT), level=Level.INTERNAL, risk_level=Participant.RiskLevel.HIGH
        )
        secret = f.ParticipantFactory(user=make_user(Role.PARTICIPANT), level=Level.CONFIDENTIAL)
        f.ParticipantFactory(user=make_user(Role.PARTICIPANT), level=Level.STRICTLY_CONFIDENTIAL)
        f.ParticipantFactory(user=participant_user, level=Level.CONFIDENTIAL, risk_level=Participant.RiskLevel.HIGH)
        f.ParticipantFactory(level=Level.PUBLIC)  # no account
        for workshop in (open_workshop, secret_workshop):
            f.InvitationFactory(workshop=workshop, participant=high)
        f.InvitationFactory(workshop=secret_workshop, participant=secret)
        f.InvitationFactory(workshop=open_workshop, participant=low)
        readers = [
            admin_user,
            make_user(Role.ADMIN, Level.INTERNAL, is_staff=True),
            staff,
            lead,
            facilitator_user,
            participant_user,
            observer,
            make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL, is_active=False),
        ]
        return readers

    @staticmethod
    def accounts_from_participants(rule, reader):
        people = Participant.objects.filter(user__isnull=False).filter(rule(reader, Participant))
        return set(people.values_list("user_id", flat=True))

    @staticmethod
    def accounts_from_accounts(rule, reader):
        return set(User.objects.filter(rule(reader, User, prefix="participant__")).values_list("pk", flat=True))

    @pytest.mark.parametrize("rule", [participant_rule, identity_rule])
    def test_each_rule_opens_the_same_people_from_the_account_as_from_the_participant(self, people_and_readers, rule):
        for reader in people_and_readers:
            assert self.accounts_from_accounts(rule, reader) == self.accounts_from_participants(rule, reader), reader

    def test_accounts_hide_exactly_the_participants_whose_record_or_identity_is_hidden(self, people_and_readers):
        everyone = set(User.objects.values_list("pk", flat=True))
        with_a_record = set(Participant.objects.filter(user__isnull=False).values_list("user_id", flat=True))
        for reader in people_and_readers:
            shown = Participant.objects.visible_to(reader).filter(Participant.objects.identity_q(reader))
            expected = (everyone - with_a_record) | set(shown.values_list("user_id", flat=True)) - {None}
            if not reader.is_active or reader.role == Role.OBSERVER:
                expected = set()
            assert set(User.objects.visible_to(reader).values_list("pk", flat=True)) == expected, reader

    def test_a_person_invited_to_several_workshops_is_one_row(self, make_user):
        lead = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL)
        initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
        f.TeamMembershipFactory(initiative=initiative, user=lead)
        person = f.ParticipantFactory(
            user=make_user(Role.PARTICIPANT), level=Level.CONFIDENTIAL, risk_level=Participant.RiskLevel.HIGH
        )
        for workshop in f.WorkshopFactory.create_batch(3, initiative=initiative):
            f.InvitationFactory(workshop=workshop, participant=person)
        rows = [row for row in participant_list_for(lead) if row.pk == person.pk]
        assert len(rows) == 1 and rows[0].identity_visible
        assert Participant.objects.visible_to(lead).with_identity_for(lead).filter(pk=person.pk).count() == 1
        assert User.objects.visible_to(lead).filter(pk=person.user_id).count() == 1


def ids(subquery):
    return [value for row in subquery for value in row.values()]


class TestTiesOfTheUser:
    def test_a_user_without_team_or_assignment_has_no_ids(self, cleared_staff, facilitator_user):
        # Empty, not a NULL row: ``x IN (NULL)`` is not false but unknown, and would turn under a NOT.
        for user in (cleared_staff, facilitator_user):
            assert ids(team_initiative_ids(user)) == []
            assert ids(assigned_workshop_ids(user)) == []
            assert ids(assigned_initiative_ids(user)) == []
            assert ids(attended_workshop_ids(user, [Invitation.Status.ACCEPTED])) == []

    def test_the_ties_are_the_users_own(self, cleared_staff, facilitator_user, participant_user):
        membership = f.TeamMembershipFactory(user=cleared_staff)
        f.TeamMembershipFactory()  # someone else's
        assignment = f.AssignmentFactory(facilitator=facilitator_user.facilitator)
        f.AssignmentFactory()
        me = f.ParticipantFactory(user=participant_user)
        accepted = f.InvitationFactory(participant=me, status=Invitation.Status.ACCEPTED)
        f.InvitationFactory(participant=me, status=Invitation.Status.SENT)
        assert ids(team_initiative_ids(cleared_staff)) == [membership.initiative_id]
        assert ids(assigned_workshop_ids(facilitator_user)) == [assignment.workshop_id]
        assert ids(assigned_initiative_ids(facilitator_user)) == [assignment.workshop.initiative_id]
        attended = attended_workshop_ids(participant_user, [Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED])
        assert ids(attended) == [accepted.workshop_id]

    def test_with_no_ties_the_organisation_still_sees_internal_records(self, cleared_staff):
        # The ties are used in positive ``__in`` tests only: having none must close nothing else.
        initiative = f.InitiativeFactory(level=Level.INTERNAL)
        assert visible(Initiative, cleared_staff, initiative)
        assert visible(Workshop, cleared_staff, f.WorkshopFactory(initiative=initiative))


def test_participants_risk_levels_are_the_shared_ones():
    assert Participant.RiskLevel is RiskLevel
    assert [(level.value, level.label) for level in RiskLevel] == [(1, "Low"), (2, "Medium"), (3, "High")]


def sql(rule):
    """The SQL of the participants a rule gives, to compare two rules."""
    return str(Participant.objects.filter(rule).query)


class TestInviteeRules:
    """``invitee_rule`` and ``invitee_identity_rule`` ask less of the invitees of a workshop the user has read
    (``seen_workshop``): they must give exactly what ``participant_rule`` and ``identity_rule`` give, for
    every role, clearance, tie and level of the invitees, of the workshop and of its initiative."""

    ROLES = [Role.ADMIN, Role.STAFF, Role.FACILITATOR, Role.PARTICIPANT, Role.OBSERVER]
    TIES = ["team", "assigned", "team elsewhere", "none"]

    def people(self, user, workshop, seen):
        """The invitees the user sees, each with whether they see the identity: by the rules, then by the
        invitee rules (``seen``: the workshop as read for the user, or not), then through the invitations."""
        by_rule = Participant.objects.visible_to(user).with_identity_for(user).filter(invitations__workshop=workshop)
        by_invitee_rules = Participant.objects.invitees_visible_to(user, seen)
        through_invitations = Invitation.objects.filter(workshop=workshop).filter(
            invitee_rule(user, seen, Invitation, prefix="participant__")
        )
        return (
            {person.pk: person.identity_visible_to_viewer for person in by_rule},
            {person.pk: person.identity_visible_to_viewer for person in by_invitee_rules},
            set(through_invitations.values_list("participant_id", flat=True)),
        )

    @pytest.mark.parametrize(
        ("initiative_level", "workshop_level"),
        [
            (Level.PUBLIC, Level.PUBLIC),
            (Level.INTERNAL, Level.CONFIDENTIAL),
            (Level.CONFIDENTIAL, Level.CONFIDENTIAL),
            (Level.INTERNAL, Level.STRICTLY_CONFIDENTIAL),
        ],
    )
    def test_they_give_what_the_rules_give(self, make_user, initiative_level, workshop_level):
        workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=initiative_level), level=workshop_level)
        elsewhere = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
        for level in LEVELS:
            for risk in (RiskLevel.LOW, RiskLevel.HIGH):
                person = f.ParticipantFactory(level=level, risk_level=risk)
                f.InvitationFactory(workshop=workshop, participant=person)
                if risk == RiskLevel.HIGH:  # a high-risk name may also open through another workshop
                    f.InvitationFactory(workshop=elsewhere, participant=person)
        users = []
        for role in self.ROLES:
            for clearance in LEVELS:
                for tie in self.TIES:
                    user = make_user(role, clearance)
                    if tie == "team":
                        f.TeamMembershipFactory(initiative=workshop.initiative, user=user)
                    elif tie == "assigned":
                        f.AssignmentFactory(workshop=workshop, facilitator=f.FacilitatorFactory(user=user))
                    elif tie == "team elsewhere":
                        f.TeamMembershipFactory(initiative=elsewhere.initiative, user=user)
                    if role == Role.PARTICIPANT:  # their own record, above their clearance
                        own = f.ParticipantFactory(user=user, level=Level.STRICTLY_CONFIDENTIAL, risk_level=3)
                        f.InvitationFactory(workshop=workshop, participant=own)
                    users.append(user)
        seeing = 0
        for user in users:
            read = Workshop.objects.visible_to(user).annotate(staffed=staffed_flag(user)).filter(pk=workshop.pk)
            seen = read.first()
            if seen is None:
                continue
            seeing += 1
            by_rule, by_invitee_rules, through_invitations = self.people(user, workshop, seen_workshop(seen, user))
            assert by_invitee_rules == by_rule, (user.role, user.clearance)
            assert through_invitations == set(by_rule), (user.role, user.clearance)
            assert may_start_report(user, seen) == may_start_report(user, workshop), (user.role, user.clearance)
        assert seeing >= 5  # not a vacuous comparison

    def test_a_workshop_not_read_for_the_user_is_asked_by_the_rules_themselves(self, make_user):
        workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL))
        person = f.ParticipantFactory(level=Level.CONFIDENTIAL, risk_level=RiskLevel.HIGH, codename="KESTREL")
        f.InvitationFactory(workshop=workshop, participant=person)
        lead, outsider = make_user(Role.STAFF, Level.CONFIDENTIAL), make_user(Role.STAFF, Level.CONFIDENTIAL)
        f.TeamMembershipFactory(initiative=workshop.initiative, user=lead)
        read_for_lead = seen_workshop(Workshop.objects.annotate(staffed=staffed_flag(lead)).get(pk=workshop.pk), lead)
        assert read_for_lead.seen.staffed
        assert sql(invitee_rule(lead, read_for_lead, Participant)) != sql(participant_rule(lead, Participant))
        # Read for the lead, it opens nothing to another user: their rules decide, and hide the person.
        assert sql(invitee_rule(outsider, read_for_lead, Participant)) == sql(participant_rule(outsider, Participant))
        assert not Participant.objects.invitees_visible_to(outsider, read_for_lead).exists()
        # Never read through ``seen_workshop``: the rules themselves.
        assert sql(invitee_rule(lead, workshop, Participant)) == sql(participant_rule(lead, Participant))
        assert sql(invitee_identity_rule(lead, workshop, Participant)) == sql(identity_rule(lead, Participant))
        assert Participant.objects.invitees_visible_to(lead, workshop).get().identity_visible_to_viewer
