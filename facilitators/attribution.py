"""The non-attribution check (Chatham House) of an outcome report, before it is submitted.

``attribution_terms(user, workshop)`` lists what would attribute a statement to one of the workshop's
invitees: their names, codenames and organisations, each only as far as ``user`` may see it (a masked
person's codename, never their name or affiliation). ``find_attributions(texts, terms)`` finds them in a
report's texts, each with its context, so that the facilitator rephrases or confirms each one.

How text and names are compared: both are *folded* (Unicode NFKD, then ``unidecode`` to Latin letters,
then ``casefold``), so that "José García", "JOSE GARCIA" and "Хосе Гарсиа" meet; an offset map leads back
from the folded text to the original, which is what a hit shows. Text in Arabic or Hebrew script, which
``unidecode`` writes without its short vowels, is folded to capitals, and names are compared with it by
their consonants ("أمل كريمي" is found for "Amal Karimi", and "Karimi" for "كريمي").

A name is looked for as: the full name, first and last name alone, in reversed order ("Karimi, Amal"),
initials and surname ("A. Karimi", "A Karimi", "A.-K. Karimi"), the surname alone (three letters at
least), each with a possessive ("Karimi's", "Karimi’s", "Karimis'") and the surname in the declined forms
of Slavic languages as transliterated (Ivanov: Ivanova, Ivanovu, Ivanovym, Ivanove, …); common spellings
of Cyrillic transliterations are taken as one ("Iuliia", "Yulia", "Julia"). Always on word boundaries:
"Karimian" is not "Karimi". A codename in any case and spacing ("HERON-7", "heron 7", "Heron7"); an
organisation with or without "the".

Speed: the folded text is split into words once; a word is looked up (by its beginnings) in an index of
the words a term's forms start with, and only the few terms found there are tried at that word, each
form an anchored regular expression.
"""

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Case, F, Value, When
from django.utils.translation import gettext_lazy as _
from unidecode import unidecode

from dialogues.models import Invitation
from participants.models import Participant

NAME = "name"
CODENAME = "codename"
ORGANISATION = "organisation"
KIND_LABELS = {NAME: _("name"), CODENAME: _("codename"), ORGANISATION: _("organisation")}
_KIND_ORDER = {NAME: 0, CODENAME: 1, ORGANISATION: 2}

CONTEXT = 40  # characters of the original text each side of a hit

# --- Folding ----------------------------------------------------------------------------------------

