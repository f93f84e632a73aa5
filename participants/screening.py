"""Screening participants' legal names against the current sanctions lists.

Matching compares names in Latin letters (``unidecode``: accents dropped, Arabic and Cyrillic
transliterated) and, to meet transliteration variants (Mohammed, Muhammad, Mohamed, Мухаммед, محمد),
as a consonant skeleton: vowels dropped, letters that transliterations trade merged (kh/h, q/k, w/v …),
doubled letters single, the Arabic article left out. Word order does not count (tokens are sorted).
A name scores the best of: the Latin spelling, the skeleton, and the skeleton with extra names on one
side (a middle name the other lacks); a date of birth and a nationality the list gives raise or lower
the score. Hits at or above ``PARLEY_SANCTIONS_THRESHOLD`` are kept, with the reasons of their score.

A new list version does not undo the admins' work: a person's hit of an entry (same list, same reference
number) that was cleared or confirmed in an older version gets that decision again, as long as the entry
says the same of who it is, the same name matched, and the person's screened details did not change
since the decision (a fingerprint of them, ``subject``, kept in the hit's explanation). Otherwise it is
open again.

The lists are indexed once per run (``ScreeningIndex``): each name's skeleton words are blocking keys,
so a participant is compared only with the names that share a word, near enough, with theirs.
"""

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz
from unidecode import unidecode

from .models import (
    Participant,
    SanctionsEntry,
    SanctionsHit,
    SanctionsList,
    ScreeningRun,
    VettingCase,
    VettingCaseEvent,
)

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
    reopened = explanation.get("reopened")
    if isinstance(reopened, dict):
        lines.append(
            _(
                "Open again: it was %(decision)s on %(date)s, before the person's name, date of birth or "
                "nationality changed. Earlier note: %(note)s"
            )
            % {
                "decision": DECISIONS.get(reopened.get("status"), lambda: "—")(),
                "date": str(reopened.get("at", ""))[:10] or "—",
                "note": str(reopened.get("note") or "—"),
            }
        )
    carried = explanation.get("carried_over")
    if isinstance(carried, dict):
        lines.append(
            _(
                "Decision carried over from the %(list)s list version %(version)s (hit %(hit)s): the same entry, "
                "the same matched name, and the person's name, date of birth and nationality unchanged since."
            )
            % {
                "list": str(carried.get("source", "")),
                "version": _version_label(carried),
                "hit": str(carried.get("hit", "")),
            }
        )
    return lines


def _version_label(carried):
    """A list version as an explanation names it: its date, or when it was imported, as stored."""
    dated, imported = carried.get("dated"), carried.get("imported")
    if isinstance(dated, str) and dated:
        return _("dated %(date)s") % {"date": dated}
    if isinstance(imported, str) and imported:
        return _("imported %(date)s") % {"date": imported[:16].replace("T", " ")}
    return str(carried.get("version", ""))


DECISIONS = {"cleared": lambda: _("cleared"), "confirmed": lambda: _("confirmed")}
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
#
# A worker takes a run by a conditional update (queued, or running with no progress for
# ``PARLEY_SCREENING_STALE_SECONDS``: its worker died, or its task was lost with the broker) and holds
# it by a lease: ``started_at`` is when the worker holding it took it or last reported progress. Each
# chunk renews the lease in the transaction that writes its hits, and only while the lease is still
# its own; a worker whose run was taken over by another stops, its last chunk rolled back. A run taken
# over starts again from the first participant: the hits already written are found existing (one hit
# per participant and entry, a unique constraint), so nothing is written twice.


def _current_version():
    return SanctionsList.objects.filter(is_current=True).order_by("-imported_at", "-pk").first()


def stale_after():
    """How long a run may wait queued, or running without progress, before it is published again."""
    return timedelta(seconds=int(getattr(settings, "PARLEY_SCREENING_STALE_SECONDS", 300)))


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
    """Hand the run to Celery; with the broker away this logs and returns at once (one connection attempt
    of a second at most: ``CELERY_BROKER_TRANSPORT_OPTIONS``), and the run waits queued for the sweeper."""
    from .tasks import screening_run_process_task

    try:
        screening_run_process_task.apply_async(args=[run_id], retry=False)
    except Exception as error:  # the broker is down: the run stays queued
        logger.warning("Screening run %s left queued (%s)", run_id, type(error).__name__)
        return False
    return True


