"""Screening participants' legal names against the current sanctions lists.

Matching compares names in Latin letters (``unidecode``: accents dropped, Arabic and Cyrillic
transliterated) and, to meet transliteration variants (Mohammed, Muhammad, Mohamed, Мухаммед, محمد),
as a consonant skeleton: vowels dropped, letters that transliterations trade merged (kh/h, q/k, w/v …),
doubled letters single, the Arabic article left out. Word order does not count (tokens are sorted).
A name scores the best of: the Latin spelling, the skeleton, and the skeleton with extra names on one
side (a middle name the other lacks); a date of birth and a nationality the list gives raise or lower
the score. Hits at or above ``PARLEY_SANCTIONS_THRESHOLD`` are kept, with the reasons of their score.

The lists are indexed once per run (``ScreeningIndex``): each name's skeleton words are blocking keys,
so a participant is compared only with the names that share a word, near enough, with theirs.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz
from unidecode import unidecode

from .models import Participant, SanctionsEntry, SanctionsHit, SanctionsList, ScreeningRun

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500


def threshold():
    return float(getattr(settings, "PARLEY_SANCTIONS_THRESHOLD", 85))


# --- Names


ARTICLES = {"al", "el", "ul", "as", "ad", "ar", "ash", "at", "az", "an", "ibn", "bin", "bint", "ben", "abu", "bn"}
ARABIC_ARTICLE = "\u0627\u0644"  # ال
# Transliteration variants folded into one letter, longest first (after unidecode, lower case).
FOLDS = [
    ("kh", "h"),
    ("gh", "g"),
    ("sch", "s"),
    ("sh", "s"),
    ("ch", "s"),
    ("zh", "j"),
    ("dzh", "j"),
    ("dj", "j"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("ts", "s"),
    ("tz", "s"),
    ("q", "k"),
    ("c", "k"),
    ("w", "v"),
    ("f", "v"),
    ("z", "s"),
    ("x", "ks"),
]
FOLD_PATTERN = re.compile("|".join(re.escape(source) for source, _target in FOLDS))
FOLD_MAP = dict(FOLDS)
VOWELS = re.compile(r"[aeiouy]")
DOUBLES = re.compile(r"(.)\1+")
NOT_LETTERS = re.compile(r"[^a-z]+")


def _strip_arabic_articles(text):
    """Leave out the Arabic article (ال at the start of a word), which Latin spellings often drop."""
    if ARABIC_ARTICLE not in text:
        return text
    return " ".join(word[2:] if word.startswith(ARABIC_ARTICLE) and len(word) > 3 else word for word in text.split())


def latin_words(name):
    """A name's words in lower-case Latin letters: accents dropped, other scripts transliterated."""
    text = unicodedata.normalize("NFKC", name or "")
    text = unidecode(_strip_arabic_articles(text)).lower()
    # "Al-Qahtani" and "al Qahtani": the article is not part of the name.
    return [word for word in NOT_LETTERS.sub(" ", text.replace("'", "").replace("`", "")).split() if word]


def skeleton(word):
    """A word's consonant skeleton: transliteration variants folded, vowels and doubled letters dropped."""
    folded = FOLD_PATTERN.sub(lambda match: FOLD_MAP[match.group(0)], word)
    bare = DOUBLES.sub(r"\1", VOWELS.sub("", folded))
    if len(bare) > 2 and bare.endswith("h"):  # Abdullah / Abdulla, Fatimah / Fatima
        bare = bare[:-1]
    return bare or folded[:1]


@dataclass
class Name:
    """A name prepared for comparison: sorted Latin words, and sorted skeletons without articles."""

    text: str
    latin: str
    skeleton: str
    skeleton_words: frozenset
    words: int

    @classmethod
    def of(cls, text):
        words = latin_words(text)
        meaningful = [word for word in words if word not in ARTICLES] or words
        skeletons = sorted(skeleton(word) for word in meaningful)
        return cls(
            text=text,
            latin=" ".join(sorted(words)),
            skeleton=" ".join(skeletons),
            skeleton_words=frozenset(skeletons),
            words=len(skeletons),
        )

    def blocking_keys(self):
        """Blocking keys, with the word each comes from: each skeleton word, its first three letters
        (endings vary: -ov, -off, -of) and the word without its first letter (Krotova, Grotova)."""
        keys = []
        for word in self.skeleton_words:
            if len(word) >= 2:
                keys += [(word, word), (word[:3] + "…", word)]
                if len(word) >= 4:
                    keys.append(("…" + word[1:], word))
        return keys


