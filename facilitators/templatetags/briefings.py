"""``{% report_briefings report %}``: the Track I briefings that drew on a report, as the viewer may see them,
and a "Log a briefing" link for those who may log one on it."""

from django import template

from ..briefing_selectors import BRIEFINGS_SHOWN_ON_A_REPORT, briefings_drawn_on, initiative_visible
from ..services import track_one_briefing_may_log

register = template.Library()


@register.inclusion_tag("facilitators/_report_briefings.html", takes_context=True)
def report_briefings(context, report):
    viewer = context["request"].user
    briefings = briefings_drawn_on(report, viewer)
    more = len(briefings) > BRIEFINGS_SHOWN_ON_A_REPORT
    initiative_id = report.workshop.initiative_id
    return {
        "report": report,
        "briefings": briefings[:BRIEFINGS_SHOWN_ON_A_REPORT],
        # The initiative's list of briefings, linked only for those who may open it.
        "more": more,
        "list_url_shown": more and initiative_visible(viewer, initiative_id),
        "initiative_id": initiative_id,
        "may_log": track_one_briefing_may_log(user=viewer, report=report),
    }
