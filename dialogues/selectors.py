"""Reads of the dialogues app, each built on a model's one ``visible_to(user)``.

Who may change what is decided here too (``initiative_can_manage`` …), so views only ask.
Every function runs a fixed number of queries, whatever the data size.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.compiled import CompiledOnce
from core.figures import breakdown
from core.levels import Level, Role
from core.pagination import counted_list, first_rows
from core.rule_queries import EARLIER_STAND_IN_TIME, LATER_STAND_IN_TIME, STAND_IN_TIME, RuleQuery
from core.visibility import (
    SeenWorkshop,
    assigned_workshop_ids,
    attended_workshop_ids,
    invitee_rule,
    is_organisation_member,
    is_reader,
    seen_key,
    seen_workshop,
    staffed_flag,
    team_initiative_ids,
)
from participants.models import Participant
from participants.selectors import participant_list_for, vetting_refusal

from .models import (
    TEAM_CANDIDATE_ROLES,
    AgendaSession,
    Document,
    DocumentVersion,
    Funding,
    Initiative,
    Invitation,
    Party,
    TeamMembership,
    Workshop,
)

MANAGING_TEAM_ROLES = (TeamMembership.Role.LEAD, TeamMembership.Role.PROGRAMME_OFFICER)
ACCEPTED = (Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED)
AWAITING_REPLY = (Invitation.Status.QUEUED, Invitation.Status.SENT)
DECLINED = (Invitation.Status.DECLINED, Invitation.Status.WITHDRAWN)


def count_of(queryset, field):
    """Subquery: how many rows of ``queryset`` point at the outer row through ``field``."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def initiative_visible_flag(user, path="initiative_id"):
    """Annotation: whether the user may see the initiative a row belongs to (else: its codename only)."""
    return Exists(Initiative.objects.visible_to(user).filter(pk=OuterRef(path)))


# --- Who may change what -------------------------------------------------------------------------


def initiative_can_create(user):
    return is_organisation_member(user)


def initiative_can_manage(user, initiative, *, level=None):
    """Team lead or programme officer of the initiative; admin or staff when it is INTERNAL or below.

    ``level``: the level of what is to be changed, if higher than the initiative's (one of its workshops).
    """
    level = initiative.level if level is None else level
    if not is_reader(user) or user.role == Role.PARTICIPANT or user.clearance < level:
        return False
    if is_organisation_member(user) and level <= Level.INTERNAL:
        return True
    return TeamMembership.objects.filter(initiative=initiative, user=user, role__in=MANAGING_TEAM_ROLES).exists()


def workshop_can_manage(user, workshop):
    """As for its initiative, at the workshop's level: above INTERNAL, the initiative's managing team only."""
    return initiative_can_manage(user, workshop.initiative, level=workshop.effective_level)


# --- Which lists are worth a link (menus and breadcrumbs ask these) ---------------------------------


def initiative_can_list(user):
    """Admins and staff always (they create initiatives there); anyone else only while the list shows one.

    A facilitator sees the initiatives whose team they are on, usually none; participants and observers
    never see one. One query, for facilitators only.
    """
    if is_organisation_member(user):
        return True
    if not is_reader(user) or user.role == Role.PARTICIPANT:
        return False
    return Initiative.objects.visible_to(user).exists()


def workshop_can_list(user):
    """Admins, staff and facilitators (their assigned workshops); a participant's list is always empty
    (their invitations are on the dashboard) and observers see no record."""
    return is_organisation_member(user) or (is_reader(user) and user.role == Role.FACILITATOR)


def facilitation_can_open(user):
    """The facilitator's workspace (``facilitators:workspace``) is the facilitators' page. No query: the menu
    asks it on every page (a facilitator without a profile yet is told so there, not sent to a wall)."""
    return is_reader(user) and user.role == Role.FACILITATOR


# --- Initiatives ---------------------------------------------------------------------------------


def initiative_list_for(user, *, q="", phase="", level=None):
    initiatives = Initiative.objects.visible_to(user).annotate(
        workshop_count=count_of(Workshop.objects.visible_to(user), "initiative")
    )
    if q:
        initiatives = initiatives.filter(Q(title__icontains=q) | Q(codename__icontains=q) | Q(conflict__icontains=q))
    if phase:
        initiatives = initiatives.filter(phase=phase)
    if level is not None:
        initiatives = initiatives.filter(level=level)
    return initiatives.order_by("title", "pk")


def documents_for(user):
    """Documents the user may see, with the number of their latest version (``None``: no file yet).

    A version is visible exactly when its document is (``DocumentVersionQuerySet.visible_to``): those of a
    document read here need no rule of their own, which would compile the documents' rule a second time."""
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    return Document.objects.visible_to(user).annotate(latest_version=Subquery(latest.values("number")[:1]))


def initiative_get_for(user, pk):
    """The initiative page: parties, team, funding, workshops and documents, each scoped to the user."""
    workshops = Workshop.objects.visible_to(user).annotate(
        invitation_count=count_of(Invitation.objects.visible_to(user), "workshop")
    )
    initiatives = Initiative.objects.visible_to(user).prefetch_related(
        Prefetch("parties", queryset=Party.objects.visible_to(user)),
        Prefetch("team_memberships", queryset=TeamMembership.objects.visible_to(user).select_related("user")),
        Prefetch("fundings", queryset=Funding.objects.visible_to(user)),
        Prefetch("workshops", queryset=workshops),
        Prefetch("documents", queryset=documents_for(user)),
    )
    return get_object_or_404(initiatives, pk=pk)


