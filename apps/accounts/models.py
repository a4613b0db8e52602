from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.tenants.roles import Role
from apps.tenants.scoping import ClientOwnedQuerySet


def hash_secret(value: str) -> str:
    """How invitation keys and API tokens are stored: never in clear."""
    return hashlib.sha256(value.encode()).hexdigest()


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy: no new work")
    AWAY = "away", _("Away")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_agency_admin", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields["is_agency_admin"] = True
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address.

    Agency admins (is_agency_admin) can do everything for every client; they
    are Django superusers and staff. Everyone else gets rights per client
    through a Membership.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_agency_admin = models.BooleanField(_("agency admin"), default=False)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    preferred_language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # Routing gives new work only to people who are available (and on duty).
    availability = models.CharField(
        _("availability"), max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        # Agency admins are exactly the superusers with Django admin access.
        self.is_superuser = self.is_agency_admin
        self.is_staff = self.is_agency_admin
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class Invitation(TimeStampedModel):
    """An e-mailed offer of a role at one client. Only the key's hash is stored."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "-created_at"], name="invitation_client_time")]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"


class ApiToken(TimeStampedModel):
    """A personal API token. The secret is shown once; only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
