"""Writing the access log. Every read of a CONFIDENTIAL or higher record goes through here."""

from django.contrib.contenttypes.models import ContentType

from .levels import Level
from .models import AccessLog


def record_read(*, user, record, action=AccessLog.Action.VIEW, path=""):
    """Log one read of ``record`` if its effective level is CONFIDENTIAL or higher.

    Records expose ``effective_level`` (their own level, never below what they belong to).
    """
    level = record.effective_level
    if level < Level.CONFIDENTIAL:
        return None
    return AccessLog.objects.create(
        user=user,
        action=action,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        level=level,
        path=path[:300],
    )
