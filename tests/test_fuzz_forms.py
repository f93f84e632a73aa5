"""Every form of Parley, the site's and the admin's, fed hostile input: never a server error, and nothing
stored when the form refuses (issue 11, §4).

For each form Hypothesis draws ``FUZZ_EXAMPLES`` submissions (300 unless ``PARLEY_FUZZ_EXAMPLES`` says
otherwise). A submission starts from what the page shows (or, on an add page, plausible values) and
replaces some fields with hostile ones: text with NUL, right-to-left marks, emoji, 10 000 characters,
SQL and HTML; dates at the edges of the calendar and ones that do not exist; numbers that overflow
the database; several values where one is expected; and absurd row counts in the management forms.

Each submission runs in a savepoint rolled back afterwards, against one world built per form. Checked:
- the answer is not a server error (the test client does not raise, so a 500 is reported with its
  traceback);
- when the form is refused (anything but a redirect away from it), a fingerprint of every table is
  unchanged;
- when it is accepted, the page it redirects to opens too (what was stored can be shown).

These tests take minutes (marker ``fuzz``): ``make test`` runs them with the rest of the suite, ``make fuzz``
runs them alone, and ``PARLEY_FUZZ_EXAMPLES=30 make fuzz`` gives a quick look.
"""

import datetime as dt
import logging
import os
import time
import traceback
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.forms.formsets import BaseFormSet
from django.forms.models import InlineForeignKeyField
from django.forms.renderers import DjangoTemplates
from django.template import Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.levels import Level, Role
from core.models import AccessLog
from dialogues.models import Initiative, TeamMembership, Workshop
from dialogues.rsvp import rsvp_path
from participants.models import Participant

from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
UTC = dt.UTC

# --- hostile values ------------------------------------------------------------------------------

# fmt: off
EDGE_DATES = [
    "0001-01-01", "9999-12-31", "1899-12-31", "1900-01-01", "2200-12-31", "2201-01-01", "2024-02-30",
    "2023-02-29", "2024-13-01", "0000-00-00", "10000-01-01", "-0001-01-01", "2024-1-1", "01/02/2024",
    "31.12.2024", "2024-12-31T25:00", "0001-01-01T00:00", "9999-12-31T23:59", "9999-12-31 23:59:59.999999",
    "2027-03-28T02:30", "2027-10-31T02:30", "2027-03-14T02:30", "1970-01-01T00:00", "2038-01-19T03:14:08",
    "2027-01-15T09:00+14:00", "2027-01-15T09:00Z", "24:00", "23:59:60", "00:00", "-1:00", "now", "today",
]
HOSTILE_STRINGS = [
    "", " ", "\t\n", "\x00", "a\x00b", "%00", "\u202e\u200fevil\u202c", "\u200b", "\ufeff", "🕊️🇺🇳👩🏽‍⚖️",
    "Ｆｕｌｌ\u3000ｗｉｄｔｈ", "ﷺ", "é" * 300, "x" * 10_000, "<script>alert(1)</script>", "\"><img src=x onerror=1>",
    "' OR '1'='1' --", "1; DROP TABLE dialogues_initiative; --", "{{ 7|add:7 }}", "{% debug %}", "${7*7}",
    "../../../../etc/passwd", "\\", "%", "_", "%%", "NaN", "nan", "inf", "-inf", "Infinity", "1e309", "1e-309",
    "-1", "0", "-0", "00", "1.5", "0x1f", "1_000", "١٢٣", "2147483647", "2147483648", "-2147483649",
    "9223372036854775807", "9223372036854775808", "99999999999999999999999999999999", "[]", "{}", "null",
    "true", "false", '{"en": 1}', "[1, 2]", '["en", "en"]', '["klingon"]', "5", "on", "off", "None", "UTC",
    "Not/AZone", "Europe/../Zurich", "en", "xx", "XXX", "eur", "ZZ", "A" * 61, *EDGE_DATES,
]
# fmt: on
ROW_COUNTS = ["-1", "-100000", "100000", "2147483648", "", " ", "x", "1e3", "3.0", "0", "1", "51", "61", "999"]


def hostile():
    return st.one_of(
        st.sampled_from(HOSTILE_STRINGS),
        st.text(max_size=200),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats().map(str),
        st.integers(min_value=201, max_value=12_000).map(lambda size: "ب" * size),
        st.lists(st.sampled_from(HOSTILE_STRINGS), min_size=2, max_size=4),  # several values for one field
    )


EDGE_NUMBERS = ["-1", "-2147483649", "2147483648", "9223372036854775808", "1e309", "NaN", "-0", "1.5", "0x10", "١٢"]
EDGE_SPLIT_DATETIMES = [
    [day, clock]
    for day in ("0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01", "2024-02-30", "10000-01-01")
    for clock in ("00:00", "23:59", "24:00")
]


def edge_values(field):
    """Hostile values aimed at the kind of field: edges of the calendar for dates, overflows for numbers."""
    if isinstance(field, forms.SplitDateTimeField):
        return EDGE_SPLIT_DATETIMES
    if isinstance(field, forms.DateTimeField | forms.DateField | forms.TimeField):
        return EDGE_DATES
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return EDGE_NUMBERS
    return None


