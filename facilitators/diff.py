"""A readable side-by-side diff between two versions of an outcome report.

Each section is compared line by line (``difflib``); a line changed in place is compared again word by word,
so that the words taken out and put in are highlighted (``<del>``, ``<ins>``) rather than the whole line.
Every piece of text is escaped before it is wrapped: the diff shows the Markdown as written, never as HTML.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from core.levels import Level

# Beyond this many words on either side of a changed line, the line is shown as replaced, whole: comparing
# word by word costs the product of the two lengths.
WORD_DIFF_LIMIT = 3000

SECTIONS = (
    ("summary", _("Summary")),
    ("convergence", _("Points of convergence")),
    ("divergence", _("Points of divergence")),
    ("options", _("Options and ideas generated")),
    ("next_steps", _("Agreed next steps")),
    ("public_summary", _("Public summary")),
    ("level", _("Confidentiality level")),
)

_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass
class Row:
    """One line of the side-by-side view: ``kind`` is equal, changed, removed or added; a side is ``None``
    where that version has no line."""

    kind: str
    left: SafeString | None
    right: SafeString | None
    left_number: int | None = None
    right_number: int | None = None


@dataclass
class SectionDiff:
    name: str
    label: str
    rows: list = field(default_factory=list)

    @property
    def changed(self):
        return any(row.kind != "equal" for row in self.rows)


DELETED = '<del class="diff-del bg-danger-subtle">{}</del>'
INSERTED = '<ins class="diff-ins bg-success-subtle">{}</ins>'


def _marked(wrapper, text):
    return mark_safe(wrapper.format(escape(text)))  # noqa: S308 (escaped)


def _escaped(text):
    return mark_safe(escape(text))  # noqa: S308 (escaped)


def _words_compared(old, new):
    """``(old, new)`` as HTML, the words only in ``old`` in ``<del>``, those only in ``new`` in ``<ins>``."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    if max(len(a), len(b)) > WORD_DIFF_LIMIT:
        return _marked(DELETED, old), _marked(INSERTED, new)
    left, right = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        taken, put = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(taken)
            right.append(put)
            continue
        if taken:
            left.append(DELETED.format(taken))
        if put:
            right.append(INSERTED.format(put))
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 (each piece escaped)


def diff_texts(old, new):
    """The rows of the side-by-side comparison of two texts."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [
                Row("equal", _escaped(a[i]), _escaped(b[j]), i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            left, right = _words_compared(a[i1 + offset], b[j1 + offset])
            rows.append(Row("changed", left, right, i1 + offset + 1, j1 + offset + 1))
        for i in range(i1 + paired, i2):
            rows.append(Row("removed", _marked(DELETED, a[i]), None, i + 1))
        for j in range(j1 + paired, j2):
            rows.append(Row("added", None, _marked(INSERTED, b[j]), None, j + 1))
    return rows


def _shown(name, value):
    if name == "level":
        try:
            return str(Level(value).label)
        except ValueError:
            return ""
    return value if isinstance(value, str) else ""


def diff_versions(old_content, new_content):
    """Every section of two versions' ``content``, compared: ``[SectionDiff]``, in the report's order."""
    return [
        SectionDiff(name, label, diff_texts(_shown(name, old_content.get(name)), _shown(name, new_content.get(name))))
        for name, label in SECTIONS
    ]
