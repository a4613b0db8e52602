"""Audit events of notifications: webhook endpoints and a person's notification settings."""

from apps.core.audit import record_audit_event


def endpoint_snapshot(endpoint) -> dict:
    """Never the secret, and the address without its path: chat webhook addresses carry a credential there."""
    return {
        "name": endpoint.name,
        "url": endpoint.masked_url,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
    }


def webhook_endpoint_created_event(*, actor, endpoint, request=None):
    return record_audit_event(
        actor=actor,
        action="webhook_endpoint.created",
        client=endpoint.client,
        target=endpoint,
        after=endpoint_snapshot(endpoint),
        request=request,
    )


def webhook_endpoint_updated_event(*, actor, endpoint, before: dict, url_changed: bool, request=None):
    after = endpoint_snapshot(endpoint)
    if url_changed and after["url"] == before["url"]:
        after["url"] += " (new path)"  # same host: the masked forms alone would hide the change
    changed = [field for field in after if after[field] != before.get(field)]
    return record_audit_event(
        actor=actor,
        action="webhook_endpoint.updated",
        client=endpoint.client,
        target=endpoint,
        before={field: before[field] for field in changed},
        after={field: after[field] for field in changed},
        request=request,
    )


def webhook_endpoint_deleted_event(*, actor, endpoint, request=None):
    return record_audit_event(
        actor=actor,
        action="webhook_endpoint.deleted",
        client=endpoint.client,
        target=endpoint,
        before=endpoint_snapshot(endpoint),
        request=request,
    )


def webhook_endpoint_failing_event(*, endpoint, attempts: int, error: str):
    return record_audit_event(
        actor=None,
        action="webhook_endpoint.failing",
        client=endpoint.client,
        target=endpoint,
        before={"failing": False},
        after={"failing": True, "attempts": attempts, "last_error": error[:200]},
    )


def notification_settings_updated_event(*, actor, before: dict, after: dict, request=None):
    # A person's own preferences belong to no client: agency admins see them at /audit/.
    return record_audit_event(
        actor=actor,
        action="notification_settings.updated",
        target=actor,
        target_repr=actor.email,
        before=before,
        after=after,
        request=request,
    )
