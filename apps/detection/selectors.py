"""Reads of crisis detection: alert lists, what explains an alert, a brand's warm-up."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.mentions.models import Mention, MentionKind, Sentiment
from apps.tenants.models import Brand, Client

from .detector import WINDOW, DetectorSettings, hourly_value
from .detector import DetectorState as DetectorStateData
from .models import ALL_CHANNELS, DetectionSettings, DetectorState, KnownEvent, MentionCount, Metric, SpikeAlert
from .rollups import ASKING_FACTORS

CURVE_BEFORE = timedelta(hours=6)
CURVE_AFTER = timedelta(hours=2)
CURVE_BIN = timedelta(minutes=5)
USUAL_BEFORE = timedelta(days=7)  # the lift compares the alert's mentions with the week before it
LATE = timedelta(hours=1)  # posted this long before it arrived: a late mention
TERM = re.compile(r"[^\W\d_]{3,}")
TOP = 5
FEWEST = 3  # mentions with a value for its growth to mean something


def alerts_of(
    *, user: User, client: Client, status: str = "", metric: str = "", brand: Brand | None = None
) -> QuerySet[SpikeAlert]:
    alerts = SpikeAlert.objects.visible_to(user).filter(client=client).select_related("brand")
    if status:
        alerts = alerts.filter(status=status)
    if metric:
        alerts = alerts.filter(metric=metric)
    if brand is not None:
        alerts = alerts.filter(brand=brand)
    return alerts.order_by("-detected_at", "-id")


def settings_of(*, brand: Brand) -> DetectionSettings:
    """The brand's own settings, or (unsaved) the agency's defaults."""
    return DetectionSettings.objects.filter(brand=brand).first() or DetectionSettings(brand=brand)


def settings_of_brands(*, brands: list[Brand]) -> dict[int, DetectionSettings]:
    own = {row.brand_id: row for row in DetectionSettings.objects.filter(brand__in=brands)}
    return {brand.pk: own.get(brand.pk) or DetectionSettings(brand=brand) for brand in brands}


def known_events_of(*, brand: Brand) -> QuerySet[KnownEvent]:
    """The events still to come or on, and those of the last 30 days (to look back on)."""
    return KnownEvent.objects.filter(brand=brand, ends_at__gt=timezone.now() - timedelta(days=30))


def known_events_of_brands(*, brands: list[Brand]) -> dict[int, list[KnownEvent]]:
    events: dict[int, list[KnownEvent]] = {brand.pk: [] for brand in brands}
    recent = KnownEvent.objects.filter(brand__in=brands, ends_at__gt=timezone.now() - timedelta(days=30))
    for event in recent:
        events[event.brand_id].append(event)
    return events


@dataclass(frozen=True)
class WarmUp:
    ready: bool
    ready_at: datetime | None  # None: no mention yet, the clock has not started


def warm_ups_of(*, brands, now: datetime | None = None) -> dict[int, WarmUp]:
    """{brand id: whether the detector knows its usual level yet} (no alerts before that)."""
    now, warm_up = now or timezone.now(), DetectorSettings().warm_up
    started: dict[int, str] = {}
    for brand_id, at in DetectorState.objects.filter(brand__in=brands).values_list("brand_id", "state__started_at"):
        if isinstance(at, str) and at and (brand_id not in started or at < started[brand_id]):
            started[brand_id] = at  # the earliest metric's: whichever the brand watches
    ups = {}
    for brand in brands:
        if not started.get(brand.pk):
            ups[brand.pk] = WarmUp(ready=False, ready_at=None)
        else:
            ready_at = datetime.fromisoformat(started[brand.pk]) + warm_up
            ups[brand.pk] = WarmUp(ready=ready_at <= now, ready_at=ready_at)
    return ups


def warm_up_of(*, brand: Brand, now: datetime | None = None) -> WarmUp:
    return warm_ups_of(brands=[brand], now=now)[brand.pk]


# --- What explains an alert ------------------------------------------------------------------


def _counted(alert: SpikeAlert) -> QuerySet[Mention]:
    """The brand's mentions of the kind the alert's metric counts (all of them for volume), as
    the rollups count them."""
    mentions = Mention.objects.unscoped().filter(client_id=alert.client_id, brand_id=alert.brand_id)
    if alert.metric in (Metric.NEGATIVE, Metric.NEGATIVE_SHARE):
        mentions = mentions.filter(sentiment=Sentiment.NEGATIVE)
    elif alert.metric == Metric.ASKING:
        asking = Q(kind=MentionKind.QUESTION)
        for factor in sorted(ASKING_FACTORS):
            asking |= Q(risk_factors__contains=[{"factor": factor}])
        mentions = mentions.filter(asking)
    return mentions


def alert_mentions(*, alert: SpikeAlert) -> QuerySet[Mention]:
    """The mentions the alert counted: arrived from the window's start until its detection (a
    minute's check looks at the minutes before it)."""
    return _counted(alert).filter(ingested_at__gte=alert.started_at, ingested_at__lt=alert.detected_at)


