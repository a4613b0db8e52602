"""Linking mentions and counting them in one statement: the links' INSERT ... RETURNING feeds
the upsert of the incident's conversation counts (ConversationCount), so the two never differ."""

from __future__ import annotations

from django.db import connection

from .models import ConversationCount, IncidentMention

LINKS = IncidentMention._meta.db_table
COUNTS = ConversationCount._meta.db_table
LINK_COLUMNS = "client_id, incident_id, mention_id, reason, linked_by_id, linked_at, platform, posted_at, sentiment"


def linking_sql(select: str) -> str:
    """The statement that links what `select` yields (LINK_COLUMNS, in order), skips links that
    exist, adds the new ones to the counts, and answers how many it linked."""
    return (
        f"WITH linked AS (INSERT INTO {LINKS} ({LINK_COLUMNS}) {select} "  # noqa: S608 (our tables' names)
        "ON CONFLICT (incident_id, mention_id) DO NOTHING "
        "RETURNING client_id, incident_id, platform, coalesce(posted_at, linked_at) AS posted_at, sentiment), "
        f"counted AS (INSERT INTO {COUNTS} (client_id, incident_id, platform, hour, sentiment, mentions) "
        "SELECT client_id, incident_id, platform, date_trunc('hour', posted_at, 'UTC'), sentiment, "
        "count(*) FROM linked GROUP BY 1, 2, 3, 4, 5 "
        "ON CONFLICT (incident_id, platform, hour, sentiment) "
        f"DO UPDATE SET mentions = {COUNTS}.mentions + EXCLUDED.mentions) "
        "SELECT count(*) FROM linked"
    )


def uncount(sender, instance: IncidentMention, **kwargs) -> None:
    """A link deleted (unlinked by hand, or its mention purged): it leaves its hour's count.
    Connected to post_delete in IncidentsConfig.ready(), so every way a link goes is counted."""
    link = instance
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {COUNTS} SET mentions = mentions - 1 WHERE incident_id = %s AND platform = %s "  # noqa: S608
            "AND hour = date_trunc('hour', %s, 'UTC') AND sentiment = %s",
            [link.incident_id, link.platform, link.posted_at or link.linked_at, link.sentiment],
        )
