"""Reads of the facilitators app, each built on a model's one ``visible_to(user)``."""

from core.pagination import counted_list

from .models import OutcomeReport


def outcome_reports_in_draft_by(user):
    """The user's own outcome reports still in draft, most recently changed first."""
    reports = (
        OutcomeReport.objects.visible_to(user)
        .filter(author=user, status=OutcomeReport.Status.DRAFT)
        .select_related("workshop", "session")
        .order_by("-updated_at", "-pk")
    )
    return counted_list(reports)