def name_score(person, listed):
    """How alike two prepared names are, 0–100: the best of the Latin spelling, the skeleton, and the
    skeleton where one name has words the other lacks (less, for each word missing)."""
    if not person.latin or not listed.latin:
        return 0.0
    score = fuzz.ratio(person.latin, listed.latin)
    if score < 100:
        score = max(score, fuzz.ratio(person.skeleton, listed.skeleton, score_cutoff=60) - 4)
    if score < 90 and min(person.words, listed.words) >= 2 and person.words != listed.words:
        shared = person.skeleton_words & listed.skeleton_words
        if len(shared) >= 2:
            missing = abs(person.words - listed.words)
            partial = fuzz.token_set_ratio(person.skeleton, listed.skeleton) - 6 - 2 * missing
            score = max(score, partial)
    return float(score)


# --- Dates of birth and nationalities


def _date_of_birth_points(born, listed):
    """Points and the reason's code for a participant born on ``born`` against the list's dates."""
    if born is None or not listed:
        return None
    best = None
    for value in listed:
        if "/" in value:
            start, _sep, end = value.partition("/")
            found = (3, "in_range") if int(start) <= born.year <= int(end) else None
            if found is None and int(start) - 2 <= born.year <= int(end) + 2:
                found = (0, "near_year")
        elif len(value) == 10:
            found = (
                (10, "same_date")
                if value == born.isoformat()
                else (3, "same_year")
                if value[:4] == str(born.year)
                else (0, "near_year")
                if abs(int(value[:4]) - born.year) <= 2
                else None
            )
        elif len(value) == 7:
            found = (
                (8, "same_month")
                if value == born.isoformat()[:7]
                else (0, "near_year")
                if abs(int(value[:4]) - born.year) <= 2
                else None
            )
        else:
            found = (
                (5, "same_year")
                if value[:4] == str(born.year)
                else ((0, "near_year") if abs(int(value[:4]) - born.year) <= 2 else None)
            )
        if found and (best is None or found[0] > best[0]):
            best = found
    return best or (-25, "different")


def _nationality_points(nationality, listed):
    if not nationality or not listed:
        return None
    return (5, "same") if nationality in listed else (-5, "different")


# --- The index of a run


@dataclass
class Match:
    entry_id: int
    score: float
    matched_name: str
    explanation: dict


@dataclass
class _Entry:
    pk: int
    dates_of_birth: list
    nationalities: list
    names: list = field(default_factory=list)  # (Name, "name" | "alias")


