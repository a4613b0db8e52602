"""Writes of crisis detection: the beat's detector pass."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.services import model_update
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.routing.selectors import escalation_contacts
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm
from apps.tenants.services import require_client_perm

from . import events
from .detector import WINDOW, DetectorSettings, ShareState, check, check_share, peek
from .detector import DetectorState as State
from .models import (
    ALL_CHANNELS,
    AlertStatus,
    DetectionSettings,
    DetectorState,
    KnownEvent,
    MentionCount,
    Metric,
    SpikeAlert,
)

PASS_LOCK = 18_001  # pg advisory lock: one detector pass at a time, whatever runs it
COUNTED = {Metric.VOLUME: "mentions", Metric.NEGATIVE: "negative", Metric.ASKING: "asking"}  # metric: column
DEFAULT_SETTINGS = DetectorSettings()
NEWEST_SHARE = timedelta(minutes=1) / WINDOW  # the rollups' minute, of the detector's window


@dataclass(frozen=True)
class PassResult:
    checked: int = 0
    alerts: int = 0
    skipped: bool = False  # another pass held the lock


def _window_sums(since: datetime, until: datetime) -> dict[int, dict[str, tuple[float, float]]]:
    """{brand: {column: (sum over [since, until), sum of its last minute)}} of the brands'
    all-channel counts by arrival."""
    table = MentionCount._meta.db_table
    columns = list(COUNTED.values())
    totals = ", ".join(f"sum({column})" for column in columns)
    lasts = ", ".join(f"coalesce(sum({column}) FILTER (WHERE start >= %s), 0)" for column in columns)
    last = until - timedelta(minutes=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT brand_id, {totals}, {lasts} FROM {table} "
            "WHERE channel = %s AND start >= %s AND start < %s GROUP BY brand_id",
            [*[last] * len(columns), ALL_CHANNELS, since, until],
        )
        return {
            brand: {column: (sums[i], sums[i + len(columns)]) for i, column in enumerate(columns)}
            for brand, *sums in cursor
        }


def _write_states(cursor, rows: list[DetectorState], minute: datetime) -> None:
    """Every checked state back in one statement of one JSON document (Django's bulk_update
    builds a CASE per row, and an array of JSON texts costs psycopg a regex per element)."""
    if rows:
        cursor.execute(
            f"UPDATE {DetectorState._meta.db_table} AS row SET state = new.state, checked_at = %s "
            "FROM jsonb_to_recordset(%s::jsonb) AS new(id bigint, state jsonb) WHERE row.id = new.id",
            [minute, json.dumps([{"id": row.id, "state": row.state} for row in rows])],
        )


@lru_cache(maxsize=256)
def _settings(sensitivity: str, minimum_volume: int, cooldown_minutes: int) -> DetectorSettings:
    return DetectorSettings(
        sensitivity=sensitivity, minimum_volume=minimum_volume, cooldown=timedelta(minutes=cooldown_minutes)
    )


def _settings_of(own: DetectionSettings | None) -> DetectorSettings:
    if own is None:
        return DEFAULT_SETTINGS
    return _settings(own.sensitivity, own.minimum_volume, own.cooldown_minutes)


def _expected_factors(at: datetime) -> dict[int, float]:
    """{brand: factor} of the known events on at ``at`` (the largest, where two overlap)."""
    factors: dict[int, float] = {}
    for brand_id, factor in KnownEvent.objects.filter(starts_at__lte=at, ends_at__gt=at).values_list(
        "brand_id", "expected_factor"
    ):
        factors[brand_id] = max(factor, factors.get(brand_id, 1.0))
    return factors


def _check(row, metric, minute, counts, settings, factor):
    """The metric's check of this minute: the window's for counts, the CUSUM's for the share."""
    if metric == Metric.NEGATIVE_SHARE:
        state = ShareState.from_json(row.state)
        negative, total = counts.get("negative", (0, 0))[1], counts.get("mentions", (0, 0))[1]
        return check_share(state, minute, int(negative), int(total), settings), state
    state = State.from_json(row.state)
    observed, newest = counts.get(COUNTED[metric]) or (0, 0)
    return check(state, minute, float(observed), settings, factor, newest=(float(newest), NEWEST_SHARE)), state


def _started(state, minute: datetime) -> datetime:
    if isinstance(state, ShareState):
        return datetime.fromisoformat(state.run_started_at)
    return minute - WINDOW


