"""``core.rule_queries``: a query with the rules in it, compiled once per shape of user, runs for each user
exactly the SQL and parameters that a fresh build for that user gives, and the same rows."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import dashboard.selectors  # noqa: F401  (every selector module with a RuleQuery is imported)
import facilitators.action_items  # noqa: F401
import facilitators.selectors  # noqa: F401
import participants.selectors  # noqa: F401
from core import rule_queries
from core.levels import Level, Role
from core.rule_queries import EARLIER_STAND_IN_TIME, LATER_STAND_IN_TIME, STAND_IN_TIME, RuleQuery, TextStandIn
from core.visibility import ties_read_once
from dialogues.models import Initiative, Invitation
from dialogues.selectors import initiatives_on_team_of
from participants.models import Participant, VettingCase

from . import factories as f

pytestmark = pytest.mark.django_db

OPERATIONS = (None, ("slice", 2, 5), ("count", 4))


@pytest.fixture
def world(make_user):
    """Records at every level, and users of every role and clearance with each kind of tie (and none)."""
    now = timezone.now()
    workshops = []
    for level in (Level.INTERNAL, Level.CONFIDENTIAL, Level.STRICTLY_CONFIDENTIAL):
        initiative = f.InitiativeFactory(level=level)
        for days in (-30, 10, 40):
            workshops.append(
                f.WorkshopFactory(
                    initiative=initiative,
                    level=level,
                    starts_at=now + dt.timedelta(days=days),
                    ends_at=now + dt.timedelta(days=days, hours=6),
                )
            )
    people = [
        f.ParticipantFactory(level=level, risk_level=risk)
        for level in (Level.INTERNAL, Level.CONFIDENTIAL, Level.STRICTLY_CONFIDENTIAL)
        for risk in (Participant.RiskLevel.LOW, Participant.RiskLevel.HIGH)
    ]
    for number, person in enumerate(people):
        workshop = workshops[number % len(workshops)]
        f.InvitationFactory(participant=person, workshop=workshop, status=Invitation.Status.SENT)
        if number % 2:
            f.VettingCaseFactory(participant=person, status=VettingCase.Status.IN_REVIEW)
        else:
            f.VettingCaseFactory(
                participant=person,
                status=VettingCase.Status.APPROVED,
                decided_at=now - dt.timedelta(days=300),
                expires_at=now + dt.timedelta(days=number + 1),
            )
        f.SanctionsHitFactory(participant=person)
    users = []
    for role in (Role.ADMIN, Role.STAFF, Role.FACILITATOR, Role.PARTICIPANT, Role.OBSERVER):
        for clearance in (Level.INTERNAL, Level.STRICTLY_CONFIDENTIAL):
            every_tie = ("none", "team", "assigned", "invited", "every", "every again")
            for ties in every_tie if role in (Role.ADMIN, Role.STAFF, Role.FACILITATOR) else every_tie[::3]:
                user = make_user(role, clearance, is_staff=role == Role.ADMIN)
                tie_to = workshops[len(users) % len(workshops)]
                if ties in ("team", "every", "every again"):
                    f.TeamMembershipFactory(initiative=tie_to.initiative, user=user)
                if ties in ("assigned", "every", "every again"):
                    f.AssignmentFactory(workshop=tie_to, facilitator=f.FacilitatorFactory(user=user))
                if ties in ("invited", "every", "every again"):
                    own = f.ParticipantFactory(user=user, level=Level.INTERNAL)
                    f.InvitationFactory(participant=own, workshop=tie_to, status=Invitation.Status.ACCEPTED)
                    other = workshops[-1] if tie_to != workshops[-1] else workshops[0]
                    f.InvitationFactory(participant=own, workshop=other, status=Invitation.Status.SENT)
                    f.DocumentFactory(workshop=tie_to, audience="attendees")
                held = f.WorkshopFactory(initiative=tie_to.initiative, level=tie_to.level)  # one report each
                report = f.OutcomeReportFactory(workshop=held, author=user)
                f.ActionItemFactory(report=report, owner=user)
                users.append(user)
    inactive = make_user(Role.STAFF, Level.STRICTLY_CONFIDENTIAL, is_active=False)
    f.TeamMembershipFactory(initiative=workshops[0].initiative, user=inactive)
    return users + [inactive], people, now


def values_for(query, people, now):
    """A value for each stand-in of ``query``: real ids, and times around ``now`` in the stand-ins' order."""
    times = {
        EARLIER_STAND_IN_TIME: now - dt.timedelta(days=90),
        STAND_IN_TIME: now,
        LATER_STAND_IN_TIME: now + dt.timedelta(days=60),
    }
    values = {}
    for name, stand_in in query.stand_ins.items():
        if isinstance(stand_in, TextStandIn):
            values[name] = "person"
        elif isinstance(stand_in, list):
            values[name] = [person.pk for person in people]
        elif isinstance(stand_in, dt.datetime):
            values[name] = times[stand_in]
        elif name in ("workshop", "pk"):  # a workshop with invitees, agenda, reports …
            values[name] = Invitation.objects.filter(participant=people[0]).values_list("workshop", flat=True)[0]
        else:
            values[name] = people[0].pk
    return values


