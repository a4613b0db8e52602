"""Reads for mentions, always through the scoping rule: the inbox, one mention and what surrounds it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.models import AuditEvent
from apps.tenants.models import BRAND_LANGUAGES, Brand, Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import client_ids_with_perm, users_with_client_perm

from . import events
from .models import (
    DUE_KEY,
    FAR_FUTURE,
    IN_INBOX,
    OPEN_STATUSES,
    RISK_KEY,
    Mention,
    MentionLink,
    MentionNote,
    SavedView,
    Topic,
)

PAGE_SIZE = 50
# Each language is stemmed with its own configuration in the search column (migration 0004),
# and a mention must match the query as read in its own language: "leveringen" finds Danish
# "levering", and "-promised" excludes an English "promise". The query read in every language
# at once (OR) is a superset the GIN index can answer; the per-language test then decides.
SEARCH_CONFIGS = {"da": "danish", "nb": "norwegian", "de": "german", "en": "english"}  # others: simple
_TABLE = Mention._meta.db_table
_ANY_LANGUAGE_SQL = " || ".join(
    f"websearch_to_tsquery('{config}', %s)" for config in (*SEARCH_CONFIGS.values(), "simple")
)
_OWN_LANGUAGE_SQL = (
    f'CASE "{_TABLE}"."language" '
    + " ".join(f"WHEN '{code}' THEN websearch_to_tsquery('{config}', %s)" for code, config in SEARCH_CONFIGS.items())
    + " ELSE websearch_to_tsquery('simple', %s) END"
)
_QUERY_PARTS = len(SEARCH_CONFIGS) + 1
SNIPPET_CHARS = 280


def mention_exists(*, user: User, client: Client, pk: int) -> bool:
    return Mention.objects.visible_to(user).filter(client=client, pk=pk).exists()


def mention_of(*, user: User, client: Client, pk: int) -> Mention | None:
    return (
        Mention.objects.visible_to(user)
        .filter(client=client, pk=pk)
        .select_related("brand", "source", "assignee", "client")
        .first()
    )


def mentions_of(*, user: User, client: Client, ids) -> list[Mention]:
    return list(Mention.objects.visible_to(user).filter(client=client, pk__in=list(ids)).select_related("client"))


def workers_of(*, client: Client) -> QuerySet[User]:
    """People who may be given this client's mentions: those who work them there, and admins."""
    return users_with_client_perm(client, ClientPerm.WORK_MENTIONS).order_by("email")


# --- The inbox -------------------------------------------------------------------------------


class BadCursor(ValueError):
    """A page link that does not fit the sort it is used with (edited, or from another sort)."""

    message = _("This page link does not fit the list any more; start from the first page.")


@dataclass
class InboxPage:
    mentions: list
    sort: str
    next_cursor: str = ""


