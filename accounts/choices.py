"""The accounts app's type-ahead choices (``core.choices``)."""

from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSource, register
from core.forms import account_label
from core.visibility import is_admin

from .models import User

# The access log's "who": admins only, and only the accounts they may see (an account is identity).
ACCOUNTS = register(
    ChoiceSource(
        name="accounts",
        model=User,
        records=lambda user: User.objects.visible_to(user),
        search_fields=("full_name", "email"),
        order_by=("full_name", "email"),
        any_label=_("Anyone"),
        label=account_label,
        allowed=is_admin,
        only=("pk", "full_name", "email"),
    )
)