def seen(rows):
    """What a caller gets of each row: a tuple or dict as it is, a record as its fields, annotations and related
    records."""
    shown = []
    for row in rows:
        if isinstance(row, tuple | dict):
            shown.append(row)
            continue
        fields = {name: value for name, value in vars(row).items() if not name.startswith("_")}
        related = {name: getattr(value, "pk", value) for name, value in row._state.fields_cache.items()}
        shown.append((type(row), row.pk, sorted(fields.items(), key=str), sorted(related.items())))
    return shown


def test_every_rule_query_runs_for_each_user_what_a_fresh_build_gives(world):
    users, people, now = world
    assert len(RuleQuery.every) >= 12
    compiled_before = {id(query): len(query._compiled) for query, _key in RuleQuery.every}
    shapes = set()
    checked = 0
    for user in users:
        with ties_read_once():
            for query, key in RuleQuery.every:
                rows = query.for_user(user, key, **values_for(query, people, now))
                fresh = query.queryset(user, key, rows.values)
                sliced = fresh.query.is_sliced  # a page's ids: read whole, never sliced or counted again
                for operation in OPERATIONS[:1] if sliced else OPERATIONS:
                    expected = rows.fresh_sql_with_params(operation)
                    assert rows.sql_with_params(operation) == expected, (query.build, user.role, user.clearance)
                    checked += 1
                # The rows themselves, as the caller reads them, with its records' annotations and relations.
                assert seen(rows) == seen(fresh)
                if not sliced:
                    assert seen(rows[2:5]) == seen(fresh[2:5])
                    assert rows.count_up_to(5) == len(fresh[:5])
        shapes.add(rule_queries.shape_of(user, rule_queries.visibility._read_ties(user.pk)))
    sliced_queries = 1  # the ids of a page of the list: read whole only
    assert checked == len(users) * ((len(RuleQuery.every) - sliced_queries) * len(OPERATIONS) + sliced_queries)
    # Users of one shape share a compiled query: "every" and "every again" give no new one.
    assert len(shapes) < len(users)
    for query, _key in RuleQuery.every:
        assert len(query._compiled) - compiled_before[id(query)] <= len(shapes) * (len(OPERATIONS) + 1)


@pytest.mark.parametrize(
    "text", ["ziad", "Ziad Haddad", "50%_off", "back\\slash", "o'brien", "Дмитрий", "زياد", "a b c d e f g h i j"]
)
@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
def test_a_search_runs_for_any_text_what_a_fresh_build_gives(make_user, role, text):
    user = make_user(role, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), user=user)
    f.ParticipantFactory(full_name="Ziad Haddad", codename="ZIAD-50%_off")
    search = participants.selectors._SEARCH
    with ties_read_once():
        for misspelt in (False, True):
            rows = search.for_user(user, misspelt, text=text)
            operation = ("slice", None, 1001)
            assert rows.sql_with_params(operation) == rows.fresh_sql_with_params(operation)
            assert seen(rows) == seen(search.queryset(user, misspelt, {"text": text}))


