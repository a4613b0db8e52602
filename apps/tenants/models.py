from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.models import TimeStampedModel

from .roles import Role
from .scoping import ClientOwnedQuerySet, ClientQuerySet

BRAND_LANGUAGES = [
    ("da", _("Danish")),
    ("nb", _("Norwegian")),
    ("pl", _("Polish")),
    ("de", _("German")),
    ("en", _("English")),
]


class Client(TimeStampedModel):
    """A company the agency serves: the tenant."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Copenhagen")

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        permissions = [
            ("manage_client", "Manage client settings and brands"),
            ("manage_members", "Invite people and manage roles"),
            ("view_audit", "Read the audit trail"),
            ("read_work", "Read mentions, notes, answers, sources and rules"),
            ("work_mentions", "Triage, assign and answer mentions"),
            ("analyse", "Run evaluations and build reports"),
            ("view_reports", "Read reports"),
            ("approve_responses", "Approve responses"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def client_id(self) -> int:
        """Lets code that checks ownership treat a client like its own objects."""
        return self.pk


# Direct foreign keys keep guardian's per-client checks to one indexed join.
class ClientUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)


class ClientGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)


class Brand(TimeStampedModel):
    """A brand a client owns: what the agency listens for and speaks as."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="brands")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60)
    aliases = ArrayField(
        models.CharField(max_length=120), default=list, blank=True, verbose_name=_("aliases and spellings")
    )
    handles = ArrayField(models.CharField(max_length=120), default=list, blank=True, verbose_name=_("social handles"))
    languages = ArrayField(
        models.CharField(max_length=8, choices=BRAND_LANGUAGES),
        default=list,
        blank=True,
        verbose_name=_("languages"),
    )
    tone_of_voice = models.TextField(_("tone of voice"), blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["client", "slug"], name="brand_slug_per_client")]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A person's role at one client."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Open mentions routing may give this responder here; empty: the client's routing default.
    capacity = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["client__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="one_membership_per_client")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} at {self.client}"


class BusinessHoursBlock(models.Model):
    """One opening block on one weekday, in the client's time zone. Closing at 00:00 means midnight."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="business_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        db_table = "risk_businesshoursblock"  # the table it had when risk owned it
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="business_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Holiday(models.Model):
    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        db_table = "risk_holiday"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["client", "date"], name="holiday_once_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