def workshops_below_level(user, initiative, level):
    """Workshops of the initiative that would fall below ``level``: (titles the user may see, others).

    Every workshop counts for the rule; only those the user may see are named.
    """
    below = (
        Workshop.objects.filter(initiative=initiative, level__lt=level)
        .annotate(seen=Exists(Workshop.objects.visible_to(user).filter(pk=OuterRef("pk"))))
        .values_list("title", "seen")
    )
    titles = [title for title, seen in below if seen]
    return titles, len(below) - len(titles)


def workshops_below_level_label(user, initiative, level):
    """The workshops that would fall below ``level`` as the user may be told of them: the titles they may
    see, and of the others only that there are some, never how many. Empty when there are none."""
    titles, hidden = workshops_below_level(user, initiative, level)
    names = [f"“{title}”" for title in titles]
    if hidden:
        names.append(_("others you may not see"))
    return ", ".join(names)


def initiative_refusal_for(user, initiative, refusal):
    """``refusal`` (of ``initiative.full_clean()``) as ``user`` may read it: ``Initiative.clean`` says only that
    workshops are below the level; here they are named, as far as the user may see them."""

    def told(error):
        if error.code != Initiative.WORKSHOPS_BELOW:
            return error
        return ValidationError(
            _(
                "These workshops are below %(level)s and would be less confidential than their initiative: "
                "%(workshops)s. Raise their levels first."
            ),
            code=Initiative.WORKSHOPS_BELOW,
            params={
                "level": Level(initiative.level).label,
                "workshops": workshops_below_level_label(user, initiative, initiative.level),
            },
        )

    if not hasattr(refusal, "error_dict") or "level" not in refusal.error_dict:
        return refusal
    return ValidationError({**refusal.error_dict, "level": [told(error) for error in refusal.error_dict["level"]]})


def team_candidates(initiative=None):
    """The team picker's choices: who may join a team (active admins, staff and facilitators, as
    ``TeamMembership.clean`` says), and who is on it already (their rows are shown and saved back)."""
    eligible = Q(is_active=True, role__in=TEAM_CANDIDATE_ROLES)
    if initiative is not None and initiative.pk:
        eligible |= Q(pk__in=TeamMembership.objects.filter(initiative=initiative).values("user_id"))
    return User.objects.filter(eligible).order_by("full_name", "email")


# --- Workshops -----------------------------------------------------------------------------------


def workshop_list_for(user, *, q="", status="", initiative=None, when=""):
    workshops = (
        Workshop.objects.visible_to(user)
        .select_related("initiative")
        .annotate(
            initiative_visible=initiative_visible_flag(user),
            accepted_count=count_of(Invitation.objects.visible_to(user).filter(status__in=ACCEPTED), "workshop"),
        )
    )
    if q:
        workshops = workshops.filter(
            Q(title__icontains=q) | Q(city__icontains=q) | Q(venue__icontains=q) | Q(initiative__codename__icontains=q)
        )
    if status:
        workshops = workshops.filter(status=status)
    if initiative is not None:
        workshops = workshops.filter(initiative=initiative)
    now = timezone.now()
    if when == "upcoming":
        return workshops.filter(ends_at__gte=now).order_by("starts_at", "pk")
    if when == "past":
        return workshops.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    return workshops.order_by("-starts_at", "-pk")


def invitations_for_workshop_page(user):
    """Invitations with their party, and their participant only where the user may see the record.

    ``participant`` is ``None`` for a person whose record is above the user; ``display_name`` is the
    real name only where the user may see the identity. (The workshop page's own delegations ask the same
    more cheaply, by the invitee rules: ``WorkshopDelegations``.)
    """
    people = Participant.objects.visible_to(user).with_identity_for(user)
    return (
        Invitation.objects.visible_to(user)
        .select_related("party")
        .prefetch_related(Prefetch("participant", queryset=people))
        .order_by("party__name", "party_id", "pk")
    )


def facilitator_assignments():
    """The facilitators assigned to workshops, for a prefetch from workshops already scoped to the user.

    An assignment is visible exactly when its workshop is (``AssignmentQuerySet.visible_to``), so it
    needs no filter of its own here. The model is reached through the relation: ``facilitators`` is
    built on ``dialogues``, not the other way round.
    """
    Assignment = Workshop.facilitator_assignments.field.model
    return Assignment.objects.select_related("facilitator__user")


def _workshop_read(user, pk):
    return (
        Workshop.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("initiative")
        .annotate(initiative_visible=initiative_visible_flag(user), staffed=staffed_flag(user))
    )


# The workshop page's record and what it lists of it, each compiled once per shape of user: the stand-ins
# are ids no workshop has.
_WORKSHOP_READ = RuleQuery(_workshop_read, pk=-736_300_001)
_AGENDA_OF = RuleQuery(
    lambda user, workshop: AgendaSession.objects.visible_to(user).filter(workshop_id=workshop), workshop=-736_300_002
)
_FACILITATORS_OF = RuleQuery(
    lambda user, workshop: facilitator_assignments().filter(workshop_id=workshop), workshop=-736_300_003
)
_DOCUMENTS_OF = RuleQuery(
    lambda user, workshop: documents_for(user).filter(workshop_id=workshop), workshop=-736_300_004
)


