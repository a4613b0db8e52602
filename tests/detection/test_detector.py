"""The spike detector on series with known shape: what must and must not alert."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.detection.detector import DetectorSettings, DetectorState, ShareState, check, check_share
from apps.detection.evaluation import replay, score_alerts
from tests.shared_data import SHARED, require_shared

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
BIN = timedelta(minutes=5)
DAY_BINS = 24 * 12


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's sampler: counts of independent posts, as a real quiet hour looks."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def daily_rate(at: datetime, quiet: float = 4.0, busy: float = 20.0) -> float:
    """Mentions per 5 minutes: quiet at night, busy in the evening (a daily peak)."""
    return quiet + (busy - quiet) * max(0.0, math.sin(math.pi * (at.hour + at.minute / 60 - 6) / 18))


def series(days: float, rate=daily_rate, events=(), seed: int = 7) -> list[tuple[datetime, float]]:
    """(bin start, count); ``events`` are (start day, hours, multiplier) on top of the rate."""
    rng = random.Random(seed)
    bins = []
    for index in range(int(days * DAY_BINS)):
        at = START + index * BIN
        mean = rate(at)
        for day, hours, multiplier in events:
            begins = START + timedelta(days=day)
            if begins <= at < begins + timedelta(hours=hours):
                mean *= multiplier
        bins.append((at, float(poisson(rng, mean))))
    return bins


def alert_days(bins, known_events=(), **settings) -> list[float]:
    alerts = replay(bins, DetectorSettings(**settings), known_events=known_events)
    return [round((alert.at - START) / timedelta(days=1), 2) for alert in alerts]


def test_a_daily_peak_is_no_spike():
    assert alert_days(series(10)) == []


def test_a_brand_without_mentions_never_alerts():
    assert alert_days(series(6, rate=lambda at: 0.0)) == []
    # a near-silent brand: three mentions where one is usual is no crisis
    assert alert_days(series(6, rate=lambda at: 0.2, events=[(4, 1, 15)])) == []


def test_a_tenfold_jump_alerts_once_within_two_checks():
    alerts = replay(series(6, events=[(4.5, 1, 10)]), DetectorSettings())
    assert len(alerts) == 1
    jump = START + timedelta(days=4.5)
    # the 15-minute window fills, then two checks in a row over the threshold
    assert jump < alerts[0].at <= jump + timedelta(minutes=15) + 2 * BIN
    assert alerts[0].metric == "volume" and alerts[0].score >= DetectorSettings().threshold


def test_a_plateau_of_hours_is_one_alert():
    assert len(alert_days(series(7, events=[(4.5, 8, 10)]))) == 1


def test_the_baseline_comes_down_after_a_spike():
    # A second spike the next evening, after the cooldown, is found again: the first did not
    # leave the threshold high.
    assert len(alert_days(series(8, events=[(4.8, 1, 10), (5.8, 1, 10)]))) == 2


def test_cooldown_keeps_an_echo_quiet():
    bins = series(7, events=[(4.5, 0.5, 20), (4.5 + 2 / 24, 0.5, 20)])
    assert len(alert_days(bins)) == 1
    assert len(alert_days(bins, cooldown=timedelta(0))) == 2


def test_no_alert_during_warm_up():
    bins = series(4, events=[(1.5, 1, 20)])
    assert alert_days(bins) == []
    assert len(alert_days(bins, warm_up=timedelta(days=1))) == 1
    # a day is enough when each hour starts from its own first level, not the first hour's
    assert alert_days(series(4), warm_up=timedelta(days=1)) == []


def test_one_check_over_the_threshold_is_not_enough():
    # 15-minute bins: one bin is one window is one check.
    rng = random.Random(3)
    quarter = timedelta(minutes=15)
    bins = [(START + i * quarter, float(poisson(rng, 30.0))) for i in range(6 * 96)]
    burst = 4 * 96 + 50
    once = [(at, value * 20 if i == burst else value) for i, (at, value) in enumerate(bins)]
    twice = [(at, value * 20 if i in (burst, burst + 1) else value) for i, (at, value) in enumerate(bins)]
    assert alert_days(once) == []
    assert len(alert_days(twice)) == 1


def test_a_night_surge_under_the_usual_daily_peak_is_no_crisis():
    def rate(at):
        return daily_rate(at, quiet=1.0, busy=30.0)

    bins = series(7, rate=rate, events=[(5 + 3 / 24, 1, 25)])  # 25 times the 3 am level
    assert alert_days(bins) == []
    assert len(alert_days(bins, peak_share=0.0)) == 1


def test_a_known_event_rebases_the_expected_level():
    bins = series(6, events=[(4.5, 2, 12)])
    assert len(alert_days(bins)) == 1
    launch = START + timedelta(days=4.5)
    assert alert_days(bins, known_events=[(launch - timedelta(hours=1), launch + timedelta(hours=3), 12.0)]) == []


def test_a_gap_in_the_series_is_no_spike_when_it_comes_back():
    bins = [
        item for item in series(7) if not (START + timedelta(days=5) <= item[0] < START + timedelta(days=5, hours=3))
    ]
    assert alert_days(bins) == []


def test_sensitivity_orders_what_is_found():
    bins = series(8, events=[(4.5, 1, 4), (6.5, 1, 12)])
    assert (
        len(alert_days(bins, sensitivity="sensitive"))
        >= len(alert_days(bins))
        >= len(alert_days(bins, sensitivity="strict"))
    )
    assert len(alert_days(bins, sensitivity="strict")) >= 1


def test_state_survives_a_round_trip_through_its_row():
    bins = series(6, events=[(4.5, 1, 10)])
    settings = DetectorSettings()
    kept, carried = DetectorState(), DetectorState()
    first = second = 0
    for at, value in bins:
        first += check(kept, at, value, settings).alert
        carried = DetectorState.from_json(json.loads(json.dumps(carried.to_json())))
        second += check(carried, at, value, settings).alert
    assert first == second == 1
    # the row keeps six decimals of each level: the same state, to well within a check's noise
    saved, memory = carried.to_json(), kept.to_json()
    for name in ("means", "variances"):
        assert saved[name] == pytest.approx(memory[name], abs=1e-4)
    assert {key: value for key, value in saved.items() if key not in ("means", "variances")} == {
        key: value for key, value in memory.items() if key not in ("means", "variances")
    }


def test_event_level_scoring():
    windows = [(START, START + timedelta(hours=10)), (START + timedelta(days=2), START + timedelta(days=3))]
    anomalies = [START + timedelta(hours=5), START + timedelta(days=2, hours=12)]
    from apps.detection.evaluation import Alert

    alerts = [Alert(START + timedelta(hours=h), "volume", 5.0) for h in (4, 6, 30)]
    score = score_alerts(alerts, windows, anomalies, weeks=1.0)
    assert (score.found, score.windows, score.false_alarms) == (1, 2, 1)
    assert score.latencies_minutes == [-60.0]


# --- the evaluate_spikes command -------------------------------------------------------------


def run(path, *args) -> tuple[list[str], dict]:
    out = StringIO()
    call_command("evaluate_spikes", str(path), *args, stdout=out)
    lines = out.getvalue().splitlines()
    return lines[:-1], json.loads(lines[-1])


def write(tmp_path, bins) -> object:
    path = tmp_path / "series.csv"
    rows = ["timestamp,value", *(f"{at:%Y-%m-%d %H:%M:%S},{value:g}" for at, value in bins)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_command_prints_each_alert_and_json_last(tmp_path):
    bins = series(6, events=[(4.5, 1, 10)])
    lines, report = run(write(tmp_path, bins))
    assert report["bins"] == len(bins) and report["seconds"] >= 0
    assert len(report["alerts"]) == len(lines) == 1
    alert = report["alerts"][0]
    assert alert["metric"] == "volume" and alert["score"] > 0
    assert datetime.fromisoformat(alert["at"]).replace(tzinfo=UTC) > START + timedelta(days=4.5)
    assert run(write(tmp_path, bins), "--sensitivity", "strict")[1]["bins"] == len(bins)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("time,count\n2026-03-02 00:00:00,1\n", "header timestamp,value"),
        ("timestamp,value\n2026-03-02 00:00:00,1\n2026-03-02T00:05,2\n", "line 3: '2026-03-02T00:05' is not a time"),
        ("timestamp,value\n2026-03-02 00:00:00,many\n", "line 2: 'many' is not a number"),
        ("timestamp,value\n2026-03-02 00:00:00,-4\n", "line 2: '-4' is not a count"),
        ("timestamp,value\n2026-03-02 00:00:00,nan\n", "line 2: 'nan' is not a count"),
        ("timestamp,value\n2026-03-02 00:00:00\n", "line 2: expected timestamp,value"),
        ("timestamp,value\n", "no rows"),
    ],
)
def test_command_names_the_bad_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(path)


def test_command_refuses_missing_and_binary_files(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "absent.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"timestamp,value\n\xff\xfe,1\n")
    with pytest.raises(CommandError, match="UTF-8"):
        run(binary)


def test_command_runs_on_the_shared_twitter_series():
    _, report = run(require_shared(SHARED / "data" / "spikes" / "Twitter_volume_KO.csv"))
    assert report["bins"] > 15_000
    assert 1 <= len(report["alerts"]) < 20  # rare, not silent: the figures are bench_spikes'


def test_a_steep_morning_rise_is_no_spike():
    # From 1 to 100 mentions per 5 minutes between 6 and 8 o'clock, every day: a hundredfold
    # that each hour of the day's own baseline expects.
    def rate(at):
        hours = at.hour + at.minute / 60
        return 1.0 + 99.0 * min(1.0, max(0.0, (hours - 6) / 2)) * (hours < 20)

    assert alert_days(series(10, rate=rate), sensitivity="sensitive", minimum_volume=1) == []


def test_warm_up_starts_with_the_first_mention():
    silent = [(START + i * BIN, 0.0) for i in range(5 * DAY_BINS)]
    then = [(at + timedelta(days=5), value) for at, value in series(1)]
    assert alert_days(silent + then) == []


def test_two_rows_for_one_bin_are_one_bin_and_huge_values_are_refused(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("timestamp,value\n2026-03-02 00:05:00,2\n2026-03-02 00:00:00,1\n2026-03-02 00:05:00,3\n")
    from apps.detection.evaluation import SeriesError, read_series

    assert read_series(path) == [(START, 1.0), (START + BIN, 5.0)]
    path.write_text("timestamp,value\n2026-03-02 00:00:00,1e308\n")
    with pytest.raises(SeriesError, match="line 2: '1e308' is not a count"):
        read_series(path)


def test_busy_minutes_under_the_sharp_bar_in_overlapping_windows_are_not_a_lasting_rise():
    # One-minute bins, as the beat sees them: two busy minutes stay in fifteen windows, which
    # stay over the threshold, but the minutes after them are ordinary again.
    rng = random.Random(5)
    minute = timedelta(minutes=1)
    quiet = [(START + i * minute, float(poisson(rng, 30.0))) for i in range(4 * 24 * 60)]
    burst = 3 * 24 * 60 + 12 * 60
    brief = [(at, 85.0 if burst <= i < burst + 2 else value) for i, (at, value) in enumerate(quiet)]
    lasting = [(at, 85.0 if burst <= i < burst + 10 else value) for i, (at, value) in enumerate(quiet)]
    assert alert_days(brief, peak_share=0.0) == []
    assert len(alert_days(lasting, peak_share=0.0)) == 1


def test_a_sharp_jump_is_told_within_minutes_though_its_window_is_still_under_the_floor():
    rng = random.Random(6)
    minute = timedelta(minutes=1)
    jump = 3 * 24 * 60 + 12 * 60
    bins = [(START + i * minute, float(poisson(rng, 40.0 if i >= jump else 4.0))) for i in range(jump + 30)]
    alerts = replay(bins, DetectorSettings())
    assert len(alerts) == 1
    # by then the window (about 170) has not passed the floor a rise without the sharp rule
    # must pass (twice the usual daily peak, about 175)
    assert alerts[0].at <= START + (jump + 3) * minute


def share_alerts(minutes, share_at, per_minute=2.0, seed=8, **settings):
    """Minutes of Poisson volume whose negative share at minute i is share_at(i): the alerts."""
    rng = random.Random(seed)
    state, alerts = ShareState(), []
    for i in range(minutes):
        total = poisson(rng, per_minute)
        negative = sum(rng.random() < share_at(i) for _ in range(total))
        result = check_share(state, START + timedelta(minutes=i), negative, total, DetectorSettings(**settings))
        if result.alert:
            alerts.append((i, result))
    return alerts


def test_a_steady_negative_share_never_alerts():
    assert share_alerts(7 * 24 * 60, lambda i: 0.15) == []
    assert share_alerts(7 * 24 * 60, lambda i: 0.40, per_minute=10) == []


def test_a_slow_burn_of_the_negative_share_alerts_once_at_an_ordinary_volume():
    rise = 4 * 24 * 60

    def share(i):  # 10% for four days, then up to 35% over six hours, and it stays there
        return 0.10 + 0.25 * min(max(i - rise, 0) / 360, 1.0)

    alerts = share_alerts(rise + 8 * 60, share)
    assert len(alerts) == 1
    minute, result = alerts[0]
    assert rise < minute < rise + 6 * 60
    assert result.expected < 0.15 < result.observed  # the usual share, the share of the burn so far
    # the volume never moved: the window's check sees nothing
    rng = random.Random(8)
    volume = [(START + timedelta(minutes=i), float(poisson(rng, 2.0))) for i in range(rise + 8 * 60)]
    assert replay(volume, DetectorSettings()) == []


def test_no_share_alert_during_warm_up_or_without_mentions():
    assert share_alerts(24 * 60, lambda i: 0.1 if i < 600 else 0.6) == []
    state = ShareState()
    for i in range(3 * 24 * 60):
        assert not check_share(state, START + timedelta(minutes=i), 0, 0, DetectorSettings()).alert
    assert state.started_at == ""
