"""Searches are served by indexes on PostgreSQL (trigram GIN indexes for ``icontains``)."""

import pytest
from django.db import connection

from dialogues.models import Initiative, Workshop
from participants.models import Organization, Participant

pytestmark = pytest.mark.django_db


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # With sequential scans priced out, the plan shows whether an index *can* serve the filter.
        cursor.execute("SET LOCAL enable_seqscan = off")
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
    assert index in plan(queryset())

