from django import template
from django.utils.translation import gettext as _

from core.levels import Level

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (keeps filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.inclusion_tag("includes/level_badge.html")
def level_badge(level):
    try:
        label = Level(level).label
    except ValueError:
        label = _("Unknown")
    return {"level": level, "label": label}
