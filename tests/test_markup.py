"""Valid, accessible markup (what the Nu HTML checker and axe found): no ``hx-*`` attributes outside
``data-``, checkbox groups as fieldsets with a legend, every id a page refers to present, and every
table that may scroll sideways a focusable, named box."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.levels import Level, Role
from dialogues.models import TeamMembership

from . import factories as f

BARE_HTMX = re.compile(r"\shx-[a-z-]+\s*=")
TABLE_BOX = re.compile(r'<div class="table-responsive"[^>]*>')
ID_REFERENCES = re.compile(r'\s(for|list|aria-describedby|aria-labelledby|aria-controls)="([^"]*)"')
IDS = re.compile(r'\sid="([^"]+)"')


def template_files():
    base = Path(settings.BASE_DIR)
    folders = [base / "templates", *sorted(base.glob("*/templates"))]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


def missing_id_references(html):
    ids = set(IDS.findall(html))
    return [
        f'{attribute}="{value}"'
        for attribute, value in ID_REFERENCES.findall(html)
        for reference in value.split() or [""]
        if reference not in ids
    ]


@pytest.fixture
def lead_and_initiative(make_user):
    lead = make_user(Role.STAFF, Level.INTERNAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    return lead, initiative


def test_templates_write_htmx_attributes_as_valid_data_attributes():
    found = [
        f"{path.name}: {match.group(0).strip()}"
        for path in template_files()
        for match in BARE_HTMX.finditer(path.read_text())
    ]
    assert not found


def test_the_page_sends_the_csrf_token_to_htmx_in_a_data_attribute(client, staff):
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert re.search(r'<body [^>]*data-hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)
    assert not BARE_HTMX.search(html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "legend"),
    [("workshop", "Working languages"), ("participant", "Languages")],
)
def test_a_group_of_checkboxes_is_a_fieldset_named_by_its_legend(client, lead_and_initiative, page, legend):
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    url = {
        "workshop": reverse("dialogues:workshop-create", args=[initiative.pk]),
        "participant": reverse("participants:participant-create"),
    }[page]

    html = client.get(url).content.decode()

    assert re.search(rf'<fieldset class="mb-3" id="id_languages-field">\s*<legend[^>]*>{legend}</legend>', html)
    assert 'for=""' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["workshop create", "initiative edit", "participant create", "initiative list"])
def test_every_id_a_page_refers_to_is_on_the_page(client, lead_and_initiative, page):
    """Labels, lists and aria references point at elements that exist (help texts included)."""
    lead, initiative = lead_and_initiative
    client.force_login(lead)
    url = {
        "workshop create": reverse("dialogues:workshop-create", args=[initiative.pk]),
        "initiative edit": reverse("dialogues:initiative-update", args=[initiative.pk]),
        "participant create": reverse("participants:participant-create"),
        "initiative list": reverse("dialogues:initiative-list"),
    }[page]

    html = client.get(url).content.decode()

    assert missing_id_references(html) == []


def test_every_table_that_may_scroll_sideways_is_a_focusable_named_box():
    """axe's scrollable-region-focusable: a keyboard user must be able to reach and scroll it."""
    wrong = []
    for path in template_files():
        text = path.read_text()
        for box in TABLE_BOX.findall(text):
            named = "aria-labelledby=" in box or "aria-label=" in box
            if 'tabindex="0"' not in box or 'role="group"' not in box or not named:
                wrong.append(f"{path.name}: {box}")
    assert not wrong, "\n".join(wrong)


def test_formset_rows_become_cards_on_a_phone_with_their_labels_shown():
    """The initiative edit page no longer scrolls sideways at 390 px: below md a formset row is a card."""
    css = (Path(settings.BASE_DIR) / "static/css/parley.css").read_text()
    phone = css[css.index("@media (max-width: 767.98px)") :]
    assert ".formset-table, .formset-table tbody, .formset-table tr, .formset-table td { display: block; }" in phone
    assert ".table-responsive { position: relative; }" in css  # hidden labels stay inside their box
    row = (Path(settings.BASE_DIR) / "dialogues/templates/dialogues/_formset_row.html").read_text()
    assert 'class="formset-label"' in row
    assert "visually-hidden" not in row
