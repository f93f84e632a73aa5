"""Queries compiled once (``core.compiled``) and labels of choices translated once (``core.labels``): the same
answers as Django's own, for less work per call."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.functional import lazy

from core.compiled import CompiledOnce
from core.labels import ChoiceLabels
from dialogues.models import Invitation, Workshop
from participants.models import Participant

from . import factories as f

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
STAND_IN_START = dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)


def workshops_of(*, initiative, after):
    return (
        Workshop.objects.filter(initiative_id=initiative, starts_at__gte=after)
        .order_by("starts_at")
        .values_list("pk", "title")
    )


def test_a_query_compiled_once_answers_as_the_orm_for_each_calls_values():
    first, second = f.InitiativeFactory(), f.InitiativeFactory()
    for initiative in (first, second):
        for days in (0, 10, 20):
            f.WorkshopFactory(
                initiative=initiative,
                starts_at=START + dt.timedelta(days=days),
                ends_at=START + dt.timedelta(days=days, hours=8),
            )
    built = []

    def build(**values):
        built.append(values)
        return workshops_of(**values)

    query = CompiledOnce(build, initiative=-736_200_101, after=STAND_IN_START)
    for initiative, after in [(first.pk, START), (second.pk, START + dt.timedelta(days=5)), (first.pk, STAND_IN_START)]:
        expected = list(workshops_of(initiative=initiative, after=after))
        assert query.rows(initiative=initiative, after=after) == [tuple(row) for row in expected]
    assert len(built) == 1  # built and compiled at the first call only
    assert len(query.rows(initiative=first.pk, after=START)) == 3
    assert query.rows(initiative=second.pk, after=START + dt.timedelta(days=15)) == [
        tuple(row) for row in workshops_of(initiative=second.pk, after=START + dt.timedelta(days=15))
    ]


def test_a_query_compiled_once_runs_one_query_per_call():
    initiative = f.InitiativeFactory()
    query = CompiledOnce(workshops_of, initiative=-736_200_101, after=STAND_IN_START)
    query.rows(initiative=initiative.pk, after=START)
    with CaptureQueriesContext(connection) as queries:
        query.rows(initiative=initiative.pk, after=START)
    assert len(queries) == 1
    assert "736200101" not in queries[0]["sql"]  # the stand-in is not what runs
    assert "1901" not in queries[0]["sql"]


def test_a_stand_in_the_query_does_not_hold_is_refused():
    def build(initiative, unused):
        return workshops_of(initiative=initiative, after=START)

    with pytest.raises(ImproperlyConfigured, match="unused"):
        CompiledOnce(build, initiative=-736_200_101, unused=-736_200_102).rows(initiative=1, unused=2)


def test_the_values_of_a_call_must_name_every_stand_in():
    query = CompiledOnce(workshops_of, initiative=-736_200_101, after=STAND_IN_START)
    with pytest.raises(TypeError):
        query.rows(initiative=1)
    with pytest.raises(TypeError):
        query.rows(initiative=1, after=START, more=3)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_labels_of_choices_are_djangos_own_in_each_language(language):
    participant = f.ParticipantFactory()
    invitation = f.InvitationFactory(participant=participant)
    with translation.override(language):
        for record, name in [
            (participant, "category"),
            (participant, "risk_level"),
            (participant, "level"),
            (invitation, "status"),
            (invitation.workshop, "kind"),
        ]:
            field = record._meta.get_field(name)
            for value, _label in field.flatchoices:
                setattr(record, field.attname, value)
                shown = getattr(record, f"get_{name}_display")()
                assert shown == Model._get_FIELD_display(record, field)
                assert isinstance(shown, str)
            # A value that is not a choice is shown as it is, as Django shows it.
            setattr(record, field.attname, 987_654 if isinstance(value, int) else "not-a-choice")
            assert getattr(record, f"get_{name}_display")() == Model._get_FIELD_display(record, field)


def test_a_country_field_keeps_djangos_own_labels():
    participant = Participant(nationality="FR")
    assert participant.get_nationality_display() == Model._get_FIELD_display(
        participant, Participant._meta.get_field("nationality")
    )
    assert Invitation.Status.ACCEPTED.label  # the enum the labels come from is untouched


def test_labels_are_translated_once_per_language():
    translated = []

    def label():
        translated.append(translation.get_language())
        return f"label in {translation.get_language()}"

    field = models.CharField(choices=[("a", lazy(label, str)())])
    field.set_attributes_from_name("status")

    class Record(ChoiceLabels):
        status = "a"

    for _ in range(3):
        with translation.override("fr"):
            assert Record()._get_FIELD_display(field) == "label in fr"
        with translation.override("ar"):
            assert Record()._get_FIELD_display(field) == "label in ar"
    assert translated == ["fr", "ar"]
