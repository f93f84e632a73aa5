"""What a page reads is bounded by what it shows, never by the tables (issue 13).

The dashboard shows the first rows of each list and counts them only up to a bound; an observer turns
pages; the visibility rules ask the database questions it can answer for the few rows a page shows.
Timing tests are flaky: these count rows rendered, rows read and the shape of the rules instead.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.levels import Level, Role
from core.pagination import counted_list, first_rows, page_of
from core.prepared import sql_run
from core.visibility import ties_read_once
from dialogues.models import Document, Initiative, Invitation, TeamMembership
from participants.models import Participant, VettingCase

from . import factories as f

pytestmark = pytest.mark.django_db


def dashboard(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("dashboard:home"), query)
    assert response.status_code == 200
    return response


# --- The helpers ---------------------------------------------------------------------------------------


def test_a_counted_list_stops_counting_past_its_bound():
    f.InitiativeFactory.create_batch(5)
    listed = counted_list(Initiative.objects.order_by("pk"), size=2, bound=3)
    assert (listed["count"], listed["bounded"], listed["count_shown"]) == (4, True, "3+")
    assert len(listed["items"]) == 2


def test_a_counted_list_within_its_bound_is_exact():
    f.InitiativeFactory.create_batch(3)
    listed = counted_list(Initiative.objects.order_by("pk"), size=2, bound=3)
    assert (listed["count"], listed["bounded"], listed["count_shown"]) == (3, False, "3")


def test_the_bounded_count_reads_no_more_rows_than_the_bound():
    f.InitiativeFactory.create_batch(5)
    with CaptureQueriesContext(connection) as queries:
        counted_list(Initiative.objects.order_by("pk"), size=2, bound=3)
    assert "LIMIT 4" in queries[0]["sql"]


def test_first_rows_say_whether_there_are_more():
    f.InitiativeFactory.create_batch(3)
    initiatives = Initiative.objects.order_by("pk")
    assert first_rows(initiatives, 2) == (list(initiatives[:2]), True)
    assert first_rows(initiatives, 3) == (list(initiatives), False)


def test_a_page_without_a_count_knows_its_neighbours():
    f.InitiativeFactory.create_batch(5)
    initiatives = Initiative.objects.order_by("pk")
    second = page_of(initiatives, "2", 2)
    assert second.object_list == list(initiatives[2:4])
    assert (second.has_previous(), second.has_next(), second.number) == (True, True, 2)
    last = page_of(initiatives, 3, 2)
    assert last.object_list == list(initiatives[4:]) and not last.has_next()
    assert page_of(initiatives, "nonsense", 2).number == 1


# --- The dashboard of each role ---------------------------------------------------------------------------


def test_the_vetting_queue_says_more_than_a_hundred_rather_than_count_them_all(client, admin_user):
    organisation = f.OrganizationFactory()
    for person in f.ParticipantFactory.create_batch(101, organization=organisation):
        f.VettingCaseFactory(participant=person, status=VettingCase.Status.PENDING)
    response = dashboard(client, admin_user)
    queue = response.context["vetting_queue"]
    assert queue["bounded"] and len(queue["items"]) == 10
    page = response.content.decode()
    assert "100+" in page and "More than 100 in all." in page


def test_a_lead_on_many_teams_sees_ten_initiatives_and_the_way_to_the_rest(client, make_user):
    lead = make_user(Role.STAFF, Level.CONFIDENTIAL)
    for initiative in f.InitiativeFactory.create_batch(12, level=Level.CONFIDENTIAL):
        f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    response = dashboard(client, lead)
    assert len(response.context["my_initiatives"]) == 10
    assert response.context["more_initiatives"] is True
    page = response.content.decode()
    assert page.count('class="codename small"') == 10  # one per initiative row
    assert reverse("dialogues:initiative-list") in page


def test_a_lead_on_few_teams_is_told_of_no_more(client, make_user):
    lead = make_user(Role.STAFF, Level.CONFIDENTIAL)
    f.TeamMembershipFactory(initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL), user=lead)
    response = dashboard(client, lead)
    assert len(response.context["my_initiatives"]) == 1 and response.context["more_initiatives"] is False
    assert "You are on more teams" not in response.content.decode()


def test_a_busy_facilitator_sees_ten_upcoming_and_ten_recent_workshops(client, facilitator_user):
    now = timezone.now()
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    for days in range(1, 13):
        for start in (now + dt.timedelta(days=days), now - dt.timedelta(days=days + 3)):
            workshop = f.WorkshopFactory(initiative=initiative, starts_at=start, ends_at=start + dt.timedelta(days=1))
            f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    upcoming, recent = dashboard(client, facilitator_user).context["assigned_groups"]
    assert len(upcoming["workshops"]) == 10 and upcoming["more"]
    assert len(recent["workshops"]) == 10 and recent["more"]
    assert [w.starts_at for w in upcoming["workshops"]] == sorted(w.starts_at for w in upcoming["workshops"])
    assert upcoming["workshops"][0].starts_at.date() == (now + dt.timedelta(days=1)).date()
    assert recent["workshops"][0].starts_at.date() == (now - dt.timedelta(days=4)).date()  # the latest first


def test_the_facilitator_groups_link_to_the_whole_lists(client, facilitator_user):
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    for workshop in f.WorkshopFactory.create_batch(11, initiative=initiative):
        f.AssignmentFactory(workshop=workshop, facilitator=facilitator_user.facilitator)
    page = dashboard(client, facilitator_user).content.decode()
    assert f"{reverse('dialogues:workshop-list')}?when=upcoming" in page
    assert "?when=past" not in page  # nothing held recently: no link


def test_a_participant_sees_their_latest_invitations_and_documents(client, participant_user):
    me = f.ParticipantFactory(user=participant_user, level=Level.INTERNAL)
    now = timezone.now()
    for days in range(22):
        workshop = f.WorkshopFactory(
            initiative=f.InitiativeFactory(level=Level.CONFIDENTIAL), starts_at=now + dt.timedelta(days=days + 1)
        )
        f.InvitationFactory(workshop=workshop, participant=me, status=Invitation.Status.ACCEPTED)
        f.DocumentFactory(workshop=workshop, audience=Document.Audience.ATTENDEES, level=Level.CONFIDENTIAL)
    response = dashboard(client, participant_user)
    invitations, documents = response.context["my_invitations"], response.context["my_documents"]
    assert len(invitations) == 20 and response.context["more_invitations"] is True
    assert len(documents) == 20 and response.context["more_documents"] is True
    assert invitations[0].workshop.starts_at == max(i.workshop.starts_at for i in invitations)
    assert documents[0].workshop == invitations[0].workshop


def test_a_participant_sees_only_documents_of_workshops_they_attend(client, participant_user):
    me = f.ParticipantFactory(user=participant_user, level=Level.INTERNAL)
    attended = f.InvitationFactory(participant=me, status=Invitation.Status.ACCEPTED).workshop
    declined = f.InvitationFactory(participant=me, status=Invitation.Status.DECLINED).workshop
    mine = f.DocumentFactory(workshop=attended, audience=Document.Audience.ATTENDEES, level=Level.INTERNAL)
    f.DocumentFactory(workshop=declined, audience=Document.Audience.ATTENDEES, level=Level.INTERNAL)
    assert dashboard(client, participant_user).context["my_documents"] == [mine]


def test_an_observer_turns_pages_of_the_initiatives_they_observe(client, observer):
    for initiative in f.InitiativeFactory.create_batch(12, level=Level.CONFIDENTIAL):
        initiative.observers.add(observer)
    first = dashboard(client, observer)
    assert len(first.context["observed"]) == 10 and first.context["observed_page"].has_next()
    assert "?page=2" in first.content.decode()
    second = dashboard(client, observer, page=2)
    assert len(second.context["observed"]) == 2 and not second.context["observed_page"].has_next()
    shown = [row["initiative"].codename for row in first.context["observed"] + second.context["observed"]]
    assert sorted(shown) == sorted(Initiative.objects.values_list("codename", flat=True))


def test_an_observer_page_reads_the_same_queries_as_one_page(client, observer, django_assert_num_queries):
    for initiative in f.InitiativeFactory.create_batch(12, level=Level.CONFIDENTIAL):
        initiative.observers.add(observer)
    client.force_login(observer)
    client.get(reverse("dashboard:home"))
    with django_assert_num_queries(6):
        client.get(reverse("dashboard:home"), {"page": 2})


# --- The shape of the rules -------------------------------------------------------------------------------


def test_an_admin_sees_participants_without_asking_which_workshops_they_are_invited_to(admin_user):
    # Admins see everyone they are cleared for: reading every invitation to find that out made the
    # admin's dashboard take seconds at 100,000 participants.
    sql = str(Participant.objects.visible_to(admin_user).query)
    assert "dialogues_invitation" not in sql


def test_the_invitation_grant_is_asked_of_each_participant_not_of_all_invitations(cleared_staff):
    # A correlated EXISTS: PostgreSQL may then look up the invitations of the few participants a page
    # shows by index, where an IN list made it hash every invitation to every workshop the user sees.
    sql = str(Participant.objects.visible_to(cleared_staff).query)
    assert 'EXISTS(SELECT 1 AS "a" FROM "dialogues_invitation"' in sql
    assert '"participants_participant"."id" IN (SELECT' not in sql


def test_outside_a_request_the_user_s_ties_are_asked_by_their_id_without_joining_their_account(cleared_staff):
    # A task, a command: the team and assignment ties are a subquery of the table that holds them, by the
    # user's id, read when the query runs (a write since the query was built is seen).
    from dialogues.models import Workshop

    sql = str(Workshop.objects.visible_to(cleared_staff).query)
    table = '"dialogues_teammembership"'
    assert (
        f'SELECT {table}."initiative_id" AS "initiative_id" FROM {table} WHERE {table}."user_id" = {cleared_staff.pk}'
        in sql
    )
    assert 'FROM "facilitators_assignment"' in sql
    assert "accounts_user" not in sql


def test_in_a_request_the_ties_are_read_once_and_every_rule_compares_with_their_ids(cleared_staff):
    # Each rule a page asks (often a dozen) compares with the ids of the viewer's ties, read in one query
    # for the whole request: no subquery of the tie tables for PostgreSQL to plan in each query.
    from dialogues.models import Workshop
    from facilitators.models import OutcomeReport

    membership = f.TeamMembershipFactory(user=cleared_staff)
    with ties_read_once(), CaptureQueriesContext(connection) as queries:
        workshops = list(Workshop.objects.visible_to(cleared_staff))
        list(Initiative.objects.visible_to(cleared_staff))
        list(OutcomeReport.objects.visible_to(cleared_staff))
        list(Participant.objects.visible_to(cleared_staff).with_identity_for(cleared_staff))
    sqls = [sql_run(query["sql"]) for query in queries.captured_queries]  # the ties' query is prepared
    assert len(sqls) == 5 and "tie_kind" in sqls[0], sqls  # the ties, then the four lists
    for sql in sqls[1:]:
        assert "dialogues_teammembership" not in sql and "facilitators_assignment" not in sql, sql
    assert f'"dialogues_workshop"."initiative_id" = ANY(ARRAY[{membership.initiative_id}])' in sqls[1]
    assert workshops == []  # the initiative has no workshops: the rule held


def test_a_tie_the_user_does_not_have_drops_its_condition(cleared_staff):
    # On no team and assigned nowhere: no comparison with an empty list is left for PostgreSQL.
    from dialogues.models import Workshop

    with ties_read_once():
        sql = str(Workshop.objects.visible_to(cleared_staff).query)
    assert "ANY(" not in sql
    assert '"dialogues_workshop"."level" <= 20' in sql  # only the organisation's INTERNAL opening is left


def test_a_write_to_the_ties_in_a_request_is_seen_by_the_rules_after_it(make_user):
    # Whatever writes a tie (a save, a queryset's update or delete, a bulk insert), the ties read before it
    # are forgotten: a page rendered after the write applies the rule to what is true now.
    lead = make_user(Role.STAFF, Level.CONFIDENTIAL)
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL)
    with ties_read_once():
        assert not Initiative.objects.visible_to(lead).exists()
        membership = f.TeamMembershipFactory(initiative=initiative, user=lead)
        assert list(Initiative.objects.visible_to(lead)) == [initiative]
        TeamMembership.objects.filter(pk=membership.pk).update(user=make_user(Role.STAFF, Level.CONFIDENTIAL))
        assert not Initiative.objects.visible_to(lead).exists()
        TeamMembership.objects.bulk_create([TeamMembership(initiative=initiative, user=lead)])
        assert Initiative.objects.visible_to(lead).exists()
        TeamMembership.objects.filter(user=lead).delete()
        assert not Initiative.objects.visible_to(lead).exists()


def test_an_invitation_s_new_status_is_seen_by_the_invitee_s_rules_in_the_same_request(participant_user):
    workshop = f.WorkshopFactory(level=Level.INTERNAL, initiative=f.InitiativeFactory(level=Level.INTERNAL))
    document = f.DocumentFactory(workshop=workshop, audience=Document.Audience.ATTENDEES, level=Level.INTERNAL)
    person = f.ParticipantFactory(user=participant_user)
    invitation = f.InvitationFactory(workshop=workshop, participant=person, status=Invitation.Status.SENT)
    with ties_read_once():
        assert not Document.objects.visible_to(participant_user).filter(pk=document.pk).exists()
        Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.ACCEPTED)
        assert Document.objects.visible_to(participant_user).filter(pk=document.pk).exists()


def test_an_owner_s_own_record_is_looked_up_not_joined(participant_user):
    # Joining the participant table to find the one record of the viewer read all of it on every
    # dashboard and every list of invitations or action items.
    from facilitators.models import ActionItem

    for queryset in (Invitation.objects.visible_to(participant_user), ActionItem.objects.visible_to(participant_user)):
        sql = str(queryset.query)
        assert 'JOIN "participants_participant"' not in sql, sql


def test_postgresql_compiles_no_query_just_in_time(db):
    """JIT starts on a query's estimated cost and spends far longer compiling than Parley's queries run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


