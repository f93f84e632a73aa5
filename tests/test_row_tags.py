"""The pieces every list row shows, written in Python (core_tags): escaped, and a masked identity stays masked."""

import datetime as dt
from types import SimpleNamespace

from django.template import Context, Template


def render(source, **context):
    return Template("{% load core_tags %}" + source).render(Context(context))


def person(**fields):
    defaults = {"identity_visible": True, "display_name": "Amal <b>Haddad</b>", "get_absolute_url": lambda: "/p/1/"}
    return SimpleNamespace(**{**defaults, **fields})


def test_a_visible_name_is_escaped_and_linked():
    html = render("{% participant_name p link=True %}", p=person())
    assert html == '<a href="/p/1/">Amal &lt;b&gt;Haddad&lt;/b&gt;</a>'


def test_a_masked_identity_shows_the_codename_marked_as_such():
    html = render("{% participant_name p %}", p=person(identity_visible=False, display_name="HERON-7"))
    assert html == '<span class="codename" title="Identity protected: shown by codename">HERON-7</span>'


def test_the_level_badge_names_the_level_and_an_unknown_one():
    assert render("{% level_badge 30 %}") == '<span class="badge level-badge level-30">Confidential</span>'
    assert render("{% level_badge 99 %}") == '<span class="badge level-badge level-99">Unknown</span>'


def test_a_workshop_is_shown_in_its_venues_time_zone():
    workshop = SimpleNamespace(
        starts_at=dt.datetime(2026, 12, 16, 8, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 12, 17, 15, 0, tzinfo=dt.UTC),
        time_zone="Asia/Beirut",
    )
    html = render("{% workshop_when w %}", w=workshop)
    assert '<time datetime="2026-12-16T08:00:00+00:00">16 Dec 2026, 10:00</time>' in html
    assert "(Asia/Beirut)" in html


def test_an_initiative_the_viewer_may_not_open_is_its_codename_alone():
    initiative = SimpleNamespace(title="Secret <i>talks</i>", codename="ALBATROSS", get_absolute_url=lambda: "/i/1/")
    hidden = render("{% initiative_label w %}", w=SimpleNamespace(initiative=initiative, initiative_visible=False))
    assert hidden == '<span class="codename">ALBATROSS</span>'
    shown = render("{% initiative_label w %}", w=SimpleNamespace(initiative=initiative, initiative_visible=True))
    assert shown == '<a href="/i/1/">Secret &lt;i&gt;talks&lt;/i&gt;</a> <span class="codename small">ALBATROSS</span>'
