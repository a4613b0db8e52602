"""Writes for clients, brands, memberships and business hours. Each checks rights, then state."""

from __future__ import annotations

from datetime import time
from itertools import pairwise

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from apps.core.services import model_update
from apps.core.timezones import time_zone_names

from . import events
from .models import Brand, BusinessHoursBlock, Client, Holiday, Membership
from .roles import CLIENT_ROLES, ROLE_PERMISSIONS, ClientPerm, Role
from .scoping import forget_client_permissions, user_has_client_perm


def require_client_perm(*, actor: AbstractBaseUser, client: Client, codename: str) -> None:
    if not user_has_client_perm(actor, client, codename):
        raise PermissionDenied(_("You may not do this for %(client)s.") % {"client": client.name})


def client_create(*, actor: AbstractBaseUser, name: str, slug: str, timezone: str = "Europe/Copenhagen") -> Client:
    if not actor.is_agency_admin:
        raise PermissionDenied(_("Only agency admins create clients."))
    client = Client(name=name, slug=slug, timezone=timezone)
    client.full_clean()
    client.save()
    events.client_created_event(actor=actor, client=client)
    return client


@transaction.atomic
def brand_create(*, actor: AbstractBaseUser, client: Client, request: HttpRequest | None = None, **fields) -> Brand:
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    brand = Brand(client=client, **fields)
    brand.full_clean()
    brand.save()
    events.brand_created_event(actor=actor, brand=brand, request=request)
    return brand


@transaction.atomic
def brand_update(*, actor: AbstractBaseUser, brand: Brand, request: HttpRequest | None = None, **fields) -> Brand:
    require_client_perm(actor=actor, client=brand.client, codename=ClientPerm.MANAGE)
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    changes = model_update(instance=brand, fields=events.BRAND_FIELDS, data=fields)
    if changes:
        events.brand_updated_event(actor=actor, brand=brand, changes=changes, request=request)
    return brand


def check_role_fits_user(*, user: AbstractBaseUser, client: Client, role: str) -> None:
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


def apply_role_permissions(*, membership: Membership, old_role: str | None) -> None:
    """Make the user's guardian permissions at the client match the membership's role."""
    old = ROLE_PERMISSIONS.get(old_role, frozenset()) if old_role else frozenset()
    new = ROLE_PERMISSIONS.get(membership.role, frozenset())
    for codename in old - new:
        remove_perm(f"tenants.{codename}", membership.user, membership.client)
    for codename in new - old:
        assign_perm(f"tenants.{codename}", membership.user, membership.client)
    forget_client_permissions(membership.user)


