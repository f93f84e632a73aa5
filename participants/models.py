from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.fields import LanguagesField
from core.labels import ChoiceLabels
from core.levels import Level, RiskLevel, level_check

from .querysets import (
    OrganizationQuerySet,
    ParticipantQuerySet,
    SanctionsEntryQuerySet,
    SanctionsHitQuerySet,
    SanctionsListQuerySet,
    ScreeningRunQuerySet,
    VettingCaseQuerySet,
)


class Organization(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", _("NGO")
        THINK_TANK = "think_tank", _("Think tank")
        UNIVERSITY = "university", _("University")
        INTERNATIONAL = "international", _("International organisation")
        GOVERNMENT = "government", _("Government")
        BUSINESS = "business", _("Business")
        MEDIA = "media", _("Media")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organization_name_country_unique"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "ngo",
                        "think_tank",
                        "university",
                        "international",
                        "government",
                        "business",
                        "media",
                        "other",
                    ]
                ),
                name="organization_kind_known",
            ),
        ]
        indexes = [
            models.Index(fields=["kind"], name="organization_kind_idx"),
            models.Index(fields=["country"], name="organization_country_idx"),
            # The list's order (a page of it read in index order) and ``name__iexact`` checks.
            models.Index(Lower("name"), F("id"), name="organization_name_lower_idx"),
            models.Index(Upper("name"), name="organization_name_upper_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("participants:organization-detail", args=[self.pk])

    effective_level = Level.INTERNAL


class Participant(ChoiceLabels, models.Model):
    class Category(models.TextChoices):
        FORMER_OFFICIAL = "former_official", _("Former official")
        SERVING_OFFICIAL = "serving_official", _("Serving official")
        EXPERT = "expert", _("Expert")
        ACADEMIC = "academic", _("Academic")
        CIVIL_SOCIETY = "civil_society", _("Civil-society leader")
        BUSINESS = "business", _("Business leader")
        RELIGIOUS = "religious", _("Religious leader")
        JOURNALIST = "journalist", _("Journalist")
        OTHER = "other", _("Other")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NON_BINARY = "non_binary", _("Non-binary")
        UNDISCLOSED = "undisclosed", _("Prefers not to say")

    RiskLevel = RiskLevel

    full_name = models.CharField(_("full name"), max_length=200)
    codename = models.CharField(
        _("codename"),
        max_length=60,
        blank=True,
        help_text=_("Shown instead of the name wherever the viewer lacks clearance for the person's identity."),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Invitations and reminders are written in this language."),
    )
    nationality = CountryField(_("nationality"), blank=True)
    languages = LanguagesField(_("languages"))
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
        verbose_name=_("affiliation"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.EXPERT)
    personal_capacity = models.BooleanField(
        _("personal capacity"),
        default=True,
        help_text=_("Takes part in a personal capacity, not representing their organisation."),
    )
    risk_level = models.PositiveSmallIntegerField(_("risk level"), choices=RiskLevel.choices, default=RiskLevel.LOW)
    level = models.PositiveSmallIntegerField(
        _("confidentiality level"),
        choices=Level.choices,
        default=Level.INTERNAL,
        help_text=_("Raise it for people whose involvement is itself secret."),
    )
    date_of_birth = models.DateField(
        _("date of birth"), null=True, blank=True, help_text=_("Optional; sharpens sanctions screening.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participant",
        verbose_name=_("sign-in account"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["full_name", "pk"]
        constraints = [
            level_check(),
            models.UniqueConstraint(fields=["codename"], condition=~Q(codename=""), name="participant_codename_unique"),
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="participant_email_unique"),
            models.CheckConstraint(condition=Q(risk_level__in=[1, 2, 3]), name="participant_risk_level_known"),
            models.CheckConstraint(
                condition=Q(risk_level__lt=3) | ~Q(codename=""),
                name="participant_high_risk_has_codename",
            ),
        ]
        indexes = [
            models.Index(fields=["level"], name="participant_level_idx"),
            models.Index(fields=["risk_level"], name="participant_risk_idx"),
            models.Index(fields=["category"], name="participant_category_idx"),
            models.Index(fields=["nationality"], name="participant_nationality_idx"),
            models.Index(fields=["full_name"], name="participant_name_idx"),
            # The list's order, by the name or codename shown (a page of it read in index order).
            models.Index(Lower("full_name"), F("id"), name="participant_name_lower_idx"),
            models.Index(
                Lower("codename"),
                F("id"),
                name="participant_codename_lower_idx",
                condition=Q(risk_level__gte=RiskLevel.HIGH),
            ),
            # ``iexact`` checks of e-mail addresses and codenames (one value, or many at once in imports).
            models.Index(Upper("email"), name="participant_email_upper_idx"),
            models.Index(Upper("codename"), name="participant_codename_upper_idx"),
        ]

    def __str__(self):
        # The safe label: never the name of a person whose identity is protected.
        return self.cover_name

    def get_absolute_url(self):
        return reverse("participants:participant-detail", args=[self.pk])

    @property
    def is_high_risk(self):
        return self.risk_level >= self.RiskLevel.HIGH

    @property
    def cover_name(self):
        return self.codename or _("Participant %(number)s") % {"number": self.pk}

    @property
    def identity_visible(self):
        """Set by ``ParticipantQuerySet.with_identity_for(user)``; hidden unless proven otherwise."""
        return getattr(self, "identity_visible_to_viewer", False)

    @property
    def display_name(self):
        return self.full_name if self.identity_visible else self.cover_name

    @property
    def effective_level(self):
        """For the access log: a high-risk person's record is read at CONFIDENTIAL at least, since it
        may show the identity that is protected at that level."""
        return max(self.level, Level.CONFIDENTIAL) if self.is_high_risk else self.level


class ConsentRecord(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        DATA_PROCESSING = "data_processing", _("Data processing")
        CHATHAM_HOUSE = "chatham_house", _("Chatham House ground rules")
        PHOTOGRAPHY = "photography", _("Photography")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consents", verbose_name=_("participant")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]
        indexes = [models.Index(fields=["participant", "kind"], name="consent_participant_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.given_at:%Y-%m-%d})"


class VettingCase(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_REVIEW = "in_review", _("In review")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Approval awaiting a second admin")
        APPROVED = "approved", _("Approved")
        APPROVED_WITH_CONDITIONS = "approved_conditions", _("Approved with conditions")
        REJECTED = "rejected", _("Rejected")

    DECIDED = (Status.APPROVED, Status.APPROVED_WITH_CONDITIONS, Status.REJECTED)
    OPEN = (Status.PENDING, Status.IN_REVIEW, Status.AWAITING_CONFIRMATION)
    APPROVED_STATUSES = (Status.APPROVED, Status.APPROVED_WITH_CONDITIONS)

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="vetting_cases", verbose_name=_("participant")
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vetting_cases",
        verbose_name=_("reviewer"),
    )
    identity_checked = models.BooleanField(_("identity checked"), default=False)
    references_checked = models.BooleanField(_("references checked"), default=False)
    conflict_of_interest_checked = models.BooleanField(_("conflict of interest checked"), default=False)
    sanctions_screened = models.BooleanField(_("sanctions screening done"), default=False)
    references = models.TextField(_("references"), blank=True, help_text=_("Who was asked, and what they said."))
    conflict_of_interest = models.TextField(_("conflict-of-interest declaration"), blank=True)
    risk_assessment = models.PositiveSmallIntegerField(
        _("assessed risk"), choices=RiskLevel.choices, null=True, blank=True
    )
    risk_rationale = models.TextField(_("why this risk level"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Four eyes: who recorded the checks, and who proposed and confirmed an approval.
    checks_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_status = models.CharField(_("proposed decision"), max_length=20, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = VettingCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("vetting case")
        verbose_name_plural = _("vetting cases")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "in_review",
                        "awaiting_confirmation",
                        "approved",
                        "approved_conditions",
                        "rejected",
                    ]
                ),
                name="vetting_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "in_review", "awaiting_confirmation"]) | Q(decided_at__isnull=False),
                name="vetting_decision_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "approved_conditions"]) | Q(expires_at__isnull=False),
                name="vetting_approval_expires",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("decided_at")),
                name="vetting_expiry_after_decision",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved_conditions") | ~Q(conditions=""),
                name="vetting_conditions_stated",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""), name="vetting_rejection_reasoned"
            ),
            models.CheckConstraint(
                condition=~Q(status="awaiting_confirmation")
                | (Q(proposed_by__isnull=False) & Q(proposed_status__in=["approved", "approved_conditions"])),
                name="vetting_proposal_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "-created_at"], name="vetting_participant_idx"),
            models.Index(fields=["status", "expires_at"], name="vetting_status_expiry_idx"),
            # The approvals in expiry order (the dashboard's first ten expiring, read without sorting them all).
            models.Index(
                fields=["expires_at", "participant"],
                name="vetting_approved_expiry_idx",
                condition=Q(status__in=["approved", "approved_conditions"]),
            ),
            models.Index(fields=["status", "created_at"], name="vetting_status_opened_idx"),
        ]

    def __str__(self):
        return _("Vetting case %(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("participants:vetting-case", args=[self.pk])

    @property
    def is_current_approval(self):
        return (
            self.status in self.APPROVED_STATUSES and self.expires_at is not None and self.expires_at > timezone.now()
        )

    effective_level = Level.CONFIDENTIAL


class VettingCaseEvent(models.Model):
    """One change to a vetting case (who, when, what), shown as the case's history."""

    case = models.ForeignKey(VettingCase, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    action = models.CharField(_("action"), max_length=40)
    # {field: [before, after]} for changed fields; free details for other actions.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("vetting case event")
        verbose_name_plural = _("vetting case events")
        ordering = ["case", "-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"], name="vetting_event_case_idx")]

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"

    effective_level = Level.CONFIDENTIAL


class SanctionsList(models.Model):
    """One imported version of a sanctions list; the newest of each source is current."""

    source = models.CharField(_("list"), max_length=60, default="UNSC")
    generated_on = models.DateField(_("list dated"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    is_current = models.BooleanField(_("current"), default=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    objects = SanctionsListQuerySet.as_manager()

    class Meta:
        verbose_name = _("sanctions list version")
        verbose_name_plural = _("sanctions list versions")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source"], condition=Q(is_current=True), name="sanctions_list_one_current"),
        ]

    def __str__(self):
        return f"{self.source} {self.imported_at:%Y-%m-%d %H:%M}"


class ScreeningRun(ChoiceLabels, models.Model):
    """Screening of one participant, or of everyone, against the current lists (run by Celery)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="screening_runs"
    )
    list_version = models.ForeignKey(
        SanctionsList, on_delete=models.PROTECT, null=True, blank=True, related_name="screening_runs"
    )
    reason = models.CharField(_("why"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("to screen"), default=0)
    done = models.PositiveIntegerField(_("screened"), default=0)
    hits_found = models.PositiveIntegerField(_("hits found"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ScreeningRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="screening_run_progress_bounded"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="screening_run_status_idx")]

    def __str__(self):
        return _("Screening run %(number)s") % {"number": self.pk}

    effective_level = Level.CONFIDENTIAL


class SanctionsEntry(ChoiceLabels, models.Model):
    """One entry of an imported sanctions list (UN Security Council Consolidated List shape)."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ENTITY = "entity", _("Entity")

    source = models.CharField(_("list"), max_length=60, default="UNSC")
    list_version = models.ForeignKey(
        SanctionsList, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reference = models.CharField(_("reference number"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = models.CharField(_("name"), max_length=300)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    nationality = models.CharField(_("nationality"), max_length=200, blank=True)
    # Every nationality (ISO codes where the list's names are known) and date of birth the list gives:
    # dates as "YYYY-MM-DD", "YYYY-MM" or "YYYY" (the list often knows only the year).
    nationalities = models.JSONField(_("nationalities"), default=list, blank=True)
    dates_of_birth = models.JSONField(_("dates of birth"), default=list, blank=True)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    objects = SanctionsEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("sanctions list entry")
        verbose_name_plural = _("sanctions list entries")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reference"],
                condition=Q(list_version__isnull=True),
                name="sanctions_entry_reference_unique",
            ),
            models.UniqueConstraint(fields=["list_version", "reference"], name="sanctions_entry_version_ref_unique"),
        ]
        indexes = [models.Index(fields=["name"], name="sanctions_entry_name_idx")]

    def __str__(self):
        return f"{self.reference} {self.name}"


class SanctionsHit(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        CLEARED = "cleared", _("Cleared (not the same person)")
        CONFIRMED = "confirmed", _("Confirmed match")
        SUPERSEDED = "superseded", _("Superseded by a newer list")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="sanctions_hits", verbose_name=_("participant")
    )
    entry = models.ForeignKey(
        SanctionsEntry, on_delete=models.CASCADE, related_name="hits", verbose_name=_("list entry")
    )
    score = models.DecimalField(_("match score"), max_digits=5, decimal_places=2)
    matched_name = models.CharField(_("matched name"), max_length=300, blank=True)
    # Why the score is what it is: {"name": 91.0, "date_of_birth": "+5 same year", ...}.
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    screening = models.ForeignKey(ScreeningRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="hits")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)

    objects = SanctionsHitQuerySet.as_manager()

    class Meta:
        verbose_name = _("sanctions hit")
        verbose_name_plural = _("sanctions hits")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "entry"], name="sanctions_hit_unique"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="sanctions_hit_score_range"),
            models.CheckConstraint(
                condition=Q(status="open")
                | (Q(status="superseded") & Q(resolved_at__isnull=False))
                | (Q(resolved_by__isnull=False) & Q(resolved_at__isnull=False)),
                name="sanctions_hit_resolution_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="sanctions_hit_status_idx"),
            models.Index(fields=["participant", "status"], name="sanctions_hit_participant_idx"),
        ]

    def __str__(self):
        return _("Sanctions hit %(number)s") % {"number": self.pk}

    effective_level = Level.CONFIDENTIAL
