"""``core.prepared``: the queries compiled once are prepared once per connection, then executed; what cannot
be prepared runs as it is, and a refusal never costs the caller's transaction."""

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from core import prepared
from core.levels import Level, Role
from core.prepared import prepared_sql, sql_run, statement
from core.rule_queries import RuleQuery, TextStandIn, like_contains
from core.visibility import ties_read_once
from dialogues import selectors
from dialogues.models import Workshop

from . import factories as f

pytestmark = pytest.mark.django_db


def executed(queries):
    return [query["sql"] for query in queries.captured_queries]


def read_workshop(user, pk):
    with ties_read_once():
        return selectors.workshop_get_for(user, pk)


def prepared_on_connection():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'parley%%'")
        return {name for (name,) in cursor.fetchall()}


def test_the_workshop_page_queries_are_prepared_on_first_use_then_only_executed(make_user):
    staff = make_user(Role.STAFF, Level.INTERNAL)
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
    f.AgendaSessionFactory(workshop=workshop)

    with CaptureQueriesContext(connection) as first:
        shown = read_workshop(staff, workshop.pk)
    with CaptureQueriesContext(connection) as again:
        shown_again = read_workshop(staff, workshop.pk)

    # The ties, the workshop, its agenda, facilitators and documents: five statements, the same at each call,
    # each prepared on the connection (apart from the queries a page counts) and then executed.
    runs = executed(again)
    assert len(runs) == 5 and all(sql.startswith("EXECUTE parley_") for sql in runs)
    assert executed(first) == runs
    assert {sql.split("(")[0].removeprefix("EXECUTE ") for sql in runs} <= prepared_on_connection()
    assert "dialogues_workshop" in sql_run(runs[1])  # the statement's SQL, for whoever reads the log
    assert shown == shown_again == workshop and [s.pk for s in shown_again.agenda] == [s.pk for s in shown.agenda]
    assert len(shown.agenda) == 1


def test_a_statement_prepared_already_on_the_connection_is_used(make_user):
    staff = make_user(Role.STAFF, Level.INTERNAL)
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
    read_workshop(staff, workshop.pk)
    connections["default"].__dict__["prepared_statements"] = set()  # forgotten here, not by PostgreSQL

    assert read_workshop(staff, workshop.pk) == workshop
    assert connections["default"].__dict__["prepared_statements"]


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_its_statements_again(make_user):
    staff = make_user(Role.STAFF, Level.INTERNAL)
    workshop = f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL))
    read_workshop(staff, workshop.pk)
    connection.close()

    assert read_workshop(staff, workshop.pk) == workshop  # outside a transaction: no savepoint
    assert len(prepared_on_connection()) >= 5


def test_a_statement_postgresql_refuses_runs_as_it_is_and_the_transaction_goes_on():
    # Declared ``text``, the parameter cannot be added to a number; as it is, PostgreSQL reads it as one.
    sql = "SELECT %s + 1"
    with transaction.atomic():
        assert prepared_sql(connection, sql, ["41"], ["41"]) == sql
        with connection.cursor() as cursor:
            cursor.execute(sql, ["41"])
            assert cursor.fetchone()[0] == 42
        assert Workshop.objects.count() == 0  # the transaction was not aborted by the refusal
    assert prepared_sql(connection, sql, ["1"], ["1"]) == sql  # refused once, never tried again


def test_parameters_of_types_not_declared_run_as_they_are():
    assert prepared_sql(connection, "SELECT %s", [None], [None]) == "SELECT %s"
    assert prepared_sql(connection, "SELECT %s", [1.5], [1.5]) == "SELECT %s"


def test_an_id_beyond_bigint_runs_unprepared_and_finds_nothing(client, make_user):
    client.force_login(make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True))
    f.WorkshopFactory()

    assert client.get("/workshops/99999999999999999999999/").status_code == 404
    assert client.get(f"/workshops/{2**63}/").status_code == 404
    assert client.get(f"/workshops/{2**63 - 1}/").status_code == 404


def test_the_statement_numbers_its_parameters_and_keeps_a_literal_percent():
    name, prepare = statement("SELECT '%%' || %s, %s = ANY(%s)", ["a", 1, [2, 3]])
    assert prepare == f"PREPARE {name} (text, bigint, bigint[]) AS SELECT '%' || $1, $2 = ANY($3)"
    assert statement("SELECT %s", [{"a": 1}]) is None


def test_a_query_of_a_searched_text_is_planned_for_each_text(make_user):
    searched = RuleQuery(
        lambda user, text: Workshop.objects.visible_to(user).filter(title__icontains=text),
        text=TextStandIn("standinworkshoptitle", like_contains),
    )
    RuleQuery.every.remove((searched, None))  # a query of this test only
    staff = make_user(Role.STAFF, Level.INTERNAL)
    f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), title="Water sharing")

    with ties_read_once(), CaptureQueriesContext(connection) as queries:
        found = list(searched.for_user(staff, text="water"))

    assert [workshop.title for workshop in found] == ["Water sharing"]
    assert not any(sql.startswith(("PREPARE", "EXECUTE")) and "LIKE" in sql_run(sql) for sql in executed(queries))
    assert any("LIKE" in sql for sql in executed(queries))


def test_the_prepared_sql_of_a_name_not_prepared_is_the_sql_itself():
    assert sql_run("EXECUTE parley_000000000000000000000000(1)") == "EXECUTE parley_000000000000000000000000(1)"
    assert sql_run("SELECT 1") == "SELECT 1"
    assert isinstance(prepared.PREPARED_SQL, dict)


def test_prepared_statements_can_be_switched_off_for_a_pooler_in_transaction_mode(settings):
    settings.PREPARED_STATEMENTS = False
    assert prepared_sql(connection, "SELECT %s", [1], [1]) == "SELECT %s"
