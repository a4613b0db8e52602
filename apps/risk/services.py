"""Writes for risk: policies, opening hours, (re-)rating mentions and the SLA clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.audit import changed_fields
from apps.core.services import model_update
from apps.mentions.locks import mention_locked
from apps.mentions.models import UNANSWERED, Mention, RiskLevel
from apps.mentions.ratings import FACTORS, INCIDENT, LEVEL_ORDER
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.routing.selectors import escalation_contacts
from apps.routing.tasks import announce_mentions_task
from apps.tenants.models import Brand, Client
from apps.tenants.roles import ClientPerm
from apps.tenants.selectors import account_leads_of, per_client, schedule_of
from apps.tenants.services import require_client_perm

from .events import (
    mention_rerated_event,
    mention_sla_breached_event,
    risk_policy_saved_event,
)
from .models import ReminderKind, RiskPolicy, RiskRating, SlaReminder
from .policy import deadlines, risk_rules_of

POLICY_FIELDS = [
    "weights",
    "medium_from",
    "high_from",
    "critical_from",
    "low_target_minutes",
    "medium_target_minutes",
    "high_target_minutes",
    "critical_target_minutes",
    "business_hours_levels",
    "warn_percent",
]


def validate_policy(*, data: dict) -> None:
    """Field errors for a policy that could not work: thresholds out of order, targets not positive."""
    errors: dict[str, list[str]] = {}
    thresholds = [data.get("medium_from"), data.get("high_from"), data.get("critical_from")]
    for name, value in zip(("medium_from", "high_from", "critical_from"), thresholds, strict=True):
        if not isinstance(value, int) or not 1 <= value <= 100:
            errors.setdefault(name, []).append(_("Give a score between 1 and 100."))
    if not errors and not thresholds[0] < thresholds[1] < thresholds[2]:
        errors["high_from"] = [_("Thresholds must rise: medium below high below critical.")]
    for level in RiskLevel.values:
        value = data.get(f"{level}_target_minutes")
        if not isinstance(value, int) or value <= 0:
            errors[f"{level}_target_minutes"] = [_("Give a positive number of minutes.")]
    weights = data.get("weights") or {}
    if not isinstance(weights, dict) or any(
        factor not in FACTORS or not isinstance(weight, int | float) or not 0 <= weight <= 100
        for factor, weight in weights.items()
    ):
        errors["weights"] = [_("Weights are numbers from 0 to 100 for the known factors.")]
    if not set(data.get("business_hours_levels") or []) <= set(RiskLevel.values):
        errors["business_hours_levels"] = [_("Unknown risk level.")]
    warn = data.get("warn_percent")
    if not isinstance(warn, int) or not 1 <= warn <= 99:
        errors["warn_percent"] = [_("Give a share between 1 and 99 percent.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def risk_policy_save(
    *, actor: User, client: Client, brand: Brand | None = None, data: dict, request: HttpRequest | None = None
) -> RiskPolicy:
    """Create or change the policy of a client (brand None) or of one of its brands."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    if brand is not None and brand.client_id != client.pk:
        raise PermissionDenied
    validate_policy(data=data)
    policy = RiskPolicy.objects.unscoped().select_for_update().filter(client=client, brand=brand).first()
    policy = policy or RiskPolicy(client=client, brand=brand)
    values = {name: data[name] for name in POLICY_FIELDS if name in data}
    values["weights"] = {factor: float(weight) for factor, weight in (data.get("weights") or {}).items()}
    changes = model_update(instance=policy, fields=POLICY_FIELDS, data=values, clean=False)
    if changes:
        risk_policy_saved_event(actor=actor, policy=policy, before=changes.before, after=changes.after, request=request)
    return policy


RATING_FIELDS = ["risk_score", "risk_level", "risk_overridden", "response_due_at"]


def _keep_arrival_ratings(mentions: list[Mention]) -> None:
    """Arrival ratings are kept on the mentions alone; before another replaces one, it joins the history.

    Callers hold the mentions' row locks (the override's select_for_update, the growth's UPDATE).
    """
    stored = set(RiskRating.objects.unscoped().filter(mention__in=mentions).values_list("mention_id", flat=True))
    RiskRating.objects.bulk_create(
        RiskRating.arrival_of(mention) for mention in mentions if mention.rated_at and mention.pk not in stored
    )


