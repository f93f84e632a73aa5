"""Selects whose cost is what they show: the fast select widgets write Django's HTML, and a select over
a growing table (organisations, initiatives, accounts) shows a bounded few, found by typing."""

import re

import pytest
from django import forms
from django.test import SimpleTestCase
from django.urls import reverse

from core.audit import record_account_change
from core.choices import MORE_LABEL, NONE_FOUND_LABEL, OPTION_LIMIT
from core.levels import Level, Role
from core.models import AccessLog
from core.widgets import FastSelect, FastSelectMultiple, faster
from participants.models import Organization

from . import factories as f

pytestmark = pytest.mark.django_db

OPTION = re.compile(r"<option\b[^>]*>(.*?)</option>", re.S)


def options_of(html, name):
    """The labels of the options of the select called ``name`` in ``html``."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select named {name}"
    return OPTION.findall(select.group(1))


def selected_of(html, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected>', select)


# --- The fast widgets write what Django's widgets write -----------------------------------------------


CHOICES = [
    ("", "Any"),
    ("a", "Alpha & <b>"),
    ("b", "Beta"),
    ("Group", [("c", "Gamma"), ("d", 'Delta "quoted"')]),
    (3, "Three"),
]


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (None, {}),
        ("a", {"id": "id_x", "class": "form-select"}),
        ("d", {"id": "id_x", "required": True, "aria-describedby": "id_x_helptext", "aria-invalid": "true"}),
        ("3", {"disabled": True}),
        (3, {}),
        ("not a choice", {}),
    ],
)
def test_fast_select_writes_the_html_of_djangos_select(value, attrs):
    django_widget, fast_widget = forms.Select(choices=CHOICES), FastSelect(choices=CHOICES)
    SimpleTestCase().assertHTMLEqual(
        fast_widget.render("x", value, attrs=attrs), django_widget.render("x", value, attrs=attrs)
    )


@pytest.mark.parametrize("value", [None, [], ["a"], ["a", "d", 3]])
def test_fast_select_multiple_writes_the_html_of_djangos(value):
    django_widget, fast_widget = forms.SelectMultiple(choices=CHOICES), FastSelectMultiple(choices=CHOICES)
    SimpleTestCase().assertHTMLEqual(
        fast_widget.render("x", value, attrs={"id": "id_x"}), django_widget.render("x", value, attrs={"id": "id_x"})
    )


def test_labels_and_values_are_escaped():
    html = FastSelect(choices=[('"><script>', "<script>alert(1)</script>")]).render("x", None)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_every_plain_select_of_a_parley_form_is_a_fast_one():
    from participants.forms import OrganizationFilterForm

    form = OrganizationFilterForm({})
    assert type(form.fields["kind"].widget) is FastSelect
    assert type(form.fields["country"].widget) is FastSelect
    assert faster(forms.RadioSelect()).__class__ is forms.RadioSelect  # left alone: not a plain select


# --- Type-ahead selects: a bounded few, the chosen one always among them ----------------------------


@pytest.fixture
def organisations(db):
    return [f.OrganizationFactory(name=f"Centre {number:03d}") for number in range(OPTION_LIMIT + 15)]


def test_the_participant_filter_shows_a_bounded_few_organisations(client, staff, organisations):
    client.force_login(staff)
    html = client.get(reverse("participants:participant-list")).content.decode()
    labels = options_of(html, "organization")
    assert labels[0] == "Any organisation"
    assert labels[1 : OPTION_LIMIT + 1] == [f"Centre {number:03d}" for number in range(OPTION_LIMIT)]
    assert labels[-1] == str(MORE_LABEL)
    assert len(labels) == OPTION_LIMIT + 2
    assert 'name="organization_search"' in html


def test_the_chosen_organisation_is_shown_and_selected_though_far_down_the_list(client, staff, organisations):
    chosen = organisations[-1]
    client.force_login(staff)
    html = client.get(reverse("participants:participant-list"), {"organization": chosen.pk}).content.decode()
    assert options_of(html, "organization")[1] == chosen.name
    assert selected_of(html, "organization") == [str(chosen.pk)]


def test_without_javascript_the_typed_text_narrows_the_options(client, staff, organisations):
    client.force_login(staff)
    html = client.get(reverse("participants:participant-list"), {"organization_search": "centre 03"}).content.decode()
    assert options_of(html, "organization")[1:] == [f"Centre {number:03d}" for number in range(30, OPTION_LIMIT + 15)]
    assert 'value="centre 03"' in html


def test_the_options_endpoint_answers_what_matches(client, staff, organisations):
    client.force_login(staff)
    url = reverse("core:choice-options", args=["organisations"])
    html = client.get(url, {"field": "organization", "organization_search": "Centre 01", "blank": "any"}).content
    assert options_of(f'<select name="organization">{html.decode()}</select>', "organization") == [
        "Any organisation",
        *[f"Centre {number:03d}" for number in range(10, 20)],
    ]
    nothing = client.get(url, {"field": "organization", "organization_search": "zzz", "blank": "none"}).content.decode()
    assert options_of(f'<select name="organization">{nothing}</select>', "organization") == [
        "---------",
        str(NONE_FOUND_LABEL),
    ]


def test_the_options_endpoint_keeps_the_chosen_one_selected(client, staff, organisations):
    client.force_login(staff)
    chosen = organisations[-1]
    url = reverse("core:choice-options", args=["organisations"])
    html = client.get(url, {"field": "organization", "organization": chosen.pk, "organization_search": "Centre 00"})
    assert selected_of(f'<select name="organization">{html.content.decode()}</select>', "organization") == [
        str(chosen.pk)
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"field": "<script>", "<script>_search": "x"},
        {"field": "organization", "organization": "abc"},
        {"field": "organization", "organization": "99999999999999999999999"},
        {"field": "organization", "organization": "-1"},
        {"field": "organization", "organization": "²"},
        {"field": "organization", "organization": "١٢"},
        {"field": "organization", "organization_search": "x" * 10_000},
        {"field": "organization", "organization_search": "%_\\"},
        {"blank": "<b>"},
        {},
    ],
)
def test_the_options_endpoint_answers_tampered_queries_calmly(client, staff, organisations, query):
    client.force_login(staff)
    response = client.get(reverse("core:choice-options", args=["organisations"]), query)
    assert response.status_code == 200
    assert b"<script>" not in response.content and b"<b>" not in response.content


def test_an_unknown_source_answers_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("core:choice-options", args=["passwords"])).status_code == 404


def test_an_initiative_the_user_may_not_see_is_never_offered_nor_chosen(client, staff):
    """Staff (INTERNAL) see INTERNAL initiatives; a CONFIDENTIAL one is neither listed, found nor kept."""
    seen = f.InitiativeFactory(level=Level.INTERNAL, codename="OPEN-1")
    hidden = f.InitiativeFactory(level=Level.CONFIDENTIAL, codename="SECRET-1", title="Hidden talks")
    client.force_login(staff)
    html = client.get(reverse("dialogues:workshop-list"), {"initiative": hidden.pk}).content.decode()
    assert options_of(html, "initiative")[1:] == [f"OPEN-1 — {seen.title}"]
    assert selected_of(html, "initiative") == []
    assert "SECRET-1" not in html and "Hidden talks" not in html
    url = reverse("core:choice-options", args=["initiatives"])
    found = client.get(url, {"field": "initiative", "initiative_search": "SECRET", "initiative": hidden.pk})
    assert b"SECRET" not in found.content and b"Hidden" not in found.content


def test_the_account_source_is_for_admins_only(client, staff, admin_user):
    url = reverse("core:choice-options", args=["accounts"])
    client.force_login(staff)
    assert client.get(url, {"field": "user", "user_search": "a"}).status_code == 404
    client.force_login(admin_user)
    response = client.get(url, {"field": "user", "user_search": staff.email})
    assert response.status_code == 200
    assert staff.email in response.content.decode()


def test_a_participant_form_keeps_and_changes_the_organisation(client, staff, organisations):
    participant = f.ParticipantFactory(organization=organisations[-1], level=Level.INTERNAL)
    client.force_login(staff)
    url = reverse("participants:participant-update", args=[participant.pk])
    html = client.get(url).content.decode()
    assert selected_of(html, "organization") == [str(organisations[-1].pk)]
    assert options_of(html, "organization")[0] == "---------"
    assert len(options_of(html, "organization")) <= OPTION_LIMIT + 3


# --- Every list page: the same work whatever the size of the tables behind it -----------------------


def count_rendering(monkeypatch):
    """A counter of template nodes rendered, patched into Django's template engine."""
    from django.template import base

    counter = {"nodes": 0}
    render_annotated = base.Node.render_annotated

    def counting(self, context):
        counter["nodes"] += 1
        return render_annotated(self, context)

    monkeypatch.setattr(base.Node, "render_annotated", counting)
    return counter


