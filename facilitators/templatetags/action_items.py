"""``{% report_action_items report %}``: a report's action items as the viewer may see them."""

from django import template

from facilitators.action_items import action_items_of_report, may_manage_action_items

register = template.Library()


@register.inclusion_tag("facilitators/_report_action_items.html", takes_context=True)
def report_action_items(context, report):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "request": request,
        "report": report,
        "items": action_items_of_report(user, report),
        "may_manage": may_manage_action_items(user, report),
    }
