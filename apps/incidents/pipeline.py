"""While an incident is active, the pipeline links the new mentions of its brands that match its
rules (terms and hashtags, authors, topics) and rates them at least high, saying why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.mentions.models import Mention, RiskLevel
from apps.mentions.ratings import INCIDENT
from apps.risk.pipeline import risk_setup

from .counting import linking_sql
from .models import Incident, IncidentStatus, LinkReason

ACTIVE = (IncidentStatus.ACTIVE, IncidentStatus.CONTAINED)
LOOK_BACK = timedelta(days=1)  # a post this much older than the incident's start is history
LEVELS = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]


@dataclass(frozen=True)
class Rules:
    incident_id: int
    private: bool
    title: str
    terms: re.Pattern | None
    authors: frozenset[str]
    topics: frozenset[str]
    since: datetime  # posted before this (history, an import): not part of the incident

    def match(self, row: dict) -> bool:
        if row.get("posted_at") and row["posted_at"] < self.since:
            return False
        if self.authors and (row.get("author_handle") or "").casefold().lstrip("@") in self.authors:
            return True
        if self.topics and self.topics.intersection(row.get("topics") or ()):
            return True
        return bool(self.terms and self.terms.search(f"{row.get('title', '')}\n{row.get('text', '')}"))


def rules_of(brand) -> list[Rules]:
    """The brand's active incidents that have rules, loaded once per ingestion."""
    rules = []
    for incident in Incident.objects.unscoped().filter(brands=brand, status__in=ACTIVE).order_by("declared_at"):
        terms = [term.strip() for term in incident.link_terms if term.strip()]
        pattern = None
        if terms:
            # a term is a word or phrase (a hashtag keeps its #), matched whole and in any case
            alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
            pattern = re.compile(rf"(?<![\w#])(?:{alternatives})(?!\w)", re.IGNORECASE)
        authors = frozenset(author.strip().casefold().lstrip("@") for author in incident.link_authors if author.strip())
        topics = frozenset(incident.link_topics)
        if pattern or authors or topics:
            since = min(incident.started_at or incident.declared_at, incident.declared_at) - LOOK_BACK
            rules.append(Rules(incident.pk, incident.private, incident.title, pattern, authors, topics, since))
    return rules


def link_new_mentions(rows: list[dict], context) -> None:
    """Ingest step (after risk rates, before routing assigns): mark the matches, raise them."""
    rules = context.extras.get("incidents")
    if rules is None:
        rules = context.extras["incidents"] = rules_of(context.brand)
    if not rules:
        return
    setup = None
    for row in rows:
        matched = [rule for rule in rules if rule.match(row)]
        if not matched:
            continue
        row["_incidents"] = [rule.incident_id for rule in matched]
        first = matched[0]
        setup = setup or risk_setup(context)
        lift = max(0, setup.rules.high_from - (row.get("risk_score") or 0))
        detail = {"incident": first.incident_id, "title": "" if first.private else first.title}
        row["risk_factors"] = [*(row.get("risk_factors") or []), {"factor": INCIDENT, "points": lift, "detail": detail}]
        if LEVELS.index(row.get("risk_level") or RiskLevel.LOW) < LEVELS.index(RiskLevel.HIGH):
            row["risk_score"] = (row.get("risk_score") or 0) + lift
            row["risk_level"] = RiskLevel.HIGH
            row["response_due_at"], row["response_warn_at"] = setup.deadlines(RiskLevel.HIGH, row["ingested_at"])


def store_links(cursor, created: dict[int, dict]) -> None:
    """After the insert: the marked mentions' links, in one statement."""
    pairs = [
        (incident_id, mention_id) for mention_id, row in created.items() for incident_id in row.get("_incidents", ())
    ]
    if not pairs:
        return
    client_id = next(iter(created.values()))["client_id"]
    cursor.execute(
        linking_sql(
            "SELECT %s, pair.incident, pair.mention, %s, NULL::bigint, now(), m.platform, m.posted_at, m.sentiment "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS pair(incident, mention) "
            f"JOIN {Mention._meta.db_table} AS m ON m.id = pair.mention"
        ),
        [client_id, LinkReason.RULE, [pair[0] for pair in pairs], [pair[1] for pair in pairs]],
    )
