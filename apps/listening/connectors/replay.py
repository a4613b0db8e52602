"""Replay: plays the generated dataset at a chosen rate, optionally with a volume spike."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..enrichment.language import SUPPORTED
from ..replay_data import ReplayPlan, mention_number
from .base import FetchResult

# One poll never emits more than this, however long the source was paused.
MAX_PER_POLL = 5000


def _number(config: dict, name: str, default: float, low: float, high: float, errors: dict) -> float:
    try:
        value = float(config.get(name, default))
    except (TypeError, ValueError):
        errors[name] = _("Enter a number.")
        return default
    if not low <= value <= high:
        errors[name] = _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return value


class ReplayConnector:
    kind = "replay"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        errors: dict = {}
        rate = _number(config, "rate_per_minute", 6, 0.1, 100_000, errors)
        languages = [code for code in config.get("languages") or ["da", "nb", "pl", "de", "en"] if code in SUPPORTED]
        if not languages:
            errors["languages"] = _("Choose at least one of da, nb, pl, de, en.")
        spike = config.get("spike_at_minute")
        seed = int(_number(config, "seed", 1, 0, 1e9, errors))
        cleaned = {"rate_per_minute": rate, "languages": languages, "seed": seed}
        if spike not in (None, ""):
            cleaned["spike_at_minute"] = _number(config, "spike_at_minute", 0, 0, 1e6, errors)
            cleaned["spike_minutes"] = _number(config, "spike_minutes", 10, 1, 1e4, errors)
            cleaned["spike_multiplier"] = _number(config, "spike_multiplier", 10, 1, 1000, errors)
        if errors:
            raise ValidationError(errors)
        return cleaned

    def fetch(self, *, config, credentials, cursor, http) -> FetchResult:
        now = datetime.now(UTC)
        started = datetime.fromisoformat(cursor["started"]) if cursor.get("started") else now
        plan = ReplayPlan(
            brand_names=tuple(config.get("brand_names") or ("the brand",)),
            languages=tuple(config["languages"]),
            rate_per_minute=config["rate_per_minute"],
            spike_at_minute=config.get("spike_at_minute"),
            spike_minutes=config.get("spike_minutes", 10),
            spike_multiplier=config.get("spike_multiplier", 10),
            seed=config.get("seed", 1),
        )
        done = int(cursor.get("emitted", 0))
        due = plan.count_until((now - started).total_seconds() / 60)
        upto = min(due, done + MAX_PER_POLL)
        mentions = [mention_number(n, plan, started) for n in range(done, upto)]
        return FetchResult(mentions, {"started": started.isoformat(), "emitted": upto})


connector = ReplayConnector()
