"""Numbers from people and programs: ASCII digits only, and within what the database column holds.

`str.isdigit()` is true for "²" and "٣", which `int()` refuses or reads; a number past a column's
range reaches PostgreSQL as "integer out of range". Parsing and range checks live here, so each
door answers 400 with the field's name instead.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection, models

BIGINT_MAX = 2**63 - 1


def parse_id(text: object, *, allow_zero: bool = False) -> int | None:
    """A row id from text: ASCII digits within a bigint, else None."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if (allow_zero or value >= 1) and value <= BIGINT_MAX else None


def parse_ids(values: list[str], *, limit: int) -> list[int] | None:
    """Ids from a list of texts (at most `limit`); None when any is not an id."""
    ids = [parse_id(value) for value in values[:limit]]
    return None if None in ids else ids  # type: ignore[return-value]


def column_range(model: type[models.Model], field: str) -> tuple[int, int]:
    """The values the database column of an integer field holds (positive fields from 0)."""
    internal = model._meta.get_field(field).get_internal_type()
    low, high = connection.ops.integer_field_range(internal)
    return (low if low is not None else -BIGINT_MAX - 1), (high if high is not None else BIGINT_MAX)


def in_column_range(value: object, model: type[models.Model], field: str, *, low: int | None = None) -> bool:
    """An int (not a bool) that the column holds, and at least `low` when given."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    column_low, column_high = column_range(model, field)
    return max(column_low, low if low is not None else column_low) <= value <= column_high


def as_utc(moment: datetime | None) -> datetime | None:
    """An aware time in UTC: PostgreSQL refuses offsets past ±15:59 that Python accepts (e.g. -19:03)."""
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo is not None else moment
