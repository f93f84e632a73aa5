"""Reads of the dialogues app, each built on a model's one ``visible_to(user)``.

Who may change what is decided here too (``initiative_can_manage`` …), so views only ask.
Every function runs a fixed number of queries, whatever the data size.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.figures import breakdown
from core.levels import Level, Role
from core.pagination import counted_list, first_rows
from core.visibility import (
    assigned_workshop_ids,
    attended_workshop_ids,
    is_organisation_member,
    is_reader,
    team_initiative_ids,
)
from participants.models import Participant

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
    """Documents the user may see, with the number of their latest version (``None``: no file yet)."""
    latest = DocumentVersion.objects.visible_to(user).filter(document=OuterRef("pk")).order_by("-number")
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
    real name only where the user may see the identity.
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


def workshop_get_for(user, pk):
    """The workshop page: agenda, facilitators, invitations by party, documents, each scoped to the user."""
    workshops = (
        Workshop.objects.visible_to(user)
        .select_related("initiative")
        .annotate(initiative_visible=initiative_visible_flag(user))
        .prefetch_related(
            Prefetch("sessions", queryset=AgendaSession.objects.visible_to(user)),
            Prefetch("facilitator_assignments", queryset=facilitator_assignments()),
            Prefetch("invitations", queryset=invitations_for_workshop_page(user)),
            Prefetch("documents", queryset=documents_for(user)),
        )
    )
    return get_object_or_404(workshops, pk=pk)


def workshop_accepted_count(workshop):
    """How many invitees have accepted (or attended): what the workshop's capacity must hold."""
    return Invitation.objects.filter(workshop=workshop, status__in=ACCEPTED).count()


def delegation_balance(invitations):
    """Per party (delegation): invited, accepted, awaiting reply, declined. From already loaded invitations."""
    balance = {}
    for invitation in invitations:
        row = balance.setdefault(
            invitation.party_id,
            {"party": invitation.party, "invited": 0, "accepted": 0, "awaiting": 0, "declined": 0},
        )
        row["invited"] += 1
        if invitation.status in ACCEPTED:
            row["accepted"] += 1
        elif invitation.status in AWAITING_REPLY:
            row["awaiting"] += 1
        elif invitation.status in DECLINED:
            row["declined"] += 1
    return sorted(balance.values(), key=lambda row: row["party"].name)


def document_latest_version(user, document):
    return DocumentVersion.objects.visible_to(user).filter(document=document).order_by("-number").first()


# --- A user's own work (the dashboard shows these) ------------------------------------------------


def initiatives_on_team_of(user, size=10):
    """The first ``size`` initiatives whose team the user is on, by title, and whether there are more."""
    my_role = TeamMembership.objects.filter(initiative=OuterRef("pk"), user=user).values("role")[:1]
    initiatives, more = first_rows(
        Initiative.objects.visible_to(user)
        .filter(pk__in=team_initiative_ids(user))
        .annotate(
            my_role=Subquery(my_role),
            workshop_count=count_of(Workshop.objects.visible_to(user), "initiative"),
        )
        .order_by("title", "pk"),
        size,
    )
    labels = dict(TeamMembership.Role.choices)
    for initiative in initiatives:
        initiative.my_role_label = labels.get(initiative.my_role, initiative.my_role)
    return initiatives, more


def workshops_upcoming_for(user, days=60):
    now = timezone.now()
    awaiting = Invitation.objects.visible_to(user).filter(status=Invitation.Status.SENT)
    workshops = (
        Workshop.objects.visible_to(user)
        .filter(ends_at__gte=now, starts_at__lt=now + dt.timedelta(days=days))
        .exclude(status=Workshop.Status.CANCELLED)
        .select_related("initiative")
        .annotate(initiative_visible=initiative_visible_flag(user), awaiting_reply=count_of(awaiting, "workshop"))
        .order_by("starts_at", "pk")
    )
    return counted_list(workshops, size=20)


def workshops_assigned_to(user, recent_days=90, size=10):
    """The facilitator's workshops: the next ``size`` upcoming, and the last ``size`` held in the last
    ``recent_days``; each group says whether it has more (the workshop list shows them all). One query."""
    now = timezone.now()
    workshops = (
        Workshop.objects.visible_to(user)
        .filter(pk__in=assigned_workshop_ids(user))
        .select_related("initiative")
        .annotate(initiative_visible=initiative_visible_flag(user))
    )
    upcoming = workshops.filter(ends_at__gte=now).order_by("starts_at", "pk")[: size + 1]
    recent = workshops.filter(ends_at__lt=now, ends_at__gte=now - dt.timedelta(days=recent_days))
    recent = recent.order_by("-starts_at", "-pk")[: size + 1]
    groups = {
        "upcoming": {"label": _("Upcoming"), "workshops": [], "empty": _("No upcoming workshop.")},
        "past": {"label": _("Recently held"), "workshops": [], "empty": _("No workshop in the last three months.")},
    }
    # UNION ALL keeps no order of its own: each group is sorted again as its query read it.
    for workshop in sorted(upcoming.union(recent, all=True), key=lambda workshop: (workshop.starts_at, workshop.pk)):
        groups["upcoming" if workshop.ends_at >= now else "past"]["workshops"].append(workshop)
    groups["past"]["workshops"].reverse()
    for when, group in groups.items():
        group["when"] = when  # the workshop list's filter that shows the whole group
        group["more"] = len(group["workshops"]) > size
        del group["workshops"][size:]
    return list(groups.values())


def invitations_of(user, size=20):
    """A participant's latest ``size`` invitations, with the workshop they are for, and whether there are more."""
    return first_rows(
        Invitation.objects.visible_to(user)
        .filter(participant__user=user)
        .select_related("workshop", "party")
        .order_by("-workshop__starts_at", "-pk"),
        size,
    )


def documents_of_attendee(user, size=20):
    """Documents of the workshops the participant attends, latest workshop first: the first ``size`` of them,
    and whether there are more."""
    documents = (
        documents_for(user)
        .filter(workshop__in=attended_workshop_ids(user, ACCEPTED))
        .select_related("workshop")
        .order_by("-workshop__starts_at", "title", "pk")
    )
    return first_rows(documents, size)


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