def run_detector_pass(*, now: datetime | None = None) -> PassResult:
    """Check every active brand's metrics once for this minute; write the alerts it finds.

    One pass at a time (an advisory lock), and one check per brand, metric and minute (the
    state's ``checked_at``): two beats at once, or a retried task, alert once.
    """
    minute = (now or timezone.now()).replace(second=0, microsecond=0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [PASS_LOCK])
        if not cursor.fetchone()[0]:
            return PassResult(skipped=True)
        sums = _window_sums(minute - WINDOW, minute)
        brands = list(Brand.objects.filter(client__is_active=True).values_list("id", "client_id"))
        states = {(row.brand_id, row.metric): row for row in DetectorState.objects.all()}
        chosen = {row.brand_id: row for row in DetectionSettings.objects.all()}
        expected = _expected_factors(minute)
        changed, created, alerts = [], [], []
        for brand_id, client_id in brands:
            own = chosen.get(brand_id)
            settings = _settings_of(own)
            muted = own is not None and own.muted_until is not None and own.muted_until > minute
            for metric in (own and own.metrics) or Metric.values:
                row = states.get((brand_id, metric))
                if row is None:
                    row = DetectorState(brand_id=brand_id, metric=metric)
                    created.append(row)
                elif row.checked_at and row.checked_at >= minute:
                    continue
                else:
                    changed.append(row)
                counts = sums.get(brand_id, {})
                result, state = _check(row, metric, minute, counts, settings, expected.get(brand_id, 1.0))
                row.state, row.checked_at = state.to_json(), minute
                if result.alert and not muted:  # a muted brand still learns its baseline
                    alerts.append(_alert(row, _started(state, minute), minute, result, client_id=client_id))
        DetectorState.objects.bulk_create(created, batch_size=2000)
        _write_states(cursor, changed, minute)
        _raised(alerts)
    return PassResult(checked=len(created) + len(changed), alerts=len(alerts))


def _alert(row: DetectorState, started_at: datetime, detected_at: datetime, result, *, client_id: int) -> SpikeAlert:
    return SpikeAlert(
        client_id=client_id,
        brand_id=row.brand_id,
        metric=row.metric,
        channel=ALL_CHANNELS,
        started_at=started_at,
        detected_at=detected_at,
        baseline=round(result.expected, 4 if row.metric == Metric.NEGATIVE_SHARE else 2),
        observed=result.observed,
        score=result.score,
    )


def _raised(alerts: list[SpikeAlert]) -> None:
    """Write the alerts (once each: a second beat's copy is dropped), audit and announce them."""
    if not alerts:
        return
    SpikeAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    keys = {(alert.brand_id, alert.metric, alert.detected_at) for alert in alerts}
    raised = [
        alert
        for alert in SpikeAlert.objects.filter(
            detected_at__in={key[2] for key in keys}, brand_id__in={key[0] for key in keys}
        ).select_related("client", "brand")
        if (alert.brand_id, alert.metric, alert.detected_at) in keys
    ]
    for alert in raised:
        events.spike_alert_raised_event(alert=alert)
    if raised:
        from .tasks import announce_spike_alerts_task

        ids = [alert.id for alert in raised]
        transaction.on_commit(lambda: announce_spike_alerts_task.delay(ids))


PEEK_AFTER = timedelta(seconds=10)  # of a minute: fewer arrivals than that say little


