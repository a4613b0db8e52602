"""Reads for people: a client's team with their MFA state, through the scoping rule."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.tenants.models import Client, Membership

from .mfa_policy import has_mfa_annotation
from .models import User


def members_of(*, user: User, client: Client) -> QuerySet[Membership]:
    return (
        Membership.objects.visible_to(user)
        .filter(client=client)
        .select_related("user", "granted_by")
        .annotate(user_has_mfa=has_mfa_annotation("user_id"))
        .order_by("user__email")
    )
