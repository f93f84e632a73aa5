from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.core import checks

        from . import choices, receivers  # noqa: F401  (type-ahead sources; signal receivers)
        from .admin import check_no_credential_model_in_admin, withdraw_credential_models

        # Every app's admin module has been loaded by now (django.contrib.admin comes first in
        # INSTALLED_APPS and discovers them in its own ready()); the check catches any later registration.
        withdraw_credential_models()
        checks.register(check_no_credential_model_in_admin, checks.Tags.admin)
