"""The routing steps of the ingestion pipeline: give new mentions to responders, then tell people."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction

from apps.core.models import AuditEvent
from apps.mentions.models import Mention

from .assignment import Roster
from .models import RoutingMode, RoutingPolicy
from .selectors import on_duty_responders, open_work, routing_policy_of


def _schedule(context):
    risk = context.extras.get("risk")
    if risk is not None:
        return risk.schedule
    from apps.risk.policy import schedule_for

    return schedule_for(context.brand.client)


def assign_new_mentions(rows: list[dict], context) -> None:
    """Auto-assignment, a batch at a time: on-duty responders, round robin or least open work.

    Two workers ingesting for one client at once may both count the same open work, so
    capacity can be passed by a batch's worth at most; the next batch sees the truth.
    """
    if not rows:
        return
    client = context.brand.client
    policy = routing_policy_of(client)
    if policy.mode == RoutingMode.OFF:
        return
    now = datetime.now(UTC)
    responders = on_duty_responders(client, now, open_now=_schedule(context).is_open(now), policy=policy)
    if not responders:
        return
    roster = Roster(
        responders, open_work(client, [r.user_id for r in responders]), policy.mode, policy.last_assignee_id
    )
    for row in rows:
        assignee = roster.choose()
        if assignee is None:
            break
        row["assignee_id"], row["assigned_at"] = assignee, now
    if policy.pk and roster.last_id != policy.last_assignee_id:
        RoutingPolicy.objects.unscoped().filter(pk=policy.pk).update(last_assignee_id=roster.last_id)


def announce_new_mentions(cursor, created_ids: list[int]) -> None:
    """Audit the automatic assignments and, after commit, tell assignees, leads and whoever is on call."""
    table = Mention._meta.db_table
    cursor.execute(
        f"""
        INSERT INTO {AuditEvent._meta.db_table}
            (occurred_at, actor_id, actor_label, client_id, action, target_type, target_id, target_repr, after)
        SELECT now(), NULL, 'system', client_id, 'mention.assigned', 'mentions.mention', id::text,
               left(platform || ':' || external_id, 255), jsonb_build_object('assignee_id', assignee_id)
        FROM {table} WHERE id = ANY(%s) AND assignee_id IS NOT NULL
        """,
        [created_ids],
    )
    cursor.execute(
        f"SELECT id FROM {table} WHERE id = ANY(%s) AND (assignee_id IS NOT NULL OR risk_level = 'critical')",
        [created_ids],
    )
    to_announce = [pk for (pk,) in cursor.fetchall()]
    if to_announce:
        from .tasks import announce_mentions_task

        transaction.on_commit(lambda: announce_mentions_task.delay(to_announce))