def alert_curve(*, alert: SpikeAlert, now: datetime | None = None) -> list[dict]:
    """Mentions per five minutes by arrival around the alert, with the usual level for each bin."""
    now = now or timezone.now()
    since = alert.started_at - CURVE_BEFORE
    until = min(alert.detected_at + CURVE_AFTER, now)
    column = {Metric.VOLUME: "mentions", Metric.ASKING: "asking"}.get(alert.metric, "negative")
    bins: Counter = Counter()
    rows = MentionCount.objects.filter(
        brand_id=alert.brand_id, channel=ALL_CHANNELS, start__gte=since - timedelta(hours=1), start__lt=until
    ).values_list("start", "minutes", column)
    for start, minutes, value in rows:
        # an hour folded by the retention spreads evenly over its bins
        parts = max(1, int(timedelta(minutes=minutes) / CURVE_BIN))
        for part in range(parts):
            at = start + part * CURVE_BIN
            if since <= at < until:
                bins[_bin(at, since)] += value / parts
    usual = _usual_level(alert)
    points, at = [], _bin(since, since)
    while at < until:
        points.append({"at": at, "seen": round(bins.get(at, 0), 2), "usual": usual(at)})
        at += CURVE_BIN
    return points


def _usual_level(alert: SpikeAlert):
    """at -> the usual count per bin for that time of day, as the detector knows it now (a
    spike barely moves it), or the alert's own baseline where there is no state."""
    per_bin = CURVE_BIN / WINDOW
    if alert.metric == Metric.NEGATIVE_SHARE:
        return lambda at: None
    row = DetectorState.objects.filter(brand_id=alert.brand_id, metric=alert.metric).first()
    state = DetectorStateData.from_json(row.state if row else None)
    if not state.means:
        return lambda at: round(alert.baseline * per_bin, 2)
    return lambda at: round(math.expm1(hourly_value(state.means, at)) * per_bin, 2)


def _bin(at: datetime, origin: datetime) -> datetime:
    return origin + ((at - origin) // CURVE_BIN) * CURVE_BIN


@dataclass(frozen=True)
class Lift:
    value: str
    seen: int  # mentions in the alert's window with this value
    share: float  # of the window's mentions
    usual_share: float  # of the week before's

    @property
    def times(self) -> float | None:
        return round(self.share / self.usual_share, 1) if self.usual_share else None


def _lift(now_counts: Counter, before_counts: Counter, now_total: int, before_total: int) -> list[Lift]:
    """The values that grew most: mentions beyond their usual share of the window, largest first."""
    if not now_total:
        return []
    lifts = []
    for value, seen in now_counts.items():
        usual_share = before_counts.get(value, 0) / before_total if before_total else 0.0
        extra = seen - usual_share * now_total
        if value and extra > 0 and seen >= FEWEST:
            lifts.append((extra, Lift(value=value, seen=seen, share=seen / now_total, usual_share=usual_share)))
    return [lift for _, lift in sorted(lifts, key=lambda item: -item[0])[:TOP]]


def _grouped(mentions: QuerySet[Mention], field: str) -> Counter:
    return Counter(dict(mentions.values_list(field).annotate(n=Count("id")).values_list(field, "n")))


def alert_lift(*, alert: SpikeAlert) -> dict[str, list[Lift]]:
    """What grew: by channel, language, author and term, against the week before the alert."""
    now_mentions = alert_mentions(alert=alert)
    before = _counted(alert).filter(ingested_at__gte=alert.started_at - USUAL_BEFORE, ingested_at__lt=alert.started_at)
    now_total, before_total = now_mentions.count(), before.count()
    lifts = {
        name: _lift(_grouped(now_mentions, field), _grouped(before, field), now_total, before_total)
        for name, field in (("channel", "platform"), ("language", "language"), ("author", "author_handle"))
    }
    own = {word.casefold() for name in (alert.brand.name, *alert.brand.aliases) for word in TERM.findall(name)}
    lifts["term"] = _lift(_terms(now_mentions, own), _terms(before, own), min(now_total, 2000), min(before_total, 2000))
    return lifts


def _terms(mentions: QuerySet[Mention], own: set[str]) -> Counter:
    """In how many of (up to) the 2,000 newest mentions each word occurs, the brand's own names aside."""
    counts: Counter = Counter()
    for text in mentions.order_by("-ingested_at").values_list("text", flat=True)[:2000]:
        counts.update({word for word in TERM.findall(text.casefold()) if word not in own})
    return counts


@dataclass(frozen=True)
class Cluster:
    copies: int
    authors: int
    example: Mention


def alert_clusters(*, alert: SpikeAlert, smallest: int = 3) -> list[Cluster]:
    """Many copies of the same text in the window: a campaign, a copypasta or bots."""
    groups = (
        alert_mentions(alert=alert)
        .exclude(content_hash="")
        .values("content_hash")
        .annotate(copies=Count("id"), authors=Count("author_handle", distinct=True), first=Min("id"))
        .filter(copies__gte=smallest)
        .order_by("-copies")[:TOP]
    )
    examples = Mention.objects.unscoped().select_related("client").in_bulk([group["first"] for group in groups])
    return [Cluster(copies=g["copies"], authors=g["authors"], example=examples[g["first"]]) for g in groups]


def alert_samples(*, alert: SpikeAlert, count: int = 10) -> list[Mention]:
    """The mentions to read first: the riskiest, then those reaching most people."""
    return list(
        alert_mentions(alert=alert)
        .filter(duplicate_of__isnull=True)
        .select_related("client")
        .order_by(F("risk_score").desc(nulls_last=True), F("author_followers").desc(nulls_last=True), "-id")[:count]
    )


def late_mentions(*, alert: SpikeAlert) -> int:
    """Of the alert's mentions, how many were posted more than an hour before they arrived."""
    return alert_mentions(alert=alert).filter(posted_at__lt=F("ingested_at") - LATE).count()
