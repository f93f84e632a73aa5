"""What the dashboard shows each role: the reads of every app, composed. The one app that sees them all."""

from core.levels import Role
from core.pagination import page_of
from core.visibility import is_admin
from dialogues.selectors import (
    documents_of_attendee,
    initiative_figures_for_observer,
    initiatives_on_team_of,
    invitations_of,
    observed_initiatives,
    workshops_assigned_to,
    workshops_upcoming_for,
)
from facilitators.action_items import open_action_items_of
from facilitators.selectors import outcome_reports_in_draft_by
from participants.selectors import (
    open_sanctions_hits_counted,
    participants_awaiting_vetting,
    vetting_approvals_expiring,
)

OBSERVED_PER_PAGE = 10


def dashboard_for(user, page=None):
    """What needs the user's attention, by role. ``sections`` names the parts of the page the user is
    shown, so that the template asks for a part, never for a role.

    Every list shows its first rows only, and says whether there are more (or counts them, up to a
    bound): what the page reads does not grow with the user's work. An observer, whose only page this
    is, turns pages of the initiatives they observe (``page``).
    """
    role = user.role
    sections = set()
    context = {"sections": sections}
    if role == Role.OBSERVER:
        sections.add("figures")
        observed = page_of(observed_initiatives(user), page, size=OBSERVED_PER_PAGE)
        context["observed"] = initiative_figures_for_observer(user, observed.object_list)
        context["observed_page"] = observed
        return context
    if is_admin(user):
        sections.add("vetting")
        context["vetting_queue"] = participants_awaiting_vetting(user)
        context["vetting_expiring"] = vetting_approvals_expiring(user)
        context["open_sanctions_hits"] = open_sanctions_hits_counted(user)
    if role in (Role.ADMIN, Role.STAFF, Role.FACILITATOR):
        sections.add("team")
        context["my_initiatives"], context["more_initiatives"] = initiatives_on_team_of(user)
    if role in (Role.ADMIN, Role.STAFF):
        sections.add("upcoming")
        context["upcoming_workshops"] = workshops_upcoming_for(user)
    if role == Role.FACILITATOR:
        sections.add("facilitated")
        context["assigned_groups"] = workshops_assigned_to(user)
        context["draft_reports"] = outcome_reports_in_draft_by(user)
    if role == Role.PARTICIPANT:
        sections.add("invitations")
        context["my_invitations"], context["more_invitations"] = invitations_of(user)
        context["my_documents"], context["more_documents"] = documents_of_attendee(user)
    # The action items the user owns (as a team member, or through their own participant record).
    sections.add("action_items")
    context["my_action_items"] = open_action_items_of(user)
    return context
