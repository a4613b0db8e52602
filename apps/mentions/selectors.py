"""Reads for mentions, always through the scoping rule."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import users_with_client_perm

from .models import Mention


def mention_of(user, client, pk: int) -> Mention | None:
    return (
        Mention.objects.visible_to(user)
        .filter(client=client, pk=pk)
        .select_related("brand", "source", "assignee", "client")
        .first()
    )


def ratings_of(mention: Mention):
    return mention.ratings.select_related("actor").order_by("-rated_at", "-id")


def workers_of(client) -> QuerySet[User]:
    """People who may be given this client's mentions: those who work them there, and admins."""
    return users_with_client_perm(client, ClientPerm.WORK_MENTIONS).order_by("email")