# --- List pages count up to a bound, then page on without a last page ------------------------------


@pytest.mark.django_db
def test_a_list_counts_up_to_the_bound_then_pages_on(client, staff, settings, django_assert_num_queries):
    settings.PARLEY_PAGE_SIZE, settings.PARLEY_COUNT_BOUND = 5, 12
    for number in range(20):
        f.OrganizationFactory(name=f"Forum {number:02d}")
    client.force_login(staff)
    url = reverse("participants:organization-list")
    first = client.get(url)
    assert "More than 12 organisations" in first.content.decode()
    assert first.context["page_obj"].paginator.num_pages is None
    assert "Page 1</span>" in first.content.decode()
    last = client.get(url, {"page": 4})  # rows 16-20: past the bound, still reached page by page
    assert [o.name for o in last.context["page_obj"].object_list] == [f"Forum {n}" for n in range(15, 20)]
    assert not last.context["page_obj"].has_next() and last.context["page_obj"].has_previous()
    beyond = client.get(url, {"page": "9" * 40})
    assert beyond.status_code == 200 and list(beyond.context["page_obj"].object_list) == []


@pytest.mark.django_db
def test_a_list_within_the_bound_counts_exactly_and_clamps_the_page(client, staff, settings):
    settings.PARLEY_PAGE_SIZE, settings.PARLEY_COUNT_BOUND = 5, 100
    for number in range(12):
        f.OrganizationFactory(name=f"Forum {number:02d}")
    client.force_login(staff)
    response = client.get(reverse("participants:organization-list"), {"page": "77"})
    page = response.context["page_obj"]
    assert (page.paginator.count, page.paginator.num_pages, page.number) == (12, 3, 3)
    assert "12 organisations" in response.content.decode() and "Page 3 of 3" in response.content.decode()
    assert client.get(reverse("participants:organization-list"), {"page": "x"}).context["page_obj"].number == 1
