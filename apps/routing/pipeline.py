"""The routing steps of the ingestion pipeline: give new mentions to responders, then tell people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from apps.mentions.models import URGENT, RiskLevel
from apps.tenants.selectors import schedule_of

from .assignment import Roster
from .models import RoutingPolicy
from .selectors import roster_of, routing_policy_of


def _schedule(context):
    risk = context.extras.get("risk")
    if risk is not None:
        return risk.schedule

    return schedule_of(client=context.brand.client)


# How long one ingestion trusts what it read about who is on duty and their open work.
ROSTER_MAX_AGE = timedelta(seconds=30)


@dataclass
class _Routing:
    policy: RoutingPolicy
    roster: Roster | None
    read_at: datetime


def _routing(context, now: datetime) -> _Routing:
    """The client's policy and on-duty roster, read once per ingestion and at most ROSTER_MAX_AGE old."""
    routing = context.extras.get("routing")
    if routing is None or now - routing.read_at > ROSTER_MAX_AGE:
        client = context.brand.client
        policy = routing_policy_of(client=client)
        roster = roster_of(client=client, policy=policy, now=now, open_now=_schedule(context).is_open(now))
        routing = context.extras["routing"] = _Routing(policy, roster, now)
    return routing


def assign_new_mentions(rows: list[dict], context) -> None:
    """Auto-assignment: on-duty responders, round robin or least open work, within capacity.

    The roster counts what it hands out, so later batches of the same ingestion see it
    without asking the database again. Two workers ingesting for one client at once may
    both count the same open work, so a capacity can be passed until the rosters are read
    again (ROSTER_MAX_AGE).
    """
    if not rows:
        return
    now = datetime.now(UTC)
    routing = _routing(context, now)
    if routing.roster is None:
        return
    before = routing.roster.last_id
    # Urgent work first: a batch in arrival order would fill the room with what came earlier.
    for row in sorted(rows, key=lambda row: row.get("risk_level") not in URGENT):
        assignee = routing.roster.choose(urgent=row.get("risk_level") in URGENT)
        if assignee is not None:
            row["assignee_id"], row["assigned_at"] = assignee, now
    if routing.policy.pk and routing.roster.last_id != before:
        RoutingPolicy.objects.unscoped().filter(pk=routing.policy.pk).update(last_assignee_id=routing.roster.last_id)


def announce_new_mentions(cursor, created: dict[int, dict]) -> None:
    """After commit, tell assignees, leads and whoever is on call about the new mentions.

    An assignment on arrival is part of the mention's arrival, like its first rating: the
    mention records it (assignee, assigned_at) and `timeline_of` shows it, so no audit row
    repeats it. The audit trail records the assignments made after arrival.
    """
    to_announce = [
        pk for pk, row in created.items() if row["assignee_id"] is not None or row["risk_level"] == RiskLevel.CRITICAL
    ]
    if to_announce:
        from .tasks import announce_mentions_task

        transaction.on_commit(lambda: announce_mentions_task.delay(to_announce))
