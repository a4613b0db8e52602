"""Writes for clients, brands and memberships. Each checks rights, then state."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from apps.core.audit import changed_fields

from . import events
from .models import Brand, Client, Membership
from .roles import CLIENT_ROLES, ROLE_PERMISSIONS, ClientPerm, Role
from .scoping import forget_client_permissions, user_has_client_perm


def require_client_perm(actor, client: Client, codename: str) -> None:
    if not user_has_client_perm(actor, client, codename):
        raise PermissionDenied(_("You may not do this for %(client)s.") % {"client": client.name})


def client_create(*, actor, name: str, slug: str, timezone: str = "Europe/Copenhagen") -> Client:
    if not actor.is_agency_admin:
        raise PermissionDenied(_("Only agency admins create clients."))
    client = Client(name=name, slug=slug, timezone=timezone)
    client.full_clean()
    client.save()
    events.client_created_event(actor=actor, client=client)
    return client


@transaction.atomic
def brand_create(*, actor, client: Client, request=None, **fields) -> Brand:
    require_client_perm(actor, client, ClientPerm.MANAGE)
    brand = Brand(client=client, **fields)
    brand.full_clean()
    brand.save()
    events.brand_created_event(actor=actor, brand=brand, request=request)
    return brand


@transaction.atomic
def brand_update(*, actor, brand: Brand, request=None, **fields) -> Brand:
    require_client_perm(actor, brand.client, ClientPerm.MANAGE)
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    before = changed_fields(brand, events.BRAND_FIELDS)
    for name, value in fields.items():
        setattr(brand, name, value)
    brand.full_clean()
    brand.save()
    events.brand_updated_event(actor=actor, brand=brand, before=before, request=request)
    return brand


def check_role_fits_user(user, client: Client, role: str) -> None:
    """Client people belong to one client only and never hold agency roles."""
    if role not in ROLE_PERMISSIONS:
        raise ValidationError({"role": _("Unknown role.")})
    others = Membership.objects.unscoped().filter(user=user).exclude(client=client)
    if role in CLIENT_ROLES:
        if user.is_agency_admin or others.exists():
            raise ValidationError(
                {"role": _("Client roles are for people of this client only; this person works elsewhere too.")}
            )
    elif others.filter(role__in=CLIENT_ROLES).exists():
        raise ValidationError({"role": _("This person is a client user of another client.")})


def apply_role_permissions(membership: Membership, old_role: str | None) -> None:
    """Make the user's guardian permissions at the client match the membership's role."""
    old = ROLE_PERMISSIONS.get(old_role, frozenset()) if old_role else frozenset()
    new = ROLE_PERMISSIONS.get(membership.role, frozenset())
    for codename in old - new:
        remove_perm(f"tenants.{codename}", membership.user, membership.client)
    for codename in new - old:
        assign_perm(f"tenants.{codename}", membership.user, membership.client)
    forget_client_permissions(membership.user)


@transaction.atomic
def membership_grant(*, actor, client: Client, user, role: str, request=None) -> Membership:
    """Give `user` a role at `client`; changes the role if they already have one."""
    require_client_perm(actor, client, ClientPerm.MANAGE_MEMBERS)
    check_role_fits_user(user, client, role)
    existing = Membership.objects.unscoped().select_for_update().filter(user=user, client=client).first()
    if existing:
        return membership_change_role(actor=actor, membership=existing, role=role, request=request)
    membership = Membership.objects.create(
        user=user, client=client, role=role, granted_by=actor if actor and actor.is_authenticated else None
    )
    apply_role_permissions(membership, old_role=None)
    events.membership_granted_event(actor=actor, membership=membership, request=request)
    return membership


def _guard_last_lead(membership: Membership, new_role: str | None) -> None:
    if membership.role != Role.ACCOUNT_LEAD or new_role == Role.ACCOUNT_LEAD:
        return
    leads = Membership.objects.unscoped().filter(client=membership.client, role=Role.ACCOUNT_LEAD)
    if not leads.exclude(pk=membership.pk).exists():
        raise ValidationError({"role": _("A client needs at least one account lead.")})


@transaction.atomic
def membership_change_role(*, actor, membership: Membership, role: str, request=None) -> Membership:
    require_client_perm(actor, membership.client, ClientPerm.MANAGE_MEMBERS)
    membership = (
        Membership.objects.unscoped().select_for_update().select_related("user", "client").get(pk=membership.pk)
    )
    if membership.role == role:
        return membership
    check_role_fits_user(membership.user, membership.client, role)
    _guard_last_lead(membership, role)
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    apply_role_permissions(membership, old_role=old_role)
    events.membership_role_changed_event(actor=actor, membership=membership, old_role=old_role, request=request)
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership, request=None) -> None:
    require_client_perm(actor, membership.client, ClientPerm.MANAGE_MEMBERS)
    membership = (
        Membership.objects.unscoped().select_for_update().select_related("user", "client").get(pk=membership.pk)
    )
    _guard_last_lead(membership, None)
    for codename in ROLE_PERMISSIONS.get(membership.role, frozenset()):
        remove_perm(f"tenants.{codename}", membership.user, membership.client)
    forget_client_permissions(membership.user)
    events.membership_revoked_event(actor=actor, membership=membership, request=request)
    membership.delete()