def _rate(
    mention: Mention,
    setup,
    *,
    score: int,
    level: str,
    factors: list,
    actor: User | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    arrival_kept: bool = False,
):
    """Make this the mention's current rating: a changed level moves the SLA clock (counted from
    arrival); the rating joins the history (after the arrival rating it replaces, unless the
    caller kept those already) and the change the audit trail."""
    now = timezone.now()
    before = changed_fields(mention, RATING_FIELDS)
    if not arrival_kept:
        _keep_arrival_ratings([mention])
    if level != mention.risk_level and mention.first_response_at is None:
        if setup is not None:
            moved = setup.deadlines(level, mention.ingested_at)
        else:  # one person's override: the rules and hours, not the brand's whole scoring setup
            moved = deadlines(
                risk_rules_of(mention.brand), schedule_of(client=mention.client), level, mention.ingested_at
            )
        mention.response_due_at, mention.response_warn_at = moved
    mention.risk_score, mention.risk_level, mention.risk_factors, mention.rated_at = score, level, factors, now
    mention.risk_overridden = mention.risk_overridden or bool(reason)
    mention.save(update_fields=[*RATING_FIELDS, "risk_factors", "rated_at", "response_warn_at"])
    rating = RiskRating.objects.create(
        client=mention.client,
        mention=mention,
        score=score,
        level=level,
        factors=factors,
        actor=actor,
        is_override=bool(reason),
        reason=reason,
        rated_at=now,
    )
    after = changed_fields(mention, RATING_FIELDS)
    mention_rerated_event(actor=actor, mention=mention, before=before, after=after, request=request)
    return rating


@transaction.atomic
def mention_override_risk(
    *, actor: User, mention: Mention, level: str, reason: str, request: HttpRequest | None = None
) -> RiskRating:
    """A person sets the level, with a reason; the system will not change it back on its own."""
    require_client_perm(actor=actor, client=mention.client, codename=ClientPerm.WORK_MENTIONS)
    if level not in RiskLevel.values:
        raise ValidationError({"level": [_("Choose one of the risk levels.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why you change the rating.")]})
    mention = mention_locked(mention)
    return _rate(
        mention,
        None,
        score=mention.risk_score or 0,
        level=level,
        factors=mention.risk_factors,
        actor=actor,
        reason=reason.strip(),
        request=request,
    )


def rerate_grown_mentions(*, cursor, grown: dict[int, dict], context) -> None:
    """Pipeline hook: mentions that arrived again with more engagement are rated anew, each with
    its own brand's scoring setup (the ingestion's, read once, for its brand; a post stored under
    another brand of the client that came back through this one gets that brand's).

    A person's override stands; a climb to critical is announced like a new critical mention.
    """
    from .pipeline import BrandRiskSetup, copies_of, risk_setup, signals_of
    from .scoring import score

    now = timezone.now()
    setups = {context.brand.pk: risk_setup(context)}
    changed = []
    mentions = list(
        Mention.objects.unscoped()
        .select_related("client", "brand")
        .filter(UNANSWERED, pk__in=list(grown), risk_overridden=False)
    )
    copies = copies_of(context.brand.client_id, [mention.content_hash for mention in mentions], now)
    for mention in mentions:
        setup = setups.get(mention.brand_id) or setups.setdefault(mention.brand_id, BrandRiskSetup(mention.brand))
        rating = score(signals_of(mention, setup, copies.get(mention.content_hash, 1)), setup.rules, now)
        _keep_incident_lift(mention, rating, setup.rules)
        if rating.level != mention.risk_level or rating.score != mention.risk_score:
            changed.append((mention, setup, rating))
    _keep_arrival_ratings([mention for mention, _, _ in changed])
    climbed = []
    for mention, setup, rating in changed:
        if rating.level == RiskLevel.CRITICAL and mention.risk_level != RiskLevel.CRITICAL:
            climbed.append(mention.pk)
        _rate(mention, setup, score=rating.score, level=rating.level, factors=rating.factors, arrival_kept=True)
    if climbed:
        transaction.on_commit(lambda: announce_mentions_task.delay(climbed))


