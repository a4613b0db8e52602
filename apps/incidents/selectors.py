"""Reads of incidents, always through the scoping rule (a private incident: its members only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.mentions.models import NEEDS_NO_ANSWER, Mention, Topic
from apps.tenants.models import Client
from apps.tenants.roles import AGENCY_ROLES, ClientPerm
from apps.tenants.scoping import user_has_client_perm

from .models import (
    ConversationCount,
    CrisisType,
    Incident,
    IncidentMember,
    IncidentMention,
    IncidentStatus,
    LibraryStatement,
    PlaybookItem,
    Severity,
    Statement,
    TimelineEntry,
)

OPEN = (IncidentStatus.ACTIVE, IncidentStatus.CONTAINED)


def incidents_of(*, user: User, client: Client, status: str = "") -> QuerySet[Incident]:
    incidents = Incident.objects.visible_to(user).filter(client=client).select_related("crisis_type")
    if status == "open":
        incidents = incidents.filter(status__in=OPEN)
    elif status:
        incidents = incidents.filter(status=status)
    return incidents.prefetch_related("brands").order_by("-declared_at", "-id")


def in_active_incidents(*, mention_ids: list[int]) -> set[int]:
    """Of these mentions, those linked to an open incident: its team has them in hand."""
    return set(
        IncidentMention.objects.filter(mention_id__in=mention_ids, incident__status__in=OPEN).values_list(
            "mention_id", flat=True
        )
    )


def open_incident_choices(*, user: User, client: Client) -> list[tuple[int, str]]:
    """The client's open incidents this user may see, newest first: the inbox links to them."""
    incidents = Incident.objects.visible_to(user).filter(client=client, status__in=OPEN).order_by("-declared_at")
    return list(incidents.values_list("pk", "title")[:50])


def members_of(*, incident: Incident) -> list[IncidentMember]:
    return list(IncidentMember.objects.filter(incident=incident).select_related("user").order_by("role"))


def timeline_of(*, user: User, incident: Incident) -> QuerySet[TimelineEntry]:
    """The whole timeline for the agency's team; the client-visible entries for the client's people."""
    entries = TimelineEntry.objects.filter(incident=incident).select_related("actor")
    if not user_has_client_perm(user, incident.client, ClientPerm.READ_WORK):
        entries = entries.filter(client_visible=True)
    return entries


def topic_names(*, client: Client) -> list[str]:
    return sorted(set(Topic.objects.unscoped().filter(client=client).values_list("name", flat=True)))


def step_of(*, incident: Incident, item_id: int | None) -> PlaybookItem | None:
    """A step of this incident (the incident already read through the scoping rule)."""
    return PlaybookItem.objects.filter(incident=incident, pk=item_id or 0).first()


def shared_timeline_of(*, incident: Incident) -> QuerySet[TimelineEntry]:
    """What the client's people see of the timeline."""
    return TimelineEntry.objects.filter(incident=incident, client_visible=True).select_related("actor")


def playbook_of(*, incident: Incident) -> list[PlaybookItem]:
    return list(PlaybookItem.objects.filter(incident=incident).select_related("done_by"))


def crisis_types() -> QuerySet[CrisisType]:
    return CrisisType.objects.filter(active=True)


def severities() -> dict[int, Severity]:
    """What each severity means here (the agency's words), by level."""
    return {severity.level: severity for severity in Severity.objects.all()}


def people_for_roles(*, client: Client) -> QuerySet[User]:
    """The agency's team at the client: who can take an incident role."""
    return (
        User.objects.filter(is_active=True, memberships__client=client, memberships__role__in=AGENCY_ROLES)
        .distinct()
        .order_by("full_name", "email")
    )


def library_for(*, user: User, incident: Incident) -> QuerySet[LibraryStatement]:
    """The client's library texts that fit the incident's kind of crisis (or any kind)."""
    return (
        LibraryStatement.objects.visible_to(user)
        .filter(client_id=incident.client_id)
        .filter(Q(crisis_type=None) | Q(crisis_type_id=incident.crisis_type_id))
        .order_by("name", "language", "channel")
    )


def library_of(*, user: User, client: Client) -> list[LibraryStatement]:
    """The client's holding-statement library, with who approved each."""
    return list(
        LibraryStatement.objects.visible_to(user)
        .filter(client=client)
        .select_related("crisis_type", "approved_by")
        .order_by("name", "language", "channel")
    )


def statements_of(*, user: User, incident: Incident) -> list[Statement]:
    """The incident's statements with their answers' current text and state, oldest first."""
    return list(
        Statement.objects.visible_to(user)
        .filter(incident=incident)
        .select_related("answer__current_version", "answer__source", "answer__published_by")
        .order_by("created_at", "pk")
    )


