from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.labels import ChoiceLabels
from core.levels import Level, Role, level_check

from .querysets import UserQuerySet


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("clearance", Level.CONFIDENTIAL)
        fields["is_staff"] = True
        fields["is_superuser"] = True
        user = self._create_user(email, password, **fields)
        # The operator typed this address at the server: it needs no confirmation mail to sign in.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
        return user


class User(ChoiceLabels, AbstractBaseUser, PermissionsMixin):
    """A person who signs in. E-mail is the login; role and clearance decide what they see."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    clearance = models.PositiveSmallIntegerField(_("clearance"), choices=Level.choices, default=Level.INTERNAL)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Times are shown in this zone beside the venue's. Empty: your browser's."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("Whether the user may open the Django admin site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        indexes = [models.Index(fields=["role", "is_active"], name="user_role_active_idx")]
        constraints = [
            level_check("clearance"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_user_role_known"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def must_use_mfa(self):
        """Admins, and staff cleared for CONFIDENTIAL or higher, must sign in with a second factor."""
        return self.role == Role.ADMIN or (self.role == Role.STAFF and self.clearance >= Level.CONFIDENTIAL)

    @property
    def is_admin_role(self):
        return self.role == Role.ADMIN