def workshop_get_for(user, pk):
    """The workshop page's workshop, seen by the user, with its initiative; a 404 where the user may not see
    it. What the page lists of it, each scoped to the user, as lists (as ``Prefetch(to_attr=…)`` gives
    them): ``agenda`` (its sessions), ``assignments`` (its facilitators, each with their user) and
    ``shown_documents``. Its invitations come a page at a time: ``workshop_delegations``. Four queries."""
    found = list(_WORKSHOP_READ.for_user(user, pk=pk))
    if not found:
        raise Http404
    workshop = seen_workshop(found[0], user)
    workshop.agenda = list(_AGENDA_OF.for_user(user, workshop=workshop.pk))
    workshop.assignments = list(_FACILITATORS_OF.for_user(user, workshop=workshop.pk))
    workshop.shown_documents = list(_DOCUMENTS_OF.for_user(user, workshop=workshop.pk))
    return workshop


def workshop_for_invitations(user, pk):
    """A workshop for the pages that manage its invitations: read as by ``workshop_get_for`` (seen by the
    user, with its initiative), without what only its page shows. A 404 where the user may not see it."""
    workshops = Workshop.objects.visible_to(user).select_related("initiative").annotate(staffed=staffed_flag(user))
    return seen_workshop(get_object_or_404(workshops, pk=pk), user)


def workshop_accepted_count(workshop):
    """How many invitees have accepted (or attended): what the workshop's capacity must hold."""
    return Invitation.objects.filter(workshop=workshop, status__in=ACCEPTED).count()


RESTRICTED = "restricted"  # the gender and category of an invitee whose record the viewer may not see


@dataclass
class DelegationBalance:
    """A workshop's delegations in numbers (``delegation_balance``).

    ``rows``: one per party, by name, each a dict: ``party``; ``invited`` (every invitation), ``active``
    (not declined or withdrawn: the delegation as it stands, drafts included), ``drafts``, ``accepted``,
    ``awaiting`` (reply), ``declined`` (or withdrawn); ``women``; ``by_gender`` and ``by_category``: the
    active invitees in the order of ``genders`` and ``categories`` (the columns: every gender, the
    categories that occur). Iterating the balance gives its rows.
    """

    rows: list
    genders: list
    categories: list
    capacity: int
    active: int = 0
    accepted: int = 0
    drafts: int = 0
    women: int = 0
    gender_totals: list = field(default_factory=list)
    category_totals: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def women_percent(self):
        """Women among the active invitees, in whole per cent; ``None`` with nobody invited."""
        return round(100 * self.women / self.active) if self.active else None

    @property
    def over_capacity(self):
        return self.active > self.capacity


def _balance_lines(user, key, workshop):
    """The invitations of ``workshop`` (an id) counted by party, status, gender and category: as ``user`` may
    see them (of a workshop whose ``seen_key`` is ``key``), or with ``user`` ``None``, as they are."""
    invitations = Invitation.objects.filter(workshop_id=workshop).order_by()
    gender, category = F("participant__gender"), F("participant__category")
    if user is not None:
        # The invitee rule: of a workshop read for the viewer, the invitee's level; else the participant rule,
        # asked of each invitee (a correlated EXISTS, by index), never ``participant IN (every participant
        # the viewer may see)``, which hashed that whole set, 100,000 people for a lead.
        shown = invitee_rule(user, as_seen(workshop, user, key), Invitation, prefix="participant__")
        gender = Case(When(shown, then=gender), default=Value(RESTRICTED))
        category = Case(When(shown, then=category), default=Value(RESTRICTED))
    return (
        invitations.annotate(gender_shown=gender, category_shown=category)
        .values("party_id", "party__name", "status", "gender_shown", "category_shown")
        .annotate(n=Count("pk"))
    )


# Compiled once per shape of user and ``seen_key``: the stand-in is an id no workshop has.
_BALANCE_LINES = RuleQuery(_balance_lines, keyed=True, example_key=("unseen",), workshop=-736_500_005)


def delegation_balance(workshop, *, viewer=None, parties=()):
    """The delegations of ``workshop``: per party × gender × category, the invitations that are not
    declined or withdrawn, with the replies per party, totals against capacity and the share of women
    (a ``DelegationBalance``). One aggregate query.

    ``viewer``: the gender and category of an invitee whose record they may not see count as restricted.
    ``parties``: parties to show even with nobody invited (the initiative's, for those who invite).
    Team members see the real numbers; observers' figures come from ``core.figures`` elsewhere.
    """
    if viewer is None:
        counted = _balance_lines(None, None, workshop.pk)
    else:
        counted = _BALANCE_LINES.for_user(viewer, seen_key(workshop, viewer), workshop=workshop.pk)
    rows = {party.pk: _balance_row(party.pk, party.name) for party in parties}
    genders = [*Participant.Gender.choices, ("", _("Not stated"))]
    categories_seen, restricted = set(), False
    for line in counted:
        row = rows.setdefault(line["party_id"], _balance_row(line["party_id"], line["party__name"]))
        status, n = line["status"], line["n"]
        row["invited"] += n
        if status in DECLINED:
            row["declined"] += n
            continue
        row["active"] += n
        row["drafts"] += n if status == Invitation.Status.DRAFT else 0
        row["accepted"] += n if status in ACCEPTED else 0
        row["awaiting"] += n if status in AWAITING_REPLY else 0
        row["genders"][line["gender_shown"]] = row["genders"].get(line["gender_shown"], 0) + n
        row["categories"][line["category_shown"]] = row["categories"].get(line["category_shown"], 0) + n
        categories_seen.add(line["category_shown"])
        restricted = restricted or line["gender_shown"] == RESTRICTED
    if restricted:
        genders.append((RESTRICTED, _("Restricted")))
    categories = [(value, label) for value, label in Participant.Category.choices if value in categories_seen]
    if RESTRICTED in categories_seen:
        categories.append((RESTRICTED, _("Restricted")))
    ordered = sorted(rows.values(), key=lambda row: (row["party"].name.lower(), row["party"].pk))
    for row in ordered:
        row["women"] = row["genders"].get(Participant.Gender.WOMAN, 0)
        row["by_gender"] = [row["genders"].get(value, 0) for value, _label in genders]
        row["by_category"] = [row["categories"].get(value, 0) for value, _label in categories]
    return DelegationBalance(
        rows=ordered,
        genders=genders,
        categories=categories,
        capacity=workshop.capacity,
        active=sum(row["active"] for row in ordered),
        accepted=sum(row["accepted"] for row in ordered),
        drafts=sum(row["drafts"] for row in ordered),
        women=sum(row["women"] for row in ordered),
        gender_totals=[sum(column) for column in zip(*(row["by_gender"] for row in ordered), strict=True)]
        if ordered
        else [0] * len(genders),
        category_totals=[sum(column) for column in zip(*(row["by_category"] for row in ordered), strict=True)]
        if ordered
        else [0] * len(categories),
    )