def mostly(valid, bad, *, bad_in_ten=2):
    """``valid`` most of the time, ``bad`` about ``bad_in_ten`` times in ten."""
    return st.integers(0, 9).flatmap(lambda n: bad if n < bad_in_ten else valid)


# --- plausible values for a form field -----------------------------------------------------------

PLAIN_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ-'é", min_size=1, max_size=40)
SAMPLE_TEXTS = ["Lakeside talks", "North", "South", "Ana Example", "EUR", "CHF", "en", "HERON-9", "Geneva", "x"]
SAMPLE_DATETIMES = ["2027-05-03T09:00", "2027-05-03T17:00", "2027-05-04T10:00", "2027-05-05T00:00", "2026-01-01T00:00"]
SAMPLE_DATES = ["2027-01-01", "2027-05-03", "2027-12-31", "2026-06-15"]


def choice_values(field):
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an option group
            values.extend(str(inner) for inner, _label in label)
        else:
            values.append("" if value is None else str(getattr(value, "value", value)))
    return [value for value in values if value != ""]


def plausible(field):
    """Values a person could post for ``field``: strings, lists of strings, or None (left out)."""
    if isinstance(field, InlineForeignKeyField):
        return [str(field.parent_instance.pk) if field.parent_instance.pk else ""]
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        values = choice_values(field)
        return [[], values[:1], values[:2], values[-1:]]
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return ["", *choice_values(field)]
    if isinstance(field, forms.BooleanField | forms.NullBooleanField):
        return ["on", None]
    if isinstance(field, forms.SplitDateTimeField):
        return [value.split("T") for value in SAMPLE_DATETIMES]
    if isinstance(field, forms.DateTimeField):
        return SAMPLE_DATETIMES
    if isinstance(field, forms.DateField):
        return SAMPLE_DATES
    if isinstance(field, forms.TimeField):
        return ["09:00", "17:30"]
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        low = int(field.min_value) if field.min_value is not None else 0
        return [str(low), str(low + 1), "12", "500"]
    if isinstance(field, forms.EmailField):
        return ["new.person@example.org", "someone@parley.test"]
    if isinstance(field, forms.JSONField):
        return ["[]", '["en"]']
    if isinstance(field, forms.FileField):
        return [None]
    if isinstance(field, forms.CharField) and field.max_length:
        return [text[: field.max_length] for text in SAMPLE_TEXTS]
    return SAMPLE_TEXTS


def posted_names(form, name, field):
    """The names under which a field is posted (a split date and time has two)."""
    html_name = form.add_prefix(name)
    if isinstance(field, forms.SplitDateTimeField):
        return (f"{html_name}_0", f"{html_name}_1")
    return html_name


def current_value(form, name, field):
    """What the page shows in the field, as a browser would post it (None: nothing posted)."""
    value = form[name].value()
    widget = field.widget
    if isinstance(field, forms.SplitDateTimeField):
        parts = value if isinstance(value, list) else widget.decompress(value)
        return [widget.widgets[0].format_value(parts[0]) or "", widget.widgets[1].format_value(parts[1]) or ""]
    if value is None or value == "" or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return widget.format_value(value)
    return str(value)


def field_values(form, *, keep_current, good=None, weight=9, edges=None):
    """``{posted name(s): [plausible values]}`` for every field of ``form``. On a page that shows stored
    values (or one given ``good`` values to start from) that value comes first and ``weight`` times as
    often as all the others together, so that many submissions pass and reach the services."""
    values = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        names = posted_names(form, name, field)
        others = plausible(field)
        if edges is not None and edge_values(field):
            edges[names] = edge_values(field)
        if good is not None:
            shown = [good.get(part) for part in names] if isinstance(names, tuple) else good.get(names)
            keep_current = True
        else:
            shown = current_value(form, name, field)
        values[names] = [shown] * (weight * len(others)) + others if keep_current else [*others, shown]
    return values


