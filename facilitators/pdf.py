"""An outcome report as a PDF, for one viewer (fpdf2, shaped by HarfBuzz).

Every page carries the report's confidentiality level as a banner at its top and bottom, and a
watermark across it naming the viewer (name and e-mail) and the time of export, in UTC and in the
viewer's zone. The text is what the viewer may see: the workshop by its title, the initiative by its
codename only. The sections are Markdown rendered to sanitised HTML (``facilitators.markup``) and
written with fpdf2's ``write_html``; should fpdf2 refuse some construct, the whole document is
written again with the sections as plain text, never a failed export.

Fonts: DejaVu Sans, vendored in ``facilitators/fonts`` (licence beside them); it covers Latin,
Cyrillic and Arabic. HarfBuzz joins Arabic letters, and fpdf2's bidi algorithm runs right-to-left
text right to left; shaping is switched on only for text that needs it (it is ten times slower).
No italic cut is vendored: Markdown emphasis is underlined.

Which version: by default the current text, except while an approved report is being amended, when
it is the approved version (the amendment is not the report of record until approved again); any
kept version can be asked for by number.
"""

import datetime as dt
import html
import logging
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import BadRequest
from django.http import Http404
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace, TextStyle
from fpdf.enums import XPos, YPos
from fpdf.errors import FPDFException

from core.levels import Level

from .markup import render_markdown
from .models import OutcomeReport

# fontTools tells of every glyph it keeps when fpdf2 subsets a font: not news for Parley's logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
# The five sections, in the order of the report's form; then the public summary.
SECTIONS = ("summary", "convergence", "divergence", "options", "next_steps")
PUBLIC_SUMMARY = "public_summary"
# The largest version number a query may name (the column is a 32-bit integer).
MAX_VERSION = 2**31 - 1

INK = (33, 37, 41)
MUTED = (108, 117, 125)
WATERMARK_INK = (215, 215, 215)
BANNER_COLOURS = {
    Level.PUBLIC: ((25, 135, 84), (255, 255, 255)),
    Level.INTERNAL: ((13, 110, 253), (255, 255, 255)),
    Level.CONFIDENTIAL: ((253, 126, 20), (0, 0, 0)),
    Level.STRICTLY_CONFIDENTIAL: ((176, 42, 55), (255, 255, 255)),
}


@dataclass(frozen=True)
class ExportedReport:
    data: bytes
    version: int
    page_count: int


class ReportVersionRefused(BadRequest):
    """A ``version`` that is not a version number at all (answered 400)."""


def chosen_version(report, raw=None):
    """The version of ``report`` to export and its text: ``(number, {field: text})``.

    ``raw`` is the ``version`` of the query string: ``None`` or blank for the default (the approved version
    while an amendment is in progress, else the current one). Not a positive whole number →
    ``ReportVersionRefused``; a number the report never kept → ``Http404``.
    """
    raw = (raw or "").strip()
    if not raw:
        number = report.version
        if report.approved_version and report.status != OutcomeReport.Status.APPROVED:
            number = report.approved_version
    else:
        if not (raw.isascii() and raw.isdigit()):
            raise ReportVersionRefused(_("The version must be a whole number, such as 1 or 2."))
        number = int(raw) if len(raw) <= 12 else 0  # (a longer number is no version either)
        if not 1 <= number <= MAX_VERSION:
            raise Http404(_("This report has no such version."))
    current = {name: getattr(report, name) for name in (*SECTIONS, PUBLIC_SUMMARY)}
    if number == report.version:
        return number, current
    kept = report.versions.filter(number=number).values_list("content", flat=True).first()
    if kept is None:
        raise Http404(_("This report has no such version."))
    kept = kept if isinstance(kept, dict) else {}
    content = {name: str(kept.get(name) or "") for name in SECTIONS}
    # A version kept before the public summary joined the history has none of its own.
    content[PUBLIC_SUMMARY] = str(kept.get(PUBLIC_SUMMARY) or "")
    return number, content