def _balance_row(party_id, name):
    row = dict.fromkeys(("invited", "active", "drafts", "accepted", "awaiting", "declined"), 0)
    return {**row, "party": Party(pk=party_id, name=name), "genders": {}, "categories": {}}


# --- Choosing whom to invite (the workshop page's invitation panel) ---------------------------------------

CANDIDATES_SHOWN = 20


def workshop_parties(workshop):
    """The parties of the workshop's initiative, by name: the delegations one may add people to."""
    return list(Party.objects.filter(initiative_id=workshop.initiative_id).order_by(Lower("name"), "pk"))


def invitation_candidates(user, workshop, **filters):
    """The participants ``user`` may see who match ``filters`` (those of ``participant_list_for``: search,
    organisation name, nationality, category, language), best first, at most ``CANDIDATES_SHOWN``; and
    whether more match. Each shown by the identity rule, with ``invitation``: theirs to this workshop, or
    ``None``; and ``refusal``: why they may not be added (their vetting, for a CONFIDENTIAL or higher
    workshop), or ``None``. Two queries."""
    found = participant_list_for(user, **filters)
    people = list(found[: CANDIDATES_SHOWN + 1])
    more = len(people) > CANDIDATES_SHOWN
    people = people[:CANDIDATES_SHOWN]
    invitations = (
        Invitation.objects.visible_to(user)
        .filter(workshop=workshop, participant_id__in=[person.pk for person in people])
        .select_related("party")
    )
    invited = {invitation.participant_id: invitation for invitation in invitations} if people else {}
    level, now = workshop.effective_level, timezone.now()
    for person in people:
        person.invitation = invited.get(person.pk)
        person.refusal = vetting_refusal(level, person.vetting_status, person.vetting_expires_at, now=now)
    return people, more


def as_seen(workshop_id, user, key):
    """A workshop of id ``workshop_id`` as the invitee rules read one whose ``seen_key`` for ``user`` is ``key``:
    what a query compiled once per key is built with."""
    workshop = Workshop(pk=workshop_id)
    if key[0] == "seen":
        workshop.seen = SeenWorkshop(user.pk, key[1])
    return workshop


def _delegation_invitations(user, workshop):
    return (
        Invitation.objects.visible_to(user)
        .filter(workshop_id=workshop)
        .select_related("party")
        .order_by("party__name", "party_id", "pk")
    )


def _invitees_by_id(user, key, workshop, ids):
    return Participant.objects.invitees_visible_to(user, as_seen(workshop, user, key)).filter(pk__in_array=ids)


# Compiled once per shape of user (and page, and ``seen_key``): the stand-ins are ids no record has.
_DELEGATION_INVITATIONS = RuleQuery(_delegation_invitations, workshop=-736_500_001)
_INVITEES_BY_ID = RuleQuery(
    _invitees_by_id, keyed=True, example_key=("seen", True), workshop=-736_500_002, ids=[-736_500_003]
)


class WorkshopDelegations:
    """The invitations of a workshop's delegations for its page, by party, as ``invitations_for_workshop_page``
    gives them: each with its party, and its participant only where the user may see the record (by the
    invitee rules: ``invitees_visible_to``). Read a slice at a time (``core.pagination.page_of``): two queries."""

    def __init__(self, user, workshop):
        self.user, self.workshop = user, workshop

    def __getitem__(self, index):
        invitations = _DELEGATION_INVITATIONS.for_user(self.user, workshop=self.workshop.pk)[index]
        ids = sorted({invitation.participant_id for invitation in invitations})
        key = seen_key(self.workshop, self.user)
        found = _INVITEES_BY_ID.for_user(self.user, key, workshop=self.workshop.pk, ids=ids) if ids else ()
        people = {person.pk: person for person in found}
        for invitation in invitations:
            # As a prefetch leaves it: ``None`` where the record is not the user's to see.
            Invitation.participant.field.set_cached_value(invitation, people.get(invitation.participant_id))
        return invitations

    def count_up_to(self, limit):
        return _DELEGATION_INVITATIONS.for_user(self.user, workshop=self.workshop.pk).count_up_to(limit)


def workshop_delegations(user, workshop):
    """The invitations of the workshop's delegations for its page (``WorkshopDelegations``)."""
    return WorkshopDelegations(user, workshop)