def page_values(forms_on_page, *, keep_current, good=None):
    """Plausible values for every field of a page's form and formsets, the fields of two extra rows of
    each formset (each left blank or filled in as a whole), and the names of the management forms'
    fields."""
    values, extra_rows, counts, edges = {}, [], [], {}
    # About one field in a submission differs from the value shown (the hostile ones come on top).
    weight = max(9, sum(len(form.fields) for form in forms_on_page if not isinstance(form, BaseFormSet)))
    weight += sum(len(row.fields) for form in forms_on_page if isinstance(form, BaseFormSet) for row in form.forms)
    for form in forms_on_page:
        if not isinstance(form, BaseFormSet):
            values.update(field_values(form, keep_current=keep_current, good=good, weight=weight, edges=edges))
            continue
        shown = len(form.forms)
        prefix = form.prefix
        values[f"{prefix}-TOTAL_FORMS"] = [str(shown + 2), str(shown)]
        values[f"{prefix}-INITIAL_FORMS"] = [str(form.initial_form_count())]
        values[f"{prefix}-MIN_NUM_FORMS"] = ["0"]
        values[f"{prefix}-MAX_NUM_FORMS"] = [str(form.max_num)]
        counts += [f"{prefix}-{name}" for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")]
        for row in form.forms:
            values.update(field_values(row, keep_current=True, good=good, weight=weight, edges=edges))
        for index in range(shown, shown + 2):
            row = form._construct_form(index, **form.get_form_kwargs(index))  # an extra row, as "Add another"
            blank = {
                posted_names(row, name, field): current_value(row, name, field)
                for name, field in row.fields.items()
                if not field.disabled
            }
            extra_rows.append((blank, field_values(row, keep_current=False, edges=edges)))
    return values, extra_rows, counts, edges


def submission(forms_on_page, *, keep_current, good=None):
    """Whole submissions of a page: plausible values everywhere, then up to four fields made hostile (or
    left out), and now and then an absurd row count."""
    values, extra_rows, counts, edges = page_values(forms_on_page, keep_current=keep_current, good=good)
    names = list(values) + [name for _blank, row in extra_rows for name in row]
    plausible_submission = st.fixed_dictionaries({name: st.sampled_from(options) for name, options in values.items()})
    filled_rows = st.tuples(
        *(
            st.one_of(
                st.just(blank), st.fixed_dictionaries({name: st.sampled_from(values) for name, values in row.items()})
            )
            for blank, row in extra_rows
        )
    )

    def hostile_change(name):
        bad = st.one_of(st.sampled_from(edges[name]), hostile()) if name in edges else hostile()
        return st.tuples(st.just(name), st.one_of(bad, st.none()))

    hostile_fields = st.lists(st.sampled_from(names).flatmap(hostile_change), max_size=4)
    absurd_counts = (
        st.lists(st.tuples(st.sampled_from(counts), st.sampled_from(ROW_COUNTS)), max_size=2) if counts else st.just([])
    )

    def combine(parts):
        data, rows, *changes = parts
        for row in rows:
            data.update(row)
        for name, value in [*changes[0], *changes[1]]:
            if isinstance(name, tuple):  # a split date and time: a pair, or the same value in both parts
                data[name] = value if isinstance(value, list) and len(value) == 2 else [value, value]
            else:
                data[name] = value
        posted = {}
        for name, value in data.items():
            if isinstance(name, tuple):
                for part_name, part in zip(name, value or [None, None], strict=True):
                    if part is not None:
                        posted[part_name] = part
            elif value is not None:
                posted[name] = value
        return posted

    return st.tuples(plausible_submission, filled_rows, hostile_fields, absurd_counts).map(combine)


# --- pages and what is on them -------------------------------------------------------------------


def forms_in(context):
    """The form and formsets a page renders (site pages and the Django admin alike)."""
    found = []
    page_context = context[0] if isinstance(context, list) else context  # the page's, not its includes'
    for key, value in page_context.flatten().items():
        if key == "adminform":
            found.append(value.form)
        elif key == "inline_admin_formsets":
            found.extend(inline.formset for inline in value)
        elif isinstance(value, forms.BaseForm | BaseFormSet):
            found.append(value)
        elif isinstance(value, dict) and value and all(isinstance(item, BaseFormSet) for item in value.values()):
            found.extend(value.values())
    return found


@dataclass
class Page:
    """A form to fuzz: where it is, how it is sent, and whether the page shows current values."""

    url: str
    method: str = "post"
    keep_current: bool = True
    good: dict | None = None  # for an add page: values that pass, to start from


def fingerprint_sql():
    """One query: a hash of every row of every table (but sessions and what never changes)."""
    skipped = ("django_session", "django_migrations", "django_content_type", "auth_permission", "parley_cache")
    tables = [table for table in connection.introspection.table_names() if table not in skipped]
    quote = connection.ops.quote_name
    parts = [
        f"(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {quote(table)} t)"
        for table in sorted(tables)
    ]
    return "SELECT md5(" + " || ".join(parts) + ")"


def table_fingerprint(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


class _Undo(Exception):
    """Raised to roll an example's savepoint back."""


def describe(response):
    if getattr(response, "exc_info", None):
        return "".join(traceback.format_exception(*response.exc_info))
    return response.content[:2000].decode(errors="replace")


@pytest.fixture
def lean_rendering(monkeypatch):
    """Pages render in a third of the time, with every line of Parley's own code still run.

    - Templates render as in production: the test client's copy of every template's context is only
      needed for the first look at the page.
    - Django's stock widget templates (``django/forms/widgets/…``: an ``<option>`` per country, per
      time zone) are skipped; each widget's context, with its values and options and their labels,
      is still built, and Parley's own templates and widgets render in full.
    """
    stock_render = DjangoTemplates.render

    def render(self, template_name, context, request=None):
        if template_name.startswith("django/forms/widgets/"):
            return mark_safe(f"<!-- {template_name} -->")  # noqa: S308 (a constant)
        return stock_render(self, template_name, context, request)

    def switch_on():
        monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
        monkeypatch.setattr(DjangoTemplates, "render", render)
        monkeypatch.setattr(logging.getLogger("django.request"), "level", logging.ERROR)  # no line per 4xx

    return switch_on


def fuzz(client, page, stats, lean_rendering):
    """Run ``FUZZ_EXAMPLES`` submissions of ``page``; count them in ``stats``."""
    client.raise_request_exception = False
    shown = client.get(page.url)
    assert shown.status_code == 200, (page.url, shown.status_code)
    on_page = forms_in(shown.context)
    assert on_page, f"no form on {page.url}"
    strategy = submission(on_page, keep_current=page.keep_current, good=page.good)
    sql = fingerprint_sql()
    untouched = table_fingerprint(sql)  # every example starts from here: each is rolled back
    lean_rendering()

    def send(data):
        if page.method == "get":
            return client.get(page.url, data)
        return client.post(page.url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")

    @FUZZ
    @given(data=strategy)
    def one_submission(data):
        stats["examples"] += 1
        try:
            with transaction.atomic():
                response = send(data)
                if response.status_code >= 500:
                    stats["server_errors"] += 1
                assert response.status_code < 500, describe(response)
                location = response.get("Location", "")
                if response.status_code in (301, 302, 303) and location.split("?")[0] != page.url:
                    stats["accepted"] += 1
                    follow = client.get(location)
                    assert follow.status_code < 500, describe(follow)
                else:
                    assert table_fingerprint(sql) == untouched, f"a refused submission changed the database: {data!r}"
                raise _Undo
        except _Undo:
            pass

    one_submission()
    assert_enough(stats)


# --- the world every form is fuzzed in -----------------------------------------------------------


@dataclass
class World:
    operator: object
    initiative: Initiative
    workshop: Workshop
    participant: Participant
    organization: object
    colleague: object


@pytest.fixture
def world(make_user):
    """An admin who also leads a CONFIDENTIAL initiative, with one of every record around it."""
    operator = make_user(Role.ADMIN, Level.STRICTLY_CONFIDENTIAL, is_staff=True, full_name="Olga Operator")
    colleague = make_user(Role.STAFF, Level.CONFIDENTIAL, full_name="Colin Colleague")
    initiative = f.InitiativeFactory(level=Level.CONFIDENTIAL, codename="ALBATROSS")
    f.TeamMembershipFactory(initiative=initiative, user=operator, role=TeamMembership.Role.LEAD)
    f.TeamMembershipFactory(initiative=initiative, user=colleague, role=TeamMembership.Role.ADVISOR)
    north = f.PartyFactory(initiative=initiative, name="North")
    f.PartyFactory(initiative=initiative, name="South")
    f.FundingFactory(initiative=initiative)
    start = dt.datetime(2027, 5, 3, 0, 0, tzinfo=UTC)
    workshop = f.WorkshopFactory(
        initiative=initiative, time_zone="Asia/Tokyo", starts_at=start, ends_at=start + dt.timedelta(days=2)
    )
    f.AgendaSessionFactory(workshop=workshop, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    f.AgendaSessionFactory(
        workshop=workshop, starts_at=start + dt.timedelta(hours=3), ends_at=start + dt.timedelta(hours=5)
    )
    organization = f.OrganizationFactory(name="Lakeside Institute")
    participant = f.ParticipantFactory(organization=organization, full_name="Ana Example")
    high_risk = f.ParticipantFactory(risk_level=Participant.RiskLevel.HIGH, codename="HERON-1")
    invitation = f.InvitationFactory(workshop=workshop, participant=participant, party=north)
    invitation.reminders.create(kind="chase")
    f.InvitationFactory(workshop=workshop, participant=high_risk, party=north)
    f.DocumentVersionFactory(document=f.DocumentFactory(workshop=workshop))
    assignment = f.AssignmentFactory(workshop=workshop)
    report = f.OutcomeReportFactory(workshop=workshop, author=assignment.facilitator.user)
    report.versions.create(number=1, content={"summary": "x"}, saved_by=operator)
    f.ActionItemFactory(report=report)
    f.TrackOneBriefingFactory(report=report)
    participant.consents.create(kind="data_processing")
    f.VettingCaseFactory(participant=participant)
    f.SanctionsHitFactory(participant=participant)
    AccessLog.objects.create(
        user=operator,
        action="view",
        content_type=ContentType.objects.get_for_model(Initiative),
        object_id=initiative.pk,
        level=Level.CONFIDENTIAL,
    )
    return World(operator, initiative, workshop, participant, organization, colleague)


@pytest.fixture
def stats(request):
    counts = {"examples": 0, "server_errors": 0, "accepted": 0}
    started = time.process_time()
    yield counts
    counts["cpu_seconds"] = round(time.process_time() - started, 1)
    print(f"\n{request.node.name}: {counts}")


def assert_enough(stats):
    assert stats["examples"] >= EXAMPLES, stats


# --- the site's forms ----------------------------------------------------------------------------

NEW_INITIATIVE = {
    "title": "Coastal water talks",
    "codename": "OSPREY",
    "conflict": "Fictional river basin",
    "track": Initiative.Track.TRACK_TWO,
    "phase": Initiative.Phase.EXPLORATORY,
    "level": str(Level.CONFIDENTIAL),
}
NEW_WORKSHOP = {
    "title": "Lakeside roundtable",
    "kind": Workshop.Kind.ROUNDTABLE,
    "city": "Geneva",
    "country": "CH",
    "time_zone": "Europe/Zurich",
    "starts_at": "2027-05-03T09:00",
    "ends_at": "2027-05-04T17:00",
    "languages": ["en", "ar"],
    "capacity": "24",
    "level": str(Level.CONFIDENTIAL),
    "status": Workshop.Status.PLANNED,
    "reminder_days": "7, 1",
    "chase_after_days": "5",
    "sessions-0-title": "Opening",
    "sessions-0-starts_at": "2027-05-03T09:30",
    "sessions-0-ends_at": "2027-05-03T11:00",
}
NEW_PARTICIPANT = {
    "full_name": "Jonas Berg",
    "email": "jonas@example.org",
    "nationality": "NO",
    "languages": ["en", "fr"],
    "category": Participant.Category.EXPERT,
    "personal_capacity": "on",
    "risk_level": str(Participant.RiskLevel.LOW),
    "level": str(Level.INTERNAL),
}
NEW_ORGANISATION = {"name": "Harbour Policy Forum", "kind": "think_tank", "country": "NO"}


def invitation_add_page(w):
    """Adding a vetted participant to a delegation of the world's CONFIDENTIAL workshop (issue 14)."""
    from django.utils import timezone

    from participants.models import VettingCase

    person = f.ParticipantFactory(full_name="Vera Vetted")
    now = timezone.now()
    f.VettingCaseFactory(
        participant=person,
        status=VettingCase.Status.APPROVED,
        decided_at=now - dt.timedelta(days=1),
        expires_at=now + dt.timedelta(days=300),
    )
    north = w.initiative.parties.get(name="North")
    url = reverse("dialogues:invitation-add", args=[w.workshop.pk]) + f"?participant={person.pk}"
    return Page(url, good={"participant": str(person.pk), "party": str(north.pk), "search": "q=Vera"})


def invitations_send_page(w):
    """Sending the drafts of the world's workshop, as the confirmation page shows them (issue 14)."""
    from dialogues.models import Invitation

    north = w.initiative.parties.get(name="North")
    for name in ("Dora Draft", "Drew Draft"):
        person = f.ParticipantFactory(full_name=name)
        f.InvitationFactory(workshop=w.workshop, participant=person, party=north, status=Invitation.Status.DRAFT)
    return Page(reverse("dialogues:invitations-send", args=[w.workshop.pk]))


def attendance_page(w):
    """Marking who came to a workshop of the world's initiative that is under way (issue 15): accepted invitees,
    one marked already, one at high risk, and one who declined (not on the form)."""
    from django.utils import timezone

    from dialogues.models import Invitation

    now = timezone.now()
    start, end = now - dt.timedelta(hours=3), now + dt.timedelta(hours=5)
    workshop = f.WorkshopFactory(initiative=w.initiative, starts_at=start, ends_at=end)
    north = w.initiative.parties.get(name="North")
    for status, risk in (("accepted", 1), ("accepted", 3), ("attended", 1), ("no_show", 1), ("declined", 1)):
        person = f.ParticipantFactory(risk_level=risk)
        f.InvitationFactory(workshop=workshop, participant=person, party=north, status=Invitation.Status(status))
    return Page(reverse("dialogues:workshop-attendance", args=[workshop.pk]))


BRIEFING = {
    "recipient": "Office of the Special Envoy",
    "recipient_role": "envoy",
    "briefing_level": "senior_official",
    "briefed_on": "2026-01-20",
    "shared": "The options paper, without attribution.",
    "level": str(Level.CONFIDENTIAL),
}


def approved_past_report(w):
    """An approved report of a held workshop of the world's initiative: what a briefing draws on (issue 15)."""
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    workshop = f.WorkshopFactory(initiative=w.initiative, starts_at=start, ends_at=start + dt.timedelta(days=1))
    return f.OutcomeReportFactory(
        workshop=workshop,
        status="approved",
        submitted_at=start + dt.timedelta(days=2),
        approved_by=w.operator,
        approved_at=start + dt.timedelta(days=3),
        approved_version=1,
    )


def briefing_edit_page(w):
    from facilitators.services import track_one_briefing_create

    report = approved_past_report(w)
    values = {**BRIEFING, "briefed_on": dt.date(2026, 1, 20), "level": Level.CONFIDENTIAL}
    briefing = track_one_briefing_create(user=w.operator, report=report, **values)
    return Page(reverse("facilitators:briefing-update", args=[briefing.pk]))


def world_report(w):
    return w.workshop.outcome_reports.get(session=None)


def action_owner(w):
    """A participant who attended the world's workshop: one who may own an action of its report."""
    from dialogues.models import Invitation

    person = f.ParticipantFactory(full_name="Omar Owner")
    f.InvitationFactory(workshop=w.workshop, participant=person, status=Invitation.Status.ATTENDED)
    return person


def action_add_page(w):
    good = {"title": "Send the map", "owner": f"participant:{action_owner(w).pk}", "due_on": "2027-06-01"}
    return Page(reverse("facilitators:action-add", args=[world_report(w).pk]), good=good)


def action_item_of(w):
    from facilitators.services import action_item_create

    return action_item_create(
        report=world_report(w),
        by=w.operator,
        title="Send the map",
        owner_participant=action_owner(w),
        due_on=dt.date(2027, 6, 1),
    )


def action_edit_page(w):
    return Page(reverse("facilitators:action-edit", args=[action_item_of(w).pk]))


def report_review_page(w):
    """A submitted report of one of the world's sessions, for the lead's review (approve, or return with comments)."""
    report = f.OutcomeReportFactory(
        workshop=w.workshop,
        session=w.workshop.sessions.order_by("pk").first(),
        author=w.operator,
        status="submitted",
        submitted_at=dt.datetime(2027, 5, 6, tzinfo=UTC),
    )
    return Page(reverse("facilitators:report-review", args=[report.pk]), good={"decision": "return", "comment": "More"})


def report_start_page(w):
    session = w.workshop.sessions.order_by("pk").last()
    good = {"part": str(session.pk), "level": str(w.workshop.effective_level)}
    return Page(reverse("facilitators:report-start", args=[w.workshop.pk]), keep_current=False, good=good)


VETTING_CHECKS_DONE = {
    "identity_checked": True,
    "references_checked": True,
    "conflict_of_interest_checked": True,
    "sanctions_screened": True,
    "risk_assessment": 1,
    "risk_rationale": "Long public record.",
}


def vetting_case_page(step):
    """A case of a new person at the ``step`` of its page that is fuzzed (issue 16): open for its checks,
    checks done for its decision, and an approval proposed by another admin for the operator to confirm
    (the person proposed for a STRICTLY_CONFIDENTIAL workshop: four eyes)."""

    def page(w):
        from participants import services as vetting

        person = f.ParticipantFactory(full_name="Vic Vetted")
        recorder = f.UserFactory(role=Role.ADMIN, clearance=Level.STRICTLY_CONFIDENTIAL, is_staff=True)
        case = vetting.vetting_case_open(participant=person, by=recorder)
        url = reverse("participants:vetting-case", args=[case.pk])
        if step == "checks":
            return Page(f"{url}?step=checks")
        vetting.vetting_case_record(case=case, by=recorder, **VETTING_CHECKS_DONE)
        if step == "decide":
            good = {"decision-decision": "approved_conditions", "decision-conditions": "No media."}
            return Page(f"{url}?step=decide", good=good)
        workshop = f.WorkshopFactory(initiative=w.initiative, level=Level.STRICTLY_CONFIDENTIAL)
        f.InvitationFactory(workshop=workshop, participant=person, party=w.initiative.parties.get(name="North"))
        vetting.vetting_case_decide(case=case, by=recorder, decision="approved")
        return Page(f"{url}?step=confirm", good={"confirm-answer": "confirm", "confirm-reason": ""})

    return page


def vetting_open_page(w):
    person = f.ParticipantFactory(full_name="Nina Nominee")
    return Page(reverse("participants:vetting-open", args=[person.pk]), good={"notes": "Nominated by North."})


SITE_PAGES = {
    "initiative-create": lambda w: Page(reverse("dialogues:initiative-create"), good=NEW_INITIATIVE),
    "initiative-edit": lambda w: Page(reverse("dialogues:initiative-update", args=[w.initiative.pk])),
    "workshop-create": lambda w: Page(reverse("dialogues:workshop-create", args=[w.initiative.pk]), good=NEW_WORKSHOP),
    "workshop-edit": lambda w: Page(reverse("dialogues:workshop-update", args=[w.workshop.pk])),
    "participant-create": lambda w: Page(reverse("participants:participant-create"), good=NEW_PARTICIPANT),
    "participant-edit": lambda w: Page(reverse("participants:participant-update", args=[w.participant.pk])),
    "organisation-create": lambda w: Page(reverse("participants:organization-create"), good=NEW_ORGANISATION),
    "organisation-edit": lambda w: Page(reverse("participants:organization-update", args=[w.organization.pk])),
    "initiative-filters": lambda w: Page(reverse("dialogues:initiative-list"), method="get", keep_current=False),
    "workshop-filters": lambda w: Page(reverse("dialogues:workshop-list"), method="get", keep_current=False),
    "participant-filters": lambda w: Page(reverse("participants:participant-list"), method="get", keep_current=False),
    "organisation-filters": lambda w: Page(reverse("participants:organization-list"), method="get", keep_current=False),
    "access-log-filters": lambda w: Page(reverse("core:access-log"), method="get", keep_current=False),
    "calendar-filters": lambda w: Page(reverse("dialogues:workshop-calendar"), method="get", keep_current=False),
    "preferences": lambda w: Page(reverse("accounts:profile")),
    "outbox-filters": lambda w: Page(reverse("core:outbox"), method="get", keep_current=False),
    "invitation-search": lambda w: Page(
        reverse("dialogues:workshop-candidates", args=[w.workshop.pk]), method="get", keep_current=False
    ),
    "invitation-add": invitation_add_page,
    "invitation-party": lambda w: Page(
        reverse("dialogues:invitation-party", args=[w.workshop.invitations.get(participant=w.participant).pk])
    ),
    "invitations-send": invitations_send_page,
    "vetting-filters": lambda w: Page(reverse("participants:vetting-queue"), method="get", keep_current=False),
    "vetting-open": vetting_open_page,
    "vetting-checks": vetting_case_page("checks"),
    "vetting-decide": vetting_case_page("decide"),
    "vetting-confirm": vetting_case_page("confirm"),
    "sanctions-upload": lambda w: Page(
        reverse("participants:sanctions-lists"), keep_current=False, good={"source": "UNSC"}
    ),
    "workshop-attendance": attendance_page,
    "briefing-create-from-report": lambda w: Page(
        reverse("facilitators:briefing-create-from-report", args=[approved_past_report(w).pk]), good=BRIEFING
    ),
    "briefing-create": lambda w: Page(
        reverse("facilitators:briefing-create", args=[w.initiative.pk]),
        good={**BRIEFING, "reports": [str(approved_past_report(w).pk)]},
    ),
    "briefing-edit": briefing_edit_page,
    "action-add": lambda w: action_add_page(w),
    "action-edit": lambda w: action_edit_page(w),
    "report-start": report_start_page,
    "report-edit": lambda w: Page(reverse("facilitators:report-edit", args=[world_report(w).pk])),
    "report-submit": lambda w: Page(reverse("facilitators:report-submit", args=[world_report(w).pk])),
    "report-review": report_review_page,
}


@pytest.mark.parametrize("name", list(SITE_PAGES))
def test_a_site_form_never_answers_with_a_server_error(client, world, stats, lean_rendering, name):
    client.force_login(world.operator)
    fuzz(client, SITE_PAGES[name](world), stats, lean_rendering)


# --- the RSVP page: an invitee's answer, by the signed link, without an account --------------------

RSVP_ANSWER = {"answer": "accept", "needs_visa_letter": "on", "dietary_requirements": "Vegetarian"}


def test_the_rsvp_form_never_answers_with_a_server_error(client, world, stats, lean_rendering):
    invitation = world.workshop.invitations.get(participant=world.participant)
    fuzz(client, Page(rsvp_path(invitation), good=RSVP_ANSWER), stats, lean_rendering)


# --- the Django admin's forms --------------------------------------------------------------------


def admin_views():
    """Every add and change page the admin offers: those whose admin declares the service that writes
    (``core.admin.ScopedAdminMixin``); an admin without one offers no such page to fuzz."""
    views = []
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        if getattr(model_admin, "create_record", None) is not None:
            views.append(pytest.param(model, "add", id=f"{label}-add"))
        if getattr(model_admin, "update_record", None) is not None:
            views.append(pytest.param(model, "change", id=f"{label}-change"))
    return views


def test_the_admin_fuzz_covers_the_admins_that_write():
    """The pages fuzzed include the main records' add and change pages (the list above is not empty by
    accident of a renamed hook)."""
    fuzzed = {(param.values[0]._meta.label, param.values[1]) for param in admin_views()}
    for label in ("dialogues.Initiative", "dialogues.Workshop", "participants.Participant", "accounts.User"):
        assert (label, "change") in fuzzed
    assert ("dialogues.Initiative", "add") in fuzzed


@pytest.mark.parametrize(("model", "view"), admin_views())
def test_an_admin_form_never_answers_with_a_server_error(client, world, stats, lean_rendering, model, view):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = world.operator
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    if view == "add":
        if not model_admin.has_add_permission(request):
            pytest.skip("nobody adds these in the admin")
        url = reverse(name)
    else:
        record = model_admin.get_queryset(request).first()
        if record is None or not model_admin.has_change_permission(request, record):
            pytest.skip("no record the operator may change")
        url = reverse(name, args=[record.pk])
    client.force_login(world.operator)
    fuzz(client, Page(url, keep_current=view == "change"), stats, lean_rendering)


def test_every_admin_date_drill_down_and_search_answers_without_a_server_error(client, world, stats, lean_rendering):
    """The query string of every change list: dates, searches, filters, ordering and pages."""
    client.force_login(world.operator)
    client.raise_request_exception = False
    lean_rendering()
    request = RequestFactory().get("/")
    request.user = world.operator
    changelists = [
        (reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), model_admin)
        for model, model_admin in admin.site._registry.items()
    ]

    def params_for(model_admin):
        names = ["q", "o", "p", "e", "all", "_to_field", "_popup"]
        if model_admin.date_hierarchy:
            names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
        for item in model_admin.get_list_filter(request):
            item = item[0] if isinstance(item, tuple) else item
            if isinstance(item, str):
                names += [item, *(f"{item}__{lookup}" for lookup in ("exact", "id__exact", "gte", "lt", "isnull"))]
        plausible_values = st.sampled_from(["1", "2", "2027", "12", "31", "9998", "9999", "10000", "-1", "x", "", "0"])
        params = st.dictionaries(st.sampled_from(names), mostly(plausible_values, hostile(), bad_in_ten=5), max_size=4)
        if not model_admin.date_hierarchy:
            return params
        field = model_admin.date_hierarchy
        drill_down = st.fixed_dictionaries(  # a year, a month, a day: often at the end of the calendar
            {f"{field}__year": st.sampled_from(["2027", "9998", "9999", "10000", "1", "0"])},
            optional={
                f"{field}__month": st.sampled_from(["1", "12", "13"]),
                f"{field}__day": st.sampled_from(["1", "31"]),
            },
        )
        return st.one_of(params, st.tuples(drill_down, params).map(lambda pair: {**pair[1], **pair[0]}))

    @FUZZ
    @given(data=st.data())
    def one_query(data):
        stats["examples"] += 1
        url, model_admin = data.draw(st.sampled_from(changelists))
        params = data.draw(params_for(model_admin))
        response = client.get(url, params)
        assert response.status_code < 500, describe(response)

    one_query()
    assert_enough(stats)


def test_the_admin_autocomplete_answers_without_a_server_error(client, world, stats, lean_rendering):
    client.force_login(world.operator)
    client.raise_request_exception = False
    lean_rendering()
    targets = [
        {"app_label": "dialogues", "model_name": "workshop", "field_name": "initiative"},
        {"app_label": "participants", "model_name": "participant", "field_name": "organization"},
    ]

    @FUZZ
    @given(target=st.sampled_from(targets), term=mostly(PLAIN_TEXT, hostile(), bad_in_ten=6), page=hostile())
    def one_lookup(target, term, page):
        stats["examples"] += 1
        response = client.get("/admin/autocomplete/", {**target, "term": term, "page": page})
        assert response.status_code < 500, describe(response)

    one_lookup()
    assert_enough(stats)


# --- the accounts pages (admins' own pages for accounts) -----------------------------------------


def account_pages(w):
    try:
        target = w.colleague.pk
        return {
            "account-filters": Page(reverse("accounts:account-list"), method="get", keep_current=False),
            "account-create": Page(reverse("accounts:account-create"), keep_current=False),
            "account-access": Page(reverse("accounts:account-access", args=[target])),
            "account-status": Page(reverse("accounts:account-status", args=[target])),
        }
    except NoReverseMatch:
        return {}


@pytest.mark.parametrize("name", ["account-filters", "account-create", "account-access", "account-status"])
def test_an_account_form_never_answers_with_a_server_error(client, world, stats, lean_rendering, name):
    pages = account_pages(world)
    if name not in pages:
        pytest.skip("the accounts pages are not there yet")
    client.force_login(world.operator)
    fuzz(client, pages[name], stats, lean_rendering)


# --- sanctions: uploading a list file, resolving a hit (issue 16) ----------------------------------

HOSTILE_LISTS = [
    b"",
    b"\x00\xff\xfe",
    b"<CONSOLIDATED_LIST>",
    b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>",
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b"<CONSOLIDATED_LIST>&b;</CONSOLIDATED_LIST>",
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<CONSOLIDATED_LIST>&x;</CONSOLIDATED_LIST>",
    b"<OTHER_LIST><INDIVIDUALS/></OTHER_LIST>",
    b"<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>",
    b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>X</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS>"
    b"</CONSOLIDATED_LIST>",
]


def test_the_sanctions_list_upload_never_answers_with_a_server_error(client, world, stats, lean_rendering):
    """Files of any bytes, broken and hostile XML, a good list: a refusal changes nothing, an import redirects."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from participants.sanctions import FICTIONAL_LIST

    good = FICTIONAL_LIST.read_bytes()
    client.force_login(world.operator)
    client.raise_request_exception = False
    url = reverse("participants:sanctions-lists")
    sql = fingerprint_sql()
    untouched = table_fingerprint(sql)
    lean_rendering()
    files = st.one_of(
        st.sampled_from([*HOSTILE_LISTS, good, good[: len(good) // 2]]),
        st.binary(max_size=300),
        st.integers(min_value=0, max_value=len(good)).map(lambda cut: good[:cut]),
    )

    @FUZZ
    @given(content=files, source=mostly(st.just("UNSC"), hostile()), name=mostly(st.just("list.xml"), PLAIN_TEXT))
    def one_upload(content, source, name):
        stats["examples"] += 1
        try:
            with transaction.atomic():
                upload = SimpleUploadedFile(name.strip() or "x", content, content_type="application/xml")
                response = client.post(url, {"source": source, "file": upload})
                assert response.status_code < 500, describe(response)
                if response.status_code == 302:
                    stats["accepted"] += 1
                else:
                    assert table_fingerprint(sql) == untouched, f"a refused upload changed the database: {content!r}"
                raise _Undo
        except _Undo:
            pass

    one_upload()
    assert_enough(stats)


def test_resolving_a_sanctions_hit_never_answers_with_a_server_error(client, world, stats, lean_rendering):
    """Hostile decisions, notes and return addresses: a refusal changes nothing; never a redirect off the site."""
    hit = world.participant.sanctions_hits.get()
    client.force_login(world.operator)
    client.raise_request_exception = False
    url = reverse("participants:sanctions-hit-resolve", args=[hit.pk])
    sql = fingerprint_sql()
    untouched = table_fingerprint(sql)
    lean_rendering()
    returns = st.sampled_from(["", "/participants/", "https://evil.example/", "//evil.example", "javascript:x", "/\\x"])

    @FUZZ
    @given(
        decision=mostly(st.sampled_from(["clear", "confirm"]), hostile()),
        note=mostly(PLAIN_TEXT, hostile()),
        back=mostly(returns, hostile()),
    )
    def one_resolution(decision, note, back):
        stats["examples"] += 1
        try:
            with transaction.atomic():
                response = client.post(url, {"decision": decision, "note": note, "next": back})
                assert response.status_code < 500, describe(response)
                assert response.status_code in (302, 400), response.status_code  # 400: refused before the view
                location = response.get("Location", "/")
                assert location.startswith("/") and not location.startswith("//"), location
                hit.refresh_from_db()
                if hit.status == "open":
                    assert table_fingerprint(sql) == untouched, "a refused resolution changed the database"
                else:
                    stats["accepted"] += 1
                raise _Undo
        except _Undo:
            pass

    one_resolution()
    assert_enough(stats)
