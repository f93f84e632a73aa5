import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.fields import LanguagesField, ReminderDaysField
from core.labels import ChoiceLabels
from core.levels import Level, Role, level_check
from core.time_zones import all_zones
from core.validators import EARLIEST_YEAR, LATEST_YEAR, validate_datetime_in_range

from .querysets import (
    AgendaSessionQuerySet,
    DocumentQuerySet,
    DocumentVersionQuerySet,
    FundingQuerySet,
    InitiativeQuerySet,
    InvitationQuerySet,
    PartyQuerySet,
    TeamMembershipQuerySet,
    WorkshopQuerySet,
)


def validate_time_zone(value):
    if value not in all_zones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Initiative(ChoiceLabels, models.Model):
    class Track(models.TextChoices):
        TRACK_TWO = "track_2", _("Track II")
        TRACK_ONE_AND_A_HALF = "track_1_5", _("Track 1.5")

    class Phase(models.TextChoices):
        EXPLORATORY = "exploratory", _("Exploratory")
        PRE_NEGOTIATION = "pre_negotiation", _("Pre-negotiation")
        ACTIVE = "active", _("Active")
        IMPLEMENTATION = "implementation", _("Implementation")
        CONCLUDED = "concluded", _("Concluded")

    title = models.CharField(_("title"), max_length=200)
    codename = models.CharField(_("codename"), max_length=60, unique=True)
    conflict = models.CharField(_("conflict or region"), max_length=200)
    track = models.CharField(_("track"), max_length=12, choices=Track.choices, default=Track.TRACK_TWO)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.EXPLORATORY)
    objectives = models.TextField(_("objectives"), blank=True)
    level = models.PositiveSmallIntegerField(
        _("confidentiality level"), choices=Level.choices, default=Level.CONFIDENTIAL
    )
    observers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="observed_initiatives",
        verbose_name=_("observers"),
        help_text=_("Observers (e.g. donors) see aggregate numbers of this initiative, never names."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["title"]
        constraints = [
            level_check(),
            models.CheckConstraint(condition=Q(track__in=["track_2", "track_1_5"]), name="initiative_track_known"),
            models.CheckConstraint(
                condition=Q(phase__in=["exploratory", "pre_negotiation", "active", "implementation", "concluded"]),
                name="initiative_phase_known",
            ),
        ]
        indexes = [
            models.Index(fields=["level"], name="initiative_level_idx"),
            models.Index(fields=["phase"], name="initiative_phase_idx"),
            # The lists' order (a page of them read in index order, with ``pk`` to break ties).
            models.Index(fields=["title", "id"], name="initiative_title_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dialogues:initiative-detail", args=[self.pk])

    @property
    def effective_level(self):
        return self.level

    # The code of the refusal below; where the reader is known, the workshops are named for them
    # (selectors.initiative_refusal_for).
    WORKSHOPS_BELOW = "workshops_below"

    def clean(self):
        """A saved initiative's level may not rise above one of its workshops' (a workshop is never less
        confidential than its initiative: ``Workshop.clean`` says the same from the workshop's side).

        The workshops are not named here, as the reader may not see them all. That every team member is
        cleared for the level is ``TeamMembership.clean``, asked of every row when the level changes.
        """
        if self.pk is None or self.level not in Level.values:
            return
        if self.workshops.filter(level__lt=self.level).exists():
            refusal = ValidationError(
                _(
                    "Some of its workshops are below %(level)s and would be less confidential than the initiative. "
                    "Raise their levels first."
                ),
                code=self.WORKSHOPS_BELOW,
                params={"level": Level(self.level).label},
            )
            raise ValidationError({"level": refusal})


# Who may join a team: an active account of the organisation's own or a facilitator's, never a participant's
# or an observer's (``TeamMembership.clean``; the team picker offers these: ``selectors.team_candidates``).
TEAM_CANDIDATE_ROLES = (Role.ADMIN, Role.STAFF, Role.FACILITATOR)


class TeamMembership(ChoiceLabels, models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
        FACILITATOR = "facilitator", _("Facilitator")
        ADVISOR = "advisor", _("Advisor")
        LOGISTICS = "logistics", _("Logistics")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="team_memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships", verbose_name=_("member")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PROGRAMME_OFFICER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = TeamMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team")
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "user"], name="team_membership_unique"),
        ]
        indexes = [models.Index(fields=["user", "initiative"], name="team_user_initiative_idx")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    # Said where two rows of one save name the same person (a form's rows, a service's list).
    ONCE_PER_TEAM = _("Each person can be on the team only once.")

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.stored_place = (self.initiative_id, self.user_id)

    @classmethod
    def from_db(cls, db, field_names, values):
        membership = super().from_db(db, field_names, values)
        if "initiative_id" in membership.__dict__ and "user_id" in membership.__dict__:
            membership.stored_place = (membership.initiative_id, membership.user_id)  # what a change starts from
        return membership

    @property
    def joining(self):
        """Whether someone joins a team with this row: a new row, or a place given to another member or
        moved to another team."""
        if self.pk is None:
            return True
        stored = getattr(self, "stored_place", None)
        if stored is None:  # not loaded from the database: a copy, or a row put together by hand
            stored = TeamMembership.objects.filter(pk=self.pk).values_list("initiative_id", "user_id").first()
        return stored != (self.initiative_id, self.user_id)

    def clean(self):
        """Who may be on a team, checked as someone joins it (a new place, or a place given to someone else
        or moved to another team):

        - an active account of an admin, staff member or facilitator (``TEAM_CANDIDATE_ROLES``), never a
          participant's or an observer's;
        - cleared for the initiative's level (as the initiative is being saved, when the two are saved
          together); this one is asked of every member, as the level may have been raised.

        A member whose account was deactivated, or given another role, after they joined keeps their place
        until they are taken off: saving the initiative and the rest of its team is not blocked by them, and
        they read nothing through it (``core.visibility`` opens a team's records to active accounts other
        than participants and observers only).
        """
        if self.user_id is None:  # not chosen yet (a form shows that error)
            return
        if self.joining:
            self._check_may_join()
        try:
            level = self.initiative.level
        except Initiative.DoesNotExist:  # not chosen yet (a form shows that error)
            return
        if level in Level.values and self.user.clearance < level:
            raise ValidationError(
                {
                    "user": ValidationError(
                        _(
                            "%(name)s is cleared for %(clearance)s only, below this initiative's level (%(level)s). "
                            "Choose someone cleared for it."
                        ),
                        code="not_cleared",
                        params={
                            "name": self.user.full_name or self.user.email,
                            "clearance": self.user.get_clearance_display(),
                            "level": Level(level).label,
                        },
                    )
                }
            )

    def _check_may_join(self):
        name = self.user.full_name or self.user.email
        if not self.user.is_active:
            refusal = ValidationError(
                _("%(name)s's account is deactivated: choose someone with an active account."),
                code="inactive",
                params={"name": name},
            )
        elif self.user.role not in TEAM_CANDIDATE_ROLES:
            refusal = ValidationError(
                _("%(name)s's role is %(role)s: only admins, staff and facilitators can be on a team."),
                code="not_team_role",
                params={"name": name, "role": self.user.get_role_display().lower()},
            )
        else:
            return
        raise ValidationError({"user": refusal})


class Party(models.Model):
    """A side of the conflict; participants are invited as members of a party's delegation."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["initiative", "name"], name="party_name_unique")]

    def __str__(self):
        return self.name

    # Said where two rows of one save give the same name (a form's rows, a service's list).
    OWN_NAME = _("Each party needs its own name.")


class Funding(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="fundings")
    donor = models.CharField(_("donor"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. EUR."))
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))

    objects = FundingQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding")
        verbose_name_plural = _("funding")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="funding_period_ordered"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="funding_currency_iso"),
        ]

    def __str__(self):
        return f"{self.donor}: {self.amount} {self.currency}"


class Workshop(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        ROUNDTABLE = "roundtable", _("Roundtable")
        SEMINAR = "seminar", _("Seminar")
        CONFERENCE = "conference", _("Conference")
        BACKCHANNEL = "backchannel", _("Backchannel meeting")
        VIRTUAL = "virtual", _("Virtual session")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        INVITING = "inviting", _("Inviting")
        CONFIRMED = "confirmed", _("Confirmed")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    # A workshop moves freely between its open statuses; it is marked held once it has started, and
    # cancelled from any open status. Held and cancelled are final.
    OPEN_STATUSES = (Status.PLANNED, Status.INVITING, Status.CONFIRMED)

    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="workshops")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WORKSHOP)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True)
    time_zone = models.CharField(_("venue time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    starts_at = models.DateTimeField(_("starts"), validators=[validate_datetime_in_range])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_datetime_in_range])
    languages = LanguagesField(_("working languages"))
    interpretation = models.BooleanField(_("interpretation provided"), default=False)
    capacity = models.PositiveIntegerField(_("capacity"), default=20)
    level = models.PositiveSmallIntegerField(
        _("confidentiality level"), choices=Level.choices, default=Level.CONFIDENTIAL
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    reminder_days = ReminderDaysField(
        _("reminders before the workshop"),
        help_text=_("Days before the start on which those who accepted are reminded, e.g. 7, 1."),
    )
    chase_after_days = models.PositiveSmallIntegerField(
        _("chase unanswered invitations after (days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Invitees who have not answered are reminded after this many days, twice at most."),
    )
    # SEQUENCE of the calendar entries sent for this workshop: raised on every reschedule and on
    # cancellation, so that calendar programs update the event in place.
    calendar_sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["starts_at", "pk"]
        constraints = [
            level_check(),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="workshop_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=0), name="workshop_capacity_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "inviting", "confirmed", "held", "cancelled"]),
                name="workshop_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["initiative", "starts_at"], name="workshop_initiative_start_idx"),
            # The lists' order (a page of them read in index order: ``pk`` breaks the ties of workshops that
            # start at the same time, which are many).
            models.Index(fields=["starts_at", "id"], name="workshop_start_idx"),
            models.Index(fields=["ends_at"], name="workshop_end_idx"),
            models.Index(fields=["status"], name="workshop_status_idx"),
            models.Index(fields=["level"], name="workshop_level_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.stored_status = self.status

    def get_absolute_url(self):
        return reverse("dialogues:workshop-detail", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values):
        workshop = super().from_db(db, field_names, values)
        if "status" in workshop.__dict__:
            workshop.stored_status = workshop.status  # what a status change starts from
        return workshop

    def status_choices(self):
        """The statuses this workshop may be given: its stored one and those it may move to.

        Held is offered to open workshops; whether it has started yet is checked by ``clean``.
        A saved workshop whose status was not loaded is offered every status (nothing to compare with).
        """
        if self.pk and not hasattr(self, "stored_status"):
            return list(self.Status.choices)
        stored = self.stored_status if self.pk else None
        if stored not in (None, *self.OPEN_STATUSES):
            allowed = {stored}
        else:
            allowed = {*self.OPEN_STATUSES, self.Status.HELD}
            if stored is not None:
                allowed.add(self.Status.CANCELLED)
        return [(value, label) for value, label in self.Status.choices if value in allowed]

    def status_change_error(self, now=None):
        """Why the workshop may not move from its stored status to ``status``; ``None`` if it may."""
        stored = getattr(self, "stored_status", None) if self.pk else None
        if self.status == stored or (self.pk and not hasattr(self, "stored_status")):
            return None
        if self.status not in dict(self.status_choices()):
            if stored is None:
                return _("A new workshop is planned, inviting or confirmed (or held, if it has already started).")
            return _("A workshop that is %(stored)s cannot become %(status)s.") % {
                "stored": self.Status(stored).label.lower(),
                "status": self.Status(self.status).label.lower(),
            }
        if self.status == self.Status.HELD and self.starts_at and self.starts_at > (now or timezone.now()):
            return _("A workshop can be marked held only once it has started.")
        return None

    def clean(self):
        errors = {}
        status_error = self.status_change_error() if self.status in self.Status.values else None
        if status_error:
            errors["status"] = status_error
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The workshop must end after it starts.")
        if self.initiative_id and self.level is not None and self.level < self.initiative.level:
            errors["level"] = _("A workshop cannot be less confidential than its initiative (%(level)s).") % {
                "level": self.initiative.get_level_display()
            }
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(self.zone)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.zone)

    @property
    def effective_level(self):
        return max(self.level, self.initiative.level)


class AgendaSession(models.Model):
    """One session of a workshop's agenda."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"), validators=[validate_datetime_in_range])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_datetime_in_range])
    description = models.TextField(_("description"), blank=True)

    objects = AgendaSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("agenda session")
        verbose_name_plural = _("agenda sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]
        indexes = [models.Index(fields=["workshop", "starts_at"], name="session_workshop_start_idx")]

    def __str__(self):
        return self.title

    def clean(self):
        """A session falls within its workshop (as the workshop is being saved, when the two are saved together)."""
        try:
            workshop = self.workshop
        except Workshop.DoesNotExist:  # not chosen yet (a form shows that error)
            return
        start, end = workshop.starts_at, workshop.ends_at
        times = (start, end, self.starts_at, self.ends_at)
        if None in times or end <= start or not all(EARLIEST_YEAR <= time.year <= LATEST_YEAR for time in times):
            return  # nothing to compare with yet: such times are refused on their own
        if self.starts_at < start or self.ends_at > end:
            # At the venue's time; in UTC while the workshop's time zone is itself refused (its form says so).
            zone = workshop.zone if workshop.time_zone in all_zones() else zoneinfo.ZoneInfo("UTC")
            message = _("A session must fall within the workshop, from %(start)s to %(end)s.") % {
                "start": date_format(start.astimezone(zone), "DATETIME_FORMAT"),
                "end": date_format(end.astimezone(zone), "DATETIME_FORMAT"),
            }
            raise ValidationError({"starts_at": ValidationError(message, code="outside_workshop")})


class Invitation(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey("participants.Participant", on_delete=models.PROTECT, related_name="invitations")
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("delegation of")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    token_sequence = models.PositiveIntegerField(
        _("RSVP token sequence"), default=0, help_text=_("Raised to invalidate earlier RSVP links.")
    )
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    needs_visa_letter = models.BooleanField(_("needs a visa letter"), default=False)
    needs_travel_support = models.BooleanField(_("needs travel support"), default=False)
    needs_interpretation = models.BooleanField(_("needs interpretation"), default=False)
    dietary_requirements = models.CharField(_("dietary requirements"), max_length=200, blank=True)
    interpretation_language = models.CharField(
        _("interpretation into"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Attendance, marked by the workshop's facilitators or team once it has started.
    attendance_recorded_at = models.DateTimeField(_("attendance recorded"), null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visa_letter_issued_at = models.DateTimeField(_("visa letter issued"), null=True, blank=True)
    passport_number = models.CharField(_("passport number"), max_length=40, blank=True)
    passport_expires_on = models.DateField(_("passport expiry"), null=True, blank=True)
    passport_purged_at = models.DateTimeField(_("passport details purged"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["workshop", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "participant"], name="invitation_once_per_workshop"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "queued", "sent", "accepted", "declined", "withdrawn", "attended", "no_show"]
                ),
                name="invitation_status_known",
            ),
            models.CheckConstraint(
                condition=Q(passport_purged_at__isnull=True)
                | (Q(passport_number="") & Q(passport_expires_on__isnull=True)),
                name="invitation_purged_passport_empty",
            ),
        ]
        indexes = [
            models.Index(fields=["workshop", "status"], name="invitation_workshop_status_idx"),
            models.Index(fields=["participant", "status"], name="invitation_participant_idx"),
            models.Index(fields=["party"], name="invitation_party_idx"),
        ]

    def __str__(self):
        return _("Invitation %(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("dialogues:workshop-detail", args=[self.workshop_id])

    def clean(self):
        if self.party_id and self.workshop_id and self.party.initiative_id != self.workshop.initiative_id:
            raise ValidationError({"party": _("The party must belong to the workshop's initiative.")})

    @property
    def effective_level(self):
        return self.workshop.effective_level


class InvitationReminder(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        CHASE = "chase", _("Reply chaser")
        BEFORE_WORKSHOP = "before_workshop", _("Before the workshop")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["invitation", "kind"], name="reminder_invitation_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sent_at:%Y-%m-%d}"


class Document(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        BACKGROUND = "background", _("Background paper")
        NON_PAPER = "non_paper", _("Non-paper")
        AGENDA = "agenda", _("Agenda")
        READING_PACK = "reading_pack", _("Reading pack")
        OTHER = "other", _("Other")

    class Audience(models.TextChoices):
        TEAM = "team", _("Team")
        FACILITATORS = "facilitators", _("Team and facilitators")
        ATTENDEES = "attendees", _("Team, facilitators and attendees")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.BACKGROUND)
    level = models.PositiveSmallIntegerField(
        _("confidentiality level"), choices=Level.choices, default=Level.CONFIDENTIAL
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.TEAM)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["title"]
        constraints = [
            level_check(),
            models.CheckConstraint(
                condition=(Q(initiative__isnull=False) & Q(workshop__isnull=True))
                | (Q(initiative__isnull=True) & Q(workshop__isnull=False)),
                name="document_attached_to_one",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dialogues:document-download", args=[self.pk])

    @property
    def effective_level(self):
        attached = self.workshop.effective_level if self.workshop_id else self.initiative.level
        return max(self.level, attached)


def document_upload_to(instance, filename):
    return f"documents/{instance.document_id}/{instance.number}/{filename}"


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=document_upload_to)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = DocumentVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")]

    def __str__(self):
        return _("%(document)s, version %(number)s") % {"document": self.document, "number": self.number}
