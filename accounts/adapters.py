from allauth.account.adapter import DefaultAccountAdapter

from .client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by admins; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        # The login rate limits count per client, also behind our TLS proxy (accounts/client_ip.py).
        return client_ip(request)