class ScreeningIndex:
    """The entries of the current lists, prepared once, with their names' blocking keys."""

    def __init__(self, entries):
        self.entries = []
        # Every name of every entry is a posting: its entry, its place among the entry's names.
        self.postings = []
        blocks = {}
        single_word = set()
        for entry in entries:
            prepared = _Entry(entry["pk"], entry["dates_of_birth"] or [], entry["nationalities"] or [])
            for position, text in enumerate([entry["name"], *(entry["aliases"] or [])]):
                if not isinstance(text, str) or not text.strip():
                    continue
                name = Name.of(text)
                if not name.latin:
                    continue
                posting = len(self.postings)
                self.postings.append((len(self.entries), len(prepared.names)))
                prepared.names.append((name, "name" if position == 0 else "alias"))
                if name.words < 2:
                    single_word.add(posting)
                for key, _word in name.blocking_keys():
                    blocks.setdefault(key, set()).add(posting)
            self.entries.append(prepared)
        self.blocks = {key: frozenset(postings) for key, postings in blocks.items()}
        self.single_word = frozenset(single_word)

    @classmethod
    def of_current_lists(cls):
        rows = SanctionsEntry.objects.filter(list_version__is_current=True).values(
            "pk", "name", "aliases", "dates_of_birth", "nationalities"
        )
        return cls(rows.iterator(chunk_size=2000))

    def _candidates(self, person):
        """The names sharing words with the person's (near enough: a blocking key), by entry: two words at
        least where both names have two (one shared first name is no match), else one. Set operations
        only, so that a common name (Muhammad, Ivan) costs little."""
        reached = {}
        for key, word in person.blocking_keys():
            postings = self.blocks.get(key)
            if postings:
                reached.setdefault(word, []).append(postings)
        per_word = [frozenset().union(*sets) for sets in reached.values()]
        if not per_word:
            return {}
        everything = frozenset().union(*per_word)
        if person.words < 2:
            chosen = everything
        else:
            chosen = everything & self.single_word
            for position, first in enumerate(per_word):
                for second in per_word[position + 1 :]:
                    chosen = chosen | (first & second)
        candidates = {}
        for posting in chosen:
            entry_index, name_index = self.postings[posting]
            candidates.setdefault(entry_index, []).append(name_index)
        return candidates

    def screen(self, full_name, date_of_birth=None, nationality="", *, cutoff=None):
        """The entries ``full_name`` matches at ``cutoff`` (the threshold) or above, best first."""
        cutoff = threshold() if cutoff is None else cutoff
        person = Name.of(full_name)
        candidates = self._candidates(person)
        matches = []
        nationality = str(nationality or "")
        for entry_index, name_indexes in candidates.items():
            entry = self.entries[entry_index]
            best, best_name = 0.0, None
            for name_index in name_indexes:
                listed, kind = entry.names[name_index]
                score = name_score(person, listed)
                if score > best:
                    best, best_name = score, (listed, kind)
            # A date of birth or a nationality moves a score at most 10 points up: a weak name stays out.
            if best < cutoff - 10:
                continue
            explanation = {"name": round(best, 1), "matched": best_name[1], "threshold": cutoff}
            total = best
            for key, points in (
                ("date_of_birth", _date_of_birth_points(date_of_birth, entry.dates_of_birth)),
                ("nationality", _nationality_points(nationality, entry.nationalities)),
            ):
                if points is not None:
                    explanation[key] = {"points": points[0], "reason": points[1]}
                    total += points[0]
            total = max(0.0, min(100.0, total))
            if total >= cutoff:
                explanation["score"] = round(total, 1)
                matches.append(Match(entry.pk, round(total, 2), best_name[0].text, explanation))
        matches.sort(key=lambda match: -match.score)
        return matches


def explanation_lines(explanation):
    """A hit's stored explanation as sentences in the viewer's language."""
    explanation = explanation if isinstance(explanation, dict) else {}
    lines = []
    name = explanation.get("name")
    if isinstance(name, int | float):
        if explanation.get("matched") == "alias":
            lines.append(_("The name is like an alias of the entry: %(score)s/100.") % {"score": name})
        else:
            lines.append(_("The name is like the entry's name: %(score)s/100.") % {"score": name})
    labels = {"date_of_birth": _("Date of birth"), "nationality": _("Nationality")}
    for key, label in labels.items():
        part = explanation.get(key)
        if not isinstance(part, dict):
            continue
        reason = REASONS.get(part.get("reason"))
        try:
            points = int(part.get("points", 0))
        except (TypeError, ValueError):
            points = 0
        if reason is not None:
            lines.append(
                _("%(label)s: %(reason)s (%(points)s points).")
                % {"label": label, "reason": reason(), "points": f"{points:+d}"}
            )
    return lines


REASONS = {
    "same_date": lambda: _("the same date"),
    "same_month": lambda: _("the same month"),
    "same_year": lambda: _("the same year"),
    "in_range": lambda: _("within the years the list gives"),
    "near_year": lambda: _("within two years of the list's"),
    "different": lambda: _("different from the list's"),
    "same": lambda: _("the same as the list's"),
}


# --- Runs


def _current_version():
    return SanctionsList.objects.filter(is_current=True).order_by("-imported_at", "-pk").first()


