"""``{% case_sanctions_hits case %}``: a vetting case's sanctions hits and its latest screening, for admins."""

from django import template

from participants.models import SanctionsHit
from participants.sanctions import latest_screening_run_for
from participants.screening import explanation_lines

register = template.Library()


@register.inclusion_tag("participants/_case_sanctions_hits.html", takes_context=True)
def case_sanctions_hits(context, case):
    request = context.get("request")
    viewer = getattr(request, "user", None)
    hits = list(
        SanctionsHit.objects.visible_to(viewer)
        .filter(participant_id=case.participant_id)
        .select_related("entry__list_version", "resolved_by")
        .order_by("-status", "-score", "pk")  # open first ("open" > "confirmed" > "cleared")
    )
    hits.sort(key=lambda hit: (hit.status != SanctionsHit.Status.OPEN, -hit.score, hit.pk))
    for hit in hits:
        hit.reasons = explanation_lines(hit.explanation)
    return {
        "case": case,
        "hits": hits,
        "open_count": sum(hit.status == SanctionsHit.Status.OPEN for hit in hits),
        "run": latest_screening_run_for(viewer, participant_id=case.participant_id),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