# Scripts written without short vowels: folded to capitals and compared by consonants.
_ABJAD = re.compile("[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.lru_cache(maxsize=8192)
def _fold_char(char):
    """One character of text as folded: lower-case ASCII; an abjad letter in capitals, letters only."""
    if _ABJAD.match(char):
        if unicodedata.category(char) == "Mn":  # vowel signs, shadda, tanween: the skeleton ignores them
            return ""
        return _NOT_ALNUM.sub("", unidecode(unicodedata.normalize("NFKD", char))).upper()
    return unidecode(unicodedata.normalize("NFKD", char)).casefold()


def fold(text):
    """``(folded, origin)``: the folded text, and for each of its characters the index of the original
    character it comes from (``None`` when the text is ASCII and the two are the same)."""
    if text.isascii():
        return text.lower(), None
    pieces, origin, position = [], [], 0
    for run in _NON_ASCII.finditer(text):
        start, end = run.span()
        if start > position:
            pieces.append(text[position:start].lower())
            origin.extend(range(position, start))
        for index in range(start, end):
            folded = _fold_char(text[index])
            pieces.append(folded)
            origin.extend([index] * len(folded))
        position = end
    if position < len(text):
        pieces.append(text[position:].lower())
        origin.extend(range(position, len(text)))
    return "".join(pieces), origin


def _silent(char):
    """A letter or mark that folds to nothing (an alef, a hamza, a combining accent): part of its word."""
    return not _fold_char(char) and unicodedata.category(char)[0] in "LM"


def _original_span(text, origin, start, end):
    """The span of the original text that the folded span ``start:end`` comes from."""
    if origin is None:
        return start, end
    first, last = origin[start], origin[end - 1] + 1
    while first > 0 and _silent(text[first - 1]):
        first -= 1
    while last < len(text) and _silent(text[last]):
        last += 1
    return first, last


# --- Terms and their forms ----------------------------------------------------------------------------

_END = r"(?![A-Za-z0-9])"
_POSSESSIVE = r"(?:'s|s')?"
# Quantifiers are possessive (``*+``, ``++``): no backtracking, however long a run of spaces in the text.
_SEP = r"[\s\-]++"  # between the words of a name: spaces, a hyphen
_SPACE = r"\s++"
_COMMA = r",?+\s++"  # "Karimi, Amal", "Karimi Amal"
_INITIAL_END = r"(?:\.[\s\-]*+|[\s\-]++)"  # "A. Karimi", "A.Karimi", "A Karimi", "J.-P. Sartre"
_CODE_SEP = r"[\s\-_./]*+"  # between the parts of a codename: "HERON-7", "heron 7", "heron7"
_ORG_SEP = r"[\s\-.,]++"
_AND = "(?:and|&|et|y|und)"

# Spellings of Cyrillic transliterations taken as one (longest first where they overlap).
_SPELLINGS = {
    "shch": ("shch", "sch", "shh"),
    "iia": ("iia", "iya", "ia", "ya", "ja"),
    "iya": ("iia", "iya", "ia", "ya", "ja"),
    "ia": ("iia", "iya", "ia", "ya", "ja"),
    "ya": ("iia", "iya", "ia", "ya", "ja"),
    "iu": ("iu", "yu", "ju"),
    "yu": ("iu", "yu", "ju"),
    "ii": ("ii", "iy", "ij", "yi", "y", "i"),
    "iy": ("ii", "iy", "ij", "yi", "y", "i"),
    "kh": ("kh", "ch", "h", "x"),
    "zh": ("zh", "j"),
    "ts": ("ts", "tz"),
}
_SPELLING_KEYS = sorted(_SPELLINGS, key=len, reverse=True)


def _words_of(text):
    return tuple(text.split())


# Slavic declension of a surname, as transliterated (unidecode writes й as "i", ы as "y", х as "kh").
# Ivanov → Ivanova, Ivanovu, Ivanovym, Ivanove, Ivanovoi, Ivanovykh…
_NOUN_ENDINGS = _words_of("a u e y i om ym im em oi oy oj ogo omu ykh yh ikh ih ymi imi oiu oyu oju yu iu s")
# Dostoevskii → Dostoevskogo, Dostoevskaia; Kowalski → Kowalskiego
_ADJECTIVE_ENDINGS = _words_of(
    "ii iy ij yi y i ogo omu im ym om ikh ykh imi ymi aia aya aja a oi oy oj uiu uyu uju u iego iemu iej ich"
)
_ADJECTIVE = re.compile(r"^(.{2,}?(?:sk|tsk|ck|zk))(?:ii|iy|ij|yi|y|i|aia|aya|aja|a|oi|oy|oj)$")
_FEMININE = re.compile(r"^(.{2,}(?:ov|ev|in|yn))a$")
_VOWELS = "aeiouyw"  # dropped from a consonant skeleton (w and y are long vowels in Arabic)


def _units(word):
    """A folded Latin word as a list of alternatives (one per letter, or per group of ``_SPELLINGS``)."""
    units, index = [], 0
    while index < len(word):
        for key in _SPELLING_KEYS:
            if word.startswith(key, index):
                units.append(_SPELLINGS[key])
                index += len(key)
                break
        else:
            units.append((word[index],))
            index += 1
    return units


def _units_regex(units):
    return "".join(re.escape(u[0]) if len(u) == 1 else "(?:" + "|".join(map(re.escape, u)) + ")" for u in units)


def _expansions(units, limit=64):
    """Every spelling of a word of ``units`` (the words a form may start with); at most ``limit``, else
    the unvarying beginning of the word."""
    count = 1
    for unit in units:
        count *= len(unit)
    if count > limit:
        prefix = list(itertools.takewhile(lambda u: len(u) == 1, units))
        return {"".join(u[0] for u in prefix)} if prefix else {c for u in units[:1] for a in u for c in a[:1]}
    return {"".join(parts) for parts in itertools.product(*units)}


def _skeleton(word):
    """The consonants of a folded word, a letter doubled in place once: "mohammed" → "mhmd"."""
    letters, previous = [], ""
    for char in word.lower():
        if char not in _VOWELS and char != previous:
            letters.append(char)
        previous = char
    return "".join(letters)


def _skeleton_regex(skeleton, capitals):
    vowels = "[AEIOUYW]*+" if capitals else "[aeiouyw]*+"
    letters = [re.escape(c.upper() if capitals else c) + "++" for c in skeleton]
    return vowels + vowels.join(letters) + vowels


def _skeleton_leads(skeleton, capitals):
    leads = set(_VOWELS + skeleton[:1])
    return {lead.upper() for lead in leads} if capitals else leads


@dataclass(frozen=True)
class Form:
    """One way a term is written: an anchored pattern over folded text, and the words it may start with
    (``exact``: the word is the lead itself, as an initial is; otherwise the word begins with it)."""

    pattern: re.Pattern
    leads: frozenset
    exact: bool = False


@dataclass(frozen=True)
class Term:
    """What would attribute a statement: ``label`` (shown to the user), ``kind`` (``NAME``, ``CODENAME``,
    ``ORGANISATION``), ``patterns`` (compiled, over folded text) and the ``forms`` they belong to."""

    label: str
    kind: str
    forms: tuple

    @property
    def patterns(self):
        return tuple(form.pattern for form in self.forms)

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


def _form(regex, leads, exact=False):
    return Form(re.compile(regex + _END), frozenset(leads), exact)


def _words(label):
    """The folded words of a label, each as ``(word, abjad)``."""
    folded, _origin = fold(label)
    return [(word, word.isupper()) for word in re.findall(r"[A-Za-z0-9]+(?:'[a-z0-9]+)*", folded)]


def _latin_word(word):
    """``(regex, leads)`` of a Latin word, its apostrophe optional ("O'Brien", "OBrien")."""
    parts = word.split("'")
    units = _units(parts[0])
    regex = "'?".join(_units_regex(_units(part)) for part in parts)
    return regex, _expansions(units)


def _surname_regex(word):
    """The surname with its declined forms: ``(regex, leads)``."""
    if "'" in word:  # "O'Brien": not declined
        return _latin_word(word)
    for pattern, declension in ((_ADJECTIVE, _ADJECTIVE_ENDINGS), (_FEMININE, _NOUN_ENDINGS)):
        found = pattern.match(word)
        if found:
            stem, endings = found.group(1), declension
            break
    else:
        stem, endings = word, (_NOUN_ENDINGS if len(word) >= 4 and word[-1] not in "aeiouy'" else ())
    units = _units(stem)
    regex = _units_regex(units)
    if stem != word or endings:
        tails = sorted({*endings, *(() if stem == word else (word[len(stem) :],))}, key=len, reverse=True)
        regex += "(?:" + "|".join(map(re.escape, tails)) + ")?"
    return regex, _expansions(units)


@functools.lru_cache(maxsize=4096)
def name_term(full_name):
    """The ``NAME`` term of a person's full name (``None`` if it has no letters)."""
    words = _words(full_name)
    if not words:
        return None
    forms = []
    latin = [w for w, abjad in words if not abjad]
    if len(latin) == len(words):
        *given, last = latin
        surname, surname_leads = _surname_regex(last)
        given_regex = [_latin_word(w) for w in given]
        if given:
            full = _SEP.join(r for r, _leads in given_regex) + _SEP + surname
            forms.append(_form(full + _POSSESSIVE, given_regex[0][1]))
            if len(given) > 1:  # first and last name, the middle ones left out
                forms.append(_form(given_regex[0][0] + _SEP + surname + _POSSESSIVE, given_regex[0][1]))
            reversed_ = surname + _COMMA + _SPACE.join(r for r, _leads in given_regex)
            forms.append(_form(reversed_ + _POSSESSIVE, surname_leads))
            # Initials: "A. Karimi", "A Karimi", "A.Karimi", "J.-P. Sartre", "J. Sartre"; and "Karimi, A."
            initials = [re.escape(w[0]) for w in given]
            following = "".join(f"(?:{i}{_INITIAL_END})?" for i in initials[1:])
            initial_form = initials[0] + _INITIAL_END + following + surname + _POSSESSIVE
            forms.append(_form(initial_form, {given[0][0]}, exact=True))
            forms.append(_form(surname + _COMMA + r"\.?+\s*+".join(initials) + r"\.", surname_leads))
        if len(last) >= 3:
            forms.append(_form(surname + _POSSESSIVE, surname_leads))
    else:
        # Written (in part) in an abjad: compared by consonants, in Latin text and in Arabic or Hebrew.
        skeletons = [_skeleton(w) for w, _abjad in words]
        skeletons = [s for s in skeletons if s]
        if not skeletons:
            return None
        return Term(full_name, NAME, (*_skeleton_forms(skeletons, False), *_skeleton_forms(skeletons, True)))
    # A Latin name in Arabic or Hebrew text: by its consonants.
    forms.extend(_skeleton_forms([s for s in (_skeleton(w) for w in latin) if s], True))
    return Term(full_name, NAME, tuple(forms))


def _skeleton_forms(skeletons, capitals):
    """A name by the consonants of its words (``_skeleton``): in order, reversed, and the last alone if it
    has three at least; ``capitals``: in text of Arabic or Hebrew script (folded to capitals)."""
    if not skeletons:
        return []
    parts = [_skeleton_regex(s, capitals) for s in skeletons]
    forms = [_form(_SPACE.join(parts), _skeleton_leads(skeletons[0], capitals))]
    if len(parts) > 1:
        reversed_ = parts[-1] + _COMMA + _SPACE.join(parts[:-1])
        forms.append(_form(reversed_, _skeleton_leads(skeletons[-1], capitals)))
    if len(skeletons[-1]) >= 3:
        forms.append(_form(parts[-1], _skeleton_leads(skeletons[-1], capitals)))
    return forms


@functools.lru_cache(maxsize=4096)
def codename_term(codename):
    """The ``CODENAME`` term of a codename (``None`` below two letters or digits)."""
    parts = re.findall(r"[a-z0-9]+", fold(codename)[0].lower())
    if not parts or sum(map(len, parts)) < 2:
        return None
    regex = _CODE_SEP.join(map(re.escape, parts)) + _POSSESSIVE
    return Term(codename, CODENAME, (_form(regex, {parts[0]}),))


@functools.lru_cache(maxsize=4096)
def organisation_term(name):
    """The ``ORGANISATION`` term of an organisation's name, "the" optional (``None`` below three letters)."""
    words = re.findall(r"[a-z0-9]+|&", fold(name)[0].lower())
    if words[:1] == ["the"]:
        words = words[1:]
    if sum(len(w) for w in words if w != "&") < 3:
        return None
    regex = _ORG_SEP.join(_AND if w in ("&", "and", "et", "und") else re.escape(w) for w in words)
    leads = {"the", words[0]} if words[0] not in ("&",) else {"the"}
    return Term(name, ORGANISATION, (_form(r"(?:the\s++)?" + regex + _POSSESSIVE, leads),))


# --- The workshop's terms --------------------------------------------------------------------------------


def attribution_terms(user, workshop):
    """The names, codenames and organisations of the workshop's invitees (all but withdrawn invitations),
    as ``user`` may see them: a name and an organisation only where the person's identity is visible to
    them (the rest is not even read from the database), a codename always. One query."""
    invited = (
        Invitation.objects.visible_to(user)
        .filter(workshop=workshop)
        .exclude(status=Invitation.Status.WITHDRAWN)
        .values("participant_id")
    )
    shown = When(identity_visible_to_viewer=True, then=F("full_name"))
    affiliation = When(identity_visible_to_viewer=True, then=F("organization__name"))
    rows = (
        Participant.objects.visible_to(user)
        .with_identity_for(user)
        .filter(pk__in=invited)
        .annotate(
            shown_full_name=Case(shown, default=Value("")),
            shown_organisation=Case(affiliation, default=Value("")),
        )
        .order_by("pk")
        .values_list("shown_full_name", "codename", "shown_organisation")
    )
    terms, seen = [], set()
    for full_name, codename, organisation in rows:
        for make, label in ((name_term, full_name), (codename_term, codename), (organisation_term, organisation)):
            label = (label or "").strip()
            if not label:
                continue
            term = make(label)
            if term is not None and (term.kind, label.casefold()) not in seen:
                seen.add((term.kind, label.casefold()))
                terms.append(term)
    terms.sort(key=lambda t: (_KIND_ORDER[t.kind], t.label.casefold()))
    return terms


# --- Finding them -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A place in ``field`` where ``term`` (a label, of ``kind``) is written: ``match`` at ``start:end`` of
    the original text, with up to 40 characters ``before`` and ``after``. ``key`` names the place and the
    term, stable while the text does not change: the value a form sends to confirm the attribution."""

    key: str
    field: str
    term: str
    kind: str
    before: str
    match: str
    after: str
    start: int
    end: int

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


_WORD = re.compile(r"[A-Za-z0-9]+")


class _Index:
    """The words the terms' forms start with → the forms: ``(term, form)`` lists by lead."""

    def __init__(self, terms):
        self.prefix, self.exact, self.longest = {}, {}, 0
        for term in terms:
            for form in term.forms:
                for lead in form.leads:
                    (self.exact if form.exact else self.prefix).setdefault(lead, []).append((term, form))
                    if not form.exact:
                        self.longest = max(self.longest, len(lead))

    def forms_at(self, word):
        found = list(self.exact.get(word, ()))
        for length in range(1, min(len(word), self.longest) + 1):
            found.extend(self.prefix.get(word[:length], ()))
        return found


def _longest_first(candidates):
    """Of candidates ``(start, end, term)`` that overlap, the longest (then by kind and label) and the
    others that do not overlap what is kept."""
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], _KIND_ORDER[c[2].kind], c[2].label.casefold()))
    kept = []
    for start, end, term in candidates:
        if all(end <= s or start >= e for s, e, _t in kept):
            kept.append((start, end, term))
    return kept