def invitations_to_send(workshop, pks=None):
    """The drafts of ``workshop`` (those of ``pks`` only, when given), by party, with their participant (for
    the e-mail address: shown only as "has one or not")."""
    drafts = Invitation.objects.filter(workshop=workshop, status=Invitation.Status.DRAFT)
    if pks is not None:
        drafts = drafts.filter(pk__in=pks)
    return drafts.select_related("party").order_by(Lower("party__name"), "party_id", "pk")


def document_latest_version(user, document):
    return DocumentVersion.objects.visible_to(user).filter(document=document).order_by("-number").first()


# --- A user's own work (the dashboard shows these) ------------------------------------------------


def _initiatives_on_team_of(user):
    my_role = TeamMembership.objects.filter(initiative=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Initiative.objects.visible_to(user)
        .filter(pk__in=team_initiative_ids(user))
        .annotate(
            my_role=Subquery(my_role),
            workshop_count=count_of(Workshop.objects.visible_to(user), "initiative"),
        )
        .order_by("title", "pk")
    )


_INITIATIVES_ON_TEAM_OF = RuleQuery(_initiatives_on_team_of)


def initiatives_on_team_of(user, size=10):
    """The first ``size`` initiatives whose team the user is on, by title, and whether there are more."""
    initiatives, more = first_rows(_INITIATIVES_ON_TEAM_OF.for_user(user), size)
    labels = dict(TeamMembership.Role.choices)
    for initiative in initiatives:
        initiative.my_role_label = labels.get(initiative.my_role, initiative.my_role)
    return initiatives, more


def _workshops_upcoming(user, now, until):
    awaiting = Invitation.objects.visible_to(user).filter(status=Invitation.Status.SENT)
    return (
        Workshop.objects.visible_to(user)
        .filter(ends_at__gte=now, starts_at__lt=until)
        .exclude(status=Workshop.Status.CANCELLED)
        .select_related("initiative")
        .annotate(initiative_visible=initiative_visible_flag(user), awaiting_reply=count_of(awaiting, "workshop"))
        .order_by("starts_at", "pk")
    )


_WORKSHOPS_UPCOMING = RuleQuery(_workshops_upcoming, now=STAND_IN_TIME, until=LATER_STAND_IN_TIME)


def workshops_upcoming_for(user, days=60):
    now = timezone.now()
    return counted_list(_WORKSHOPS_UPCOMING.for_user(user, now=now, until=now + dt.timedelta(days=days)), size=20)


def _workshops_assigned_to(user, size, now, recent_from):
    """The next ``size`` + 1 upcoming workshops the user is assigned to and the last ``size`` + 1 held since
    ``recent_from``: one UNION on PostgreSQL (``size``: the key of its ``RuleQuery``)."""
    workshops = (
        Workshop.objects.visible_to(user)
        .filter(pk__in=assigned_workshop_ids(user))
        .select_related("initiative")
        .annotate(initiative_visible=initiative_visible_flag(user))
    )
    upcoming = workshops.filter(ends_at__gte=now).order_by("starts_at", "pk")[: size + 1]
    recent = workshops.filter(ends_at__lt=now, ends_at__gte=recent_from)
    recent = recent.order_by("-starts_at", "-pk")[: size + 1]
    return upcoming, recent


def _both_assigned(user, size, now, recent_from):
    upcoming, recent = _workshops_assigned_to(user, size, now, recent_from)
    return upcoming.union(recent, all=True)


_WORKSHOPS_ASSIGNED_TO = RuleQuery(
    _both_assigned,
    keyed=True,
    example_key=10,
    now=STAND_IN_TIME,
    recent_from=EARLIER_STAND_IN_TIME,
)


def workshops_assigned_to(user, recent_days=90, size=10):
    """The facilitator's workshops: the next ``size`` upcoming, and the last ``size`` held in the last
    ``recent_days``; each group says whether it has more (the workshop list shows them all). One query."""
    now = timezone.now()
    recent_from = now - dt.timedelta(days=recent_days)
    groups = {
        "upcoming": {"label": _("Upcoming"), "workshops": [], "empty": _("No upcoming workshop.")},
        "past": {"label": _("Recently held"), "workshops": [], "empty": _("No workshop in the last three months.")},
    }
    if connection.features.supports_slicing_ordering_in_compound:
        both = _WORKSHOPS_ASSIGNED_TO.for_user(user, size, now=now, recent_from=recent_from)
    else:  # SQLite (``make run``) slices no part of a UNION: two queries
        upcoming, recent = _workshops_assigned_to(user, size, now, recent_from)
        both = [*upcoming, *recent]
    # UNION ALL keeps no order of its own: each group is sorted again as its query read it.
    for workshop in sorted(both, key=lambda workshop: (workshop.starts_at, workshop.pk)):
        groups["upcoming" if workshop.ends_at >= now else "past"]["workshops"].append(workshop)
    groups["past"]["workshops"].reverse()
    for when, group in groups.items():
        group["when"] = when  # the workshop list's filter that shows the whole group
        group["more"] = len(group["workshops"]) > size
        del group["workshops"][size:]
    return list(groups.values())


_INVITATIONS_OF = RuleQuery(
    lambda user: (
        Invitation.objects.visible_to(user)
        .filter(participant__user=user)
        .select_related("workshop", "party")
        .order_by("-workshop__starts_at", "-pk")
    )
)


def invitations_of(user, size=20):
    """A participant's latest ``size`` invitations, with the workshop they are for, and whether there are more."""
    return first_rows(_INVITATIONS_OF.for_user(user), size)


