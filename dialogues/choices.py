"""The dialogues app's type-ahead choices (``core.choices``)."""

from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSource, register

from .models import Initiative


def initiative_label(initiative):
    return f"{initiative.codename} — {initiative.title}"


INITIATIVES = register(
    ChoiceSource(
        name="initiatives",
        model=Initiative,
        records=lambda user: Initiative.objects.visible_to(user),
        search_fields=("codename", "title"),
        order_by=("codename", "pk"),
        any_label=_("All initiatives"),
        label=initiative_label,
        only=("pk", "codename", "title"),
    )
)
