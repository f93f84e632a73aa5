"""Reads of the participants app. Every one starts from a model's ``visible_to(user)``."""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import connection
from django.db.models import BooleanField, Case, Count, Exists, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower, Upper
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.levels import Level
from core.pagination import COUNTED_LIST_SIZE, bounded_count, counted, counted_list
from core.rule_queries import (
    LATER_STAND_IN_TIME,
    STAND_IN_TIME,
    RuleQuery,
    TextStandIn,
    as_it_is,
    like_contains,
)
from core.visibility import is_organisation_member, workshop_rule

from .models import ConsentRecord, Organization, Participant, SanctionsHit, VettingCase
from .querysets import participants_in_order_of, sees_organisations
from .ranking import RankedSearch, search_words

NOT_VETTED = "none"


# --- Who may work on what (the views ask these, and so do the links to them) ---------------------


def participant_can_work_on(user):
    """The participant list, new participants and edits are the organisation's work: admins and staff.

    Anyone else gets 403 there, and is shown no link to them; they reach the participants they may
    see through the workshops those are invited to.
    """
    return is_organisation_member(user)


def participant_can_edit(user, participant):
    """Whether the user may change this participant (a row of ``participants_for(user)``): the
    organisation's work, on a person whose identity the user may see, since the form shows all of it."""
    return participant_can_work_on(user) and participant.identity_visible


def organization_can_work_on(user):
    """The organisation list, new organisations and edits: admins and staff, like participants."""
    return is_organisation_member(user)


def organization_can_see(user):
    """Whether organisation pages open to the user at all (``Organization.objects.visible_to``)."""
    return sees_organisations(user)


def _on_postgresql():
    """Whether the database is PostgreSQL: there search ranks and forgives misspellings (pg_trgm, full-text
    search) and a page of the list is read by index. The SQLite demo finds what contains the text, in
    the list's order, and sorts its few rows."""
    return connection.vendor == "postgresql"


