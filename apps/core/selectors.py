from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_for(
    *, user: AbstractBaseUser, client: models.Model | None = None, filters: dict | None = None
) -> QuerySet[AuditEvent]:
    """Audit events the user may read, of one client or (agency admins) of all."""
    events = AuditEvent.objects.visible_to(user).select_related("client")
    if client is not None:
        events = events.filter(client=client)
    filters = filters or {}
    if filters.get("action"):
        events = events.filter(action__istartswith=filters["action"])
    if filters.get("actor"):
        events = events.filter(actor_label__icontains=filters["actor"])
    if filters.get("target"):
        events = events.filter(target_repr__icontains=filters["target"])
    if filters.get("since"):
        events = events.filter(occurred_at__gte=_day_start(filters["since"]))
    if filters.get("until"):
        events = events.filter(occurred_at__lt=_day_start(filters["until"] + timedelta(days=1)))
    return events.order_by("-occurred_at", "-id")