def test_a_stand_in_text_in_a_form_not_given_is_refused(make_user):
    user = make_user(Role.STAFF, Level.INTERNAL)
    text = TextStandIn("qqstandinqq", rule_queries.as_it_is)
    startswith = refused(
        lambda user, text: Initiative.objects.visible_to(user).filter(title__istartswith=text), text=text
    )
    with ties_read_once(), pytest.raises(ImproperlyConfigured, match="stand-in text in a form not given"):
        list(startswith.for_user(user, text="Dialogue"))


def test_two_users_of_one_shape_each_see_their_own_team(make_user):
    first, second = make_user(Role.STAFF, Level.INTERNAL), make_user(Role.STAFF, Level.INTERNAL)
    mine, theirs = f.InitiativeFactory(level=Level.INTERNAL), f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=mine, user=first)
    f.TeamMembershipFactory(initiative=theirs, user=second)
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=hidden, user=second)  # above their clearance: still hidden
    with ties_read_once():
        assert [initiative.pk for initiative in initiatives_on_team_of(first)[0]] == [mine.pk]
        assert [initiative.pk for initiative in initiatives_on_team_of(second)[0]] == [theirs.pk]


def test_a_tie_written_in_the_request_changes_the_shape_at_once(make_user):
    user = make_user(Role.STAFF, Level.INTERNAL)
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)  # above the clearance: the team opens it
    with ties_read_once():
        assert initiatives_on_team_of(user)[0] == []
        user.clearance = Level.CONFIDENTIAL
        f.TeamMembershipFactory(initiative=initiative, user=user)
        assert [found.pk for found in initiatives_on_team_of(user)[0]] == [initiative.pk]


def test_a_call_runs_one_query_without_building_the_rules_again(make_user):
    user = make_user(Role.STAFF, Level.INTERNAL)
    f.TeamMembershipFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), user=user)
    with ties_read_once():
        initiatives_on_team_of(user)  # the ties read, the shape compiled
        with CaptureQueriesContext(connection) as queries:
            initiatives_on_team_of(user)
    assert len(queries) == 1
    assert str(rule_queries.STAND_IN_USER) not in queries[0]["sql"]
    assert str(user.pk) in queries[0]["sql"]


def test_outside_a_request_a_call_is_built_afresh(make_user):
    query = RuleQuery(lambda user: Initiative.objects.visible_to(user))
    RuleQuery.every.remove((query, None))
    user = make_user(Role.STAFF, Level.INTERNAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    assert [found.pk for found in query.for_user(user)] == [initiative.pk]
    assert query._compiled == {}


def refused(build, **stand_ins):
    query = RuleQuery(build, **stand_ins)
    RuleQuery.every.remove((query, None))
    return query


def test_what_cannot_be_compiled_once_is_refused(make_user):
    user = make_user(Role.STAFF, Level.INTERNAL)
    visible = Initiative.objects.visible_to
    with ties_read_once():
        frozen_now = refused(lambda user: visible(user).filter(created_at__lte=timezone.now()))
        with pytest.raises(ImproperlyConfigured, match="time that is no stand-in"):
            list(frozen_now.for_user(user))
        unused = refused(lambda user, pk: visible(user), pk=-5)
        with pytest.raises(ImproperlyConfigured, match="Stand-ins not found"):
            list(unused.for_user(user, pk=1))
        marker = rule_queries.KIND_MARKERS["team_initiatives"]
        mixed = refused(lambda user: visible(user).filter(pk__in_array=[marker, 5]))
        with pytest.raises(ImproperlyConfigured, match="Markers of ties beside other ids"):
            list(mixed.for_user(user))
    needs_pk = refused(lambda user, pk: visible(user).filter(pk=pk), pk=-5)
    with pytest.raises(TypeError):
        needs_pk.for_user(user)
    with pytest.raises(TypeError):
        needs_pk.for_user(user, "a key", pk=1)
    with pytest.raises(TypeError):
        needs_pk.for_user(user, pk=1)[-1:]


def test_in_array_matches_the_ids_given_and_none_for_no_ids():
    first, second, _third = f.InitiativeFactory(), f.InitiativeFactory(), f.InitiativeFactory()
    assert set(Initiative.objects.filter(pk__in_array=[first.pk, second.pk])) == {first, second}
    assert list(Initiative.objects.filter(pk__in_array=[])) == []
