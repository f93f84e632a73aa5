from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .levels import Level, level_check
from .visibility import is_admin


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_admin(user):
            return self.none()
        return self.all()

    def with_reader_shown_to(self, user):
        """Annotate ``reader_shown``: whether ``user`` may see who read (a participant's account is identity)."""
        accounts = get_user_model().objects.visible_to(user)
        return self.annotate(reader_shown=models.Exists(accounts.filter(pk=models.OuterRef("user_id"))))


class AccessLog(models.Model):
    """One row per read of a CONFIDENTIAL or higher record: who, what, when, how."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        DOWNLOAD = "download", _("Downloaded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_logs",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    path = models.CharField(_("path"), max_length=300, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["-at"], name="accesslog_at_idx"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at_idx"),
            models.Index(fields=["content_type", "object_id"], name="accesslog_object_idx"),
        ]
        constraints = [level_check()]

    def __str__(self):
        # Type and number only: the log must not itself disclose titles or names.
        return f"{self.user_id} {self.action} {self.content_type_id}#{self.object_id} {self.at:%Y-%m-%d %H:%M}"
