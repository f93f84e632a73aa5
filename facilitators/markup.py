"""Markdown of outcome reports, rendered to HTML that is safe to put in a page.

Two layers: markdown-it-py parses CommonMark with raw HTML switched off (so ``<script>`` in the text is
shown as text, never as a tag), then nh3 keeps only an allow-list of tags and attributes. No image
survives (a remote image would tell its server who read the report, and when): an image is rendered as
its alt text. Links keep http, https and mailto targets only and open with ``rel="noopener noreferrer"``.
Headings are shifted down two levels (``#`` → ``<h3>``) so a report's text never outranks the page's own.
"""

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Tags whose content goes with them, should they ever reach the sanitiser.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}


def _image_as_alt_text(self, tokens, idx, options, env):
    return escape(self.renderInlineAsText(tokens[idx].children or [], options, env))


def _parser():
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    parser.add_render_rule("image", _image_as_alt_text)

    def shift_headings(state):
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(6, int(token.tag[1]) + 2)}"

    parser.core.ruler.push("shift_headings", shift_headings)
    return parser


_PARSER = _parser()


def sanitise_html(html: str) -> str:
    """``html`` with everything outside the allow-list taken out."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        url_relative="deny",
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text) -> SafeString:
    """The Markdown ``text`` as sanitised HTML, ready for a template (empty for no text)."""
    if not text:
        return SafeString("")
    return mark_safe(sanitise_html(_PARSER.render(str(text))))  # noqa: S308 (nh3-sanitised just above)
