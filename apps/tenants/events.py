"""Audit events of the tenants app: one helper per state change."""

from apps.core.audit import changed_fields, record_audit_event
from apps.core.services import Changes

BRAND_FIELDS = ["name", "slug", "aliases", "handles", "languages", "tone_of_voice"]


def client_created_event(*, actor, client, request=None):
    return record_audit_event(
        actor=actor,
        action="client.created",
        client=client,
        target=client,
        after={"name": client.name, "slug": client.slug},
        request=request,
    )


def brand_created_event(*, actor, brand, request=None):
    return record_audit_event(
        actor=actor,
        action="brand.created",
        client=brand.client,
        target=brand,
        after=changed_fields(brand, BRAND_FIELDS),
        request=request,
    )


def brand_updated_event(*, actor, brand, changes: Changes, request=None):
    return record_audit_event(
        actor=actor,
        action="brand.updated",
        client=brand.client,
        target=brand,
        before=changes.before,
        after=changes.after,
        request=request,
    )


def membership_granted_event(*, actor, membership, request=None):
    return record_audit_event(
        actor=actor,
        action="membership.granted",
        client=membership.client,
        target=membership,
        target_repr=membership.user.email,
        after={"role": membership.role},
        request=request,
    )


def membership_role_changed_event(*, actor, membership, old_role, request=None):
    return record_audit_event(
        actor=actor,
        action="membership.role_changed",
        client=membership.client,
        target=membership,
        target_repr=membership.user.email,
        before={"role": old_role},
        after={"role": membership.role},
        request=request,
    )


def membership_revoked_event(*, actor, membership, request=None):
    return record_audit_event(
        actor=actor,
        action="membership.revoked",
        client=membership.client,
        target=membership,
        target_repr=membership.user.email,
        before={"role": membership.role},
        request=request,
    )


def business_hours_saved_event(*, actor, client, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="business_hours.saved",
        client=client,
        target=client,
        before=before,
        after=after,
        request=request,
    )
