"""Reads of risk ratings."""

from __future__ import annotations

from apps.mentions.models import Mention

from .models import RiskRating


def ratings_of(*, mention: Mention) -> list[RiskRating]:
    """Newest first; a mention never rated again has only its arrival rating, on the mention itself."""
    ratings = list(mention.ratings.select_related("actor").order_by("-rated_at", "-id"))
    if not ratings and mention.rated_at is not None:
        ratings = [RiskRating.arrival_of(mention)]
    return ratings
