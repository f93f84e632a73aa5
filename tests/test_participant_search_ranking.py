"""Participant search ranks the best matches first, finds misspellings and words in any order, and never
finds or ranks a participant by what the viewer may not see; the list reads a page by index."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.urls import reverse

from core.levels import Level, Role
from core.pagination import Page
from participants import selectors, services
from participants.models import Participant
from participants.selectors import ParticipantPages, participant_list_for, participants_for

from . import factories as f

pytestmark = pytest.mark.django_db

HIGH = Participant.RiskLevel.HIGH


def found(user, text):
    return list(participant_list_for(user, search=text))


def names(rows):
    return [row.display_name for row in rows]


def person(full_name, **kwargs):
    return f.ParticipantFactory(full_name=full_name, **kwargs)


def masked(full_name, codename, **kwargs):
    """A high-risk participant: INTERNAL staff see the codename only."""
    return f.ParticipantFactory(full_name=full_name, codename=codename, risk_level=HIGH, **kwargs)


# --- Ranking -------------------------------------------------------------------------------------------


def test_the_whole_name_ranks_above_a_name_that_begins_with_it(staff):
    person("Ziad Haddadin")
    person("Ziad Haddad")
    assert names(found(staff, "ziad haddad")) == ["Ziad Haddad", "Ziad Haddadin"]


def test_a_name_that_begins_with_the_text_ranks_above_a_word_that_does_and_above_the_text_inside_a_word(staff):
    person("Nour Shaddad")  # the text inside a word
    person("Ziad Haddad")  # a word begins with it
    person("Haddad Karim")  # the name begins with it
    assert names(found(staff, "Hadd")) == ["Haddad Karim", "Ziad Haddad", "Nour Shaddad"]


def test_the_exact_codename_ranks_above_codenames_that_begin_with_it(staff):
    for codename in ("KITE-70", "KITE-7", "KITE-700"):
        masked(f"Person {codename}", codename)
    assert names(found(staff, "kite-7")) == ["KITE-7", "KITE-70", "KITE-700"]


def test_a_misspelt_name_is_found_below_the_names_that_hold_the_text(staff):
    person("Ziad Haddad")
    person("Rania Hadad")
    person("Omar Khoury")
    assert names(found(staff, "Hadad")) == ["Rania Hadad", "Ziad Haddad"]


def test_the_words_of_a_name_are_found_in_any_order(staff):
    person("Ziad Haddad")
    person("Ziad Khoury")
    assert names(found(staff, "haddad ziad")) == ["Ziad Haddad"]


def test_an_email_fragment_and_an_organisation_name_are_found(staff):
    by_mail = person("Layla Issa", email="layla.issa-17@radiohorizon.example")
    at_lakeside = person("Omar Khoury", organization=f.OrganizationFactory(name="Lakeside Institute"))
    assert found(staff, "issa-17@radio") == [by_mail]
    assert found(staff, "lakeside") == [at_lakeside]


def test_without_a_search_the_list_is_in_the_order_of_the_names_shown(staff):
    person("Zoe Adams")
    masked("Aaron Hidden", "MOTH-1")
    person("Karim Issa")
    assert names(participant_list_for(staff)) == ["Karim Issa", "MOTH-1", "Zoe Adams"]


def test_the_wildcards_of_like_in_the_text_are_plain_characters(staff):
    person("Rania 500")  # what "50%" and "5_0" would find as LIKE patterns
    person("Rania 50%")
    person("Rania 5_0")
    for text, meant in (("50%", "Rania 50%"), ("5_0", "Rania 5_0")):
        rows = found(staff, text)
        assert names(rows)[0] == meant, text
        assert all(row.search_rank < rows[0].search_rank for row in rows[1:]), text  # the others misspelt at best


# --- A bounded number of matches ranked ------------------------------------------------------------------------


def ranked_rows(user, text):
    """How many matches the search ranks: the rows of its ranked set, before a page is cut."""
    sql, params = participant_list_for(user, search=text)._ranked_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS ranked", params)  # noqa: S608 (compiled)
        return cursor.fetchone()[0]


def test_past_the_bound_some_of_the_matches_are_ranked_and_the_page_says_more_match(staff, settings):
    settings.PARLEY_COUNT_BOUND = 5
    for index in range(12):
        person(f"Ziad Haddad {index}")
    assert ranked_rows(staff, "Haddad") == 6  # one more than the bound: the page knows that more match
    rows = found(staff, "Haddad")
    assert len(rows) == 5 and all(row.full_name.startswith("Ziad Haddad") for row in rows)
    assert names(rows) == sorted(names(rows))  # ranked alike, then by name
    page_obj = Page(participant_list_for(staff, search="Haddad"), 1, 25, settings.PARLEY_COUNT_BOUND)
    assert (page_obj.more, page_obj.count, len(page_obj.object_list), page_obj.has_next()) == (True, 5, 5, False)


def test_up_to_the_bound_every_match_that_holds_the_text_is_ranked_above_any_misspelt_one(staff, settings):
    settings.PARLEY_COUNT_BOUND = 5
    exact = [person(f"Ziad Haddad {index}") for index in range(3)]
    for index in range(10):
        person(f"Rania Hadad {index}")  # misspelt: more than the bound
    rows = found(staff, "Haddad")
    assert rows[:3] == exact
    assert all(row.search_rank >= 1 for row in rows[:3]) and all(row.search_rank < 1 for row in rows[3:])


def test_past_the_bound_of_matches_that_hold_the_text_no_misspelt_one_is_looked_for(staff, settings):
    settings.PARLEY_COUNT_BOUND = 5
    for index in range(8):
        person(f"Ziad Haddad {index}")
    for index in range(3):
        person(f"Rania Hadad {index}")
    assert ranked_rows(staff, "Haddad") == 6
    assert all(row.search_rank >= 1 for row in found(staff, "Haddad"))


def test_what_a_search_ranks_does_not_grow_with_the_matches(staff, settings):
    settings.PARLEY_COUNT_BOUND = 5
    for size in (10, 40):
        while Participant.objects.count() < size:
            person(f"Ziad Haddad {Participant.objects.count()}")
            person(f"Rania Hadad {Participant.objects.count()}")
        # Each of the two reads no further than one more than the bound.
        assert ranked_rows(staff, "Haddad") <= 12 and ranked_rows(staff, "Hadad") <= 12, size
    assert ranked_rows(staff, "Haddad") == ranked_rows(staff, "Hadad") == 6  # 20 of each: the misspelt not read


def test_a_page_past_the_bound_is_empty_and_the_one_before_has_no_next(client, staff, settings):
    settings.PARLEY_COUNT_BOUND = 30
    f.ParticipantFactory.create_batch(40, organization=f.OrganizationFactory(name="Harbour Institute"))
    client.force_login(staff)
    url = reverse("participants:participant-list")
    first = client.get(url, {"q": "Harbour"})
    assert first.context["page_obj"].more and first.context["page_obj"].has_next()
    assert "30 of them are listed, best first" in first.content.decode()
    second = client.get(url, {"q": "Harbour", "page": "2"}).context["page_obj"]
    assert (len(second.object_list), second.has_next()) == (5, False)
    assert list(client.get(url, {"q": "Harbour", "page": "3"}).context["page_obj"].object_list) == []


# --- Confidentiality: a masked participant is found and ranked by the codename alone -------------------


def test_a_masked_participant_is_not_found_by_the_hidden_name_email_or_organisation(staff):
    masked(
        "Ziad Haddad",
        "HERON-1",
        email="ziad.haddad@radiohorizon.example",
        organization=f.OrganizationFactory(name="Radio Horizon"),
    )
    for text in ("Haddad", "Hadad", "haddad ziad", "ziad.haddad", "radiohorizon", "Radio Horizon"):
        assert found(staff, text) == [], text


def test_a_masked_participant_is_found_by_the_codename(staff):
    heron = masked("Ziad Haddad", "HERON-1")
    assert found(staff, "heron") == [heron]
    assert found(staff, "HERONN-1") == [heron]  # misspelt


def test_who_may_see_the_name_finds_the_participant_by_it(admin_user):
    heron = masked("Ziad Haddad", "HERON-1")
    assert found(admin_user, "Haddad") == [heron]


def wrens():
    """Two masked participants whose codenames match "wren" alike; the hidden name of one is "Wren" itself."""
    return masked("Omar Khoury", "WREN-1"), masked("Wren", "WREN-2")


def test_a_hidden_name_that_matches_does_not_move_a_masked_participant_up(staff):
    first, second = wrens()
    rows = found(staff, "wren")
    assert rows == [first, second]  # by codename; the hidden exact match "Wren" would put WREN-2 first
    assert rows[0].search_rank == rows[1].search_rank


def test_the_rank_of_a_masked_participant_is_that_of_the_codename_alone(staff):
    wrens()
    by_codename_only = {row.pk: row.search_rank for row in found(staff, "wren")}
    Participant.objects.update(full_name="Nobody Matching", email="")
    assert {row.pk: row.search_rank for row in found(staff, "wren")} == by_codename_only


def test_who_may_see_the_name_has_the_exact_name_ranked_first(admin_user):
    first, second = wrens()  # the test above would fail if the hidden name counted
    assert found(admin_user, "wren") == [second, first]


# --- The SQLite demo: text contained, no ranking -----------------------------------------------------------


def test_without_postgresql_search_finds_the_text_contained_in_the_order_of_the_names_shown(staff, monkeypatch):
    monkeypatch.setattr(selectors, "_on_postgresql", lambda: False)
    person("Ziad Haddad")
    person("Haddad Karim")
    person("Rania Hadad")
    masked("Nour Haddad", "HERON-9")
    rows = found(staff, "haddad")
    assert names(rows) == ["Haddad Karim", "Ziad Haddad"]  # no misspelling, no hidden name, no rank
    assert not hasattr(rows[0], "search_rank")
    assert isinstance(participant_list_for(staff), type(participants_for(staff)))


# --- A page of the list, read by index ---------------------------------------------------------------------


@pytest.mark.parametrize("first", ["named", "masked"])
@pytest.mark.parametrize("per_page", [1, 3, 25])
def test_every_page_of_the_list_is_in_the_order_of_the_names_shown(staff, first, per_page):
    for index in range(4):  # a run of named or of masked rows first
        if first == "named":
            person(f"Aaron {index}")
        else:
            masked(f"Zed {index}", f"AA-{index}")
    for index, name in enumerate(["Baker", "Cohen", "Diallo", "Evans", "Fofana", "Garcia", "Haddad"]):
        person(f"{name} Person")
        masked(f"Hidden {9 - index}", f"{name.upper()}-CODE")  # interleaved with the named, hidden names reversed
    for index in range(4):
        masked(f"Aaron Hidden {index}", f"ZEBRA-{index}")  # masked rows last
    for participant in Participant.objects.order_by("pk")[::3]:  # each row's vetting status travels with it
        f.VettingCaseFactory(participant=participant)
    pages = participant_list_for(staff)
    assert isinstance(pages, ParticipantPages)

    def seen(row):  # what the list shows of each row
        return row.pk, row.identity_visible, row.display_name, row.vetting_status

    expected = [seen(row) for row in participants_for(staff)]
    paginator = Paginator(pages, per_page)
    shown = [seen(row) for number in paginator.page_range for row in paginator.page(number).object_list]
    assert shown == expected
    assert paginator.count == len(expected) == 22
    assert [seen(row) for row in pages] == expected


def test_a_participant_below_high_risk_is_never_masked(make_user):
    """``ParticipantPages`` looks for masked participants among the high-risk ones only."""
    for risk_level in (Participant.RiskLevel.LOW, Participant.RiskLevel.MEDIUM):
        f.ParticipantFactory(risk_level=risk_level)
    for role in (Role.STAFF, Role.ADMIN):
        for clearance in (Level.INTERNAL, Level.STRICTLY_CONFIDENTIAL):
            user = make_user(role, clearance)
            assert all(row.identity_visible for row in participants_for(user))


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Priced out of sequential scans and sorts, the planner shows which index can give the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_page_of_the_list_is_read_in_the_order_of_an_index(admin_user, staff):
    masked("Hidden Person", "MOTH-1")
    every_name = participant_list_for(admin_user)  # an admin cleared for identities sees every name
    assert not isinstance(every_name, ParticipantPages)
    assert "participant_name_lower_idx" in plan(every_name[:25])
    pages = participant_list_for(staff)
    assert "participant_name_lower_idx" in plan(pages.named()[:25])
    assert "participant_codename_lower_idx" in plan(pages.masked()[:25])


def test_the_check_of_many_email_addresses_looks_each_up_in_an_index():
    taken = person("Ziad Haddad", email="ziad@example.org")
    stored = Participant(email="ZIAD@example.org")
    assert services._values_taken([stored])["email"] == {taken.email.upper()}
    query = Participant.objects.annotate(key=services._upper_cased("email")).filter(key__in=["ZIAD@EXAMPLE.ORG"])
    assert "participant_email_upper_idx" in plan(query.order_by())
