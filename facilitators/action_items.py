"""Reads and the who-may rule of action items, shared by their services, pages, template tag and tasks."""

from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, Value, When

from core.levels import Role
from core.pagination import first_rows
from core.rule_queries import RuleQuery
from core.visibility import is_reader

from .models import ActionItem, Assignment, OutcomeReport


def _participants():
    from participants.models import Participant

    return Participant


def with_owners_for(items, user):
    """``items`` with their owners loaded, a participant owner annotated for the identity rule (``display_name``)."""
    return items.select_related("owner").prefetch_related(
        Prefetch("owner_participant", queryset=_participants().objects.with_identity_for(user))
    )


def action_items_of_report(user, report):
    """The report's action items that ``user`` may see, owners ready to show."""
    if report is None or not is_reader(user):
        return ActionItem.objects.none()
    return with_owners_for(ActionItem.objects.visible_to(user).filter(report=report), user).order_by("due_on", "pk")


def manageable_reports(user):
    """The reports whose action items ``user`` may add and edit: reports they may see, of a workshop they are
    an assigned facilitator of or of an initiative whose team they are on."""
    if not is_reader(user) or user.role in (Role.PARTICIPANT, Role.OBSERVER):
        return OutcomeReport.objects.none()
    from dialogues.models import TeamMembership

    team = TeamMembership.objects.filter(initiative=OuterRef("workshop__initiative"), user=user)
    assigned = Assignment.objects.filter(workshop=OuterRef("workshop"), facilitator__user=user)
    return OutcomeReport.objects.visible_to(user).filter(Q(Exists(team)) | Q(Exists(assigned)))


def may_manage_action_items(user, report):
    """Whether ``user`` may add and edit the action items of ``report``."""
    if report is None or report.pk is None:
        return False
    return manageable_reports(user).filter(pk=report.pk).exists()


DASHBOARD_SIZE = 10
OPEN_STATUSES = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)
SHOWN = {"open": OPEN_STATUSES, "closed": (ActionItem.Status.DONE, ActionItem.Status.DROPPED), "all": None}


def action_items_owned_by(user, shown="open"):
    """The action items ``user`` owns (as a team member, or through their own participant record) and may
    see; open ones first, by due date. Each says whether the viewer may know its workshop
    (``workshop_shown``: they may see it, or their invitation to it)."""
    if not is_reader(user):
        return ActionItem.objects.none()
    from dialogues.models import Invitation, Workshop

    items = ActionItem.objects.visible_to(user).filter(ActionItem.objects.owned_by_q(user))
    statuses = SHOWN.get(shown, OPEN_STATUSES)
    if statuses is not None:
        items = items.filter(status__in=statuses)
    workshop = OuterRef("report__workshop_id")
    seen = Exists(Workshop.objects.visible_to(user).filter(pk=workshop)) | Exists(
        Invitation.objects.visible_to(user).filter(workshop_id=workshop)
    )
    return (
        items.annotate(
            workshop_shown=ExpressionWrapper(seen, output_field=BooleanField()),
            closed=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)),
        )
        .select_related("report__workshop__initiative")
        .order_by("closed", F("due_on").asc(nulls_last=True), "pk")
    )


_OPEN_ACTION_ITEMS_OF = RuleQuery(lambda user: action_items_owned_by(user, "open"))


def open_action_items_of(user, size=DASHBOARD_SIZE):
    """For the dashboard: the user's first open action items, and whether there are more (one query)."""
    items, more = first_rows(_OPEN_ACTION_ITEMS_OF.for_user(user), size)
    return {"items": items, "more": more}
