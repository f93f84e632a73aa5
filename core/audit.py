"""Writing the access log. Every read of a CONFIDENTIAL or higher record, and every change an admin
makes to an account, goes through here."""

from django.contrib.contenttypes.models import ContentType

from .levels import Level
from .models import AccessLog


def record_read(*, user, record, action=AccessLog.Action.VIEW, path="", always=False):
    """Log one read of ``record`` if its effective level is CONFIDENTIAL or higher, or at any level
    with ``always`` (an export: a copy that leaves Parley is logged whatever its level).

    Records expose ``effective_level`` (their own level, never below what they belong to).
    """
    level = record.effective_level
    if level < Level.CONFIDENTIAL and not always:
        return None
    return AccessLog.objects.create(
        user=user,
        action=action,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        level=level,
        path=path[:300],
    )


def record_account_change(*, by, account, action, detail="", path=""):
    """Log one change ``by`` made to ``account`` (an ``AccessLog.Action`` of the account kind).

    ``detail`` says what changed in codes ("staff → admin"); it never holds a secret, a link or a name.
    Account rows are INTERNAL: the access log is for admins only anyway.
    """
    return AccessLog.objects.create(
        user=by,
        action=action,
        content_type=ContentType.objects.get_for_model(account),
        object_id=account.pk,
        level=Level.INTERNAL,
        path=path[:300],
        detail=detail[:200],
    )
