"""Reads for listening, always through the scoping rule."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.mentions.models import Topic
from apps.tenants.models import Brand, Client

from .models import BrandQuery, ImportJob, Source


def sources_of(*, user: User, client: Client) -> QuerySet[Source]:
    return Source.objects.visible_to(user).filter(client=client).select_related("brand")


def brand_query_of(*, user: User, brand: Brand) -> BrandQuery | None:
    return BrandQuery.objects.visible_to(user).filter(brand=brand).first()


def topics_of(*, user: User, brand: Brand) -> QuerySet[Topic]:
    """The brand's own topics and those for every brand of its client."""
    return (
        Topic.objects.visible_to(user)
        .filter(Q(brand=brand) | Q(brand__isnull=True), client_id=brand.client_id)
        .select_related("brand")
    )


def imports_of(*, user: User, client: Client) -> QuerySet[ImportJob]:
    return ImportJob.objects.visible_to(user).filter(client=client)
