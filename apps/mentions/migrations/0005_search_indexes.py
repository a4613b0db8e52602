"""Search indexes on the text alone, one of them for open work only.

The inbox searches open work by default. A GIN index over just those mentions answers a
common word with a few thousand candidates instead of every client's matches, and without
client_id in the index the planner no longer ANDs a bitmap of the client's whole share
(170,000 entries for a big client) with it: the client is checked on the candidates.
"""

from django.db import migrations

OPEN = "('new', 'triaged', 'in_progress', 'awaiting_approval')"


class Migration(migrations.Migration):
    dependencies = [("mentions", "0004_lifecycle_notes_views")]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP INDEX mention_search",
                "CREATE INDEX mention_search ON mentions_mention USING gin (search_vector) WHERE archived_at IS NULL",
                "CREATE INDEX mention_search_open ON mentions_mention USING gin (search_vector) "
                f"WHERE archived_at IS NULL AND status IN {OPEN}",
            ],
            reverse_sql=[
                "DROP INDEX mention_search_open",
                "DROP INDEX mention_search",
                "CREATE INDEX mention_search ON mentions_mention USING gin (client_id, search_vector) "
                "WHERE archived_at IS NULL",
            ],
        ),
    ]
