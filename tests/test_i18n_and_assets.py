"""Right-to-left pages, a CSP-clean set of templates, the "Add another" formset rows and the favicon."""

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse

from core.levels import Level, Role
from dialogues.forms import PartyFormSet
from dialogues.models import AgendaSession, Initiative, TeamMembership, Workshop

from . import factories as f

RTL_CSS = "vendor/bootstrap/bootstrap.rtl.min.css"
LTR_CSS = "vendor/bootstrap/bootstrap.min.css"


# --- helpers -------------------------------------------------------------------------------------


def led_initiative(make_user):
    """An INTERNAL initiative led by a staff member, who may edit it and add workshops to it."""
    lead = make_user(Role.STAFF, Level.INTERNAL)
    initiative = f.InitiativeFactory(level=Level.INTERNAL)
    f.TeamMembershipFactory(initiative=initiative, user=lead, role=TeamMembership.Role.LEAD)
    return initiative, lead


PAGES = {
    "dashboard": lambda initiative: reverse("dashboard:home"),
    "initiative edit": lambda initiative: reverse("dialogues:initiative-update", args=[initiative.pk]),
    "workshop create": lambda initiative: reverse("dialogues:workshop-create", args=[initiative.pk]),
}


def template_files():
    """Every project template: templates/ and each app's templates/ folder (not installed packages)."""
    base = Path(settings.BASE_DIR)
    folders = [base / "templates", *sorted(base.glob("*/templates"))]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=\s*[\"']", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def csp_violations(text):
    """What a strict CSP (no 'unsafe-inline') would block in a template's source."""
    return [
        f"{kind}: {match.group(0).strip()}"
        for kind, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("style attribute", STYLE_ATTRIBUTE),
            ("event handler", EVENT_HANDLER),
        )
        for match in pattern.finditer(text)
    ]


# --- right to left -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_pages_in_arabic_are_right_to_left_with_the_rtl_bootstrap(client, make_user, page):
    initiative, lead = led_initiative(make_user)
    client.force_login(lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    response = client.get(PAGES[page](initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert RTL_CSS in html
    assert LTR_CSS not in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_pages_in_english_are_left_to_right_with_the_ltr_bootstrap(client, make_user, page):
    initiative, lead = led_initiative(make_user)
    client.force_login(lead)

    response = client.get(PAGES[page](initiative), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert LTR_CSS in html
    assert RTL_CSS not in html


@pytest.mark.django_db
def test_a_user_who_prefers_arabic_gets_right_to_left_pages_without_choosing_again(client, make_user):
    user = make_user(Role.STAFF, Level.INTERNAL, preferred_language="ar")
    client.force_login(user)

    html = client.get(reverse("dashboard:home")).content.decode()

    assert 'dir="rtl"' in html
    assert RTL_CSS in html


# --- the content security policy -----------------------------------------------------------------


def test_the_project_has_templates_to_scan():
    names = {path.name for path in template_files()}
    assert {"base.html", "_formset.html", "dashboard.html"} <= names


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<script type="module">import x from "y";</script>',
        '<div style="color: red">',
        "<p style='margin: 0'>",
        '<button onclick="go()">',
        '<body onload="start()">',
        '<input onChange="check()">',
    ],
)
def test_the_scan_recognises_what_the_csp_forbids(source):
    assert csp_violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "<script src=\"{% static 'js/formset.js' %}\" defer></script>",
        '<script defer src="/static/x.js"></script>',
        '<button type="button" data-formset-add hidden>',
        '<div hx-on::after-request="">',  # HTMX attributes are fine
        '<p class="text-body-secondary">Someone = someone else</p>',
    ],
)
def test_the_scan_lets_through_what_the_csp_allows(source):
    assert not csp_violations(source)


def test_no_template_has_inline_scripts_style_attributes_or_event_handlers():
    found = {
        str(path.relative_to(settings.BASE_DIR)): violations
        for path in template_files()
        if (violations := csp_violations(path.read_text(encoding="utf-8")))
    }
    assert found == {}


# --- formsets: "Add another" ---------------------------------------------------------------------


def test_the_formset_template_holds_the_empty_form_in_a_template_element():
    formset = PartyFormSet(instance=Initiative(), prefix="parties")

    html = render_to_string("dialogues/_formset.html", {"formset": formset, "legend": "Parties"})

    template = re.search(r"<template data-formset-empty-form>(.*?)</template>", html, re.S)
    assert template, "the empty form is not in a <template> element"
    assert 'name="parties-__prefix__-name"' in template.group(1)
    assert 'id="id_parties-__prefix__-name"' in template.group(1)
    assert "data-formset-add" in html


