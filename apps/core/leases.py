"""Claiming work rows with a lease: how polling, webhook deliveries and publishing share work safely.

A row is due when its `due_field` has passed, and free when nobody holds it or the lease ran out
(the worker died). A claim is a conditional UPDATE, so of two workers racing for a row only one
wins; a batch claim locks with SKIP LOCKED so racing beats split the batch. A sweeper finds the
rows whose task was lost: due for longer than `grace` and free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet

# The sweeper leaves a due row this long to the task that was scheduled for it.
SWEEP_GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class Lease:
    claimed_field: str  # when the holder's claim ends
    due_field: str  # when the row is due; with `due_when_empty`, an empty one is due at once
    length: timedelta  # longer than one attempt can take
    counter: str = ""  # attempts, counted on each claim
    due_when_empty: bool = False
    grace: timedelta = SWEEP_GRACE

    def free(self, now: datetime) -> Q:
        return Q(**{f"{self.claimed_field}__isnull": True}) | Q(**{f"{self.claimed_field}__lt": now})

    def due(self, now: datetime) -> Q:
        due = Q(**{f"{self.due_field}__lte": now})
        return due | Q(**{f"{self.due_field}__isnull": True}) if self.due_when_empty else due

    def _claimed(self, now: datetime) -> dict:
        values = {self.claimed_field: now + self.length}
        if self.counter:
            values[self.counter] = F(self.counter) + 1
        return values

    def claim(self, rows: QuerySet, pk: int, now: datetime) -> bool:
        """Claim the row `pk` of `rows` if it is due and free; False when another worker has it."""
        return bool(rows.filter(self.due(now) & self.free(now), pk=pk).update(**self._claimed(now)))

    def claim_due(self, rows: QuerySet, now: datetime, *, limit: int) -> list[int]:
        """Claim up to `limit` due, free rows, the longest due first; their ids."""
        with transaction.atomic():
            ids = list(
                rows.select_for_update(skip_locked=True)
                .filter(self.due(now) & self.free(now))
                .order_by(self.due_field)
                .values_list("id", flat=True)[:limit]
            )
            rows.filter(id__in=ids).update(**self._claimed(now))
        return ids

    def lost(self, rows: QuerySet, now: datetime, *, limit: int) -> list[int]:
        """Rows due for longer than the grace with nobody on them: their task was lost or never sent."""
        overdue = Q(**{f"{self.due_field}__lte": now - self.grace}) & self.free(now)
        return list(rows.filter(overdue).order_by(self.due_field).values_list("id", flat=True)[:limit])
