"""Reads for clients, brands and memberships, always through the scoping rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from .hours import Schedule
from .models import Brand, BusinessHoursBlock, Client, Holiday, Membership
from .roles import CLIENT_ROLES, Role


def clients_for(*, user: AbstractBaseUser) -> QuerySet[Client]:
    return Client.objects.visible_to(user).order_by("name")


def brands_of(*, user: AbstractBaseUser, client: Client) -> QuerySet[Brand]:
    return Brand.objects.visible_to(user).filter(client=client).order_by("name")


def roles_of(*, user: AbstractBaseUser) -> dict[int, str]:
    """{client_id: role} for a user's memberships."""
    return dict(Membership.objects.unscoped().filter(user=user).values_list("client_id", "role"))


def schedule_of(*, client: Client) -> Schedule:
    """The client's opening hours and holidays, for SLA arithmetic and who is on duty."""
    blocks: dict[int, list] = {}
    for block in BusinessHoursBlock.objects.unscoped().filter(client=client).order_by("weekday", "opens"):
        blocks.setdefault(block.weekday, []).append((block.opens, block.closes))
    holidays = frozenset(Holiday.objects.unscoped().filter(client=client).values_list("date", flat=True))
    return Schedule(ZoneInfo(client.timezone), {day: tuple(b) for day, b in blocks.items()}, holidays)


def account_leads_of(*, client: Client) -> list:
    """The client's active account leads: whom the system tells when something needs a lead."""
    return list(
        get_user_model()
        .objects.filter(Q(memberships__client=client, memberships__role=Role.ACCOUNT_LEAD), is_active=True)
        .distinct()
    )


def client_people_of(*, client: Client) -> list:
    """The client's own active people (viewers and approvers): whom updates meant for the client reach."""
    return list(
        get_user_model()
        .objects.filter(memberships__client=client, memberships__role__in=CLIENT_ROLES, is_active=True)
        .distinct()
    )


def per_client(*, read: Callable) -> Callable[[Client], Any]:
    """`read(client)` remembered per client: for loops over many mentions of few clients."""
    seen: dict = {}

    def cached(client):
        if client.pk not in seen:
            seen[client.pk] = read(client=client)
        return seen[client.pk]

    return cached
