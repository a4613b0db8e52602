"""Spike detection on ../shared/data/spikes/ (NAB's Twitter volume series), scored at event level.

Runs `evaluate_spikes` (the live detector, bin by bin) on each series at each sensitivity and
scores its alerts as that folder's README says: an alert inside a labelled window is a hit,
any other a false alarm; latency is a window's first alert minus its labelled anomaly.
"""

import json
import statistics
from datetime import UTC, datetime
from io import StringIO

from common import ROOT, report

SPIKES = ROOT.parent / "shared" / "data" / "spikes"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.split(".")[0]).replace(tzinfo=UTC)


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from apps.detection.evaluation import Alert, read_series, score_alerts, series_weeks

    labels = json.loads((SPIKES / "labels.json").read_text(encoding="utf-8"))
    for sensitivity in ("sensitive", "balanced", "strict"):
        found = windows = false_alarms = 0
        weeks = seconds = 0.0
        latencies = []
        for name, labelled in sorted(labels.items()):
            out = StringIO()
            call_command("evaluate_spikes", str(SPIKES / name), sensitivity=sensitivity, stdout=out)
            result = json.loads(out.getvalue().splitlines()[-1])
            alerts = [Alert(_time(item["at"]), item["metric"], item["score"]) for item in result["alerts"]]
            score = score_alerts(
                alerts,
                [(_time(start), _time(end)) for start, end in labelled["windows"]],
                [_time(at) for at in labelled["anomalies"]],
                series_weeks(read_series(SPIKES / name)),
            )
            found, windows, false_alarms = (
                found + score.found,
                windows + score.windows,
                false_alarms + score.false_alarms,
            )
            weeks, seconds = weeks + score.weeks, seconds + result["seconds"]
            latencies += score.latencies_minutes
        report(
            "spike_detection" if sensitivity == "balanced" else f"spike_detection_{sensitivity}",
            found,
            "windows found",
            windows=windows,
            false_alarms_per_series_week=round(false_alarms / weeks, 2),
            median_latency_minutes=statistics.median(latencies) if latencies else None,
            series=len(labels),
            seconds=round(seconds, 3),
        )


if __name__ == "__main__":
    main()