class _AnyOf(Func):
    """``column = ANY(ARRAY(subquery))``: the subquery runs once, and its values are an index condition on
    ``column`` (``column IN (subquery)`` under an ``OR`` is a filter that no index of the table serves)."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        subquery_sql, subquery_params = compiler.compile(subquery)  # "(SELECT …)"
        return f"{column_sql} = ANY(ARRAY{subquery_sql})", (*column_params, *subquery_params)


def word_prefixes(text):
    """The full-text query of the beginnings of the text's words, all of them: ``'ziad':* & 'had':*``. The
    words are letters and digits only (``search_words``), nothing in them is query syntax."""
    return " & ".join(f"'{word}':*" for word in search_words(text))


def participant_search_q(user, text, *, misspelt=True):
    """Search that never matches a name, e-mail or affiliation the user may not see.

    The codename is searched always; full name, e-mail and organisation name only where
    ``identity_q(user)`` holds. On PostgreSQL the words of a name are found in any order, each as the
    beginning of a word (full-text search), and, with ``misspelt``, a misspelt name or codename too
    (pg_trgm word similarity).
    """
    identity = Participant.objects.identity_q(user)
    organisations = Organization.objects.filter(name__icontains=text).order_by().values("pk")
    codename = Q(codename__icontains=text)
    identity_text = Q(full_name__icontains=text) | Q(email__icontains=text)
    if not _on_postgresql():
        return codename | (identity & (identity_text | Q(organization__in=organisations)))
    # Loosely: a name's words in any order (full-text search), and misspelt (trigram word similarity).
    loose_codename, loose_name = Q(), Q()
    if misspelt:
        loose_codename = Q(TrigramWordSimilar(Upper("codename"), Value(text)))
        loose_name = Q(TrigramWordSimilar(Upper("full_name"), Value(text)))
    if search_words(text):
        prefixes = SearchQuery(word_prefixes(text), config="simple", search_type="raw")
        loose_name |= Q(SearchVectorExact(SearchVector("full_name", config="simple"), prefixes))
    # Every participant whose text matches, masked or not: each arm a condition that an index of the
    # participant table serves (the trigram, full-text and organisation indexes; the matching
    # organisations as an array, an index condition), so that PostgreSQL reads the matching rows only.
    found = codename | loose_codename | identity_text | Q(_AnyOf(F("organization_id"), organisations)) | loose_name
    # Then the rule drops those that matched only on what the user may not see. Cheapest arms first:
    # PostgreSQL tries them in this order on each row found (the organisations then as a hashed list).
    identity_text |= Q(organization__in=organisations) | loose_name
    return found & (codename | loose_codename | (identity & identity_text))


def _sees_every_identity(user):
    """Whether ``identity_q(user)`` holds for every participant (an admin cleared for identities)."""
    return Participant.objects.identity_q(user) == Q(pk__isnull=False)


def _participants_for(user, every_identity):
    if every_identity:
        shown_name = F("full_name")  # whose order an index holds
    else:
        shown_name = Case(When(identity_visible_to_viewer=True, then=F("full_name")), default=F("codename"))
    return (
        Participant.objects.visible_to(user)
        .with_identity_for(user)
        .with_vetting_status()
        .select_related("organization")
        # The name shown in lower case is the one column of it selected, and the order is by that column (by
        # its position): the identity rule in it is built, and planned, once for both.
        .alias(shown_name=shown_name)
        .annotate(shown_name_lower=Lower("shown_name"))
        .order_by("shown_name_lower", "pk")
    )


def participants_for(user):
    """Participants the user may see, annotated with identity and vetting status.

    Ordered by what the viewer is shown (name where visible, otherwise codename): ordering by the
    real name would let the position of a masked row hint at the hidden name.
    """
    return _participants_for(user, _sees_every_identity(user))


class ParticipantPages:
    """The participants of a list (``participants_for``, filtered) in the order of the names shown, a page
    of which PostgreSQL reads by index, whatever the number of participants.

    No index holds that mixed order (the name where the viewer sees it, the codename where not), so that
    a page would sort every row. But its first ``n`` rows are among the first ``n`` named participants in
    name order and the first ``n`` masked ones in codename order, which two indexes give; a page is taken
    from those. Masked are only ever high-risk people (``core.visibility.identity_rule`` opens every
    lower risk level), whose index is small. ``Paginator`` asks ``count()`` and a slice; iterating gives
    every row.

    A slice is two queries: the page's ids, from the two lists of ``participants`` (each of which says
    whether the viewer sees the name), then their rows, read through ``Participant.objects.visible_to``
    again. The rules of ``participants`` are then built, compiled and planned once per list, not a third
    time around the two. The list as it opens, unfiltered, is the one most read: its count and its pages'
    ids are built and compiled once per shape of user (``core.rule_queries``), as are the rows of a page.
    """

    ordered = True  # for Paginator: the order is the one described above

    def __init__(self, user, participants=None):
        """``participants``: the list filtered; ``None`` for the list unfiltered, built where it is asked for."""
        self.user = user
        self.filtered = participants is not None
        self._participants = participants

    @property
    def participants(self):
        if self._participants is None:
            self._participants = _participants_for(self.user, every_identity=False)
        return self._participants

    def count(self):
        return self.participants.count()

    def count_up_to(self, limit):
        """How many participants, counted no further than ``limit`` (``core.pagination.bounded_count``)."""
        if not self.filtered:
            return _UNFILTERED.for_user(self.user).count_up_to(limit)
        return bounded_count(self.participants, limit - 1)

    def __iter__(self):
        return iter(self.participants)

    def named(self):
        """The participants whose name the viewer sees, in name order (``participant_name_lower_idx``)."""
        return self.participants.filter(identity_visible_to_viewer=True).order_by(Lower("full_name"), "pk")

    def masked(self):
        """The others, in codename order (``participant_codename_lower_idx``, of high-risk people)."""
        masked = self.participants.filter(risk_level__gte=Participant.RiskLevel.HIGH, identity_visible_to_viewer=False)
        return masked.order_by(Lower("codename"), "pk")

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.stop is None:
            return self.participants[index]
        if self.filtered:
            page = [(pk, is_named) for pk, is_named, _sort_name in self.page_ids(index)]
        else:
            key = (index.start, index.stop)
            page_ids = _UNFILTERED_PAGE_IDS.for_user(self.user, key=key)
            page = [(pk, is_named) for pk, is_named, _sort_name in page_ids]
        return participants_in_order_of(self.user, page)

    def page_ids(self, index):
        """The ids of the participants of the slice ``index``, whether the viewer sees each name, and the
        name shown in lower case, in the order of the names shown (lower case, then id): a queryset."""

        def firsts(participants, named, name):
            return participants.annotate(named=Value(named), sort_name=Lower(name)).values_list(
                "pk", "named", "sort_name"
            )[: index.stop]

        # Each part of the UNION sliced: PostgreSQL's (``participant_list_for`` pages this way on it alone).
        named_first, masked_first = firsts(self.named(), True, "full_name"), firsts(self.masked(), False, "codename")
        return named_first.union(masked_first, all=True).order_by("sort_name", "pk")[index]


# The unfiltered list of ``ParticipantPages``, and the ids of its pages (the key: the page's slice).
_UNFILTERED = RuleQuery(lambda user: _participants_for(user, every_identity=False))
_UNFILTERED_PAGE_IDS = RuleQuery(
    lambda user, index: ParticipantPages(user).page_ids(slice(*index)), keyed=True, example_key=(25, 51)
)


def participant_list_for(
    user,
    *,
    search="",
    category="",
    risk_level=None,
    nationality="",
    organization=None,
    level=None,
    vetting_status="",
    organisation_name="",
    language="",
):
    """The participant list: ``participants_for(user)`` filtered; with ``search``, best matches first on
    PostgreSQL, at most ``PARLEY_COUNT_BOUND`` of them ranked (``ranking.RankedSearch``), otherwise in the
    order of the names shown, read a page at a time by index (``ParticipantPages``). ``organisation_name``:
    part of the name of their organisation; ``language``: a language code they speak."""
    every_identity = _sees_every_identity(user)
    paged = _on_postgresql() and not every_identity
    filters = (category, risk_level, nationality, organization, organisation_name, language, level, vetting_status)
    if all(value in ("", None) for value in filters):  # as the list opens, or a search alone: the most read
        if paged and not search:
            return ParticipantPages(user)
        if search and _on_postgresql() and search_words(search):
            strict, every = (_SEARCH.for_user(user, misspelt, text=search) for misspelt in (False, True))
            return RankedSearch(strict, every, user, search, settings.PARLEY_COUNT_BOUND)
    participants = _participants_for(user, every_identity)
    if category:
        participants = participants.filter(category=category)
    if risk_level is not None:
        participants = participants.filter(risk_level=risk_level)
    if nationality:
        participants = participants.filter(nationality=nationality)
    if organization is not None:
        # The affiliation is identity: filtering by it must not place a masked participant.
        participants = participants.filter(Participant.objects.identity_q(user), organization=organization)
    if organisation_name:
        # As ``organization``: only where the affiliation is visible.
        participants = participants.filter(
            Participant.objects.identity_q(user), organization__name__icontains=organisation_name
        )
    if language:
        # A JSON list of codes: contained in it on PostgreSQL; as quoted text in the SQLite demo.
        speaks = {"languages__contains": [language]} if _on_postgresql() else {"languages__icontains": f'"{language}"'}
        participants = participants.filter(**speaks)
    if level is not None:
        participants = participants.filter(level=level)
    if vetting_status == NOT_VETTED:
        participants = participants.filter(vetting_status__isnull=True)
    elif vetting_status:
        participants = participants.filter(vetting_status=vetting_status)
    if not search:
        # In name order an index gives a page at once; a mix of names and codenames needs the two of them.
        return ParticipantPages(user, participants) if paged else participants
    if not _on_postgresql():
        return participants.filter(participant_search_q(user, search))

    strict, every = (_matching(participants, user, search, misspelt) for misspelt in (False, True))
    return RankedSearch(strict, every, user, search, settings.PARLEY_COUNT_BOUND)


def _matching(participants, user, text, misspelt):
    """The ``participants`` that the search ``text`` finds (``participant_search_q``), as ``ranking.FOUND``."""
    found = participants.filter(participant_search_q(user, text, misspelt=misspelt)).order_by()
    columns = ("identity_visible_to_viewer", "codename", "full_name", "email", "organization__name")
    return found.values_list("pk", *columns)


# A search of the whole list (no filter) with words in it: the key is whether misspellings are found too.
_SEARCH = RuleQuery(
    lambda user, misspelt, text: _matching(_participants_for(user, _sees_every_identity(user)), user, text, misspelt),
    keyed=True,
    example_key=True,
    text=TextStandIn("qqparleysearchqq", as_it_is, like_contains, word_prefixes),
)


def vetting_status_label(status, expires_at):
    """What staff may know of vetting: the latest case's status, and whether an approval has expired."""
    if not status:
        return _("Not vetted")
    label = VettingCase.Status(status).label
    if status in VettingCase.APPROVED_STATUSES and expires_at is not None and expires_at <= timezone.now():
        return _("%(status)s (expired)") % {"status": label}
    return label