@pytest.mark.django_db
def test_the_workshop_form_renders_the_empty_session_row_with_prefix_and_loads_the_formset_script(client, make_user):
    initiative, lead = led_initiative(make_user)
    client.force_login(lead)

    html = client.get(reverse("dialogues:workshop-create", args=[initiative.pk])).content.decode()

    template = re.search(r"<template data-formset-empty-form>(.*?)</template>", html, re.S)
    assert template, "the empty form is not in a <template> element"
    assert 'name="sessions-__prefix__-title"' in template.group(1)
    assert 'name="sessions-__prefix__-starts_at"' in template.group(1)
    assert "__prefix__" not in html.replace(template.group(0), "")  # only the template holds the placeholder
    assert 'name="sessions-2-title"' in html  # the blank rows still work without JavaScript
    assert re.search(r"<button[^>]*data-formset-add[^>]*hidden[^>]*>Add another</button>", html)
    assert '<script src="/static/js/formset.js" defer></script>' in html


@pytest.mark.django_db
def test_the_initiative_edit_page_has_an_empty_row_for_each_formset(client, make_user):
    initiative, lead = led_initiative(make_user)
    client.force_login(lead)

    html = client.get(reverse("dialogues:initiative-update", args=[initiative.pk])).content.decode()

    for prefix in ("parties", "team", "fundings"):
        assert f'data-formset="{prefix}"' in html
        assert f'name="{prefix}-__prefix__-' in html
    assert html.count("<template data-formset-empty-form>") == 3
    assert "js/formset.js" in html


@pytest.mark.django_db
def test_the_new_initiative_page_without_formsets_does_not_load_the_formset_script(client, make_user):
    client.force_login(make_user(Role.STAFF, Level.INTERNAL))

    html = client.get(reverse("dialogues:initiative-create")).content.decode()

    assert "js/formset.js" not in html


@pytest.mark.django_db
def test_sessions_added_in_the_browser_beyond_the_blank_rows_are_saved(client, make_user):
    """What formset.js posts after three clicks on "Add another": rows 3 to 5 and TOTAL_FORMS 6."""
    initiative, lead = led_initiative(make_user)
    client.force_login(lead)
    data = {
        "title": "Lakeside roundtable",
        "kind": Workshop.Kind.ROUNDTABLE,
        "city": "Geneva",
        "country": "CH",
        "time_zone": "Europe/Zurich",
        "starts_at": "2027-01-15T09:00",
        "ends_at": "2027-01-16T17:00",
        "capacity": "24",
        "reminder_days": "7, 1",
        "chase_after_days": "5",
        "level": str(Level.INTERNAL),
        "status": Workshop.Status.PLANNED,
        "sessions-TOTAL_FORMS": "6",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    for index in range(6):
        data |= {
            f"sessions-{index}-title": f"Session {index + 1}",
            f"sessions-{index}-starts_at": f"2027-01-15T{9 + index:02d}:00",
            f"sessions-{index}-ends_at": f"2027-01-15T{9 + index:02d}:45",
        }

    response = client.post(reverse("dialogues:workshop-create", args=[initiative.pk]), data)

    assert response.status_code == 302
    titles = AgendaSession.objects.filter(workshop__initiative=initiative).order_by("starts_at")
    assert list(titles.values_list("title", flat=True)) == [f"Session {n}" for n in range(1, 7)]


def test_the_formset_script_exists_and_has_no_eval():
    path = finders.find("js/formset.js")
    assert path
    source = Path(path).read_text(encoding="utf-8")
    assert "__prefix__" in source and "TOTAL_FORMS" in source
    assert not re.search(r"\beval\(|new Function\(|innerHTML", source)


# --- favicon -------------------------------------------------------------------------------------


def test_the_favicon_is_a_small_svg_without_text_or_scripts():
    path = finders.find("img/favicon.svg")
    assert path
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert not tags & {"text", "script", "style", "foreignObject", "image"}
    assert Path(path).stat().st_size < 2048


@pytest.mark.django_db
def test_every_page_links_the_svg_favicon(client, make_user):
    client.force_login(make_user(Role.STAFF, Level.INTERNAL))

    html = client.get(reverse("dashboard:home")).content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
