"""Audit events of the tenants app: one helper per state change."""

from django.utils.translation import gettext as _

from apps.core.audit import changed_fields, record_audit_event
from apps.core.services import Changes

from .roles import Role

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
        after={"role": membership.role, "user_id": membership.user_id},
        request=request,
    )


def membership_role_changed_event(*, actor, membership, old_role, request=None):
    return record_audit_event(
        actor=actor,
        action="membership.role_changed",
        client=membership.client,
        target=membership,
        target_repr=membership.user.email,
        before={"role": old_role, "user_id": membership.user_id},
        after={"role": membership.role, "user_id": membership.user_id},
        request=request,
    )


def membership_revoked_event(*, actor, membership, request=None):
    return record_audit_event(
        actor=actor,
        action="membership.revoked",
        client=membership.client,
        target=membership,
        target_repr=membership.user.email,
        before={"role": membership.role, "user_id": membership.user_id},
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


def _member(s) -> str:
    """The member by name (events before names were kept name them by e-mail)."""
    user_id = s.after("user_id") or s.before("user_id")
    return s.person(user_id) if user_id else s.target


def _role(s, side: str) -> str:
    return s.label(Role, (s.before if side == "before" else s.after)("role"))


# How each event of this app reads (core.sentences), registered in TenantsConfig.ready().
SENTENCES = {
    "client.created": lambda s: s.did(_("created the client")),
    "brand.created": lambda s: s.did(_("added the brand")),
    "brand.updated": lambda s: s.did(_("changed the brand")),
    "membership.granted": lambda s: (
        _("%(actor)s made %(target)s %(role)s.") % {"actor": s.actor, "target": _member(s), "role": _role(s, "after")}
    ),
    "membership.role_changed": lambda s: (
        _("%(actor)s changed the role of %(target)s from %(old)s to %(new)s.")
        % {"actor": s.actor, "target": _member(s), "old": _role(s, "before"), "new": _role(s, "after")}
    ),
    "membership.revoked": lambda s: (
        _("%(actor)s removed %(target)s (%(role)s).")
        % {"actor": s.actor, "target": _member(s), "role": _role(s, "before")}
    ),
    "business_hours.saved": lambda s: s.did(_("changed the opening hours of")),
}


# The choices the values of its events' fields come from, so that changes read in words.
VALUE_CHOICES = {"role": Role}
