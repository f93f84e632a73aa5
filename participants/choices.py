"""The participants app's type-ahead choices (``core.choices``)."""

from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSource, register

from .models import Organization
from .querysets import sees_organisations

ORGANISATIONS = register(
    ChoiceSource(
        name="organisations",
        model=Organization,
        records=lambda user: Organization.objects.visible_to(user),
        search_fields=("name",),
        order_by=("name", "pk"),
        any_label=_("Any organisation"),
        allowed=sees_organisations,
        only=("pk", "name"),
    )
)