_DOCUMENTS_OF_ATTENDEE = RuleQuery(
    lambda user: (
        documents_for(user)
        .filter(workshop__in=attended_workshop_ids(user, ACCEPTED))
        .select_related("workshop")
        .order_by("-workshop__starts_at", "title", "pk")
    )
)


def documents_of_attendee(user, size=20):
    """Documents of the workshops the participant attends, latest workshop first: the first ``size`` of them,
    and whether there are more."""
    return first_rows(_DOCUMENTS_OF_ATTENDEE.for_user(user), size)


def observed_initiatives(user):
    """The initiatives the user observes and is cleared for, by codename, each with its number of workshops
    within the user's clearance."""
    within_clearance = Workshop.objects.filter(level__lte=user.clearance)
    return (
        Initiative.objects.observed_by(user)
        .annotate(workshop_count=count_of(within_clearance, "initiative"))
        .order_by("codename", "pk")
    )


def initiative_figures_for_observer(user, initiatives=None):
    """Numbers only, for the initiatives the user observes and is cleared for: never a name, never a record.

    ``initiatives``: rows of ``observed_initiatives(user)`` (a page of them); all of them by default.

    Per initiative, over its workshops within the observer's clearance:

    - workshops;
    - invitations sent (every status but draft: a draft is the team's plan), by status;
    - accepted places (invitations accepted or attended: one per person and workshop), by party
      (every party of the initiative, by name) and by gender.

    Each breakdown adds up to its total, and small cells are masked (``core.figures``). Four queries
    whatever the number of initiatives, and one more to read them when none are given.
    """
    if initiatives is None:
        initiatives = list(observed_initiatives(user))
    within_clearance = Workshop.objects.filter(level__lte=user.clearance)
    ids = [initiative.pk for initiative in initiatives]
    sent = (
        Invitation.objects.filter(workshop__in=within_clearance.filter(initiative_id__in=ids))
        .exclude(status=Invitation.Status.DRAFT)
        .order_by()
    )
    accepted = sent.filter(status__in=ACCEPTED)
    rows = {
        initiative.pk: {"initiative": initiative, "by_status": {}, "by_party": {}, "by_gender": {}}
        for initiative in initiatives
    }
    for initiative_id, name in Party.objects.filter(initiative_id__in=ids).values_list("initiative_id", "name"):
        rows[initiative_id]["by_party"][name] = 0
    for initiative_id, status, n in sent.values_list("workshop__initiative_id", "status").annotate(n=Count("pk")):
        rows[initiative_id]["by_status"][status] = n
    for initiative_id, party, n in accepted.values_list("workshop__initiative_id", "party__name").annotate(
        n=Count("pk")
    ):
        rows[initiative_id]["by_party"][party] = n
    for initiative_id, gender, n in accepted.values_list("workshop__initiative_id", "participant__gender").annotate(
        n=Count("pk")
    ):
        rows[initiative_id]["by_gender"][gender] = n
    statuses = [(value, label) for value, label in Invitation.Status.choices if value != Invitation.Status.DRAFT]
    genders = [*Participant.Gender.choices, ("", _("Not stated"))]
    figures = []
    for row in rows.values():
        by_status = [(str(label), row["by_status"][value]) for value, label in statuses if value in row["by_status"]]
        by_gender = [(str(label), row["by_gender"][value]) for value, label in genders if value in row["by_gender"]]
        figure = {"initiative": row["initiative"], "workshops": row["initiative"].workshop_count}
        figure["by_status"], figure["sent_total"] = breakdown(by_status)
        figure["by_party"], figure["accepted_total"] = breakdown(sorted(row["by_party"].items()))
        figure["by_gender"], _total = breakdown(by_gender)
        figures.append(figure)
    return figures


# --- Scheduling conflicts ------------------------------------------------------------------------

BOOKED_WORKSHOP_STATUSES = tuple(status for status in Workshop.Status.values if status != Workshop.Status.CANCELLED)
BOOKED_INVITATION_STATUSES = tuple(status for status in Invitation.Status.values if status not in DECLINED)


@dataclass
class PersonConflict:
    """Someone of this workshop who is booked in another one at an overlapping time.

    ``part``: "team", "facilitator" or "participant" (their part in this workshop); ``name``: a user's
    name, or ``None`` where the viewer may not know who it is; ``participant``: the invited person as
    the viewer may know them (``participant_name``), ``None`` when their record is hidden;
    ``workshops``: the first ``CONFLICT_WORKSHOPS_SHOWN`` overlapping workshops the viewer may see, soonest
    first, and ``more``: how many others they may see; ``elsewhere``: booked in at least one the viewer may
    not see ("another engagement": no title, date or initiative).
    """

    part: str
    name: str | None = None
    participant: object = None
    workshops: list = field(default_factory=list)
    more: int = 0
    elsewhere: bool = False


# The overlapping workshops named for each person booked elsewhere; the others are counted.
CONFLICT_WORKSHOPS_SHOWN = 5


@dataclass
class WorkshopConflicts:
    people: list
    accepted: int | None = None
    capacity: int | None = None

    @property
    def over_capacity(self):
        return None not in (self.accepted, self.capacity) and self.accepted > self.capacity

    def __bool__(self):
        return bool(self.people) or self.over_capacity