def run_detector_peek(*, now: datetime | None = None) -> PassResult:
    """Between the minute's checks, look at each brand's window with its newest minute still
    filling: a sharp rise is told at once rather than at the next full minute. Nothing is
    learnt; only an alert is written (and the state's event, so the minute's check does not
    alert again)."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    filled = now - minute
    if filled < PEEK_AFTER:
        return PassResult(skipped=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [PASS_LOCK])
        if not cursor.fetchone()[0]:
            return PassResult(skipped=True)
        # fourteen full minutes and the one filling, scaled to the window's fifteen
        sums = _window_sums(minute - WINDOW + timedelta(minutes=1), minute + timedelta(minutes=1))
        span = (WINDOW - timedelta(minutes=1) + filled) / WINDOW
        share = (filled / WINDOW) / span
        chosen = {row.brand_id: row for row in DetectionSettings.objects.filter(brand_id__in=sums)}
        expected = _expected_factors(now)
        rows = (
            DetectorState.objects.select_for_update()
            .filter(brand_id__in=sums, metric__in=COUNTED, brand__client__is_active=True)
            .select_related("brand")
        )
        changed, alerts = [], []
        for row in rows:
            own = chosen.get(row.brand_id)
            if (own and own.metrics and row.metric not in own.metrics) or (
                own and own.muted_until and own.muted_until > now
            ):
                continue
            observed, newest = sums[row.brand_id].get(COUNTED[row.metric], (0, 0))
            state = State.from_json(row.state)
            result = peek(
                state,
                now,
                float(observed) / span,
                _settings_of(own),
                expected.get(row.brand_id, 1.0),
                newest=(float(newest), share),
            )
            if result.alert:
                row.state = state.to_json()
                changed.append(row)
                alerts.append(_alert(row, now - WINDOW, now, result, client_id=row.brand.client_id))
        for row in changed:
            row.save(update_fields=["state"])
        _raised(alerts)
    return PassResult(checked=len(sums), alerts=len(alerts))


# What a person may do to an alert, from where it is; "became an incident" is the incidents' own.
MOVES = {
    AlertStatus.ACKNOWLEDGED: {AlertStatus.OPEN},
    AlertStatus.DISMISSED: {AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED},
}


def set_alert_status(*, actor: User, alert: SpikeAlert, status: str, request: HttpRequest | None = None) -> SpikeAlert:
    """Acknowledge an alert, or dismiss it as noise (the label is kept to tune the brand)."""
    require_client_perm(actor=actor, client=alert.client, codename=ClientPerm.WORK_MENTIONS)
    if status not in MOVES:
        raise ValidationError({"status": _("Choose acknowledged or dismissed as noise.")})
    with transaction.atomic():
        alert = SpikeAlert.objects.select_for_update(of=("self",)).select_related("client", "brand").get(pk=alert.pk)
        if alert.status not in MOVES[status]:
            raise ValidationError(
                {"status": _("This alert is already %(status)s.") % {"status": alert.get_status_display()}}
            )
        before, alert.status = alert.status, status
        alert.save(update_fields=["status"])
        events.spike_alert_status_event(actor=actor, alert=alert, before=before, request=request)
    return alert


def alert_became_incident(*, actor: User, alert: SpikeAlert, request: HttpRequest | None = None) -> SpikeAlert:
    """An incident was declared from the alert (the incidents app calls this, in its transaction)."""
    alert = SpikeAlert.objects.select_for_update(of=("self",)).select_related("client", "brand").get(pk=alert.pk)
    if alert.status != AlertStatus.INCIDENT:
        before, alert.status = alert.status, AlertStatus.INCIDENT
        alert.save(update_fields=["status"])
        events.spike_alert_status_event(actor=actor, alert=alert, before=before, request=request)
    return alert


def learn_from_history(*, brand: Brand, metric: str, windows, settings: DetectorSettings = DEFAULT_SETTINGS) -> None:
    """Teach a brand's detector its baseline from past 15-minute sums ``(at, sum)``, oldest
    first, as the beat would have learnt it (a brand whose history was imported, the demo)."""
    state, last = State(), None
    for at, total in windows:
        check(state, at, float(total), settings)
        last = at
    DetectorState.objects.update_or_create(
        brand=brand, metric=metric, defaults={"state": state.to_json(), "checked_at": last}
    )


def alert_mentions_url(*, alert: SpikeAlert) -> str:
    """The inbox, filtered to the mentions the alert counted: the brand's, by arrival, handled or not."""
    query = {
        "brand": alert.brand_id,
        "status": "all",
        "arrived_from": alert.started_at.isoformat(),
        "arrived_to": alert.detected_at.isoformat(),
    }
    if alert.metric in (Metric.NEGATIVE, Metric.NEGATIVE_SHARE):
        query["sentiment"] = "negative"
    query = urlencode(query)
    return reverse("inbox", kwargs={"client_slug": alert.client.slug}) + "?" + query