def grow(admin, times):
    """``times`` more of every table a list page or its filters read (more than a page of each)."""
    for _ in range(times):
        organisation = f.OrganizationFactory()
        f.ParticipantFactory(organization=organisation, level=Level.INTERNAL)
        initiative = f.InitiativeFactory(level=Level.INTERNAL)
        f.WorkshopFactory(initiative=initiative, level=Level.INTERNAL)
        account = f.UserFactory(role=Role.STAFF)
        record_account_change(by=admin, account=account, action=AccessLog.Action.ACCOUNT_CREATED)


LIST_PAGES = [
    "dialogues:initiative-list",
    "dialogues:workshop-list",
    "participants:participant-list",
    "participants:organization-list",
    "accounts:account-list",
    "core:access-log",
]


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_a_list_page_renders_as_much_at_twice_the_data(client, admin_user, monkeypatch, url_name, settings):
    """Template nodes rendered and options offered are bounded by the page, not by the tables: the
    same with two pages of every table (and more than a type-ahead shows) as with four."""
    settings.PARLEY_PAGE_SIZE = 10
    client.force_login(admin_user)
    url = reverse(url_name)
    counter = count_rendering(monkeypatch)

    def measure():
        counter["nodes"] = 0
        html = client.get(url).content.decode()
        assert html.count("<tr") > 10  # a full page of rows (and the header row)
        return counter["nodes"], html.count("<option")

    grow(admin_user, OPTION_LIMIT + 1)
    small_nodes, small_options = measure()
    grow(admin_user, OPTION_LIMIT + 1)
    nodes, options = measure()
    assert options == small_options
    # The rows shown differ (a name here, an empty city there), so a node or two may come and go;
    # a node per row of a table, or per organisation, would add dozens.
    assert abs(nodes - small_nodes) <= 5, (small_nodes, nodes)
    assert Organization.objects.count() > 2 * OPTION_LIMIT


def test_a_type_ahead_is_valid_markup_whose_references_resolve(client, staff, organisations):
    from .test_markup import BARE_HTMX, missing_id_references

    client.force_login(staff)
    html = client.get(reverse("participants:participant-list")).content.decode()
    assert not BARE_HTMX.search(html)
    assert 'aria-controls="id_organization"' in html and 'data-hx-target="#id_organization"' in html
    assert missing_id_references(html) == []


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 30, "1e3", " 7 "])
def test_a_filter_page_shows_a_tampered_choice_calmly(client, staff, value):
    client.force_login(staff)
    for url, name in (
        (reverse("dialogues:workshop-list"), "initiative"),
        (reverse("participants:participant-list"), "organization"),
    ):
        assert client.get(url, {name: value}).status_code == 200