@transaction.atomic
def membership_grant(
    *, actor: AbstractBaseUser, client: Client, user: AbstractBaseUser, role: str, request: HttpRequest | None = None
) -> Membership:
    """Give `user` a role at `client`; changes the role if they already have one."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE_MEMBERS)
    check_role_fits_user(user=user, client=client, role=role)
    existing = Membership.objects.unscoped().select_for_update().filter(user=user, client=client).first()
    if existing:
        return membership_change_role(actor=actor, membership=existing, role=role, request=request)
    membership = Membership.objects.create(
        user=user, client=client, role=role, granted_by=actor if actor and actor.is_authenticated else None
    )
    apply_role_permissions(membership=membership, old_role=None)
    events.membership_granted_event(actor=actor, membership=membership, request=request)
    return membership


def _guard_last_lead(membership: Membership, new_role: str | None) -> None:
    if membership.role != Role.ACCOUNT_LEAD or new_role == Role.ACCOUNT_LEAD:
        return
    leads = Membership.objects.unscoped().filter(client=membership.client, role=Role.ACCOUNT_LEAD)
    if not leads.exclude(pk=membership.pk).exists():
        raise ValidationError({"role": _("A client needs at least one account lead.")})


@transaction.atomic
def membership_change_role(
    *, actor: AbstractBaseUser, membership: Membership, role: str, request: HttpRequest | None = None
) -> Membership:
    require_client_perm(actor=actor, client=membership.client, codename=ClientPerm.MANAGE_MEMBERS)
    membership = (
        Membership.objects.unscoped().select_for_update().select_related("user", "client").get(pk=membership.pk)
    )
    if membership.role == role:
        return membership
    check_role_fits_user(user=membership.user, client=membership.client, role=role)
    _guard_last_lead(membership, role)
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    apply_role_permissions(membership=membership, old_role=old_role)
    events.membership_role_changed_event(actor=actor, membership=membership, old_role=old_role, request=request)
    return membership


@transaction.atomic
def membership_revoke(*, actor: AbstractBaseUser, membership: Membership, request: HttpRequest | None = None) -> None:
    require_client_perm(actor=actor, client=membership.client, codename=ClientPerm.MANAGE_MEMBERS)
    membership = (
        Membership.objects.unscoped().select_for_update().select_related("user", "client").get(pk=membership.pk)
    )
    _guard_last_lead(membership, None)
    for codename in ROLE_PERMISSIONS.get(membership.role, frozenset()):
        remove_perm(f"tenants.{codename}", membership.user, membership.client)
    forget_client_permissions(membership.user)
    events.membership_revoked_event(actor=actor, membership=membership, request=request)
    membership.delete()


# --- Business hours and holidays: when the client's clocks run (SLA targets in business hours) ---


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def validate_business_hours(*, timezone_name: str, blocks: list[tuple[int, time, time]]) -> None:
    errors: dict[str, list[str]] = {}
    if timezone_name not in time_zone_names():
        errors["timezone"] = [_("Unknown time zone.")]
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, opens, closes in blocks:
        end = 24 * 60 if closes == time(0) else _minutes(closes)
        if not 0 <= weekday <= 6:
            errors.setdefault("blocks", []).append(_("Weekdays run from Monday (0) to Sunday (6)."))
        elif end <= _minutes(opens):
            errors.setdefault("blocks", []).append(_("A block must close after it opens."))
        else:
            by_day.setdefault(weekday, []).append((_minutes(opens), end))
    for spans in by_day.values():
        spans.sort()
        if any(later[0] < earlier[1] for earlier, later in pairwise(spans)):
            errors.setdefault("blocks", []).append(_("Blocks on the same day must not overlap."))
            break
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def business_hours_save(
    *,
    actor: AbstractBaseUser,
    client: Client,
    timezone_name: str,
    blocks: list[tuple[int, time, time]],
    holidays,
    request: HttpRequest | None = None,
) -> None:
    """Replace a client's opening hours and holidays ([(date, name)]) at once."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    validate_business_hours(timezone_name=timezone_name, blocks=blocks)
    before = _hours_snapshot(client)
    client.timezone = timezone_name
    client.save(update_fields=["timezone", "updated_at"])
    BusinessHoursBlock.objects.unscoped().filter(client=client).delete()
    BusinessHoursBlock.objects.bulk_create(
        BusinessHoursBlock(client=client, weekday=d, opens=o, closes=c) for d, o, c in blocks
    )
    Holiday.objects.unscoped().filter(client=client).delete()
    Holiday.objects.bulk_create(Holiday(client=client, date=day, name=name) for day, name in dict(holidays).items())
    events.business_hours_saved_event(
        actor=actor, client=client, before=before, after=_hours_snapshot(client), request=request
    )


def _hours_snapshot(client: Client) -> dict:
    return {
        "timezone": client.timezone,
        "blocks": [
            f"{b.weekday} {b.opens:%H:%M}-{b.closes:%H:%M}"
            for b in BusinessHoursBlock.objects.unscoped().filter(client=client)
        ],
        "holidays": [
            str(day) for day in Holiday.objects.unscoped().filter(client=client).values_list("date", flat=True)
        ],
    }
