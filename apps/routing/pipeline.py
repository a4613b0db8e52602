"""The routing steps of the ingestion pipeline: give new mentions to responders, then tell people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from apps.core.audit import SYSTEM_ACTOR_LABEL
from apps.core.models import AuditEvent
from apps.mentions.models import Mention

from .assignment import Roster
from .models import RoutingPolicy
from .selectors import roster_of, routing_policy_of


def _schedule(context):
    risk = context.extras.get("risk")
    if risk is not None:
        return risk.schedule
    from apps.risk.policy import schedule_for

    return schedule_for(context.brand.client)


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
        policy = routing_policy_of(client)
        roster = roster_of(client, policy, now, open_now=_schedule(context).is_open(now))
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
    for row in rows:
        assignee = routing.roster.choose()
        if assignee is None:
            break
        row["assignee_id"], row["assigned_at"] = assignee, now
    if routing.policy.pk and routing.roster.last_id != before:
        RoutingPolicy.objects.unscoped().filter(pk=routing.policy.pk).update(last_assignee_id=routing.roster.last_id)


def announce_new_mentions(cursor, created_ids: list[int]) -> None:
    """Audit the automatic assignments and, after commit, tell assignees, leads and whoever is on call.

    The new rows are fetched by primary key first (MATERIALIZED): with fresh rows the
    planner's statistics are stale, and given `assignee_id IS NOT NULL` it chose to scan
    every assigned mention of the table for each batch.
    """
    table = Mention._meta.db_table
    cursor.execute(
        f"""
        WITH new AS MATERIALIZED (
            SELECT id, client_id, platform, external_id, assignee_id, risk_level FROM {table} WHERE id = ANY(%(ids)s)
        ), audited AS (
            INSERT INTO {AuditEvent._meta.db_table}
                (occurred_at, actor_id, actor_label, client_id, action, target_type, target_id, target_repr,
                 before, after)
            SELECT now(), NULL, %(system)s, client_id, 'mention.assigned', %(target_type)s, id::text,
                   left(platform || ':' || external_id, 255), jsonb_build_object('assignee_id', NULL),
                   jsonb_build_object('assignee_id', assignee_id)
            FROM new WHERE assignee_id IS NOT NULL
        )
        SELECT id FROM new WHERE assignee_id IS NOT NULL OR risk_level = 'critical'
        """,
        # The same shape as record_audit_event's rows (mention_assigned_event): one timeline.
        {"ids": created_ids, "system": SYSTEM_ACTOR_LABEL, "target_type": Mention._meta.label_lower},
    )
    to_announce = [pk for (pk,) in cursor.fetchall()]
    if to_announce:
        from .tasks import announce_mentions_task

        transaction.on_commit(lambda: announce_mentions_task.delay(to_announce))
