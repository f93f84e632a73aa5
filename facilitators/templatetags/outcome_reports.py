"""``{% workshop_outcome_reports workshop %}``: the workshop page's outcome reports, as the viewer may see them,
with the public summaries of approved reports (for anyone who may see the workshop) and a way to start one."""

from django import template

from ..markup import render_markdown
from ..outcome_reports import approved_public_summaries, may_start_report, reports_of_workshop

register = template.Library()


@register.inclusion_tag("facilitators/_workshop_reports.html", takes_context=True)
def workshop_outcome_reports(context, workshop):
    """The caller shows ``workshop`` to the viewer: it is one they may see."""
    request = context["request"]
    reports = reports_of_workshop(request.user, workshop)
    summaries = approved_public_summaries(workshop, viewer=request.user)
    return {
        "request": request,
        "workshop": workshop,
        "reports": reports,
        "public_summaries": [(report, render_markdown(text)) for report, text in summaries],
        "may_start": may_start_report(request.user, workshop),
    }