def _keep_incident_lift(mention: Mention, rating, rules) -> None:
    """A mention an incident's rules raised to high keeps that when it grows: the factor on it
    says so (the incidents app sets it on arrival), with the points the new score needs."""
    kept = [factor for factor in mention.risk_factors or () if factor.get("factor") == INCIDENT]
    if not kept:
        return
    lift = max(0, rules.high_from - rating.score)
    rating.score += lift
    if LEVEL_ORDER[rating.level] < LEVEL_ORDER[RiskLevel.HIGH]:
        rating.level = RiskLevel.HIGH
    rating.factors = [*rating.factors, {**kept[0], "points": lift}]


def _claim_reminder(mention: Mention, kind: str, due_at: datetime) -> bool:
    """Insert the reminder's row; only the caller whose insert lands may send it."""
    try:
        with transaction.atomic():
            SlaReminder.objects.create(client_id=mention.client_id, mention=mention, kind=kind, due_at=due_at)
    except IntegrityError:
        return False
    return True


def _not_reminded(kind: str):
    """No reminder of this kind yet for the mention's current deadline (a moved one gets its own)."""
    return ~Exists(SlaReminder.objects.filter(mention=OuterRef("pk"), kind=kind, due_at=OuterRef("response_due_at")))


def sla_send_due_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Warn assignees whose deadline nears and escalate missed ones; each reminder once.

    Safe to run twice at once (two beats, two workers): the unique reminder row decides,
    in the same transaction as the notification it stands for.
    """

    now = now or timezone.now()
    leads_of = per_client(read=account_leads_of)
    contacts_of = escalation_contacts(at=now, leads_of=leads_of)
    waiting = Mention.objects.unscoped().filter(UNANSWERED).select_related("client", "brand", "assignee")

    def warning(mention):
        return dict(
            event=NotificationEvent.SLA_WARNING,
            recipients=[mention.assignee] if mention.assignee else leads_of(mention.client),
            # In the client's own time zone, the one its business hours and deadlines are kept in.
            title=_("Answer due at %(time)s")
            % {"time": f"{mention.response_due_at.astimezone(ZoneInfo(mention.client.timezone)):%H:%M}"},
            critical=mention.risk_level == RiskLevel.CRITICAL,
        )

    def breach(mention):
        mention_sla_breached_event(mention=mention)
        return dict(
            event=NotificationEvent.SLA_BREACHED,
            recipients=[*contacts_of(mention.client), *([mention.assignee] if mention.assignee else [])],
            title=_("No answer in time: %(level)s mention") % {"level": mention.get_risk_level_display()},
            critical=LEVEL_ORDER.get(mention.risk_level, 0) >= LEVEL_ORDER[RiskLevel.HIGH],
        )

    rounds = (
        ("warnings", ReminderKind.WARNING, waiting.filter(response_warn_at__lte=now, response_due_at__gt=now), warning),
        ("breaches", ReminderKind.BREACH, waiting.filter(response_due_at__lte=now), breach),
    )
    sent = {}
    for name, kind, due, reminder in rounds:
        sent[name] = 0
        for mention in due.filter(_not_reminded(kind)).order_by("response_due_at")[:500]:
            with transaction.atomic():
                if not _claim_reminder(mention, kind, mention.response_due_at):
                    continue
                notify(
                    client=mention.client,
                    body=mention.text[:280],
                    url=mention.get_absolute_url(),
                    mention=mention,
                    **reminder(mention),
                )
                sent[name] += 1
    return sent


def bulk_override_risk(
    *, actor: User, mention: Mention, params: dict, request: HttpRequest | None = None
) -> RiskRating:
    """The inbox's bulk "risk" action on one mention."""
    return mention_override_risk(
        actor=actor, mention=mention, level=params.get("level", ""), reason=params.get("reason", ""), request=request
    )