def statement_of(*, user: User, incident: Incident, statement_id: int | None) -> Statement | None:
    return (
        Statement.objects.visible_to(user)
        .filter(incident=incident, pk=statement_id or 0)
        .select_related("answer__current_version", "answer__mention", "answer__source", "answer__client")
        .first()
    )


# A link whose mention is answered, archived or needs no answer: mentions.models.UNANSWERED, negated.
ANSWERED = (
    Q(mention__first_response_at__isnull=False)
    | Q(mention__archived_at__isnull=False)
    | Q(mention__status__in=NEEDS_NO_ANSWER)
)
MOST_LANES = 8
HOURLY_FOR = timedelta(hours=72)  # a younger incident is counted by the hour, an older one by the day


@dataclass
class Lane:
    """One channel of the conversation about an incident."""

    channel: str
    total: int = 0
    unanswered: int = 0
    newest: list[IncidentMention] = field(default_factory=list)


@dataclass
class Conversation:
    lanes: list[Lane]
    counts: list[dict]  # {"channel", "at", "tone", "mentions"}: per channel, time bucket and tone
    bucket: str  # "hour" or "day"
    total: int
    unanswered: int


def conversation_of(*, incident: Incident, newest: int = 3) -> Conversation:
    """The incident's linked mentions across channels: a lane per channel (the busiest first)
    with its count, what is unanswered and its newest mentions, and the counts per channel, time
    and tone. The counts are the incident's ConversationCount rows, kept as mentions are linked."""
    since = incident.started_at or incident.declared_at
    bucket = "hour" if timezone.now() - since <= HOURLY_FOR else "day"
    lanes: dict[str, Lane] = {}
    buckets: dict[tuple, int] = {}
    rows = ConversationCount.objects.filter(incident=incident, mentions__gt=0).values_list(
        "platform", "hour", "sentiment", "mentions"
    )
    for platform, hour, sentiment, mentions in rows:
        lanes.setdefault(platform, Lane(platform)).total += mentions
        at = hour if bucket == "hour" else timezone.localtime(hour).replace(hour=0, minute=0, second=0)
        key = (platform, at, sentiment or "unknown")
        buckets[key] = buckets.get(key, 0) + mentions
    counts = [
        {"channel": channel, "at": at, "tone": tone, "mentions": n}
        for (channel, at, tone), n in sorted(buckets.items())
    ]
    answered = dict(
        IncidentMention.objects.filter(incident=incident)
        .filter(ANSWERED)
        .values("platform")
        .annotate(n=Count("*"))
        .values_list("platform", "n")
    )
    shown = sorted(lanes.values(), key=lambda lane: (-lane.total, lane.channel))[:MOST_LANES]
    for lane in shown:
        lane.unanswered = lane.total - answered.get(lane.channel, 0)
        lane.newest = list(
            IncidentMention.objects.filter(incident=incident, platform=lane.channel)
            .select_related("mention", "mention__client")
            .order_by("-posted_at")[:newest]
        )
    total = sum(lane.total for lane in lanes.values())
    return Conversation(
        lanes=shown,
        counts=counts,
        bucket=bucket,
        total=total,
        unanswered=total - sum(answered.values()),
    )


def unanswered_of(*, incident: Incident, count: int = 10) -> list[IncidentMention]:
    """The linked mentions waiting longest for an answer."""
    return list(
        IncidentMention.objects.filter(incident=incident)
        .exclude(ANSWERED)
        .select_related("mention", "mention__client")
        .order_by("posted_at")[:count]
    )


def incidents_linking(*, user: User, mention: Mention) -> list[IncidentMention]:
    """The links of a mention to the incidents this person may see (a private one: its members)."""
    visible = Incident.objects.visible_to(user).filter(client_id=mention.client_id)
    return list(
        IncidentMention.objects.filter(mention=mention, incident__in=visible)
        .select_related("incident__client")
        .order_by("-incident__declared_at")
    )


def private_statement_answers(*, user: User, client: Client) -> QuerySet:
    """The answer ids of the statements of private incidents this person is not in (answers_hidden)."""
    return (
        Statement.objects.unscoped()
        .filter(client=client, incident__private=True)
        .exclude(incident__members__user_id=user.pk)
        .values("answer_id")
    )


def is_private_statement(*, answer) -> bool:
    """A private incident's statement: its notices stay off the client's webhooks."""
    return (
        answer.mention_id is None
        and Statement.objects.unscoped().filter(answer_id=answer.pk, incident__private=True).exists()
    )
