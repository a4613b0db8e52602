"""Running the live detector over a recorded series (``evaluate_spikes``) and scoring its alerts."""

from __future__ import annotations

import csv
import itertools
import statistics
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .detector import WINDOW, DetectorSettings, DetectorState, check

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_BIN_VALUE = 1e9  # more mentions in one bin than any platform carries: a broken file


class SeriesError(ValueError):
    """A series file that cannot be read; the message names the line."""


def read_series(path: Path) -> list[tuple[datetime, float]]:
    """(bin start, value) per row, in time order; a clear error naming the line of a bad row."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if [column.strip() for column in header or []][:2] != ["timestamp", "value"]:
                raise SeriesError(f"{path}: the first line must be the header timestamp,value")
            series = []
            for row in reader:
                if not row or not "".join(row).strip():
                    continue
                series.append(_bin(path, reader.line_num, row))
    except OSError as error:
        raise SeriesError(f"cannot read {path}: {error.strerror or error}") from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise SeriesError(f"{path} is not a readable UTF-8 CSV file: {error}") from error
    if not series:
        raise SeriesError(f"{path} has no rows")
    # Two rows for one bin (a file joined from two exports) are one bin: their sum.
    merged: dict[datetime, float] = {}
    for at, value in series:
        merged[at] = merged.get(at, 0.0) + value
    return sorted(merged.items())


def _bin(path: Path, line: int, row: list[str]) -> tuple[datetime, float]:
    if len(row) < 2:
        raise SeriesError(f"{path}, line {line}: expected timestamp,value")
    try:
        at = datetime.strptime(row[0].strip(), TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SeriesError(f"{path}, line {line}: {row[0]!r} is not a time as YYYY-MM-DD HH:MM:SS") from None
    try:
        value = float(row[1])
    except ValueError:
        raise SeriesError(f"{path}, line {line}: {row[1]!r} is not a number") from None
    if not 0 <= value <= MAX_BIN_VALUE:  # NaN fails both
        raise SeriesError(f"{path}, line {line}: {row[1]!r} is not a count of mentions")
    return at, value


def bin_width(series: list[tuple[datetime, float]]) -> timedelta:
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(series)]
    gaps = [gap for gap in gaps if gap > timedelta(0)]
    return statistics.median(gaps) if gaps else timedelta(minutes=1)


@dataclass(frozen=True)
class Alert:
    at: datetime
    metric: str
    score: float


def replay(
    series: list[tuple[datetime, float]],
    settings: DetectorSettings,
    metric: str = "volume",
    known_events: tuple[tuple[datetime, datetime, float], ...] = (),
) -> list[Alert]:
    """Every alert a person would receive, checking at the end of each bin with what has arrived
    by then (no look-ahead); a missing bin is missing, not zero. ``known_events``: (start, end,
    expected factor) of launches and match days."""
    width = bin_width(series)
    state = DetectorState()
    window: deque[tuple[datetime, float]] = deque()
    total = 0.0
    alerts = []
    for start, value in series:
        now = start + width
        window.append((start, value))
        total += value
        while window and window[0][0] < now - WINDOW:
            total -= window.popleft()[1]
        factor = next((factor for begins, ends, factor in known_events if begins <= now < ends), 1.0)
        result = check(state, now, total, settings, factor, newest=(value, width / WINDOW))
        if result.alert:
            alerts.append(Alert(now, metric, result.score))
    return alerts


@dataclass(frozen=True)
class Score:
    """Event-level scoring of one series, as a team on call feels it."""

    found: int
    windows: int
    false_alarms: int
    weeks: float
    latencies_minutes: list[float]


def score_alerts(
    alerts: list[Alert], windows: list[tuple[datetime, datetime]], anomalies: list[datetime], weeks: float
) -> Score:
    """An alert inside a labelled window is a hit, any other a false alarm; a window is found by
    its first alert, whose latency is measured from the window's labelled anomaly."""
    found: dict[int, float] = {}
    false_alarms = 0
    for alert in alerts:
        inside = [index for index, (start, end) in enumerate(windows) if start <= alert.at <= end]
        if not inside:
            false_alarms += 1
            continue
        index = inside[0]
        if index not in found:
            start, end = windows[index]
            anomaly = next((at for at in anomalies if start <= at <= end), start)
            found[index] = (alert.at - anomaly).total_seconds() / 60
    return Score(len(found), len(windows), false_alarms, weeks, list(found.values()))


def series_weeks(series: list[tuple[datetime, float]]) -> float:
    return (series[-1][0] - series[0][0] + bin_width(series)).total_seconds() / (7 * 24 * 3600)
