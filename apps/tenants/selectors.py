"""Reads for clients, brands and memberships, always through the scoping rule."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Brand, Client, Membership


def clients_for(user) -> QuerySet[Client]:
    return Client.objects.visible_to(user).order_by("name")


def brands_of(user, client: Client) -> QuerySet[Brand]:
    return Brand.objects.visible_to(user).filter(client=client).order_by("name")


def members_of(user, client: Client) -> QuerySet[Membership]:
    from apps.accounts.mfa_policy import has_mfa_annotation

    return (
        Membership.objects.visible_to(user)
        .filter(client=client)
        .select_related("user", "granted_by")
        .annotate(user_has_mfa=has_mfa_annotation("user_id"))
        .order_by("user__email")
    )


def roles_of(user) -> dict[int, str]:
    """{client_id: role} for a user's memberships."""
    return dict(Membership.objects.unscoped().filter(user=user).values_list("client_id", "role"))
