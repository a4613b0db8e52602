"""The spike detector: one check of one brand's metric, with all it remembers in one small state.

The same code runs on the beat every minute (over the rollups) and in ``evaluate_spikes``
(over a CSV, bin by bin). What a check does, after SigniTrend (Schubert, Weiler, Kriegel,
KDD 2014) with the floor idea of Twitter's S-H-ESD:

1. The observed value is the sum over the last 15 minutes, divided by the seasonal factor of
   its hour of the day (a brand's evenings are busier than its nights: that is no spike), on a
   log scale: mention counts come in bursts, and a burst is a multiple of the usual level.
2. It is compared with an exponentially weighted mean and variance of those values, one pair
   per hour of the day (half-life three days); the variance has a Poisson floor (a count
   around n varies by about sqrt(n)), so a quiet brand's 3 mentions instead of 1 is no alarm.
3. An alarm needs the score over the sensitivity's threshold on two checks in a row, at least
   the minimum volume in the window, and a level of at least twice the median daily peak of
   the last week (the floor idea of S-H-ESD): real Twitter series burst to ten times their
   hour's level every few days, and only what goes beyond the usual busiest moment is news.
   A sharp rise alarms on one check: its newest bin alone far over its share of the usual
   level, at a rate three times the floor.
4. One alarm per event: while the score stays up the event goes on (a plateau of hours is one
   alert), and after it a cooldown passes before the next.
5. What the baseline learns from a check is clipped to a few deviations over it: a spike
   barely moves it, so it is down again the hour after (the complaint about thresholds that
   stay high after a spike), while a lasting new level still lifts it within a day or two.
No alert comes before the warm-up (two days from the first mention) is over.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
SENSITIVITY_THRESHOLDS = {"sensitive": 3.0, "balanced": 4.0, "strict": 5.0}
PERSISTENCE = 2  # checks in a row over the threshold
NEWEST_LIFT = 0.5  # of the threshold: the newest bin must itself stand out (Poisson), the rise goes on
SHARP_LIFT = 3.0  # of the threshold: a newest bin this far over its usual share is a sharp rise
SHARP_FLOOR = 3.0  # of the peak floor: the rate a sharp rise must run at
SHARP_SHARE = 1 / 3  # a sharp rise shows in bins of at most a third of the window
EXIT_SHARE = 0.5  # the event ends when the score falls under this share of the threshold
CLIP_DEVIATIONS = 3.0  # what the baseline learns from one check, at most, over its mean
HOURS = 24
DAILY_PEAKS_KEPT = 7


@dataclass(frozen=True)
class DetectorSettings:
    sensitivity: str = "balanced"
    minimum_volume: float = 10.0  # in the 15-minute window
    cooldown: timedelta = timedelta(hours=6)
    half_life: timedelta = timedelta(days=3)  # of what each hour of the day remembers
    warm_up: timedelta = timedelta(days=2)
    peak_share: float = 2.0  # of the median daily peak of recent days: beyond the usual busiest moment

    @property
    def threshold(self) -> float:
        return SENSITIVITY_THRESHOLDS[self.sensitivity]


@dataclass
class DetectorState:
    """All a brand x metric needs between checks: constant size, stored as one row (JSON)."""

    started_at: str = ""
    last_at: str = ""
    # per hour of the day, on the log scale: the brand's usual level then, and how it varies
    means: list[float] = field(default_factory=list)
    variances: list[float] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)  # checks each hour has learnt from
    above: int = 0  # checks in a row over the threshold
    in_event: bool = False
    last_alert_at: str = ""
    day: str = ""
    day_peak: float = 0.0
    daily_peaks: list[float] = field(default_factory=list)

    def to_json(self) -> dict:
        # Six decimals of a log-scale level are plenty, and a row this short stays in its
        # table's page (no TOAST): the pass spends most of its time writing these rows.
        return {
            name: ([round(item, 6) for item in value] if isinstance(value, list) else value)
            for name, value in vars(self).items()
        }

    @classmethod
    def from_json(cls, data: dict | None) -> DetectorState:
        state = cls()
        for key, value in (data or {}).items():
            if hasattr(state, key):
                setattr(state, key, value)
        if not len(state.means) == len(state.variances) == len(state.seen) == HOURS:
            state.means, state.variances, state.seen = [], [], []
        return state


@dataclass(frozen=True)
class Check:
    at: datetime
    observed: float  # the window's sum
    expected: float  # the baseline for this hour, in the same unit
    score: float
    alert: bool  # a new alert: the first check of an event a person is told of
    warming_up: bool


def _alpha(elapsed: timedelta, half_life: timedelta) -> float:
    return 1.0 - 0.5 ** (max(elapsed.total_seconds(), 0.0) / half_life.total_seconds())


@dataclass(slots=True)
class _Measure:  # slots, not frozen: one is made per check, 20,000 a pass
    level: float
    mean: float
    spread: float
    score: float
    warming_up: bool
    over: bool  # counts towards persistence
    sharp: bool  # alarms on this check alone


def _measure(state, at, observed, settings, expected_factor, newest) -> _Measure:
    level = math.log1p(observed / expected_factor)
    mean, variance = hourly_value(state.means, at), hourly_value(state.variances, at)
    # Poisson floor: a count around n varies by sqrt(n), by about 1/sqrt(n) on the log scale
    spread = math.sqrt(max(variance, 1.0 / (math.expm1(mean) + 1.0)))
    score = (level - mean) / spread
    warming_up = at - datetime.fromisoformat(state.started_at) < settings.warm_up
    peak_floor = settings.peak_share * statistics.median(state.daily_peaks) if state.daily_peaks else 0.0
    over = score >= settings.threshold and observed >= settings.minimum_volume and observed >= peak_floor
    sharp = False
    if newest is not None:
        count, share = newest
        usual = share * math.expm1(mean) * expected_factor
        over = over and count >= usual + NEWEST_LIFT * settings.threshold * math.sqrt(usual)
        # A sharp rise needs no second check: the window is already over the threshold, the
        # newest bin alone (a short part of the window) is far over its share, and at its rate
        # a window would be three times the floor. A jump to ten times a brand's rate is told
        # of within a minute or two; so is a single minute of hundreds of copies (the alert
        # page shows them as one cluster, dismissed as noise in one click).
        sharp = (
            share <= SHARP_SHARE
            and score >= settings.threshold
            and observed >= settings.minimum_volume
            and count >= usual + SHARP_LIFT * settings.threshold * math.sqrt(max(usual, 1.0))
            and count / share >= SHARP_FLOOR * peak_floor
        )
    return _Measure(level, mean, spread, score, warming_up, over, sharp)


def _raise(state: DetectorState, at: datetime, settings: DetectorSettings) -> bool:
    """An event begins: whether a person is told (not within the cooldown of the last alert)."""
    cooling = state.last_alert_at and at - datetime.fromisoformat(state.last_alert_at) < settings.cooldown
    state.in_event = True
    if cooling:
        return False
    state.last_alert_at = at.isoformat()
    return True


def check(
    state: DetectorState,
    at: datetime,
    observed: float,
    settings: DetectorSettings,
    expected_factor: float = 1.0,
    newest: tuple[float, float] | None = None,
) -> Check:
    """One check at ``at`` of the sum ``observed`` over the window ending there; updates ``state``.

    ``expected_factor``: a known event on now (a launch, a match day) multiplies the expected
    level for its duration; the baseline learns the level divided by it.
    ``newest``: (count, share of the window) of the newest bin. Windows overlap, so one busy
    minute stays in fifteen of them; a check only counts towards persistence while the newest
    bin itself stands out from its share of the usual level, by half the threshold in Poisson
    deviations (the rise still goes on).
    """
    if not state.started_at and observed <= 0:
        # Warm-up starts with the first mention: days of silence before a brand's first source
        # works are no baseline, and the first ordinary hour after them no spike.
        return Check(at, observed, 0.0, 0.0, False, True)
    if not state.started_at:
        level = math.log1p(observed / expected_factor)
        state.started_at = state.last_at = at.isoformat()
        state.means, state.variances, state.seen = [level] * HOURS, [0.0] * HOURS, [0] * HOURS
    elapsed = at - datetime.fromisoformat(state.last_at)
    state.last_at = at.isoformat()
    measure = _measure(state, at, observed, settings, expected_factor, newest)
    state.above = state.above + 1 if measure.over or measure.sharp else 0
    alert = False
    if state.in_event:
        if measure.score < EXIT_SHARE * settings.threshold:
            state.in_event = False
    elif (state.above >= PERSISTENCE or measure.sharp) and not measure.warming_up:
        alert = _raise(state, at, settings)
    expected = math.expm1(measure.mean) * expected_factor
    learned = min(measure.level, measure.mean + CLIP_DEVIATIONS * measure.spread)
    _learn(state, at, learned, observed, elapsed, settings)
    return Check(at, observed, expected, round(measure.score, 3), alert, measure.warming_up)


def peek(
    state: DetectorState,
    at: datetime,
    observed: float,
    settings: DetectorSettings,
    expected_factor: float = 1.0,
    newest: tuple[float, float] = (0.0, 0.0),
) -> Check:
    """A look at the window while its newest minute is still filling, between the checks: only a
    sharp rise alarms, and nothing is learnt (the minute's check learns once it is complete).
    ``observed``: the window's sum scaled to a full window; ``newest``: the filling minute's
    count so far and its share of the window."""
    if not state.started_at or not state.means or state.in_event:
        return Check(at, observed, 0.0, 0.0, False, not state.started_at)
    measure = _measure(state, at, observed, settings, expected_factor, newest)
    alert = measure.sharp and not measure.warming_up and _raise(state, at, settings)
    expected = math.expm1(measure.mean) * expected_factor
    return Check(at, observed, expected, round(measure.score, 3), alert, measure.warming_up)


def hourly_value(values: list[float], at: datetime) -> float:
    """A per-hour value, interpolated between the middles of the hours: a brand's morning rise
    is a slope, and steps at each full hour would count as surprise."""
    position = at.hour + at.minute / 60 - 0.5
    hour = math.floor(position)
    share = position - hour
    return values[hour % HOURS] * (1 - share) + values[(hour + 1) % HOURS] * share


def _learn(state, at, learned, observed, elapsed, settings) -> None:
    """Each hour of the day learns from its own checks (it sees a day's worth once a day)."""
    hour = at.hour
    state.seen[hour] += 1
    # A plain mean of the first checks, then exponential forgetting: the first day is not
    # dwarfed by the starting value, and a week later the oldest days fade.
    alpha = max(_alpha(elapsed * HOURS, settings.half_life), 1.0 / state.seen[hour])
    delta = learned - state.means[hour]
    state.means[hour] += alpha * delta
    state.variances[hour] = (1.0 - alpha) * (state.variances[hour] + alpha * delta * delta)
    day = at.date().isoformat()
    if day != state.day:
        if state.day:
            state.daily_peaks = [*state.daily_peaks, state.day_peak][-DAILY_PEAKS_KEPT:]
        state.day, state.day_peak = day, 0.0
    state.day_peak = max(state.day_peak, observed)


# The slow burn: a CUSUM on the negative share (Page 1954, Bernoulli form). Volume and the
# negative count rise fast in a storm; in a slow burn the share of negative mentions creeps
# up over hours at an ordinary volume, which no window of 15 minutes shows.
# Thresholds in log-likelihood ratio: one check a minute makes e^12 minutes (months) between
# false alarms on a steady share, and a burn from 10% to 35% over six hours is found in three.
CUSUM_THRESHOLDS = {"sensitive": 10.0, "balanced": 12.0, "strict": 14.0}
SHARE_HALF_LIFE = timedelta(days=3)
SHARE_SHIFT = 0.10  # the burn looked for: the usual share doubled, and at least ten points more
SHARE_PRIOR = 10.0  # mentions' worth of a 10% share, so a brand's first negative is no burn


@dataclass
class ShareState:
    """What the negative-share check of a brand remembers: decayed counts and the CUSUM."""

    started_at: str = ""
    last_at: str = ""
    negative: float = 0.0  # decayed sums: the usual share is their ratio
    total: float = 0.0
    cusum: float = 0.0
    run_started_at: str = ""  # where the current rise of the CUSUM began
    run_negative: int = 0
    run_total: int = 0
    last_alert_at: str = ""

    def to_json(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict | None) -> ShareState:
        state = cls()
        for key, value in (data or {}).items():
            if hasattr(state, key):
                setattr(state, key, value)
        return state


def check_share(state: ShareState, at: datetime, negative: int, total: int, settings: DetectorSettings) -> Check:
    """One check of the newest bin's ``negative`` of ``total`` mentions against the usual share.

    The Check's ``observed`` and ``expected`` are shares (0 to 1): the burn's so far and the
    usual one; its score is the CUSUM. A burn alerts once the CUSUM passes the sensitivity's
    threshold with at least the minimum volume of negative mentions in it; the CUSUM then
    starts again, and the cooldown applies as for volume.
    """
    if not state.started_at and total <= 0:
        return Check(at, 0.0, 0.0, 0.0, False, True)
    if not state.started_at:
        state.started_at = state.last_at = at.isoformat()
    elapsed = at - datetime.fromisoformat(state.last_at)
    state.last_at = at.isoformat()
    usual = (state.negative + 0.1 * SHARE_PRIOR) / (state.total + SHARE_PRIOR)
    usual = min(max(usual, 0.01), 0.85)
    burning = min(max(2 * usual, usual + SHARE_SHIFT), 0.95)
    step = negative * math.log(burning / usual) + (total - negative) * math.log((1 - burning) / (1 - usual))
    if state.cusum <= 0 < step:
        state.run_started_at, state.run_negative, state.run_total = at.isoformat(), 0, 0
    state.cusum = max(0.0, state.cusum + step)
    if state.cusum > 0:
        state.run_negative += negative
        state.run_total += total
    warming_up = at - datetime.fromisoformat(state.started_at) < settings.warm_up
    alert = False
    observed = state.run_negative / state.run_total if state.run_total else 0.0
    score = state.cusum
    if state.cusum >= CUSUM_THRESHOLDS[settings.sensitivity] and state.run_negative >= settings.minimum_volume:
        cooling = state.last_alert_at and at - datetime.fromisoformat(state.last_alert_at) < settings.cooldown
        if not warming_up and not cooling:
            alert = True
            state.last_alert_at = at.isoformat()
        state.cusum = 0.0
    # A half-life of days: a burn of hours barely moves the usual share, a new normal does.
    keep = 0.5 ** (max(elapsed.total_seconds(), 0.0) / SHARE_HALF_LIFE.total_seconds())
    state.negative = state.negative * keep + negative
    state.total = state.total * keep + total
    return Check(at, round(observed, 4), round(usual, 4), round(score, 3), alert, warming_up)
