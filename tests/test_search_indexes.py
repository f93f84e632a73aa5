"""Searches are served by indexes on PostgreSQL (trigram GIN indexes for ``icontains``)."""

import pytest
from django.db import connection

from dialogues.models import Initiative, Workshop
from participants.models import Organization, Participant

pytestmark = pytest.mark.django_db


def plan(queryset):
    return plan_of(*queryset.query.sql_with_params())


def plan_of(sql, params):
    with connection.cursor() as cursor:
        # With sequential and plain index scans priced out, only a bitmap scan of an index that can
        # serve the filter is left: the plan shows whether one exists, whatever the table's size.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Participant.objects.filter(full_name__icontains="haddad"), "participant_name_trgm"),
        (lambda: Participant.objects.filter(codename__icontains="kestrel"), "participant_codename_trgm"),
        (lambda: Participant.objects.filter(email__icontains="example"), "participant_email_trgm"),
        (lambda: Organization.objects.filter(name__icontains="institute"), "organization_name_trgm"),
        (lambda: Initiative.objects.filter(title__icontains="dialogue"), "initiative_title_trgm"),
        (lambda: Initiative.objects.filter(conflict__icontains="border"), "initiative_conflict_trgm"),
        (lambda: Workshop.objects.filter(city__icontains="geneva"), "workshop_city_trgm"),
    ],
)
def test_icontains_searches_can_use_a_trigram_index(queryset, index):
    assert index in plan(queryset().order_by())


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_the_participant_list_search_never_scans_the_participant_table(make_user, role):
    from core.levels import Level
    from participants.selectors import participant_list_for

    explained = plan_of(*participant_list_for(make_user(role, Level.CONFIDENTIAL), search="haddad")._ranked_sql())
    assert "Seq Scan on participants_participant" not in explained, explained
