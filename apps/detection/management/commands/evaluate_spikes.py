"""Feed a recorded mention-volume series through the live spike detector, bin by bin.

Prints one line per alert as it would reach a person, then, as the last line, one JSON
object: {"alerts": [{"at": ..., "metric": "volume", "score": ...}], "bins": N, "seconds": S}.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.detection.detector import SENSITIVITY_THRESHOLDS, DetectorSettings
from apps.detection.evaluation import SeriesError, read_series, replay


class Command(BaseCommand):
    help = "Run the spike detector over a CSV with header timestamp,value (UTC bins); prints JSON last."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with header timestamp,value; UTC times as YYYY-MM-DD HH:MM:SS")
        parser.add_argument("--sensitivity", choices=sorted(SENSITIVITY_THRESHOLDS), default="balanced")

    def handle(self, *args, **options):
        try:
            series = read_series(Path(options["file"]))
        except SeriesError as error:
            raise CommandError(str(error)) from error
        started = time.perf_counter()
        alerts = replay(series, DetectorSettings(sensitivity=options["sensitivity"]))
        seconds = time.perf_counter() - started
        for alert in alerts:
            self.stdout.write(f"{alert.at:%Y-%m-%d %H:%M} {alert.metric} alert, score {alert.score:.1f}")
        report = {
            "alerts": [
                {"at": alert.at.strftime("%Y-%m-%dT%H:%M:%S"), "metric": alert.metric, "score": round(alert.score, 2)}
                for alert in alerts
            ],
            "bins": len(series),
            "seconds": round(seconds, 3),
        }
        self.stdout.write(json.dumps(report, allow_nan=False))