def _stuck(stale):
    """Running runs with no progress since ``stale``."""
    return Q(status=ScreeningRun.Status.RUNNING) & (Q(started_at__lt=stale) | Q(started_at__isnull=True))


SWEEP_LIMIT = 100


def screening_runs_sweep(*, now=None):
    """Publish again the runs left waiting for ``PARLEY_SCREENING_STALE_SECONDS``: queued (their publishing
    failed, the broker was away) or running without progress (their worker died). Publishing a run twice
    is harmless: a worker takes it only by a conditional update. Returns how many were published."""
    stale = (now or timezone.now()) - stale_after()
    waiting = Q(status=ScreeningRun.Status.QUEUED, created_at__lt=stale) | _stuck(stale)
    ids = list(
        ScreeningRun.objects.filter(waiting).order_by("created_at", "pk").values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    published = 0
    for run_id in ids:
        if not screening_run_publish(run_id):
            break  # the broker is still away: the next sweep tries again
        published += 1
    return published


class _LeaseLost(Exception):
    """The run was taken over by another worker (this one was thought stuck)."""


def screening_run_process(run_id):
    """Work through a run in chunks: each chunk's hits written and its progress counted in one transaction.
    A run done, or held by a worker still making progress, is left alone (None)."""
    now = timezone.now()
    claimable = Q(status=ScreeningRun.Status.QUEUED) | _stuck(now - stale_after())
    claimed = ScreeningRun.objects.filter(claimable, pk=run_id).update(
        status=ScreeningRun.Status.RUNNING, started_at=now, done=0, error=""
    )
    if not claimed:
        return None
    lease = now
    run = ScreeningRun.objects.get(pk=run_id)
    mine = ScreeningRun.objects.filter(pk=run_id, status=ScreeningRun.Status.RUNNING)
    try:
        index = ScreeningIndex.of_current_lists()
        people = Participant.objects.order_by("pk")
        if run.participant_id:
            people = people.filter(pk=run.participant_id)
        else:  # everyone there is now; those added meanwhile have runs of their own
            newest = people.values_list("pk", flat=True).last()
            people = people.filter(pk__lte=newest or 0)
        if not mine.filter(started_at=lease).update(list_version=_current_version(), total=people.count(), done=0):
            raise _LeaseLost
        last = 0
        while True:
            chunk = list(
                people.filter(pk__gt=last).values_list("pk", "full_name", "date_of_birth", "nationality")[:CHUNK_SIZE]
            )
            if not chunk:
                break
            last = chunk[-1][0]
            lease = _screen_chunk(run_id, lease, index, chunk)
    except _LeaseLost:
        logger.info("Screening run %s was taken over by another worker", run_id)
        return None
    except Exception as error:
        mine.filter(started_at=lease).update(
            status=ScreeningRun.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        logger.exception("Screening run %s failed", run_id)
        raise
    if not mine.filter(started_at=lease).update(
        status=ScreeningRun.Status.DONE, finished_at=timezone.now(), done=F("total")
    ):
        return None
    return ScreeningRun.objects.get(pk=run_id)


def subject_fingerprint(full_name, date_of_birth, nationality):
    """A digest of what screening reads of a person (legal name, date of birth, nationality): kept in each
    hit's explanation (``subject``), as found and as decided, to tell whether the person changed since."""
    born = date_of_birth.isoformat() if date_of_birth else ""
    text = json.dumps([full_name or "", born, str(nationality or "")], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


ENTRY_IDENTITY = ("kind", "name", "aliases", "dates_of_birth", "nationalities", "nationality")


def _entry_identity(row, prefix=""):
    """What a list entry says of who it is (names, dates of birth, nationalities), order aside."""

    def listed(value):
        return tuple(sorted(str(item) for item in value)) if isinstance(value, list) else ()

    return (
        row[f"{prefix}kind"],
        row[f"{prefix}name"],
        listed(row[f"{prefix}aliases"]),
        listed(row[f"{prefix}dates_of_birth"]),
        listed(row[f"{prefix}nationalities"]),
        row[f"{prefix}nationality"],
    )


def _carry_over_decisions(hits, now):
    """Give each new hit the decision (cleared or confirmed) taken on the same person's hit of the same
    entry (source and reference number) in an older list version, where nothing the decision rested on
    changed: the entry's names, dates of birth and nationalities, the matched name, and the person's
    screened details since the decision (``subject``). The newest decision on an entry is the one
    compared. Returns the hits given a decision."""
    if not hits:
        return []
    entries = {
        row["pk"]: row
        for row in SanctionsEntry.objects.filter(pk__in={hit.entry_id for hit in hits}, list_version__isnull=False)
        .order_by()
        .values("pk", "source", "reference", "list_version_id", *ENTRY_IDENTITY)
    }
    if not entries:
        return []
    decided = (
        SanctionsHit.objects.filter(
            participant_id__in={hit.participant_id for hit in hits},
            entry__reference__in={row["reference"] for row in entries.values()},
            entry__list_version__isnull=False,
            status__in=(SanctionsHit.Status.CLEARED, SanctionsHit.Status.CONFIRMED),
        )
        .order_by("entry__list_version__imported_at", "entry__list_version_id", "resolved_at", "pk")
        .values(
            "pk",
            "participant_id",
            "status",
            "note",
            "resolved_by_id",
            "resolved_at",
            "matched_name",
            "explanation",
            "entry__source",
            "entry__reference",
            "entry__list_version_id",
            "entry__list_version__generated_on",
            "entry__list_version__imported_at",
            *(f"entry__{name}" for name in ENTRY_IDENTITY),
        )
    )
    newest = {}
    for row in decided:  # oldest first: the newest decision on each entry stays
        newest[(row["participant_id"], row["entry__source"], row["entry__reference"])] = row
    carried = []
    for hit in hits:
        entry = entries.get(hit.entry_id)
        if entry is None:
            continue
        earlier = newest.get((hit.participant_id, entry["source"], entry["reference"]))
        if earlier is None or earlier["entry__list_version_id"] == entry["list_version_id"]:
            continue
        decided_on = earlier["explanation"].get("subject") if isinstance(earlier["explanation"], dict) else None
        if (
            earlier["matched_name"] != hit.matched_name
            or _entry_identity(earlier, "entry__") != _entry_identity(entry)
            or not decided_on
            or decided_on != hit.explanation.get("subject")
        ):
            continue  # something the decision rested on changed: the hit is open again
        generated_on = earlier["entry__list_version__generated_on"]
        hit.status = earlier["status"]
        hit.note = earlier["note"]
        hit.resolved_by_id = earlier["resolved_by_id"]
        hit.resolved_at = earlier["resolved_at"]
        hit.explanation["carried_over"] = {
            "hit": earlier["pk"],
            "version": earlier["entry__list_version_id"],
            "source": earlier["entry__source"],
            "dated": generated_on.isoformat() if generated_on else "",
            "imported": earlier["entry__list_version__imported_at"].isoformat(),
            "at": now.isoformat(),
        }
        carried.append(hit)
    return carried


class CaseAction:
    """What a vetting case's history records of screening (``VettingCaseEvent.action``)."""

    HIT_CARRIED_OVER = "sanctions_hit_carried_over"


def _record_carried_over(run_id, carried, now):
    """An entry in the history of each open vetting case of the people whose decision was carried over."""
    if not carried:
        return
    stored = SanctionsHit.objects.filter(
        screening_id=run_id,
        participant_id__in={hit.participant_id for hit in carried},
        entry_id__in={hit.entry_id for hit in carried},
    ).values_list("pk", "participant_id", "entry_id", "entry__reference")
    hit_ids = {(participant_id, entry_id): (pk, reference) for pk, participant_id, entry_id, reference in stored}
    cases = {}
    for case_id, participant_id in VettingCase.objects.filter(
        participant_id__in={hit.participant_id for hit in carried}, status__in=VettingCase.OPEN
    ).values_list("pk", "participant_id"):
        cases.setdefault(participant_id, []).append(case_id)
    events = []
    for hit in carried:
        pk, reference = hit_ids.get((hit.participant_id, hit.entry_id), (None, ""))
        if pk is None:  # written meanwhile by another run: that run recorded it
            continue
        origin = hit.explanation["carried_over"]
        version = " ".join(filter(None, [origin["source"], origin["dated"] or origin["imported"][:10]]))
        details = {
            "hit": pk,
            "entry": reference,
            "decision": hit.status,
            "carried_from": f"{version} (#{origin['hit']})",
        }
        events += [
            VettingCaseEvent(case_id=case_id, actor=None, at=now, action=CaseAction.HIT_CARRIED_OVER, changes=details)
            for case_id in cases.get(hit.participant_id, ())
        ]
    VettingCaseEvent.objects.bulk_create(events)


RESOLVED = (SanctionsHit.Status.CLEARED, SanctionsHit.Status.CONFIRMED)


def _reopen(hit_id, match, subject, now):
    """Open again a hit decided before the person's screened details changed (the same list version still
    matches them): the decision is kept in the explanation (``reopened``), and must be taken again."""
    hit = SanctionsHit.objects.select_for_update().get(pk=hit_id)
    if hit.status not in RESOLVED:
        return
    earlier = {
        "status": hit.status,
        "note": hit.note,
        "by": hit.resolved_by_id,
        "at": hit.resolved_at.isoformat() if hit.resolved_at else "",
        "on": now.isoformat(),
    }
    hit.explanation = {**match.explanation, "subject": subject, "reopened": earlier}
    hit.score, hit.matched_name = match.score, match.matched_name[:300]
    hit.status, hit.resolved_by, hit.resolved_at, hit.note = SanctionsHit.Status.OPEN, None, None, ""
    hit.save(update_fields=["explanation", "score", "matched_name", "status", "resolved_by", "resolved_at", "note"])


@transaction.atomic
def _screen_chunk(run_id, lease, index, chunk):
    """Screen one chunk of participants while the run's lease is this worker's: new hits for what they match
    now (open, or with the decision of an older version's hit carried over), their open hits that the
    current lists no longer give (an older version's, or a name since changed) superseded. Returns the
    renewed lease."""
    # The run's row stays locked to the chunk's end: a take-over waits, then finds the run progressing.
    held = ScreeningRun.objects.select_for_update().filter(
        pk=run_id, status=ScreeningRun.Status.RUNNING, started_at=lease
    )
    if not list(held.values_list("pk", flat=True)):
        raise _LeaseLost
    now = timezone.now()
    found = {}
    subjects = {}
    for pk, full_name, born, nationality in chunk:
        subjects[pk] = subject_fingerprint(full_name, born, nationality)
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
    stored = SanctionsHit.objects.filter(participant_id__in=ids, entry_id__in={entry for _p, entry in found})
    existing = set()
    for pk, participant_id, entry_id, status, explanation in stored.values_list(
        "pk", "participant_id", "entry_id", "status", "explanation"
    ):
        existing.add((participant_id, entry_id))
        decided_on = explanation.get("subject") if isinstance(explanation, dict) else None
        if status in RESOLVED and decided_on and decided_on != subjects[participant_id]:
            _reopen(pk, found[(participant_id, entry_id)], subjects[participant_id], now)
    new = [
        SanctionsHit(
            participant_id=participant_id,
            entry_id=entry_id,
            score=match.score,
            matched_name=match.matched_name[:300],
            explanation={**match.explanation, "subject": subjects[participant_id]},
            screening_id=run_id,
        )
        for (participant_id, entry_id), match in found.items()
        if (participant_id, entry_id) not in existing
    ]
    carried = _carry_over_decisions(new, now)
    SanctionsHit.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    _record_carried_over(run_id, carried, now)
    progressed = timezone.now()
    ScreeningRun.objects.filter(pk=run_id).update(
        done=F("done") + len(chunk), hits_found=F("hits_found") + len(new), started_at=progressed
    )
    return progressed


def screening_fields(participant):
    """What screening reads of a participant: a change of any of it asks for a new screening."""
    return (participant.full_name, participant.date_of_birth, str(participant.nationality or ""))
