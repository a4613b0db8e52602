"""Audit events of notifications: webhook endpoints and a person's notification settings."""

from django.utils.translation import gettext as _

from apps.core.audit import changed_fields, only_changed, record_audit_event
from apps.core.services import Changes

ENDPOINT_FIELDS = ["name", "events", "enabled"]
SETTINGS_FIELDS = ["channels", "quiet_hours_start", "quiet_hours_end", "time_zone", "digest_minutes"]


def endpoint_snapshot(endpoint) -> dict:
    """Never the secret, and the address without its path: chat webhook addresses carry a credential there.

    `failing` is in it so that switching a failing endpoint back on, which clears it, is recorded.
    """
    return {
        **changed_fields(endpoint, ENDPOINT_FIELDS),
        "url": endpoint.masked_url,
        "failing": endpoint.failing_since is not None,
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
    """Records what changed; nothing when nothing did."""
    after = endpoint_snapshot(endpoint)
    if url_changed and after["url"] == before["url"]:
        after["url"] += " (new path)"  # same host: the masked forms alone would hide the change
    before, after = only_changed(before, after)
    if not after:
        return None
    return record_audit_event(
        actor=actor,
        action="webhook_endpoint.updated",
        client=endpoint.client,
        target=endpoint,
        before=before,
        after=after,
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


def webhook_endpoint_recovered_event(*, endpoint):
    return record_audit_event(
        actor=None,
        action="webhook_endpoint.recovered",
        client=endpoint.client,
        target=endpoint,
        before={"failing": True},
        after={"failing": False},
    )


def notification_settings_updated_event(*, actor, changes: Changes, request=None):
    # A person's own preferences belong to no client: agency admins see them at /audit/.
    return record_audit_event(
        actor=actor,
        action="notification_settings.updated",
        target=actor,
        target_repr=actor.email,
        before=changes.before,
        after=changes.after,
        request=request,
    )


# How each event of this app reads (core.sentences), registered in NotificationsConfig.ready().
SENTENCES = {
    "webhook_endpoint.created": lambda s: s.did(_("added the webhook")),
    "webhook_endpoint.updated": lambda s: s.did(_("changed the webhook")),
    "webhook_endpoint.deleted": lambda s: s.did(_("removed the webhook")),
    "webhook_endpoint.failing": lambda s: (
        _("The webhook %(target)s is failing after %(n)s attempts: %(error)s")
        % {"target": s.target, "n": s.after("attempts"), "error": s.after("last_error", "")}
    ),
    "webhook_endpoint.recovered": lambda s: _("The webhook %(target)s works again.") % {"target": s.target},
    "notification_settings.updated": lambda s: s.did(_("changed the notification settings of")),
}