def screening_run_request(*, participant=None, reason="", by=None):
    """Ask for a screening of ``participant`` (None: of everyone) against the current lists; Celery works
    through it once the caller's transaction commits. None when no list was imported yet."""
    version = _current_version()
    if version is None:
        return None
    total = 1 if participant is not None else Participant.objects.count()
    run = ScreeningRun.objects.create(
        participant=participant, list_version=version, reason=reason[:40], total=total, requested_by=by
    )
    transaction.on_commit(lambda: screening_run_publish(run.pk))
    return run


def screening_run_publish(run_id):
    """Hand the run to Celery; with the broker away, the run waits queued (it can be asked again)."""
    from .tasks import screening_run_process_task

    try:
        screening_run_process_task.apply_async(args=[run_id], retry=False)
    except Exception as error:  # the broker is down: the run stays queued
        logger.warning("Screening run %s left queued (%s)", run_id, type(error).__name__)
        return False
    return True


def screening_run_process(run_id):
    """Work through a queued run in chunks: each chunk's hits written and its progress counted in one
    transaction. A run already taken or done is left alone."""
    claimed = ScreeningRun.objects.filter(pk=run_id, status=ScreeningRun.Status.QUEUED).update(
        status=ScreeningRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = ScreeningRun.objects.get(pk=run_id)
    try:
        index = ScreeningIndex.of_current_lists()
        people = Participant.objects.order_by("pk")
        if run.participant_id:
            people = people.filter(pk=run.participant_id)
        else:  # everyone there is now; those added meanwhile have runs of their own
            newest = people.values_list("pk", flat=True).last()
            people = people.filter(pk__lte=newest or 0)
        ScreeningRun.objects.filter(pk=run_id).update(list_version=_current_version(), total=people.count(), done=0)
        last = 0
        while True:
            chunk = list(
                people.filter(pk__gt=last).values_list("pk", "full_name", "date_of_birth", "nationality")[:CHUNK_SIZE]
            )
            if not chunk:
                break
            last = chunk[-1][0]
            _screen_chunk(run_id, index, chunk)
    except Exception as error:
        ScreeningRun.objects.filter(pk=run_id).update(
            status=ScreeningRun.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        logger.exception("Screening run %s failed", run_id)
        raise
    ScreeningRun.objects.filter(pk=run_id).update(
        status=ScreeningRun.Status.DONE, finished_at=timezone.now(), done=F("total")
    )
    return ScreeningRun.objects.get(pk=run_id)


@transaction.atomic
def _screen_chunk(run_id, index, chunk):
    """Screen one chunk of participants: new open hits for what they match now; their open hits that the
    current lists no longer give (an older version's, or a name since changed) superseded."""
    now = timezone.now()
    found = {}
    for pk, full_name, born, nationality in chunk:
        for match in index.screen(full_name, born, nationality):
            found[(pk, match.entry_id)] = match
    ids = [row[0] for row in chunk]
    # Hits of entries recorded outside any imported list version (by hand) are not screening's to close.
    open_hits = SanctionsHit.objects.filter(
        participant_id__in=ids, status=SanctionsHit.Status.OPEN, entry__list_version__isnull=False
    )
    stale = [
        pk
        for pk, participant_id, entry_id in open_hits.values_list("pk", "participant_id", "entry_id")
        if (participant_id, entry_id) not in found
    ]
    if stale:
        SanctionsHit.objects.filter(pk__in=stale).update(status=SanctionsHit.Status.SUPERSEDED, resolved_at=now)
    existing = set(
        SanctionsHit.objects.filter(participant_id__in=ids, entry_id__in={entry for _p, entry in found}).values_list(
            "participant_id", "entry_id"
        )
    )
    new = [
        SanctionsHit(
            participant_id=participant_id,
            entry_id=entry_id,
            score=match.score,
            matched_name=match.matched_name[:300],
            explanation=match.explanation,
            screening_id=run_id,
        )
        for (participant_id, entry_id), match in found.items()
        if (participant_id, entry_id) not in existing
    ]
    SanctionsHit.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    ScreeningRun.objects.filter(pk=run_id).update(done=F("done") + len(chunk), hits_found=F("hits_found") + len(new))


def screening_fields(participant):
    """What screening reads of a participant: a change of any of it asks for a new screening."""
    return (participant.full_name, participant.date_of_birth, str(participant.nationality or ""))
