"""Sanctions lists: who may work with them, importing the UN Security Council Consolidated List, and
resolving the hits screening finds (``participants.screening`` matches).

A list file is parsed in full with ``defusedxml`` (no DTD, no entity, no external reference) before
anything is written; then one transaction stores it as a new version of its list and makes it current.
A bad file leaves the previous version current and untouched. Versions are never deleted: every hit
names the entry of the version it was found in, and every screening run the version it used.
"""

import datetime as dt
import hashlib
import logging
import xml.etree.ElementTree as StdElementTree
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.levels import Level
from core.visibility import is_admin

from .models import (
    SanctionsEntry,
    SanctionsHit,
    SanctionsList,
    ScreeningRun,
    VettingCase,
    VettingCaseEvent,
)
from .screening import screening_fields, subject_fingerprint

logger = logging.getLogger(__name__)

# The published list is some 2 MB; a file many times that is not the list.
MAX_LIST_BYTES = getattr(settings, "PARLEY_SANCTIONS_LIST_MAX_BYTES", 20 * 1024 * 1024)
MAX_ENTRIES = 100_000
ROOT_TAG = "CONSOLIDATED_LIST"
# A small list of invented people and entities in the same shape, for the tests and the demo.
FICTIONAL_LIST = Path(__file__).resolve().parent / "sanctions_data" / "fictional_consolidated_list.xml"


def sees_sanctions(user):
    """Sanctions lists, hits and screening runs are CONFIDENTIAL work of admins alone."""
    return is_admin(user) and user.clearance >= Level.CONFIDENTIAL


# --- Reads


def screening_runs_visible_to(user):
    """Screening runs the user may see (``ScreeningRun.objects.visible_to``)."""
    return ScreeningRun.objects.visible_to(user)


def latest_screening_run_for(user, *, participant_id):
    """The newest screening that covered the participant (theirs alone, or everyone's), or None."""
    return (
        screening_runs_visible_to(user)
        .filter(Q(participant_id=participant_id) | Q(participant__isnull=True))
        .select_related("list_version")
        .order_by("-created_at", "-pk")
        .first()
    )


def sanctions_lists_for(user):
    """Every imported version, newest first, with how many hits were found in it."""
    return (
        SanctionsList.objects.visible_to(user)
        .select_related("imported_by")
        .annotate(hit_count=Count("entries__hits"))
        .order_by("-imported_at", "-pk")
    )


def current_lists():
    return SanctionsList.objects.filter(is_current=True)


# --- Parsing the UN Security Council Consolidated List XML


def _text(element, tag):
    child = element.find(tag)
    return " ".join((child.text or "").split()) if child is not None and child.text else ""


def _texts(element, path):
    return [" ".join(child.text.split()) for child in element.findall(path) if child.text and child.text.strip()]


def _date(value):
    value = (value or "").strip()[:10]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _year(value):
    value = (value or "").strip()
    return value if len(value) == 4 and value.isdigit() else ""


# The list's names of countries that are not django-countries' English names.
COUNTRY_ALIASES = {
    "russian federation": "RU",
    "syrian arab republic": "SY",
    "iran (islamic republic of)": "IR",
    "democratic people's republic of korea": "KP",
    "republic of korea": "KR",
    "united republic of tanzania": "TZ",
    "bolivia (plurinational state of)": "BO",
    "venezuela (bolivarian republic of)": "VE",
    "viet nam": "VN",
    "lao people's democratic republic": "LA",
    "republic of moldova": "MD",
    "united kingdom of great britain and northern ireland": "GB",
    "united states of america": "US",
    "state of palestine": "PS",
    "türkiye": "TR",
    "turkey": "TR",
    "côte d'ivoire": "CI",
    "democratic republic of the congo": "CD",
}


def country_code(name):
    """An ISO code for a country as the list names it, or "" when the name is not known."""
    name = " ".join(name.split())
    if not name:
        return ""
    if len(name) == 2 and name.upper() in countries:
        return name.upper()
    return COUNTRY_ALIASES.get(name.lower()) or countries.by_name(name) or ""


def _dates_of_birth(element, tag):
    dates = []
    for birth in element.findall(tag):
        exact = _date(_text(birth, "DATE"))
        year, start, end = _year(_text(birth, "YEAR")), _year(_text(birth, "FROM_YEAR")), _year(_text(birth, "TO_YEAR"))
        if exact:
            dates.append(exact.isoformat())
        elif year:
            dates.append(year)
        elif start and end:
            dates.append(f"{min(start, end)}/{max(start, end)}")
        elif start or end:
            dates.append(start or end)
    return list(dict.fromkeys(dates))


