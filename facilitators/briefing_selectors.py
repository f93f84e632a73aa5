"""Reads of Track I briefings and of an initiative's timeline, each built on the models' one ``visible_to(user)``."""

from django.db.models import CharField, DateTimeField, F, Prefetch, Q, Value
from django.db.models.functions import Cast, Coalesce

from dialogues.models import Initiative, TeamMembership, Workshop

from .models import OutcomeReport, TrackOneBriefing

# How many briefings a report's page lists (the initiative's briefings page lists them all).
BRIEFINGS_SHOWN_ON_A_REPORT = 5


def briefing_get_for(user, pk):
    """The briefing, if the user may see it (else ``TrackOneBriefing.DoesNotExist``), with what its page shows."""
    return (
        TrackOneBriefing.objects.visible_to(user)
        .select_related("report__workshop__initiative", "report__session", "briefed_by")
        .prefetch_related(_reports_drawn_on())
        .get(pk=pk)
    )


def _reports_drawn_on():
    # Every report drawn on is visible to whoever sees the briefing (``visible_to``), so they are not
    # filtered again here.
    return Prefetch(
        "reports",
        queryset=OutcomeReport.objects.select_related("workshop", "session").order_by("workshop__starts_at", "pk"),
    )


def briefings_drawn_on(report, user):
    """The briefings the user may see that drew on ``report``, latest first: one more than a report's page
    shows, so that it knows whether there are more. One query."""
    drawn_on = TrackOneBriefing.reports.through.objects.filter(outcomereport=report).values("trackonebriefing_id")
    briefings = (
        TrackOneBriefing.objects.visible_to(user)
        .filter(Q(report=report) | Q(pk__in=drawn_on))
        .order_by("-briefed_on", "-pk")
    )
    return list(briefings[: BRIEFINGS_SHOWN_ON_A_REPORT + 1])


def initiative_briefings_for(user, initiative):
    """The briefings of ``initiative`` the user may see, latest first, with the reports they drew on."""
    return (
        TrackOneBriefing.objects.visible_to(user)
        .filter(report__workshop__initiative=initiative)
        .select_related("briefed_by")
        .prefetch_related(_reports_drawn_on())
        .order_by("-briefed_on", "-pk")
    )


def initiative_may_log_briefing(user, initiative):
    """Whether the user may log a briefing from the initiative's page: on its team (who may see it)."""
    if not user.is_authenticated:
        return False
    return TeamMembership.objects.visible_to(user).filter(initiative=initiative, user=user).exists()


def initiative_reports_to_brief(user, initiative):
    """The approved reports of ``initiative`` the user may see: what a briefing may draw on."""
    return (
        OutcomeReport.objects.visible_to(user)
        .filter(workshop__initiative=initiative, approved_version__isnull=False)
        .select_related("workshop", "session")
        .order_by("workshop__starts_at", "session__starts_at", "pk")
    )


def initiative_visible(user, initiative_id):
    return Initiative.objects.visible_to(user).filter(pk=initiative_id).exists()


# --- The timeline: workshops, approved reports and briefings of an initiative, in date order -----------

WORKSHOP, REPORT, BRIEFING = "workshop", "report", "briefing"


def initiative_timeline_for(user, initiative):
    """The timeline's entries the user may see, earliest first, as rows (``kind``, ``id``, ``moment``):
    one query over the three kinds (a UNION), so that a page of it reads only its own rows.
    A workshop is placed at its start, a report at its approval, a briefing on its day."""

    def entries(queryset, kind, moment):
        return (
            queryset.order_by()
            .annotate(timeline_kind=Value(kind, output_field=CharField()), timeline_moment=moment)
            .values_list("timeline_kind", "id", "timeline_moment")
        )

    workshops = entries(Workshop.objects.visible_to(user).filter(initiative=initiative), WORKSHOP, F("starts_at"))
    reports = entries(
        OutcomeReport.objects.visible_to(user).filter(workshop__initiative=initiative, approved_version__isnull=False),
        REPORT,
        Coalesce("approved_at", "updated_at"),
    )
    briefings = entries(
        TrackOneBriefing.objects.visible_to(user).filter(report__workshop__initiative=initiative),
        BRIEFING,
        Cast("briefed_on", DateTimeField()),
    )
    return workshops.union(reports, briefings, all=True).order_by("timeline_moment", "timeline_kind", "id")


def timeline_entries(user, rows):
    """The records of a page of timeline rows, in the rows' order: one query per kind (three at most),
    each through its ``visible_to(user)`` again."""
    ids = {WORKSHOP: [], REPORT: [], BRIEFING: []}
    for kind, pk, _moment in rows:
        ids[kind].append(pk)
    records = {
        WORKSHOP: Workshop.objects.visible_to(user),
        REPORT: OutcomeReport.objects.visible_to(user).select_related("workshop", "session"),
        BRIEFING: TrackOneBriefing.objects.visible_to(user),
    }
    records = {kind: queryset.in_bulk(ids[kind]) if ids[kind] else {} for kind, queryset in records.items()}
    return [
        {"kind": kind, "moment": moment, "record": records[kind][pk]}
        for kind, pk, moment in rows
        if pk in records[kind]  # changed out of sight since the page's first query
    ]