def with_vetting_labels(participants):
    """The participants as a list, each with ``vetting_label`` (from ``with_vetting_status``)."""
    participants = list(participants)
    for participant in participants:
        participant.vetting_label = vetting_status_label(participant.vetting_status, participant.vetting_expires_at)
    return participants


def participant_get_for(user, pk):
    """One participant the user may see (404 for hidden and missing alike)."""
    return get_object_or_404(participants_for(user), pk=pk)


def participant_invitations_for(user, participant):
    """The participant's invitations the user may see; ``workshop_visible`` says whether the workshop's
    page opens to them (a participant sees their own invitation, not the workshop's page)."""
    # Through the reverse relation and the workshop rule of ``core.visibility``: participants come
    # before dialogues and do not import it.
    workshop_visible = Case(
        When(workshop_rule(user, prefix="workshop__"), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        participant.invitations.visible_to(user)
        .select_related("workshop", "party")
        .annotate(workshop_visible=workshop_visible)
        .order_by("-workshop__starts_at", "pk")
    )


def participant_vetting_cases_for(user, participant):
    """Vetting cases are CONFIDENTIAL and for admins only; everyone else gets none."""
    return VettingCase.objects.visible_to(user).filter(participant=participant).select_related("reviewer")


def participant_consents(participant):
    return ConsentRecord.objects.filter(participant=participant).order_by("kind", "-given_at")


def participant_active_consent_kinds(participant):
    return set(
        ConsentRecord.objects.filter(participant=participant, withdrawn_at__isnull=True).values_list("kind", flat=True)
    )


def _identity_visible_participants(user):
    return Participant.objects.visible_to(user).filter(Participant.objects.identity_q(user))


def organization_list_for(user, *, search="", kind="", country=""):
    """Organisations with the number of their participants whose affiliation the user may see."""
    counted = (
        _identity_visible_participants(user)
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(number=Count("pk"))
        .values("number")
    )
    organizations = Organization.objects.visible_to(user).annotate(
        participant_count=Coalesce(Subquery(counted), Value(0))
    )
    if search:
        organizations = organizations.filter(name__icontains=search)
    if kind:
        organizations = organizations.filter(kind=kind)
    if country:
        organizations = organizations.filter(country=country)
    return organizations.order_by(Lower("name"), "pk")


def organization_get_for(user, pk):
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


def organization_participants_for(user, organization):
    """Participants of an organisation, limited to those whose affiliation the user may see.

    Listing a masked participant under an organisation would disclose their affiliation.
    """
    return (
        _identity_visible_participants(user)
        .with_identity_for(user)
        .filter(organization=organization)
        .order_by(Lower("full_name"), "pk")
    )


# --- The vetting work (the admin's dashboard shows these) ----------------------------------------


def _awaiting_vetting(user):
    return (
        Participant.objects.visible_to(user)
        .with_identity_for(user)
        .with_vetting_status()
        .filter(vetting_status__in=[VettingCase.Status.PENDING, VettingCase.Status.IN_REVIEW])
        .order_by("pk")
    )


_AWAITING_VETTING = RuleQuery(_awaiting_vetting)


def participants_awaiting_vetting(user):
    """Participants whose vetting is pending or in review: their number and the first of them."""
    queue = counted_list(_AWAITING_VETTING.for_user(user))
    labels = dict(VettingCase.Status.choices)
    for person in queue["items"]:
        person.vetting_status_label = labels.get(person.vetting_status, person.vetting_status)
    return queue


def _approvals_expiring(user, now, until):
    later = VettingCase.objects.filter(participant=OuterRef("participant_id")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return (
        VettingCase.objects.filter(
            status__in=VettingCase.APPROVED_STATUSES,
            expires_at__gt=now,
            expires_at__lte=until,
            participant__in=Participant.objects.visible_to(user),
        )
        .exclude(Exists(later))
        .order_by("expires_at", "participant_id")
    )


def _people_of_approvals_expiring(user, now, until):
    return (
        Participant.objects.visible_to(user)
        .with_identity_for(user)
        .with_vetting_status()
        .filter(pk__in=_approvals_expiring(user, now, until).values("participant_id")[:COUNTED_LIST_SIZE])
        .order_by("vetting_expires_at", "pk")
    )


_APPROVALS_EXPIRING = RuleQuery(_approvals_expiring, now=STAND_IN_TIME, until=LATER_STAND_IN_TIME)
_PEOPLE_OF_APPROVALS_EXPIRING = RuleQuery(_people_of_approvals_expiring, now=STAND_IN_TIME, until=LATER_STAND_IN_TIME)


def vetting_approvals_expiring(user, days=30):
    """Participants whose approval runs out within ``days``, soonest first (``counted_list``'s shape).

    Read from the cases, in expiry order by their index on status and expiry: the approved cases expiring
    then that are their participant's latest (no later case), so that the first ten are found without
    working out the latest case of everyone whose approval runs out.
    """
    now = timezone.now()
    within = {"now": now, "until": now + dt.timedelta(days=days)}
    cases = _APPROVALS_EXPIRING.for_user(user, **within)
    return counted_list(cases, items=_PEOPLE_OF_APPROVALS_EXPIRING.for_user(user, **within))


_OPEN_SANCTIONS_HITS = RuleQuery(
    lambda user: SanctionsHit.objects.visible_to(user).filter(status=SanctionsHit.Status.OPEN)
)


def open_sanctions_hits_counted(user):
    """How many sanctions hits await an admin's review, counted up to a bound (``core.pagination.counted``)."""
    return counted(_OPEN_SANCTIONS_HITS.for_user(user))


# --- Vetting that clears a person for a workshop (the invitation services and pages ask these) ----------

# From this level up, only people whose standing vetting case (the latest decided one, else the latest; see
# ``VettingCaseQuerySet.standing_first``) is an approval that has not run out may be
# invited (DESIGN.md: "Only approved, unexpired participants can be invited to CONFIDENTIAL or higher").
VETTING_REQUIRED_FROM = Level.CONFIDENTIAL


def vetting_refusal(level, status, expires_at, *, now=None):
    """Why a person whose standing vetting case has ``status`` and ``expires_at`` (``with_vetting_status``)
    may not be invited to a workshop of ``level``; ``None`` if they may. What staff may know of vetting
    (the status), never the case's notes."""
    if level < VETTING_REQUIRED_FROM:
        return None
    now = now or timezone.now()
    if status in VettingCase.APPROVED_STATUSES:
        if expires_at is not None and expires_at > now:
            return None
        return _("Their vetting approval has expired; it must be renewed first.")
    if not status:
        return _("Not vetted: a confidential workshop needs an approved vetting.")
    if status == VettingCase.Status.REJECTED:
        return _("Their vetting was rejected.")
    return _("Their vetting is not decided yet (%(status)s).") % {"status": VettingCase.Status(status).label}


def participant_vetting_refusal(participant, level, *, on=None):
    """Why ``participant`` may not be invited to a workshop of ``level`` on ``on`` (now by default), from their
    standing vetting case (``vetting_refusal``); ``None`` if they may. One query, none below the level."""
    if level < VETTING_REQUIRED_FROM:
        return None
    cases = VettingCase.objects.filter(participant=participant).standing_first()
    latest = cases.values("status", "expires_at").first() or {"status": None, "expires_at": None}
    return vetting_refusal(level, latest["status"], latest["expires_at"], now=on)


def participant_vetting_clear(participant, *, on=None):
    """Whether ``participant``'s standing vetting case is an approval (with or without conditions) that runs
    past ``on`` (now by default). One query."""
    return participant_vetting_refusal(participant, VETTING_REQUIRED_FROM, on=on) is None


def participants_cleared_for(level, participants, *, now=None):
    """Of ``participants`` (a queryset of them), those who may be invited to a workshop of ``level``: all of
    them below ``VETTING_REQUIRED_FROM``; from there, those whose standing vetting case is an unexpired
    approval."""
    if level < VETTING_REQUIRED_FROM:
        return participants
    if "vetting_status" not in participants.query.annotations:
        participants = participants.with_vetting_status()
    return participants.filter(
        vetting_status__in=VettingCase.APPROVED_STATUSES, vetting_expires_at__gt=now or timezone.now()
    )