def _invitees_known(user, key, workshop, ids):
    shown_name = Case(When(identity_visible_to_viewer=True, then=F("full_name")), default=Value(""))
    return (
        Participant.objects.invitees_visible_to(user, as_seen(workshop, user, key))
        .filter(pk__in_array=ids)
        .annotate(shown_name=shown_name)
        .values_list("pk", "shown_name", "codename")
    )


def _workshops_seen(user, ids):
    return (
        Workshop.objects.visible_to(user)
        .filter(pk__in_array=ids)
        .only("pk", "title", "starts_at", "ends_at", "time_zone")
    )


# Compiled once per shape of user (and ``seen_key``): the stand-ins are ids no record has.
_INVITEES_KNOWN = RuleQuery(
    _invitees_known, keyed=True, example_key=("seen", False), workshop=-736_200_003, ids=[-736_200_004]
)
_WORKSHOPS_SEEN = RuleQuery(_workshops_seen, ids=[-736_200_005])


def _invitees_as_known_to(user, workshop, pks):
    """The invitees of ``workshop`` of ``pks`` whose record ``user`` may see, by id, each as they may know them:
    the name where the identity rule opens it, else the codename (``participant_name``). One query; none for
    none."""
    if not pks:
        return {}
    rows = _INVITEES_KNOWN.for_user(user, seen_key(workshop, user), workshop=workshop.pk, ids=sorted(pks))
    known = {}
    for pk, name, codename in rows:
        known[pk] = Participant(pk=pk, full_name=name, codename=codename or "")
        known[pk].identity_visible_to_viewer = bool(name)
    return known


def _bookings_elsewhere(*, initiative, start, end, workshop=None):
    """Query: the bookings in other workshops, not cancelled, overlapping ``start``-``end``, of the people of
    a workshop (``workshop``, an id; ``None``: one not saved yet, with its initiative's team only) of the
    initiative ``initiative`` (an id): its team, its assigned facilitators, its invitees who have not declined
    or been withdrawn. Rows of (kind: "user" or "participant", their id, the other workshop's id, name,
    alias, flag: on this workshop's team). No rule is in it: ``workshop_conflicts`` asks them of what it
    finds."""
    others = Workshop.objects.filter(starts_at__lt=end, ends_at__gt=start, status__in=BOOKED_WORKSHOP_STATUSES)
    if workshop is not None:
        others = others.exclude(pk=workshop)
    Assignment = Workshop.facilitator_assignments.field.model
    team_here = TeamMembership.objects.filter(initiative_id=initiative)
    people_here = Q(pk__in=team_here.values("user_id"))
    if workshop is not None:
        people_here |= Q(pk__in=Assignment.objects.filter(workshop_id=workshop).values("facilitator__user_id"))
    users_here = User.objects.filter(people_here).values("pk")

    def booked(bookings, path, kind, person, names):
        """Each booking in an overlapping workshop (``path`` leads to it): who, where, and the person's names
        (``names``: "name", "alias" and "flag", as each kind of person has them)."""
        bookings = bookings.filter(**{f"{path}__in": others.values("pk")})  # one join, reused below
        columns = (Value(kind), person, f"{path}__pk", "name", "alias", "flag")
        return bookings.annotate(**names).values_list(*columns).order_by()

    def account_names(account):
        """An account's name and address, and whether it is on this workshop's team (else: facilitator)."""
        return {
            "name": F(f"{account}__full_name"),
            "alias": F(f"{account}__email"),
            "flag": Exists(team_here.filter(user_id=OuterRef(f"{account}_id"))),
        }

    on_teams = TeamMembership.objects.filter(user__in=users_here)
    team = booked(on_teams, "initiative__workshops", "user", "user_id", account_names("user"))
    assigned = booked(
        Assignment.objects.filter(facilitator__user__in=users_here),
        "workshop",
        "user",
        "facilitator__user_id",
        account_names("facilitator__user"),
    )
    bookings = team.union(assigned, all=True)
    if workshop is not None:
        invited_here = Invitation.objects.filter(workshop_id=workshop, status__in=BOOKED_INVITATION_STATUSES)
        invited_there = Invitation.objects.filter(
            participant__in=invited_here.values("participant_id"), status__in=BOOKED_INVITATION_STATUSES
        )
        # An invitee is named by ``workshop_conflicts``, as the viewer may know them (``_invitees_as_known_to``).
        unnamed = {"name": Value(""), "alias": Value(""), "flag": Value(False)}
        invited = booked(invited_there, "workshop", "participant", "participant_id", unnamed)
        bookings = bookings.union(invited, all=True)
    return bookings


# The bookings query is the same at every call but for its ids and times (``core.compiled``): of a saved
# workshop, and of one not saved yet. The stand-ins are an id and times no record has.
_STAND_INS = {
    "initiative": -736_200_001,
    "start": dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC),
    "end": dt.datetime(1901, 2, 3, 5, 6, 7, 890_123, tzinfo=dt.UTC),
}
_BOOKINGS_ELSEWHERE = {
    True: CompiledOnce(_bookings_elsewhere, **_STAND_INS, workshop=-736_200_002),
    False: CompiledOnce(_bookings_elsewhere, **_STAND_INS),
}


