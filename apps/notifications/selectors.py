"""Reads for notifications: a person's own, and a client's webhook endpoints and deliveries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.accounts.mfa_policy import mfa_missing
from apps.accounts.models import User
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import users_with_client_perm

from .models import Notification, NotificationSettings, WebhookDelivery, WebhookEndpoint

# The bell shows "99+" beyond this: counting further would cost more and say nothing new.
UNREAD_COUNT_CAP = 100


def recipients_who_see(*, client: Client, recipients: Iterable) -> list:
    """Active people among `recipients` (users or ids) who may see the client, each once, by id.

    One query, also for the settings (`person.notification_settings`, when saved): notify() runs for
    every mention of a batch. The rights are read fresh, never from rights cached on a user object.
    """
    ids = {getattr(person, "pk", person) for person in recipients if person is not None}
    return list(
        users_with_client_perm(client, ClientPerm.VIEW)
        .filter(pk__in=ids)
        .select_related("notification_settings")
        .order_by("pk")
    )


def notifications_for(*, user: User) -> QuerySet[Notification]:
    """The person's in-app notifications, newest first, of clients they can still see."""
    return (
        Notification.objects.visible_to(user)
        .filter(user=user, in_app=True)
        .select_related("client")
        .order_by("-created_at", "-id")
    )


def unread_count(*, user: User) -> int:
    """Unread in-app notifications, counted up to UNREAD_COUNT_CAP (one indexed query)."""
    if not user.is_authenticated:
        return 0
    unread = Notification.objects.visible_to(user).filter(user=user, in_app=True, read_at__isnull=True)
    return unread.order_by()[:UNREAD_COUNT_CAP].count()


def bell_context(*, user: User) -> dict:
    """What the bell in the top bar shows. None for people who must enrol MFA first: their
    requests are redirected, and a polling bell would pull the enrolment page into the bar."""
    if user is None or not user.is_authenticated or mfa_missing(user):
        return {"show_bell": False}
    count = unread_count(user=user)
    return {"show_bell": True, "unread": count, "unread_capped": count >= UNREAD_COUNT_CAP}


def notification_settings_of(*, user: User) -> NotificationSettings:
    """The person's settings; defaults (unsaved) until they first change something."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def webhook_endpoints_of(*, user: User, client: Client) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.visible_to(user).filter(client=client, deleted_at__isnull=True).order_by("name", "id")
    )


def webhook_deliveries_of(
    *, user: User, client: Client, endpoint: WebhookEndpoint | None = None
) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.visible_to(user).filter(client=client).select_related("endpoint")
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    return deliveries.order_by("-created_at", "-id")
