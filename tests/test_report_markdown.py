"""The Markdown of outcome reports is rendered to sanitised HTML: nothing that runs, nothing that loads."""

import re

import pytest
from django.utils.safestring import SafeString

from facilitators.markup import render_markdown, sanitise_html


def test_markdown_is_rendered_to_safe_html():
    html = render_markdown("# Heading\n\nSome **bold** and _emphasis_.\n\n- one\n- two\n\n> quoted")
    assert isinstance(html, SafeString)
    assert "<h3>Heading</h3>" in html  # shifted below the page's own headings
    assert "<strong>bold</strong>" in html and "<em>emphasis</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html and "<blockquote>" in html


def test_no_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_a_script_is_shown_as_text_never_as_a_tag():
    html = render_markdown("<script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_raw_html_does_not_survive():
    html = render_markdown('<div onclick="x()">hi</div><iframe src="https://evil.example"></iframe>')
    assert "<div" not in html and "<iframe" not in html


@pytest.mark.parametrize(
    "text",
    ['<img src=x onerror="alert(1)">', "<b onmouseover=alert(1)>x</b>", "<p ONERROR=alert(1)>x</p>"],
)
def test_no_event_handler_attribute_survives(text):
    for html in (render_markdown(text), sanitise_html(text)):
        assert not [name for name in _attributes(html) if name.startswith("on")]


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java%0Ascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        '<a href="javascript:alert(1)">click</a>',
    ],
)
def test_a_javascript_or_data_link_is_never_a_link(text):
    assert "href" not in _attributes(render_markdown(text))


def test_the_sanitiser_alone_drops_a_javascript_href_and_a_script():
    html = sanitise_html('<a href="javascript:alert(1)">x</a><script>alert(1)</script><img src=x onerror=y>')
    assert "javascript" not in html and "<script" not in html and "alert" not in html and "<img" not in html


def test_web_and_mail_links_are_kept_with_noopener():
    html = render_markdown("[site](https://example.org/a) and [mail](mailto:a@example.org)")
    assert '<a href="https://example.org/a" rel="noopener noreferrer">site</a>' in html
    assert '<a href="mailto:a@example.org" rel="noopener noreferrer">mail</a>' in html


def test_an_image_is_never_loaded_only_its_alt_text_is_shown():
    html = render_markdown("![a *chart*](https://tracker.example/pixel.png)")
    assert "<img" not in html and "tracker.example" not in html
    assert "a chart" in html


def test_an_image_tag_in_html_is_dropped():
    assert "<img" not in sanitise_html('<img src="https://tracker.example/p.png">')


def test_tables_and_code_are_kept():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nx < y\n```")
    assert "<table>" in html and "<th>a</th>" in html and "<td>2</td>" in html
    assert "<pre><code>x &lt; y" in html


def _attributes(html):
    """The names of the attributes of every tag in ``html``."""
    tags = "".join(re.findall(r"<[^>]*>", html)).lower()
    return re.findall(r"\s([a-z-]+)=", tags)
