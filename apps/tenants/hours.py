"""Business hours: when a client is open, and time counted only in open hours (SLA deadlines).

Business time is real elapsed time inside open intervals. Each block is turned into
an interval of UTC instants through the client's time zone, so a block that spans a
daylight-saving change is an hour shorter or longer, exactly as the clock on the wall.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Searching further than this for open hours means the schedule has none in practice
# (every day a holiday): the clock then runs around the clock rather than never.
_MAX_DAYS = 400


@dataclass(frozen=True)
class Schedule:
    """Opening hours of one client: blocks per weekday (0 = Monday) and holidays."""

    tz: ZoneInfo
    blocks: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def has_hours(self) -> bool:
        return any(self.blocks.values())

    def intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC) that end after `start`, in order; the first is clipped to start."""
        day = start.astimezone(self.tz).date() - timedelta(days=1)  # a block may run past midnight UTC
        for _ in range(_MAX_DAYS):
            if day not in self.holidays:
                for opens, closes in self.blocks.get(day.weekday(), ()):
                    begin = _instant(day, opens, self.tz)
                    end = _instant(day + timedelta(days=1), time(0), self.tz) if closes == time(0) else None
                    end = end or _instant(day, closes, self.tz)
                    if end > start:
                        yield max(begin, start), end
            day += timedelta(days=1)

    def is_open(self, at: datetime) -> bool:
        """Open at that instant; a client without opening hours is always open."""
        if not self.has_hours:
            return True
        first = next(self.intervals_from(at), None)
        return first is not None and first[0] <= at


def _instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    # A wall time inside a spring-forward gap takes the offset from before the change
    # (PEP 495, fold=0): 02:30 on that Sunday is read as 03:30 summer time.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def add_business_time(start: datetime, duration: timedelta, schedule: Schedule) -> datetime:
    """The instant (UTC) when `duration` of open time has passed since `start`."""
    start = start.astimezone(UTC)  # aware arithmetic in a local zone would add wall-clock time
    if not schedule.has_hours:
        return start + duration
    left = duration
    for begin, end in schedule.intervals_from(start):
        if end - begin >= left:
            return begin + left
        left -= end - begin
    return start + duration


def business_time_between(start: datetime, end: datetime, schedule: Schedule) -> timedelta:
    """Open time between two instants (zero when end is not after start)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return timedelta(0)
    if not schedule.has_hours:
        return end - start
    total = timedelta(0)
    for begin, finish in schedule.intervals_from(start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def due_at(start: datetime, duration: timedelta, *, business_hours: bool, schedule: Schedule) -> datetime:
    return add_business_time(start, duration, schedule) if business_hours else start.astimezone(UTC) + duration