def _aliases(element, tag, *, name):
    aliases = []
    for alias in element.findall(tag):
        alias_name = _text(alias, "ALIAS_NAME")
        if alias_name and alias_name != name:
            aliases.append(alias_name[:300])
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original and original != name:
        aliases.append(original[:300])
    return list(dict.fromkeys(aliases))


def _entry(element, kind):
    if kind == SanctionsEntry.Kind.INDIVIDUAL:
        parts = [_text(element, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        name = " ".join(part for part in parts if part)
        nationalities = _texts(element, "NATIONALITY/VALUE")
        dates = _dates_of_birth(element, "INDIVIDUAL_DATE_OF_BIRTH")
        aliases = _aliases(element, "INDIVIDUAL_ALIAS", name=name)
    else:
        name = _text(element, "FIRST_NAME")
        nationalities, dates = [], []
        aliases = _aliases(element, "ENTITY_ALIAS", name=name)
    reference = _text(element, "REFERENCE_NUMBER") or (
        f"DATAID {_text(element, 'DATAID')}" if _text(element, "DATAID") else ""
    )
    return {
        "reference": reference,
        "kind": kind,
        "name": name[:300],
        "aliases": aliases,
        "nationality": ", ".join(nationalities)[:200],
        "nationalities": list(dict.fromkeys(filter(None, (country_code(value) for value in nationalities)))),
        "dates_of_birth": dates,
        "listed_on": _date(_text(element, "LISTED_ON")),
        "comments": _text(element, "COMMENTS1")[:5000],
    }


class ListRefused(ValidationError):
    pass


def _refused(message, **values):
    return ListRefused(message, code="sanctions_list_refused", params=values or None)


def sanctions_list_parse(data):
    """The list file's date and entries (dicts of ``SanctionsEntry`` fields), or ``ValidationError``.

    Refused: a file over ``MAX_LIST_BYTES``; a DTD, entity declaration or external reference (billion
    laughs, XXE); XML that is not well formed (a truncated download); another root element; no entries;
    an entry without a name or a reference, or a reference twice.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_LIST_BYTES:
        raise _refused(
            _("The file is larger than %(limit)s MB: it is not a sanctions list."),
            limit=MAX_LIST_BYTES // (1024 * 1024),
        )
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as refused:
        raise _refused(
            _(
                "The file declares a DTD, entities or external references, which a sanctions list never does; "
                "nothing was imported."
            )
        ) from refused
    except (StdElementTree.ParseError, ValueError) as broken:
        raise _refused(
            _("The file is not well-formed XML (perhaps it was cut short): %(problem)s. Nothing was imported."),
            problem=str(broken)[:200],
        ) from broken
    if root.tag != ROOT_TAG:
        raise _refused(
            _(
                "This is not a UN Security Council Consolidated List: "
                "its root element is <%(tag)s>, not <%(expected)s>."
            ),
            tag=str(root.tag)[:60],
            expected=ROOT_TAG,
        )
    entries = [_entry(element, SanctionsEntry.Kind.INDIVIDUAL) for element in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    entries += [_entry(element, SanctionsEntry.Kind.ENTITY) for element in root.iterfind("ENTITIES/ENTITY")]
    if not entries:
        raise _refused(_("The file lists no individuals and no entities; the current list was kept."))
    if len(entries) > MAX_ENTRIES:
        raise _refused(_("The file lists more than %(limit)s entries."), limit=MAX_ENTRIES)
    seen = set()
    for number, entry in enumerate(entries, start=1):
        if not entry["name"]:
            raise _refused(_("Entry %(number)s has no name."), number=number)
        if not entry["reference"] or len(entry["reference"]) > 60:
            raise _refused(
                _("Entry %(number)s (%(name)s) has no usable reference number."), number=number, name=entry["name"][:80]
            )
        if entry["reference"] in seen:
            raise _refused(_("The reference number %(reference)s appears twice."), reference=entry["reference"])
        seen.add(entry["reference"])
    return {"generated_on": _date(root.get("dateGenerated", "")), "entries": entries}


# --- Importing


@transaction.atomic
def sanctions_list_import(*, data, source="UNSC", file_name="", by=None, screen=True):
    """Store ``data`` (the XML file's bytes) as a new version of list ``source`` and make it current.

    The previous version stays, no longer current, with its entries (its hits and runs keep naming
    it). Nothing is written when the file is refused. With ``screen``, everyone is screened against the
    new lists once the import is committed (a ``ScreeningRun``, worked through by Celery).
    """
    if by is not None and not sees_sanctions(by):
        raise ValidationError(_("Only admins cleared for CONFIDENTIAL import sanctions lists."), code="forbidden")
    source = (source or "UNSC").strip()[:60]
    parsed = sanctions_list_parse(data)
    digest = hashlib.sha256(data if isinstance(data, bytes) else data.encode("utf-8")).hexdigest()
    # One import of a list at a time: the current version is locked until this one replaces it.
    current = list(SanctionsList.objects.select_for_update().filter(source=source, is_current=True))
    if any(version.sha256 == digest for version in current):
        raise ValidationError(
            _("This file is the current version of the %(source)s list already (imported %(when)s): nothing changed."),
            code="same_file",
            params={
                "source": source,
                "when": date_format(timezone.localtime(current[0].imported_at), "DATETIME_FORMAT"),
            },
        )
    SanctionsList.objects.filter(source=source, is_current=True).update(is_current=False)
    version = SanctionsList(
        source=source,
        generated_on=parsed["generated_on"],
        file_name=(file_name or "")[:200],
        sha256=digest,
        entry_count=len(parsed["entries"]),
        is_current=True,
        imported_by=by,
    )
    version.full_clean()
    version.save()
    SanctionsEntry.objects.bulk_create(
        [SanctionsEntry(source=source, list_version=version, **entry) for entry in parsed["entries"]],
        batch_size=1000,
    )
    if screen:
        from .screening import screening_run_request

        screening_run_request(participant=None, reason="list_import", by=by)
    return version


# --- Resolving hits


class Decision:
    CLEAR = "clear"
    CONFIRM = "confirm"


@transaction.atomic
def sanctions_hit_resolve(*, hit, decision, note="", by):
    """Clear (not the same person: ``note`` says why) or confirm an open hit; recorded with who and when,
    and in the history of the participant's open vetting cases."""
    if not sees_sanctions(by):
        raise ValidationError(_("Only admins cleared for CONFIDENTIAL resolve sanctions hits."), code="forbidden")
    note = (note or "").strip()
    if decision not in (Decision.CLEAR, Decision.CONFIRM):
        raise ValidationError({"decision": _("Choose to clear or to confirm the hit.")}, code="decision")
    if decision == Decision.CLEAR and not note:
        raise ValidationError({"note": _("Say why this is not the same person.")}, code="reason_required")
    hit = SanctionsHit.objects.select_for_update().select_related("entry", "participant").get(pk=hit.pk)
    if hit.status != SanctionsHit.Status.OPEN:
        raise ValidationError(
            _("This hit was already resolved (%(status)s)."),
            code="resolved",
            params={"status": hit.get_status_display()},
        )
    hit.status = SanctionsHit.Status.CLEARED if decision == Decision.CLEAR else SanctionsHit.Status.CONFIRMED
    hit.resolved_by = by
    hit.resolved_at = timezone.now()
    hit.note = note
    # What the decision rests on, of the person: a newer list version carries the decision over to the
    # same entry's hit only while this is unchanged (``screening._carry_over_decisions``).
    explanation = hit.explanation if isinstance(hit.explanation, dict) else {}
    hit.explanation = {**explanation, "subject": subject_fingerprint(*screening_fields(hit.participant))}
    hit.full_clean()
    hit.save(update_fields=["status", "resolved_by", "resolved_at", "note", "explanation"])
    VettingCaseEvent.objects.bulk_create(
        [
            VettingCaseEvent(
                case_id=case_id,
                actor=by,
                at=hit.resolved_at,
                action=f"sanctions_hit_{hit.status}",
                changes={"hit": hit.pk, "entry": hit.entry.reference, "note": note},
            )
            for case_id in VettingCase.objects.filter(
                participant_id=hit.participant_id, status__in=VettingCase.OPEN
            ).values_list("pk", flat=True)
        ]
    )
    return hit


def refusal_text(error):
    """A refusal as one sentence for a message on the page."""
    return " ".join(str(message) for message in error.messages) or gettext("Nothing was saved.")