def workshop_conflicts(workshop, *, user, accepted_count=None):
    """Who of ``workshop`` (its initiative's team, its assigned facilitators, its invitees who have not
    declined or been withdrawn) is booked in another workshop, not cancelled, at an overlapping time.
    Warnings, never refusals. With ``accepted_count`` (the caller has counted them), also whether more
    people accepted than the capacity holds (``over_capacity``).

    ``workshop`` may be unsaved or carry times not saved yet (a form being filled in): an unsaved one has
    its team only. Of the other workshops only those ``user`` may see are named; the others are "another
    engagement". At most four queries whatever the numbers of people and workshops: the bookings; of the
    workshops they are in, those ``user`` may see; of the invitees, those ``user`` may see, as they may know
    them; and whether ``user`` may see the initiative (unless the page has read it: ``initiative_visible``).
    """
    result = WorkshopConflicts(people=[], accepted=accepted_count, capacity=workshop.capacity)
    start, end = workshop.starts_at, workshop.ends_at
    if start is None or end is None or end <= start or workshop.status == Workshop.Status.CANCELLED:
        return result
    bookings = _BOOKINGS_ELSEWHERE[bool(workshop.pk)]
    values = {"initiative": workshop.initiative_id, "start": start, "end": end}
    rows = bookings.rows(**values, workshop=workshop.pk) if workshop.pk else bookings.rows(**values)
    if not rows:
        return result
    # The rules are asked in queries of their own, of the few workshops and people found: asked of every
    # booking inside the one above, they made it the page's costliest to build and to plan.
    seen = {other.pk: other for other in _WORKSHOPS_SEEN.for_user(user, ids=sorted({row[2] for row in rows}))}
    invitees = _invitees_as_known_to(user, workshop, {row[1] for row in rows if row[0] == "participant"})
    team_named = getattr(workshop, "initiative_visible", None)
    if team_named is None:
        team_named = Initiative.objects.visible_to(user).filter(pk=workshop.initiative_id).exists()

    found, booked_in = {}, {}  # by (kind, person): their conflict, and the workshops they are seen booked in
    for kind, person, other_id, name, alias, flag in rows:
        key = (kind, person)
        if key not in found:
            if kind == "participant":
                # ``None`` where the viewer may not see the record: "someone invited".
                found[key] = PersonConflict(part="participant", participant=invitees.get(person))
            else:
                part = "team" if flag else "facilitator"
                # A facilitator of a workshop the viewer sees is named on its page; a team member where the
                # viewer may see the initiative (and so its team).
                named = part == "facilitator" or team_named
                found[key] = PersonConflict(part=part, name=(name or alias) if named else None)
        other = seen.get(other_id)
        if other is None:
            found[key].elsewhere = True
        else:
            booked_in.setdefault(key, {})[other.pk] = other
    order = {"team": 0, "facilitator": 1, "participant": 2}
    for key, conflict in found.items():
        # The first few, soonest first; someone on many teams is booked in many workshops at once.
        workshops = sorted(booked_in.get(key, {}).values(), key=lambda other: (other.starts_at, other.pk))
        conflict.workshops, conflict.more = (
            workshops[:CONFLICT_WORKSHOPS_SHOWN],
            len(workshops[CONFLICT_WORKSHOPS_SHOWN:]),
        )
    result.people = sorted(
        found.values(),
        key=lambda conflict: (
            order[conflict.part],
            conflict.name is None and conflict.participant is None,
            (conflict.name or getattr(conflict.participant, "display_name", "") or "").casefold(),
        ),
    )
    return result


# --- The calendar --------------------------------------------------------------------------------

# The most workshops one calendar page shows (a month of a large organisation); beyond, it says so.
CALENDAR_LIMIT = 300


def workshops_in_period_for(user, start, end, *, initiative=None, limit=CALENDAR_LIMIT):
    """The workshops the user may see that run between the moments ``start`` and ``end``, in order of
    their start: the first ``limit`` of them, and whether there are more. One query."""
    workshops = (
        Workshop.objects.visible_to(user)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .only("pk", "title", "starts_at", "ends_at", "time_zone", "status", "initiative_id")
        .order_by("starts_at", "pk")
    )
    if initiative is not None:
        workshops = workshops.filter(initiative=initiative)
    return first_rows(workshops, limit)


# --- Attendance ----------------------------------------------------------------------------------

# The invitations whose attendance is recorded (an accepted invitee, or one marked already, so that a mark
# can be corrected), and the marks.
ATTENDANCE_STATUSES = (Invitation.Status.ACCEPTED, Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW)
ATTENDANCE_MARKS = (Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW)


def workshop_is_assigned_to(user, workshop):
    """Whether ``user`` is an assigned facilitator of ``workshop``: from its assignments where the page
    read them (``workshop_get_for``), else one query."""
    read = getattr(workshop, "assignments", None)
    if read is not None:
        return any(assignment.facilitator.user_id == user.pk for assignment in read)
    return workshop.facilitator_assignments.filter(facilitator__user=user).exists()


def attendance_can_record(user, workshop):
    """Who marks who came: the workshop's assigned facilitators (who may not edit the workshop) and those
    who may manage it (``workshop_can_manage``), cleared for its level. ``workshop`` has its initiative."""
    if not is_reader(user) or user.role == Role.PARTICIPANT or user.clearance < workshop.effective_level:
        return False
    return workshop_is_assigned_to(user, workshop) or workshop_can_manage(user, workshop)


def attendance_is_open(workshop, now=None):
    """Attendance is recorded once the workshop has started, unless it was cancelled."""
    return workshop.status != Workshop.Status.CANCELLED and workshop.starts_at <= (now or timezone.now())


def attendance_invitations(user, workshop):
    """The invitations of ``workshop`` whose attendance is recorded, by party, each with its participant
    where the user may see the record (``invitations_for_workshop_page``: by the identity rule)."""
    return invitations_for_workshop_page(user).filter(workshop=workshop, status__in=ATTENDANCE_STATUSES)
