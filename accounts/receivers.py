from allauth.account.signals import password_reset
from django.dispatch import receiver

from .services import user_confirm_email_after_password_set


@receiver(password_reset)
def confirm_email_on_password_set(sender, request, user, **kwargs):
    # Following the set-password link proves the user controls the inbox.
    user_confirm_email_after_password_set(user=user)
