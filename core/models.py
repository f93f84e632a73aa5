import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .labels import ChoiceLabels
from .levels import Level, Role, level_check
from .visibility import is_admin

DETAIL_ARROW = " → "
DETAIL_SEPARATORS = re.compile(f"({DETAIL_ARROW}|, )")
SECOND_FACTOR_LABELS = {
    "totp": _("authenticator app"),
    "recovery_codes": _("recovery codes"),
    "webauthn": _("security key"),
}


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_admin(user):
            return self.none()
        return self.all()

    def with_reader_shown_to(self, user):
        """Annotate ``reader_shown``: whether ``user`` may see who read (a participant's account is identity)."""
        accounts = get_user_model().objects.visible_to(user)
        return self.annotate(reader_shown=models.Exists(accounts.filter(pk=models.OuterRef("user_id"))))


class AccessLog(ChoiceLabels, models.Model):
    """One row per read of a CONFIDENTIAL or higher record, and one per change an admin makes to an
    account (the record is then the account, at INTERNAL): who, what, when, how."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        DOWNLOAD = "download", _("Downloaded")
        # Changes to accounts (DESIGN: "Accounts: nobody acts as someone else").
        ACCOUNT_CREATED = "account_created", _("Account created")
        ACCOUNT_UPDATED = "account_updated", _("Account details changed")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
        ACCOUNT_REACTIVATED = "account_reactivated", _("Account reactivated")
        ROLE_CHANGED = "role_changed", _("Role changed")
        CLEARANCE_CHANGED = "clearance_changed", _("Clearance changed")
        MFA_RESET = "mfa_reset", _("Second factor reset")
        INVITATION_SENT = "invitation_sent", _("Set-password invitation sent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_logs",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.PositiveBigIntegerField(_("record id"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    path = models.CharField(_("path"), max_length=300, blank=True)
    # What changed, for account changes: codes only ("staff → admin", "20 → 30"), never a secret or a name.
    detail = models.CharField(_("detail"), max_length=200, blank=True)

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

    @property
    def detail_display(self):
        """``detail`` in the reader's language: the codes it holds (roles, levels, account fields,
        kinds of second factor) by their labels; "20 → 30" reads "Internal → Confidential"."""
        if not self.detail or self.action in (self.Action.VIEW, self.Action.EXPORT, self.Action.DOWNLOAD):
            return self.detail
        labels = {
            **dict(Role.choices),
            **{str(value): label for value, label in Level.choices},
            **{field.name: field.verbose_name for field in get_user_model()._meta.concrete_fields},
            **SECOND_FACTOR_LABELS,
        }
        return "".join(str(labels.get(part, part)) for part in DETAIL_SEPARATORS.split(self.detail))


class OutboxMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Messages about records ``user`` may see, by the rule of each kind's record (the outbox's
        registry): a message about a hidden workshop's invitation does not exist for them."""
        from .outbox import visible_messages_q

        return self.filter(visible_messages_q(user))


class OutboxMessage(ChoiceLabels, models.Model):
    """A message to send, written in the same transaction as the change that causes it.

    ``key`` makes a message unique (``invitation:12:3``): writing it twice is a no-op, so a job run
    twice enqueues it once. The row is claimed by a conditional update before it is sent and marked
    sent in the same transaction, so a retried, redelivered or duplicated task never sends it twice.
    What the message says is composed when it is sent, from the record it is about (``content_type``,
    ``object_id``) and ``kind``; the row holds no address, no body and no link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent")

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.PositiveBigIntegerField(_("record id"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["content_type", "object_id"], name="outbox_record_idx"),
            models.Index(fields=["-created_at", "-id"], name="outbox_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed", "cancelled"]),
                name="outbox_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False) | ~models.Q(status="sent"),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"
