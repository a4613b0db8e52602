"""Reading untrusted platform payloads: each helper gives a value of the expected type or a safe default.

Shared by the listening connectors and by publishing, which read the same platforms' answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _


def as_int(value) -> int:
    """Counts from platforms: anything not a non-negative integer counts as 0."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON 1e999 is infinity
        return 0
    return max(number, 0)


def as_text(value: object) -> str:
    return value if isinstance(value, str) else ""


def as_mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from ISO 8601, or None for anything unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def clean_https_url(value: object, field: str, errors: dict[str, str], default: str = "") -> str:
    """An https base URL for a platform API (tokens travel with the requests), or an error on `field`."""
    url = (str(value).strip() if value else default).rstrip("/")
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        errors[field] = _("Enter an https URL.")
        return url
    parts = urlsplit(url)
    if parts.username or parts.password or parts.query or parts.fragment:
        errors[field] = _("Enter an https URL without a user name, query or fragment.")
    return url
