"""Creating accounts and inviting their owners to set a password."""

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from django.db import transaction


@transaction.atomic
def user_create(*, email, full_name, role, clearance, preferred_language="en", is_staff=False):
    """Create an account with no usable password; its owner sets one through an invitation."""
    from .models import User

    user = User.objects.create_user(
        email=email,
        password=None,
        full_name=full_name,
        role=role,
        clearance=clearance,
        preferred_language=preferred_language,
        is_staff=is_staff,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return user


def user_send_invitation(*, user, request):
    """E-mail the user a link to set their password (allauth's reset-password flow)."""
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": False}
    )
    form = ResetPasswordForm(data={"email": user.email})
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    form.save(request)


def user_confirm_email_after_password_set(*, user):
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