def announce_spike_alerts(*, alert_ids: list[int]) -> None:
    """Tell each alert's client's account leads and whoever is on call, at once (in the app, by
    e-mail and to the client's webhooks)."""
    contacts_of = escalation_contacts(at=timezone.now())
    for alert in SpikeAlert.objects.filter(pk__in=alert_ids).select_related("client", "brand"):
        notify(
            event=NotificationEvent.SPIKE_ALERT,
            client=alert.client,
            recipients=contacts_of(alert.client),
            title=f"{alert.brand.name}: {alert.summary}",
            url=alert.get_absolute_url(),
            critical=True,
            payload={
                "alert": {
                    "id": alert.id,
                    "brand": alert.brand.name,
                    "metric": alert.metric,
                    "observed": alert.observed,
                    "baseline": alert.baseline,
                    "score": alert.score,
                    "detected_at": alert.detected_at.isoformat(),
                }
            },
        )


SETTINGS_FIELDS = ["sensitivity", "minimum_volume", "cooldown_minutes", "metrics", "muted_until"]


def detection_settings_save(
    *, actor: User, brand: Brand, data: dict, request: HttpRequest | None = None
) -> DetectionSettings:
    """Change a brand's detection settings (the agency's defaults until the first save)."""
    require_client_perm(actor=actor, client=brand.client, codename=ClientPerm.MANAGE)
    validate_detection_settings(data=data)
    with transaction.atomic():
        Brand.objects.select_for_update().filter(pk=brand.pk).first()  # two first saves at once: one row
        own = DetectionSettings.objects.filter(brand=brand).first() or DetectionSettings(brand=brand)
        values = {name: data[name] for name in SETTINGS_FIELDS if name in data}
        if "metrics" in values:
            values["metrics"] = [metric for metric in Metric.values if metric in values["metrics"]]
        changes = model_update(instance=own, fields=SETTINGS_FIELDS, data=values)
        if changes:
            events.detection_settings_saved_event(
                actor=actor, settings=own, before=changes.before, after=changes.after, request=request
            )
    return own


def validate_detection_settings(*, data: dict) -> None:
    """What the form and the API both refuse, with a message per field."""
    errors = {}
    if "minimum_volume" in data and not 1 <= data["minimum_volume"] <= 100_000:
        errors["minimum_volume"] = _("Between 1 and 100,000 mentions in 15 minutes.")
    if "cooldown_minutes" in data and not 15 <= data["cooldown_minutes"] <= 7 * 24 * 60:
        errors["cooldown_minutes"] = _("Between 15 minutes and a week (10,080 minutes).")
    if "metrics" in data:
        unknown = [metric for metric in data["metrics"] if metric not in Metric.values]
        if unknown:
            errors["metrics"] = _("Unknown metric: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        elif not data["metrics"]:
            errors["metrics"] = _("Watch at least one metric, or mute the brand instead.")
    muted_until = data.get("muted_until")
    if muted_until is not None and muted_until > timezone.now() + timedelta(days=90):
        errors["muted_until"] = _("Mute for at most 90 days: a brand nobody watches for longer has no alerts.")
    if errors:
        raise ValidationError(errors)


def known_event_add(
    *,
    actor: User,
    brand: Brand,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    expected_factor: float = 3.0,
    request: HttpRequest | None = None,
) -> KnownEvent:
    """A launch, campaign or match day: the detector expects ``expected_factor`` times the usual level."""
    require_client_perm(actor=actor, client=brand.client, codename=ClientPerm.MANAGE)
    errors = {}
    if not name.strip():
        errors["name"] = _("Name the event.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The event must end after it starts.")
    elif ends_at <= timezone.now():
        errors["ends_at"] = _("The event is over: known events are for what is coming or going on.")
    elif ends_at - starts_at > timedelta(days=31):
        errors["ends_at"] = _("An event lasts at most 31 days; add a longer campaign month by month.")
    if not 1.0 <= expected_factor <= 100.0:
        errors["expected_factor"] = _("Between 1 and 100 times the usual mentions.")
    if errors:
        raise ValidationError(errors)
    event = KnownEvent.objects.create(
        brand=brand, name=name.strip(), starts_at=starts_at, ends_at=ends_at, expected_factor=expected_factor
    )
    events.known_event_event(actor=actor, event=event, verb="added", request=request)
    return event


def known_event_remove(*, actor: User, event: KnownEvent, request: HttpRequest | None = None) -> None:
    require_client_perm(actor=actor, client=event.brand.client, codename=ClientPerm.MANAGE)
    events.known_event_event(actor=actor, event=event, verb="removed", request=request)
    event.delete()