def export(*, report, user, version=None, zone_name="UTC", now=None):
    """``report`` as a PDF for ``user`` (who may see it: the caller has read it through ``visible_to``),
    in the active language. ``version`` as ``chosen_version`` takes it; ``zone_name`` is the viewer's zone."""
    number, content = chosen_version(report, version)
    now = now or timezone.now()
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone, zone_name = dt.UTC, "UTC"
    context = {
        "report": report,
        "user": user,
        "number": number,
        "content": content,
        "now_utc": now.astimezone(dt.UTC),
        "now_local": now.astimezone(zone),
        "zone_name": zone_name,
    }
    try:
        document = _build(context, rich=True)
    except (FPDFException, NotImplementedError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        # fpdf2's HTML writer refused something in the text: the same document, the sections as plain text.
        document = _build(context, rich=False)
    return ExportedReport(data=bytes(document.output()), version=number, page_count=document.pages_count)


# --- Building the document ------------------------------------------------------------------------


class ReportDocument(FPDF):
    def __init__(self, *, banner, banner_colours, watermark, rtl):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.banner = banner
        self.banner_colours = banner_colours
        self.watermark = watermark
        self.rtl = rtl
        self.start = "R" if rtl else "L"
        self.add_font(FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_margins(left=18, top=24, right=18)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_creator("Parley")
        self.set_lang(translation.get_language() or "en")
        self.set_font(FAMILY, size=10)
        self.set_text_color(*INK)

    def shape_for(self, *texts):
        """Switch HarfBuzz on for what is about to be written if it needs it, off otherwise (fpdf2 shapes
        every candidate line while it breaks a paragraph: slow, and only worth it where the script needs it)."""
        self.set_text_shaping(use_shaping_engine=any(needs_shaping(text) for text in texts))

    def _banner(self, y):
        fill, ink = self.banner_colours
        with self.local_context():
            self.set_fill_color(*fill)
            self.set_text_color(*ink)
            self.set_font(FAMILY, "B", 10)
            self.set_xy(self.l_margin, y)
            self.shape_for(self.banner)
            self.cell(self.epw, 7, self.banner, align="C", fill=True)

    def _watermark(self):
        """Across the page, under the text: who exported it and when."""
        with self.local_context():
            self.set_text_color(*WATERMARK_INK)
            self.set_font(FAMILY, "B", 13)
            centre_x, centre_y = self.w / 2, self.h / 2
            width = self.h * 1.05
            self.shape_for(*self.watermark)
            with self.rotation(angle=55, x=centre_x, y=centre_y):
                for offset, line in zip((-9, 0, 9), self.watermark, strict=False):
                    self.set_xy(centre_x - width / 2, centre_y + offset - 4)
                    self.cell(width, 8, line, align="C")

    def header(self):
        self._watermark()
        self._banner(8)
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self):
        self._banner(self.h - 15)
        with self.local_context():
            self.set_font(FAMILY, "", 7)
            self.set_text_color(*MUTED)
            self.set_xy(self.l_margin, self.h - 7.5)
            page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
            self.shape_for(page)
            self.cell(self.epw, 4, page, align="C")


def needs_shaping(text):
    """Whether ``text`` needs HarfBuzz: right-to-left letters (Arabic joins, and runs right to left) or
    combining marks to place. Latin and Cyrillic lay out the same without it, ten times faster."""
    return any(
        unicodedata.bidirectional(char) in ("R", "AL", "AN") or unicodedata.category(char) in ("Mn", "Mc")
        for char in str(text)
        if ord(char) > 0x2FF
    )


def _level_label(level):
    return str(Level(level).label).upper()


def _stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M")


def _build(context, *, rich):
    report, user = context["report"], context["user"]
    level = report.effective_level
    watermark = [
        _("Exported for %(name)s <%(email)s>") % {"name": user.full_name or user.email, "email": user.email},
        _("on %(utc)s UTC") % {"utc": _stamp(context["now_utc"])},
    ]
    if context["zone_name"] != "UTC":
        watermark.append(
            _("%(local)s %(zone)s") % {"local": _stamp(context["now_local"]), "zone": context["zone_name"]}
        )
    pdf = ReportDocument(
        banner=_level_label(level),
        banner_colours=BANNER_COLOURS.get(level, BANNER_COLOURS[Level.STRICTLY_CONFIDENTIAL]),
        watermark=watermark,
        rtl=translation.get_language_bidi(),
    )
    pdf.add_page()
    _title_block(pdf, context)
    for name in SECTIONS:
        label = capfirst(OutcomeReport._meta.get_field(name).verbose_name)
        _section(pdf, label, context["content"][name], rich=rich)
    public_summary = context["content"][PUBLIC_SUMMARY]
    if public_summary.strip():
        _section(
            pdf,
            capfirst(OutcomeReport._meta.get_field(PUBLIC_SUMMARY).verbose_name),
            public_summary,
            rich=rich,
            note=_("Public once the report is approved; everything else keeps the report's level."),
        )
    return pdf


def _line(pdf, text, *, size=10, style="", colour=INK, height=None):
    pdf.set_font(FAMILY, style, size)
    pdf.set_text_color(*colour)
    pdf.shape_for(text)
    pdf.multi_cell(pdf.epw, height or size * 0.5, text, align=pdf.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _title_block(pdf, context):
    report = context["report"]
    workshop = report.workshop
    number = context["number"]
    _line(pdf, _("Outcome report"), size=9, colour=MUTED)
    _line(pdf, workshop.title, size=16, style="B", height=8)
    if report.session_id:
        _line(pdf, _("Session: %(title)s") % {"title": report.session.title}, size=11, style="B")
    place = ", ".join(part for part in (workshop.city, str(workshop.country.name or "")) if part)
    when = formats.date_format(workshop.local_starts_at, "DATE_FORMAT")
    facts = [
        _("Initiative: %(codename)s") % {"codename": workshop.initiative.codename},
        _("%(kind)s, %(date)s") % {"kind": workshop.get_kind_display(), "date": when}
        + (f" · {place}" if place else ""),
        _("Confidentiality: %(level)s") % {"level": Level(report.effective_level).label},
        _("Status: %(status)s") % {"status": report.get_status_display()},
    ]
    if number == report.version:
        facts.append(_("Version %(number)s (the current text)") % {"number": number})
    else:
        facts.append(_("Version %(number)s of %(latest)s") % {"number": number, "latest": report.version})
    if number == report.approved_version:
        if report.approved_at:
            approved = formats.date_format(timezone.localtime(report.approved_at), "DATE_FORMAT")
            facts.append(_("The approved version (approved %(date)s)") % {"date": approved})
        else:
            facts.append(_("The approved version"))
        if report.status != OutcomeReport.Status.APPROVED:
            facts.append(_("An amendment is in progress; it is not included."))
    elif report.approved_version:
        facts.append(_("Not the approved version (that is version %(number)s).") % {"number": report.approved_version})
    else:
        facts.append(_("Not approved yet."))
    if report.non_attribution:
        facts.append(_("Chatham House Rule: statements are recorded without speakers."))
    pdf.ln(1)
    for fact in facts:
        _line(pdf, fact, size=9, colour=MUTED)
    pdf.ln(3)


def _section(pdf, label, text, *, rich, note=""):
    pdf.ln(2)
    _line(pdf, label, size=13, style="B", height=7)
    if note:
        _line(pdf, note, size=8, colour=MUTED)
    pdf.set_draw_color(*MUTED)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    if not str(text).strip():
        _line(pdf, _("Nothing recorded."), size=10, colour=MUTED)
        return
    if rich:
        _write_markdown(pdf, text)
    else:
        _line(pdf, str(text), size=10, height=5)


def _refuse_images(src):
    # The sanitiser lets no image through; should one ever reach the PDF, nothing is fetched.
    raise ValueError("images are not rendered in reports")


TAG_STYLES = {
    "a": FontFace(color=(13, 110, 253), emphasis="UNDERLINE"),
    # No italic cut is vendored: emphasis is underlined instead.
    "em": FontFace(emphasis="UNDERLINE"),
    "i": FontFace(emphasis="UNDERLINE"),
    "code": FontFace(family=FAMILY),
    "pre": TextStyle(t_margin=2, font_family=FAMILY, color=(73, 80, 87)),
    "blockquote": TextStyle(color=(73, 80, 87), t_margin=2, b_margin=2, l_margin=6),
    "h3": TextStyle(color=INK, font_size_pt=12, t_margin=3, b_margin=0.4, font_style="B"),
    "h4": TextStyle(color=INK, font_size_pt=11, t_margin=3, b_margin=0.4, font_style="B"),
    "h5": TextStyle(color=INK, font_size_pt=10, t_margin=2, b_margin=0.4, font_style="B"),
    "h6": TextStyle(color=INK, font_size_pt=10, t_margin=2, b_margin=0.4, font_style="B"),
    "li": TextStyle(l_margin=5, t_margin=1),
}
_BLOCK = re.compile(r"<(p|h[3-6])>(.*?)</\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _starts_right_to_left(fragment):
    """Whether a block's first strong character is right-to-left (Arabic, Hebrew …)."""
    for char in html.unescape(_TAG.sub("", fragment)):
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _aligned(rendered, *, rtl_document):
    """Each paragraph and heading aligned to where its own script starts (an Arabic paragraph at the right)."""

    def align(match):
        tag, inner = match.group(1), match.group(2)
        rtl = _starts_right_to_left(inner) if inner.strip() else rtl_document
        return f'<{tag} align="{"right" if rtl else "left"}">{inner}</{tag}>'

    return _BLOCK.sub(align, rendered)


def _write_markdown(pdf, text):
    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(*INK)
    rendered = _aligned(str(render_markdown(text)), rtl_document=pdf.rtl)
    pdf.shape_for(text)
    pdf.write_html(
        rendered,
        font_family=FAMILY,
        tag_styles=TAG_STYLES,
        image_map=_refuse_images,
        li_prefix_color=MUTED,
        ul_bullet_char="\u2022",
        warn_on_tags_not_matching=False,
    )
    pdf.set_x(pdf.l_margin)
