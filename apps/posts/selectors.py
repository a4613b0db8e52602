"""Reads of scheduled posts: the list, the calendar, the held queue, the holds."""

from __future__ import annotations

import calendar as month_grid
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone
from django.utils.text import Truncator

from apps.accounts.models import ApiToken, User
from apps.incidents.models import Incident
from apps.listening.models import Source
from apps.responses.publishing import can_post_from
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import users_with_client_perm

from .models import CredentialRotation, Hold, PostState, PublishingLock, ScheduledPost

PER_DAY = 4  # the calendar shows this many posts a day, and how many more


def posts_of(*, user: User, client: Client, state: str = "") -> QuerySet[ScheduledPost]:
    posts = (
        ScheduledPost.objects.visible_to(user)
        .filter(client=client)
        .select_related("brand", "answer__current_version", "held_by")
        .prefetch_related("channels__source")
    )
    return posts.filter(state=state) if state else posts


def post_of(*, user: User, client: Client, pk: int) -> ScheduledPost | None:
    return posts_of(user=user, client=client).filter(pk=pk).first()


def held_queue(*, user: User, client: Client) -> list[ScheduledPost]:
    """What waits to be released, the longest overdue first."""
    return list(posts_of(user=user, client=client, state=PostState.HELD).order_by("due_at", "pk"))


def holds_of(*, user: User, client: Client, current: bool = True) -> list[Hold]:
    holds = Hold.objects.visible_to(user).filter(client=client).select_related("brand", "set_by", "incident")
    if current:
        holds = holds.filter(lifted_at__isnull=True)
    now = timezone.now()
    return [hold for hold in holds.order_by("-starts_at") if not current or hold.is_on(now) or hold.starts_at > now]


@dataclass
class Day:
    day: date
    in_month: bool
    count: int = 0
    posts: list[ScheduledPost] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.posts)


def _flag_pattern(holds: list[Hold]) -> re.Pattern | None:
    """The incidents' terms of the holds on: another brand's post that says them is flagged."""
    terms = sorted(
        {term for hold in holds if hold.incident is not None for term in hold.incident.link_terms if term.strip()}
    )
    if not terms:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(term)}(?!\w)" for term in terms), re.IGNORECASE)


def calendar_of(*, user: User, client: Client, first: date, last: date, per_day: int = PER_DAY) -> dict:
    """The days from `first` to `last` (the client's time zone), each with its number of posts
    and the first `per_day` of them; posts held, in a held scope, or (during a hold) of another
    brand saying an incident's terms are marked. Two queries for the posts however many."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    posts = ScheduledPost.objects.visible_to(user).filter(client=client, due_at__gte=start, due_at__lt=end)
    posts = posts.exclude(state=PostState.CANCELLED)
    counts = dict(
        posts.annotate(day=TruncDate("due_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    # The first `per_day` of each day by id alone (no joins while ranking), then those few whole.
    first_ids = posts.annotate(
        rank=Window(RowNumber(), partition_by=TruncDate("due_at", tzinfo=zone), order_by=[F("due_at"), F("id")])
    ).filter(rank__lte=per_day)
    ranked = (
        ScheduledPost.objects.visible_to(user)
        .filter(pk__in=list(first_ids.values_list("id", flat=True)))
        .select_related("brand", "answer__current_version")
        .order_by("due_at", "id")
    )
    days: dict[date, Day] = {}
    day = first
    while day <= last:
        days[day] = Day(day=day, in_month=True, count=counts.get(day, 0))
        day += timedelta(days=1)
    holds = [
        hold
        for hold in Hold.objects.visible_to(user)
        .filter(client=client, lifted_at__isnull=True)
        .select_related("incident")
        if hold.is_on(timezone.now())
    ]
    pattern = _flag_pattern(holds)
    held_brands = {hold.brand_id for hold in holds}
    for post in ranked:
        post.flagged = bool(
            pattern
            and post.brand_id not in held_brands
            and None not in held_brands
            and pattern.search(post.answer.current_version.text)
        )
        post.in_held_scope = None in held_brands or post.brand_id in held_brands
        local = timezone.localtime(post.due_at)
        post.local_time, post.snippet = local.strftime("%H:%M"), Truncator(post.answer.current_version.text).chars(70)
        days[local.date()].posts.append(post)
    return {"days": list(days.values()), "holds": holds}


def month_days(*, year: int, month: int) -> tuple[date, date]:
    """The Monday before the month's first day to the Sunday after its last: a full grid."""
    weeks = month_grid.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return weeks[0][0], weeks[-1][-1]


def holds_for_incident(*, incident: Incident) -> list[Hold]:
    """The holds of the incident's client that are on and belong to it."""
    now = timezone.now()
    holds = Hold.objects.unscoped().filter(incident=incident, lifted_at__isnull=True).select_related("brand")
    return [hold for hold in holds if hold.is_on(now)]


@dataclass
class Account:
    """One of the client's brand accounts the app publishes from, and who may publish."""

    source: object
    lock: object | None
    rotated_at: datetime | None


def accounts_of(*, user: User, client: Client) -> dict:
    """The client's accounts the app publishes from, with their lock and last credential
    change, and who can publish through the app (people with the right, their API tokens)."""
    sources = [
        s for s in Source.objects.visible_to(user).filter(client=client).select_related("brand") if can_post_from(s)
    ]
    locks = {
        lock.source_id: lock
        for lock in PublishingLock.objects.visible_to(user)
        .filter(client=client, unlocked_at__isnull=True)
        .select_related("incident", "locked_by")
    }
    rotated = dict(
        CredentialRotation.objects.visible_to(user).filter(client=client).values_list("source_id", "rotated_at")
    )
    people = list(users_with_client_perm(client, ClientPerm.WORK_MENTIONS).order_by("email"))
    now = timezone.now()
    tokens = list(
        ApiToken.objects.filter(user__in=people, revoked_at__isnull=True)
        .exclude(expires_at__lt=now)
        .select_related("user")
        .order_by("user__email", "name")
    )
    return {
        "accounts": [
            Account(s, locks.get(s.pk), rotated.get(s.pk))
            for s in sorted(sources, key=lambda s: (s.brand.name, s.name))
        ],
        "people": people,
        "tokens": tokens,
    }
