"""Writing the audit trail. Each app names its events in its own events.py."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent

SYSTEM_ACTOR_LABEL = "system"


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_audit_event(**fields) -> AuditEvent:
    """Write one audit row (the fields of audit_event). `actor` is a user, or None for the system."""
    event = audit_event(**fields)
    event.save()
    return event


def audit_event(
    *,
    actor,
    action: str,
    client=None,
    target: models.Model | None = None,
    target_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """The row record_audit_event writes, unsaved: for records kept elsewhere and shown as events."""
    real_actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent(
        actor=real_actor,
        actor_label=real_actor.email if real_actor else SYSTEM_ACTOR_LABEL,
        client=client,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_repr or (str(target) if target is not None else ""))[:255],
        before=before,
        after=after,
        ip_address=client_ip(request),
    )


def changed_fields(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe snapshot of `fields` for before/after records."""
    snapshot = {}
    for name in fields:
        value = getattr(instance, name)
        snapshot[name] = value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else str(value)
    return snapshot


def only_changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of two snapshots whose values differ: (before, after) of those alone."""
    changed = [field for field in after if after[field] != before.get(field)]
    return {field: before.get(field) for field in changed}, {field: after[field] for field in changed}
