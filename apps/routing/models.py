from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.tenants.scoping import ClientOwnedQuerySet, client_ids_with_perm, is_agency_staff


class RoutingMode(models.TextChoices):
    OFF = "off", _("Off: assign by hand")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_OPEN = "least_open", _("Least open work")


class RoutingPolicy(TimeStampedModel):
    """How a client's new mentions find a responder."""

    client = models.OneToOneField("tenants.Client", on_delete=models.CASCADE, related_name="routing_policy")
    mode = models.CharField(_("assignment"), max_length=16, choices=RoutingMode.choices, default=RoutingMode.LEAST_OPEN)
    default_capacity = models.PositiveSmallIntegerField(_("open mentions per responder"), default=25)
    # Room kept for high and critical work: low, medium and unrated work fills each responder's
    # capacity only up to this many below it, so urgent work never finds everyone full of
    # earlier, lesser work.
    high_risk_reserve = models.PositiveSmallIntegerField(_("room kept for high and critical"), default=3, db_default=3)
    # Give the mention to someone else when its assignee has not answered in this time.
    reassign_after_minutes = models.PositiveIntegerField(
        _("reassign unanswered after (minutes)"), null=True, blank=True
    )
    # Round robin continues after this person.
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing policy")
        verbose_name_plural = _("routing policies")

    def __str__(self) -> str:
        return f"{self.client}: {self.get_mode_display()}"


class OnCallShiftQuerySet(ClientOwnedQuerySet):
    def visible_to(self, user):
        """Shifts of the clients the user may see; agency-wide shifts for agency staff only."""

        if not is_agency_staff(user):
            return super().visible_to(user)
        if user.is_agency_admin:
            return self
        return self.filter(Q(client_id__in=client_ids_with_perm(user, "view_client")) | Q(client=None))

    def covering(self, at):
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class OnCallShift(TimeStampedModel):
    """Someone on call for a client, or for every client when `client` is empty.

    An agency-wide shift belongs to no client, which is why `client` may be empty here
    (and only here): its visibility is decided by OnCallShiftQuerySet.visible_to.
    """

    client = models.ForeignKey(
        "tenants.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # What the person going off duty tells the next one.
    handover_note = models.TextField(_("handover note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OnCallShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["client", "starts_at", "ends_at"], name="shift_client_time")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")]
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M}"
