"""Reads for Parley's account pages. Every one starts from ``User.objects.visible_to(user)``."""

from allauth.mfa.models import Authenticator
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from core.models import AccessLog
from core.visibility import is_admin

from .models import User
from .services import account_change_refusal

HISTORY_LENGTH = 20


def account_can_manage(user):
    """Who reaches the account pages at all: admins (everyone else gets 404, as for the access log)."""
    return is_admin(user)


def _with_second_factor(accounts):
    authenticators = Authenticator.objects.filter(user=OuterRef("pk"))
    return accounts.annotate(
        has_totp=Exists(authenticators.filter(type=Authenticator.Type.TOTP)),
        has_authenticator=Exists(authenticators),
    )


def account_list_for(user, *, search="", role="", active=None):
    accounts = _with_second_factor(User.objects.visible_to(user))
    if search:
        accounts = accounts.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if role:
        accounts = accounts.filter(role=role)
    if active is not None:
        accounts = accounts.filter(is_active=active)
    return accounts.order_by(Lower("full_name"), "email", "pk")


def account_get_for(user, pk):
    """The account, if ``user`` may see it; 404 otherwise (a participant's account is their identity)."""
    return get_object_or_404(_with_second_factor(User.objects.visible_to(user)), pk=pk)


def account_actions_for(user, account):
    """What ``user`` may do to ``account`` on its page: each link is shown only where its page lets them act."""
    may_change = account_change_refusal(by=user, user=account) is None
    return {
        "change_access": may_change,
        "change_status": may_change,
        "reset_second_factor": may_change and account.has_authenticator,
        "send_invitation": account_can_manage(user) and account.is_active,
    }


def account_history(user, account):
    """The latest changes made to ``account``, newest first, with who made them where ``user`` may see it."""
    return (
        AccessLog.objects.visible_to(user)
        .with_reader_shown_to(user)
        .filter(content_type=ContentType.objects.get_for_model(User), object_id=account.pk)
        .select_related("user")[:HISTORY_LENGTH]
    )
