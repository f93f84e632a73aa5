from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import LanguagesField
from core.labels import ChoiceLabels
from core.levels import Level, level_check

from .querysets import (
    ActionItemQuerySet,
    AssignmentQuerySet,
    FacilitatorQuerySet,
    OutcomeReportQuerySet,
    TrackOneBriefingQuerySet,
)


class Facilitator(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitator", verbose_name=_("user")
    )
    languages = LanguagesField(_("languages"))
    expertise = models.TextField(_("expertise"), blank=True)

    objects = FacilitatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("facilitator")
        verbose_name_plural = _("facilitators")
        ordering = ["user__full_name"]

    def __str__(self):
        return str(self.user)


class Assignment(ChoiceLabels, models.Model):
    """A facilitator assigned to a workshop."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead facilitator")
        CO = "co", _("Co-facilitator")
        RAPPORTEUR = "rapporteur", _("Rapporteur")

    workshop = models.ForeignKey("dialogues.Workshop", on_delete=models.CASCADE, related_name="facilitator_assignments")
    facilitator = models.ForeignKey(Facilitator, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.LEAD)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("facilitator assignment")
        verbose_name_plural = _("facilitator assignments")
        ordering = ["workshop", "role"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "facilitator"], name="assignment_unique"),
        ]
        indexes = [models.Index(fields=["facilitator", "workshop"], name="assignment_facilitator_idx")]

    def __str__(self):
        return f"{self.facilitator} ({self.get_role_display()})"


class OutcomeReport(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned with comments")
        APPROVED = "approved", _("Approved")

    # The states in which the facilitator may change the text (an approved report is locked).
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    workshop = models.ForeignKey("dialogues.Workshop", on_delete=models.PROTECT, related_name="outcome_reports")
    session = models.ForeignKey(
        "dialogues.AgendaSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcome_reports",
        verbose_name=_("session"),
    )
    summary = models.TextField(_("summary"), blank=True)
    convergence = models.TextField(_("points of convergence"), blank=True)
    divergence = models.TextField(_("points of divergence"), blank=True)
    options = models.TextField(_("options generated"), blank=True)
    next_steps = models.TextField(_("agreed next steps"), blank=True)
    public_summary = models.TextField(
        _("public summary"),
        blank=True,
        help_text=_("Optional. Becomes public only once the report is approved; write it for anyone to read."),
    )
    review_comment = models.TextField(_("reviewer's comments"), blank=True)
    approved_version = models.PositiveIntegerField(
        _("approved version"),
        null=True,
        blank=True,
        help_text=_("The version last approved; an amendment in progress leaves it readable."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    level = models.PositiveSmallIntegerField(
        _("confidentiality level"), choices=Level.choices, default=Level.CONFIDENTIAL
    )
    non_attribution = models.BooleanField(
        _("non-attribution"),
        default=True,
        help_text=_("Chatham House: statements are recorded without speakers."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outcome_reports")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OutcomeReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("outcome report")
        verbose_name_plural = _("outcome reports")
        ordering = ["-created_at"]
        constraints = [
            level_check(),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "approved"]), name="report_status_known"
            ),
            # One report per workshop, and one per agenda session.
            models.UniqueConstraint(
                fields=["workshop"], condition=Q(session__isnull=True), name="report_one_per_workshop"
            ),
            models.UniqueConstraint(
                fields=["session"], condition=Q(session__isnull=False), name="report_one_per_session"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="report_approval_recorded",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="report_submission_recorded"
            ),
        ]
        indexes = [
            models.Index(fields=["workshop", "status"], name="report_workshop_status_idx"),
            models.Index(fields=["status"], name="report_status_idx"),
        ]

    def __str__(self):
        return _("Outcome report %(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("facilitators:report-detail", args=[self.pk])

    @property
    def effective_level(self):
        return max(self.level, self.workshop.effective_level)


class OutcomeReportVersion(models.Model):
    """A snapshot of a report's text at each save: the version history."""

    report = models.ForeignKey(OutcomeReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("outcome report version")
        verbose_name_plural = _("outcome report versions")
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")]

    def __str__(self):
        return _("Version %(number)s") % {"number": self.number}


class OutcomeReportEvent(ChoiceLabels, models.Model):
    """A step of a report's workflow (saved, submitted, returned, approved, amended, exported), kept."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        SAVED = "saved", _("Saved")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned with comments")
        APPROVED = "approved", _("Approved")
        AMENDED = "amended", _("Amendment started")

    report = models.ForeignKey(OutcomeReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    version = models.PositiveIntegerField(_("version"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    # Attributions the facilitator confirmed as intended when submitting: [{"term", "field", "excerpt"}].
    attributions_confirmed = models.JSONField(_("attributions confirmed"), default=list, blank=True)

    class Meta:
        verbose_name = _("outcome report event")
        verbose_name_plural = _("outcome report events")
        ordering = ["report", "at", "pk"]
        indexes = [models.Index(fields=["report", "at"], name="report_event_report_idx")]

    def __str__(self):
        return f"{self.get_action_display()} ({self.version})"


class ActionItem(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    report = models.ForeignKey(OutcomeReport, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("action"), max_length=300)
    description = models.TextField(_("details"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    # An invited participant who owns the item (no account needed: they answer by a signed link).
    owner_participant = models.ForeignKey(
        "participants.Participant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("participant owner"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Raised when the done-link is used: an older link is spent.
    token_sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress", "done", "dropped"]), name="action_item_status_known"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(owner_participant__isnull=True), name="action_item_one_owner"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False), name="action_item_done_recorded"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="action_item_owner_idx"),
            models.Index(fields=["owner_participant", "status", "due_on"], name="action_item_participant_idx"),
            models.Index(fields=["status", "due_on"], name="action_item_due_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def effective_level(self):
        return self.report.effective_level


class TrackOneBriefing(ChoiceLabels, models.Model):
    """The transfer of an outcome to official diplomacy. ``report`` is the briefing's anchor (the
    record its visibility hangs on); ``reports`` are every report it drew on, the anchor included."""

    class RecipientRole(models.TextChoices):
        MINISTRY = "ministry", _("Foreign ministry")
        ENVOY = "envoy", _("Special envoy")
        UN_SPECIAL_REPRESENTATIVE = "un_srsg", _("UN special representative")
        HEAD_OF_GOVERNMENT = "head_of_government", _("Office of a head of state or government")
        REGIONAL_ORGANISATION = "regional_org", _("Regional organisation")
        PARLIAMENT = "parliament", _("Parliament")
        MEDIATION_TEAM = "mediation_team", _("Official mediation team")
        OTHER = "other", _("Other")

    class BriefingLevel(models.TextChoices):
        MINISTERIAL = "ministerial", _("Ministerial")
        SENIOR_OFFICIAL = "senior_official", _("Senior official")
        WORKING_LEVEL = "working_level", _("Working level")
        MEDIATOR = "mediator", _("Official mediator's team")

    report = models.ForeignKey(OutcomeReport, on_delete=models.PROTECT, related_name="briefings")
    reports = models.ManyToManyField(
        OutcomeReport, related_name="covering_briefings", blank=True, verbose_name=_("reports drawn on")
    )
    recipient = models.CharField(_("who was briefed"), max_length=200)
    recipient_role = models.CharField(
        _("their role"), max_length=20, choices=RecipientRole.choices, default=RecipientRole.OTHER
    )
    level = models.PositiveSmallIntegerField(
        _("confidentiality level"), choices=Level.choices, default=Level.CONFIDENTIAL
    )
    briefing_level = models.CharField(_("level"), max_length=20, choices=BriefingLevel.choices)
    briefed_on = models.DateField(_("briefed on"))
    briefed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared = models.TextField(_("what was shared"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = TrackOneBriefingQuerySet.as_manager()

    class Meta:
        verbose_name = _("Track I briefing")
        verbose_name_plural = _("Track I briefings")
        ordering = ["-briefed_on"]
        constraints = [level_check()]
        indexes = [models.Index(fields=["report", "-briefed_on"], name="briefing_report_idx")]

    def __str__(self):
        return f"{self.recipient} ({self.briefed_on})"

    @property
    def effective_level(self):
        return max(self.level, self.report.effective_level)