def _best(candidates):
    """The candidates ``(start, end, term)`` once per place, the longest of overlapping ones, in text order.
    Taken cluster by cluster of overlapping candidates: a text of thousands of hits stays linear."""
    candidates.sort(key=lambda c: c[0])
    kept, cluster, reach = [], [], -1
    for candidate in candidates:
        if cluster and candidate[0] >= reach:
            kept.extend(_longest_first(cluster))
            cluster = []
        cluster.append(candidate)
        reach = max(reach, candidate[1]) if len(cluster) > 1 else candidate[1]
    kept.extend(_longest_first(cluster))
    return sorted(kept, key=lambda c: c[0])


def find_attributions(texts, terms):
    """The hits of ``terms`` in ``texts`` (field → text), field by field in the order given, each in text
    order; overlapping hits at one place reported once (the longest)."""
    index = _Index(terms)
    hits = []
    for field, text in texts.items():
        if not text or not terms:
            continue
        folded, origin = fold(text)
        candidates = []
        for word in _WORD.finditer(folded):
            position = word.start()
            tried = set()
            for term, form in index.forms_at(word.group()):
                if id(form) in tried:
                    continue
                tried.add(id(form))
                found = form.pattern.match(folded, position)
                if found:
                    candidates.append((position, found.end(), term))
        for start, end, term in _best(candidates):
            start, end = _original_span(text, origin, start, end)
            hits.append(
                Hit(
                    key=f"{field}:{start}:{end}:{term.label}",
                    field=field,
                    term=term.label,
                    kind=term.kind,
                    before=text[max(0, start - CONTEXT) : start],
                    match=text[start:end],
                    after=text[end : end + CONTEXT],
                    start=start,
                    end=end,
                )
            )
    return hits