def encode_cursor(*, sort: str, mention: Mention) -> str:
    """The page link value that continues after `mention` in `sort` order."""
    if sort == "risk":
        key = mention.risk_score if mention.risk_score is not None else -1
    elif sort == "due":
        key = (mention.response_due_at or FAR_FUTURE).isoformat()
    elif sort == "relevance":
        key = mention.rank
    else:
        key = mention.posted_at.isoformat()
    raw = json.dumps([sort, key, mention.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(sort: str, token: str):
    try:
        padded = token + "=" * (-len(token) % 4)
        cursor_sort, key, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if cursor_sort != sort or not isinstance(pk, int) or isinstance(pk, bool):
            raise BadCursor
        if sort == "risk" and isinstance(key, int) and not isinstance(key, bool):
            return key, pk
        if sort == "relevance" and isinstance(key, int | float) and not isinstance(key, bool):
            return float(key), pk
        if sort in ("due", "newest") and isinstance(key, str):
            moment = datetime.fromisoformat(key)
            if moment.tzinfo is None:
                raise BadCursor
            return moment, pk
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise BadCursor from error
    raise BadCursor


def _own_language_query(q: str) -> tuple[str, list[str]]:
    return _OWN_LANGUAGE_SQL, [q] * _QUERY_PARTS


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_mentions(*, user: User, filters: dict, clients: list[Client] | None = None) -> QuerySet[Mention]:
    """Mentions of `clients` (all the user may see when None) that pass the inbox filters."""
    q = (filters.get("q") or "").strip()
    if q:
        mentions = _searchable(user, clients)
    else:
        mentions = Mention.objects.visible_to(user)
        if clients is not None:
            ids = [client.pk for client in clients]
            mentions = mentions.filter(client_id=ids[0]) if len(ids) == 1 else mentions.filter(client_id__in=ids)
    if not filters.get("archived"):
        mentions = mentions.filter(IN_INBOX)
    statuses = set(filters.get("status") or ["open"])
    if "all" not in statuses:
        if "open" in statuses:
            statuses = (statuses - {"open"}) | set(OPEN_STATUSES)
        mentions = mentions.filter(status__in=sorted(statuses))
    for field, name in (("risk_level", "risk"), ("platform", "channel"), ("sentiment", "sentiment"), ("kind", "kind")):
        if filters.get(name):
            mentions = mentions.filter(**{f"{field}__in": filters[name]})
    if languages := filters.get("language"):
        named = [language for language in languages if language not in ("unknown", "other")]
        condition = Q(language__in=named) if named else Q(pk__in=[])
        if "other" in languages:  # whatever detection called another language: "fr", "sv", "ja"
            condition |= ~Q(language__in=[*(code for code, _ in BRAND_LANGUAGES), ""])
        mentions = mentions.filter(condition | Q(language="") if "unknown" in languages else condition)
    if topic := filters.get("topic"):
        mentions = mentions.filter(topics__contains=[topic])
    assignee = filters.get("assignee")
    if assignee == "me":
        mentions = mentions.filter(assignee=user)
    elif assignee == "none":
        mentions = mentions.filter(assignee=None)
    elif assignee:
        mentions = mentions.filter(assignee_id=int(assignee))
    if filters.get("brand"):
        mentions = mentions.filter(brand_id=filters["brand"])
    if since := filters.get("since"):
        mentions = mentions.filter(posted_at__gte=_day_start(_as_date(since)))
    # The last day a date can name has no day after it: nothing is posted later.
    if (until := filters.get("until")) and _as_date(until) < date.max:
        mentions = mentions.filter(posted_at__lt=_day_start(_as_date(until) + timedelta(days=1)))
    if arrived_from := filters.get("arrived_from"):
        mentions = mentions.filter(ingested_at__gte=_as_datetime(arrived_from))
    if arrived_to := filters.get("arrived_to"):
        mentions = mentions.filter(ingested_at__lt=_as_datetime(arrived_to))
    if q:
        vector = f'"{_TABLE}"."search_vector"'
        match = f"{vector} @@ ({_ANY_LANGUAGE_SQL}) AND {vector} @@ ({_OWN_LANGUAGE_SQL})"
        mentions = mentions.filter(RawSQL(match, [q] * 2 * _QUERY_PARTS, output_field=BooleanField()))  # noqa: S611
    return mentions


def _searchable(user: User, clients: list[Client]) -> QuerySet[Mention]:
    """Mentions a search may return: scoped by hand, with the rule of `visible_to`.

    Given an indexable client condition, the planner ANDs the text index with a bitmap of the
    client's whole share (170,000 entries for a big client: 30 ms); compared as an expression
    (client_id + 0), the client is checked on the text index's few candidates instead (5 ms).
    """
    if not user.is_authenticated or not user.is_active:
        return Mention.objects.none()
    visible = None if user.is_agency_admin else set(client_ids_with_perm(user, ClientPerm.VIEW))
    wanted = None if clients is None else {client.pk for client in clients}
    allowed = wanted if visible is None else visible if wanted is None else wanted & visible
    mentions = Mention.objects.unscoped().alias(client_key=F("client_id") + 0)
    return mentions if allowed is None else mentions.filter(client_key__in=sorted(allowed))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def default_sort(*, filters: dict) -> str:
    return "relevance" if (filters.get("q") or "").strip() else "risk"


def inbox_page(
    *, user: User, filters: dict, clients: list[Client] | None = None, after: str = "", size: int = PAGE_SIZE
) -> InboxPage:
    """One page of the inbox in keyset order: as fast 500 pages deep as on the first.

    Raises BadCursor for a page link that does not belong to this sort.
    """
    sort = filters.get("sort") or default_sort(filters=filters)
    if sort == "relevance" and not (filters.get("q") or "").strip():
        sort = "risk"
    mentions = filtered_mentions(user=user, filters=filters, clients=clients)
    key_sql = {
        "risk": f'COALESCE(("{_TABLE}"."risk_score")::integer, -1)',
        "due": f'COALESCE("{_TABLE}"."response_due_at", \'9999-12-31 00:00:00+00:00\'::timestamptz)',
        "newest": f'"{_TABLE}"."posted_at"',
    }
    if sort == "relevance":
        sql, params = _own_language_query(filters["q"].strip())
        # ts_rank is a real; as a double its value survives the page link exactly, so the
        # keyset comparison meets the rows of equal rank again instead of skipping them.
        rank_sql = f'ts_rank("{_TABLE}"."search_vector", ({sql}))::double precision'
        mentions = mentions.annotate(rank=RawSQL(rank_sql, params))  # noqa: S611
        order = [F("rank").desc(), F("id").desc()]
    elif sort == "risk":
        order = [RISK_KEY.desc(), F("id").desc()]
    elif sort == "due":
        order = [DUE_KEY.asc(), F("id").asc()]
    else:
        order = [F("posted_at").desc(), F("id").desc()]
    if after:
        key, pk = _decode_cursor(sort, after)
        if sort == "relevance":
            comparison, params = f'({rank_sql}, "{_TABLE}"."id") < (%s, %s)', [*params, key, pk]
        elif sort == "due":
            comparison, params = f'({key_sql["due"]}, "{_TABLE}"."id") > (%s, %s)', [key, pk]
        else:
            comparison, params = f'({key_sql[sort]}, "{_TABLE}"."id") < (%s, %s)', [key, pk]
        # Constant SQL around parameters; row comparison walks the sort's index (keyset paging).
        mentions = mentions.filter(RawSQL(comparison, params, output_field=BooleanField()))  # noqa: S611
    rows = _as_rows(mentions.order_by(*order)[: size + 1], ranked=sort == "relevance")
    page = InboxPage(mentions=rows[:size], sort=sort)
    if len(rows) > size:
        page.next_cursor = encode_cursor(sort=sort, mention=rows[size - 1])
    return page


@dataclass(slots=True)
class InboxRow:
    """What a row of the inbox shows, and no more: model instances would be most of a page's cost."""

    pk: int
    client_id: int
    client_slug: str
    client_name: str
    brand_name: str
    assignee_id: int | None
    assignee_full_name: str | None
    assignee_email: str | None
    platform: str
    title: str
    snippet: str
    author_name: str
    author_handle: str
    author_followers: int | None
    language: str
    sentiment: str
    kind: str
    topics: list
    status: str
    posted_at: datetime
    posted_at_known: bool
    risk_score: int | None
    risk_level: str
    response_due_at: datetime | None
    response_warn_at: datetime | None
    first_response_at: datetime | None
    rank: float | None = None
    # Filled by the view for display.
    url: str = ""
    status_label: str = ""
    sentiment_label: str = ""
    kind_label: str = ""
    risk_label: str = ""

    @property
    def assignee_name(self) -> str:
        return self.assignee_full_name or self.assignee_email or ""


_ROW_COLUMNS = (
    *("id", "client_id", "client_slug", "client_name", "brand_name"),
    *("assignee_id", "assignee_full_name", "assignee_email"),
    *("platform", "title", "snippet", "author_name", "author_handle", "author_followers", "language"),
    *("sentiment", "kind", "topics", "status", "posted_at", "posted_at_known", "risk_score", "risk_level"),
    *("response_due_at", "response_warn_at", "first_response_at"),
)


def _name_of(model, field: str, key: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values(field)[:1])


def _as_rows(mentions: QuerySet[Mention], *, ranked: bool = False) -> list[InboxRow]:

    columns = (*_ROW_COLUMNS, "rank") if ranked else _ROW_COLUMNS
    # Names as subqueries, not joins: PostgreSQL works them out for the page's rows only, after
    # the sort. A text match is estimated at one row, and the joins ran as nested loops over
    # every candidate (5 ms for 600).
    rows = mentions.annotate(
        snippet=Substr("text", 1, SNIPPET_CHARS),
        client_slug=_name_of(Client, "slug", "client_id"),
        client_name=_name_of(Client, "name", "client_id"),
        brand_name=_name_of(Brand, "name", "brand_id"),
        assignee_full_name=_name_of(User, "full_name", "assignee_id"),
        assignee_email=_name_of(User, "email", "assignee_id"),
    ).values_list(*columns)
    return [InboxRow(*values) for values in rows]


def new_since(*, user: User, filters: dict, clients: list[Client] | None = None, newest_id: int) -> int:
    """How many mentions passing the filters arrived after the one with `newest_id` (at most 100)."""
    return (
        filtered_mentions(user=user, filters=filters, clients=clients)
        .filter(pk__gt=newest_id)
        .values("pk")[:100]
        .count()
    )


def changed_since(*, user: User, clients: list[Client], mention_ids, since: datetime) -> list[int]:
    """Of the mentions on screen, those someone changed after `since` (the audit trail is the change log)."""

    if not mention_ids:
        return []
    # Unscoped on purpose: the audit page's own right is not needed to see that a mention one
    # works on changed. The callers checked the right to work each of `clients`.
    events = AuditEvent.objects.unscoped().filter(
        client_id__in=[client.pk for client in clients],
        occurred_at__gt=since,
        target_type=Mention._meta.label_lower,
        target_id__in=[str(pk) for pk in mention_ids],
    )
    return sorted({int(pk) for pk in events.values_list("target_id", flat=True)})


def inbox_rows(*, user: User, clients: list[Client], ids) -> list[Mention]:
    """Fresh rows for the given mentions, as the inbox shows them."""
    mentions = Mention.objects.visible_to(user).filter(
        client_id__in=[client.pk for client in clients], pk__in=list(ids)
    )
    return _as_rows(mentions)


def inbox_choices(*, client: Client) -> dict:
    """What the filter and bulk menus offer: brands, people, topics. Cached a minute: every page shows them."""
    from django.core.cache import cache

    key = f"inbox:choices:{client.pk}"
    choices = cache.get(key)
    if choices is None:
        choices = {
            "brands": list(client.brands.order_by("name").values_list("pk", "name")),
            "workers": [(person.pk, person.display_name) for person in workers_of(client=client)],
            "topics": sorted(set(Topic.objects.unscoped().filter(client=client).values_list("name", flat=True))),
        }
        cache.set(key, choices, 60)
    return choices


# --- Saved views -----------------------------------------------------------------------------


def saved_views_of(*, user: User, client: Client) -> QuerySet[SavedView]:
    """The user's own views and those shared with the client team."""
    return SavedView.objects.visible_to(user).filter(Q(owner=user) | Q(shared=True), client=client)


def saved_view_counts(*, user: User, client: Client, views) -> dict[int, int]:
    """How many mentions each view shows now (cached briefly: counting is the dear part)."""
    from django.core.cache import cache

    counts = {}
    for view in views:
        # A digest, not hash(): that differs between processes, and every web worker shares the cache.
        digest = hashlib.sha256(json.dumps(view.filters, sort_keys=True).encode()).hexdigest()[:16]
        key = f"inbox:count:{client.pk}:{user.pk}:{view.pk}:{digest}"
        count = cache.get(key)
        if count is None:
            count = filtered_mentions(user=user, filters=view.filters, clients=[client]).count()
            cache.set(key, count, 60)
        counts[view.pk] = count
    return counts


# --- Around one mention ----------------------------------------------------------------------


def conversation_of(*, user: User, mention: Mention) -> tuple[Mention | None, list[Mention]]:
    """The post it answers and the answers to it, where the platform told us."""
    same_place = Mention.objects.visible_to(user).filter(client_id=mention.client_id, platform=mention.platform)
    parent = None
    if mention.parent_external_id:
        parent = same_place.filter(external_id=mention.parent_external_id).defer("raw").first()
    replies = list(
        same_place.filter(parent_external_id=mention.external_id).defer("raw").order_by("posted_at", "id")[:50]
    )
    return (_of_client(parent, mention) if parent else None), [_of_client(reply, mention) for reply in replies]


def _of_client(other: Mention, mention: Mention) -> Mention:
    """A mention of the same client: its links (get_absolute_url) need the client, which the
    page has already; without this each row read its client again."""
    other.client = mention.client
    return other


RELATED_TOPIC_WINDOW = timedelta(days=14)


def related_of(*, user: User, mention: Mention, limit: int = 10) -> dict[str, list[Mention]]:
    """Mentions by the same author, on the same topics lately, and those a person linked to it."""
    base = (
        Mention.objects.visible_to(user)
        .filter(IN_INBOX, client_id=mention.client_id)
        .exclude(pk=mention.pk)
        .defer("raw")
    )
    related = {"author": [], "topic": [], "linked": []}
    if mention.author_handle:
        related["author"] = list(base.filter(author_handle=mention.author_handle).order_by("-posted_at")[:limit])
    if mention.topics:
        # Two weeks either side: bounded, so the newest-first index is read from the window's end,
        # not from today down to an old mention.
        window = (mention.posted_at - RELATED_TOPIC_WINDOW, mention.posted_at + RELATED_TOPIC_WINDOW)
        related["topic"] = list(
            base.filter(topics__overlap=mention.topics, posted_at__range=window).order_by("-posted_at", "-id")[:limit]
        )
    links = MentionLink.objects.visible_to(user).filter(
        Q(first=mention) | Q(second=mention), client_id=mention.client_id
    )
    linked_ids = {pk for pair in links.values_list("first_id", "second_id") for pk in pair} - {mention.pk}
    if linked_ids:
        related["linked"] = list(base.filter(pk__in=linked_ids).order_by("posted_at", "id")[: limit * 5])
    return {key: [_of_client(other, mention) for other in rows] for key, rows in related.items()}


def notes_of(*, mention: Mention) -> QuerySet[MentionNote]:
    return mention.notes.select_related("author")


def timeline_of(*, mention: Mention, limit: int = 100) -> list:
    """What happened to the mention, newest first, from the audit trail, ending with its arrival.

    Unscoped on purpose, like `changed_since`: whoever may open the mention sees its own history,
    without the right to read the client's whole audit trail.
    """

    trail = AuditEvent.objects.unscoped().filter(
        client_id=mention.client_id, target_type=Mention._meta.label_lower, target_id=str(mention.pk)
    )
    timeline = list(trail.order_by("-occurred_at", "-id")[:limit])
    if len(timeline) < limit:
        # Routing's assignment on arrival is kept on the mention, not in the trail (routing.pipeline):
        # it is the assignee the first later assignment replaced, or else the present one.
        assignments = [event for event in timeline if event.action == "mention.assigned"]
        on_arrival = (assignments[-1].before or {}).get("assignee_id") if assignments else mention.assignee_id
        if on_arrival is not None:
            timeline.append(events.mention_assigned_on_arrival(mention, on_arrival))
    return timeline
