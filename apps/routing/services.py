"""Writes for routing: assignment by hand and by the clock, routing policies, the on-call rota."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Availability, User
from apps.core.audit import changed_fields
from apps.core.numbers import column_range, in_column_range
from apps.core.registry import Registry
from apps.core.services import model_update
from apps.mentions.locks import mention_locked
from apps.mentions.models import OPEN_WORK, UNANSWERED, URGENT, Mention, MentionStatus, RiskLevel
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm, works_mentions_somewhere
from apps.tenants.selectors import schedule_of
from apps.tenants.services import require_client_perm

from .events import (
    availability_changed_event,
    mention_assigned_event,
    responder_capacity_changed_event,
    routing_policy_saved_event,
    shift_deleted_event,
    shift_saved_event,
)
from .models import OnCallShift, RoutingMode, RoutingPolicy
from .selectors import escalation_contacts, roster_of, routing_policy_of

POLICY_FIELDS = ["mode", "default_capacity", "high_risk_reserve", "reassign_after_minutes"]
# A year: a longer wait is no reassignment at all, and "now minus" it must stay a date.
REASSIGN_MAX_MINUTES = 365 * 24 * 60


def _notify_assignee(mention: Mention, *, reassigned: bool = False) -> None:

    notify(
        event=NotificationEvent.MENTION_REASSIGNED if reassigned else NotificationEvent.MENTION_ASSIGNED,
        client=mention.client,
        recipients=[mention.assignee_id],
        title=_("%(level)s mention for you: %(brand)s")
        % {"level": mention.get_risk_level_display() or _("New"), "brand": mention.brand.name},
        body=mention.text[:280],
        url=mention.get_absolute_url(),
        mention=mention,
        critical=mention.risk_level == RiskLevel.CRITICAL,
    )


def announce_mentions(*, mention_ids: list[int]) -> None:
    """Tell assignees of their new mentions; a critical one also alerts the leads and whoever is on call."""

    contacts_of = escalation_contacts(at=timezone.now())
    mentions = Mention.objects.unscoped().filter(pk__in=mention_ids).select_related("client", "brand")
    for mention in mentions:
        if mention.assignee_id:
            _notify_assignee(mention)
        if mention.risk_level == RiskLevel.CRITICAL:
            notify(
                event=NotificationEvent.MENTION_CRITICAL,
                client=mention.client,
                recipients=contacts_of(mention.client),
                title=_("Critical mention of %(brand)s") % {"brand": mention.brand.name},
                body=mention.text[:280],
                url=mention.get_absolute_url(),
                mention=mention,
                critical=True,
            )


@transaction.atomic
def mention_assign(*, actor: User, mention: Mention, assignee, request: HttpRequest | None = None) -> Mention:
    """Give a mention to someone who works this client's mentions (None: nobody)."""
    require_client_perm(actor=actor, client=mention.client, codename=ClientPerm.WORK_MENTIONS)
    if assignee is not None and not (
        assignee.is_active and user_has_client_perm(assignee, mention.client, ClientPerm.WORK_MENTIONS)
    ):
        raise ValidationError({"assignee": [_("This person does not work this client's mentions.")]})
    mention = mention_locked(mention)
    before_id = mention.assignee_id
    if before_id == (assignee.pk if assignee else None):
        return mention
    mention.assignee, mention.assigned_at = assignee, timezone.now() if assignee else None
    mention.save(update_fields=["assignee", "assigned_at"])
    mention_assigned_event(actor=actor, mention=mention, before_id=before_id, request=request)
    if assignee is not None and assignee != actor:
        _notify_assignee(mention)
    return mention


def reassign_unanswered(*, now: datetime | None = None) -> int:
    """Where a client asks for it, mentions unanswered too long after assignment go to someone else.

    The conditional update (same assignee, same assignment time) makes a racing run a no-op.
    """

    now = now or timezone.now()
    moved = 0
    policies = RoutingPolicy.objects.unscoped().exclude(mode=RoutingMode.OFF).filter(reassign_after_minutes__gt=0)
    for policy in policies.select_related("client"):
        client = policy.client
        stale = Mention.objects.unscoped().filter(
            UNANSWERED,
            OPEN_WORK,  # implied for an unanswered one, and it lets the open-work index serve
            client=client,
            assignee__isnull=False,
            assigned_at__lte=now - timedelta(minutes=policy.reassign_after_minutes),
        )
        if not stale.exists():
            continue
        roster = roster_of(client=client, policy=policy, now=now, open_now=schedule_of(client=client).is_open(now))
        if roster is None:
            continue
        for mention in stale.select_related("client", "brand").order_by("assigned_at")[:200]:
            new_id = roster.choose(exclude=mention.assignee_id, urgent=mention.risk_level in URGENT)
            if new_id is None:
                break
            with transaction.atomic():
                updated = (
                    Mention.objects.unscoped()
                    .filter(pk=mention.pk, assignee_id=mention.assignee_id, assigned_at=mention.assigned_at)
                    .update(assignee_id=new_id, assigned_at=now)
                )
                if not updated:
                    continue
                before_id = mention.assignee_id
                mention.assignee_id, mention.assigned_at = new_id, now
                mention_assigned_event(actor=None, mention=mention, before_id=before_id, reason="no answer in time")
                _notify_assignee(mention, reassigned=True)
                moved += 1
        # Round robin goes on from here next time, as for new mentions.
        if roster.last_id != policy.last_assignee_id:
            RoutingPolicy.objects.unscoped().filter(pk=policy.pk).update(last_assignee_id=roster.last_id)
    return moved


# Lesser work that may go back to the queue to make room: nobody has started on it.
NOT_STARTED = (MentionStatus.NEW, MentionStatus.TRIAGED)


# {key: (mention_ids=) -> set of ids}: urgent mentions another app's people already have in
# hand (incidents: those linked to an active incident, whose team is on them). They are still
# given to responders with room, but nobody is told one by one that they wait.
covered_elsewhere = Registry("urgent mentions covered elsewhere")


def route_waiting_urgent(*, now: datetime | None = None) -> int:
    """High and critical mentions nobody has, each minute: give each to a responder with room;
    where nobody has room, hand a lesser mention nobody has started back to the queue to make
    it; and when an urgent mention still waits URGENT_WAITING_ALERT_MINUTES after it arrived,
    tell the client's account leads and whoever is on call, once. Returns how many were given.
    """
    now = now or timezone.now()
    waiting = Mention.objects.unscoped().filter(UNANSWERED, OPEN_WORK, assignee__isnull=True, risk_level__in=URGENT)
    given = 0
    contacts_of = escalation_contacts(at=now)
    alert_before = now - timedelta(minutes=settings.URGENT_WAITING_ALERT_MINUTES)
    for client in Client.objects.filter(pk__in=waiting.values("client_id").distinct()):
        policy = routing_policy_of(client=client)
        roster = roster_of(client=client, policy=policy, now=now, open_now=schedule_of(client=client).is_open(now))
        # Critical first, then the longest waiting.
        mentions = list(waiting.filter(client=client).select_related("client", "brand").order_by("ingested_at")[:200])
        mentions.sort(key=lambda mention: mention.risk_level != RiskLevel.CRITICAL)
        ids = [mention.pk for mention in mentions]
        covered = set().union(*(covers(mention_ids=ids) for covers in covered_elsewhere))
        for mention in mentions:
            assignee = _room_for_urgent(roster, mention, now) if roster is not None else None
            if assignee is not None and _give(mention, assignee, now, reason="urgent work waiting"):
                given += 1
            elif (
                mention.ingested_at <= alert_before and mention.waiting_alerted_at is None and mention.pk not in covered
            ):
                _alert_waiting(mention, contacts_of(client), now)
        if roster is not None and roster.last_id != policy.last_assignee_id and policy.pk:
            RoutingPolicy.objects.unscoped().filter(pk=policy.pk).update(last_assignee_id=roster.last_id)
    return given


def _room_for_urgent(roster, mention: Mention, now: datetime) -> int | None:
    """A responder with room for this urgent mention, making room if need be: the newest lesser
    mention nobody has started goes back to the queue from someone whom that leaves with room
    (hand assignments may have put people over their capacity), and the urgent one goes to them."""
    chosen = roster.choose(urgent=True)
    if chosen is not None or roster.no_room:
        return chosen
    would_have_room = [r.user_id for r in roster.responders if roster.open[r.user_id] <= r.capacity]
    lesser = (
        Mention.objects.unscoped()
        .filter(OPEN_WORK, client=mention.client, assignee_id__in=would_have_room, status__in=NOT_STARTED)
        .exclude(risk_level__in=URGENT)
        .order_by("-assigned_at", "-pk")
        .select_related("client", "brand")
        .first()
    )
    if lesser is None:
        roster.no_room = True  # nobody will have room for the next urgent one either, this run
        return None
    with transaction.atomic():
        freed = (
            Mention.objects.unscoped()
            .filter(pk=lesser.pk, assignee_id=lesser.assignee_id, status__in=NOT_STARTED)
            .update(assignee=None, assigned_at=None)
        )
        if not freed:
            return None
        before_id = lesser.assignee_id
        lesser.assignee_id, lesser.assigned_at = None, None
        mention_assigned_event(
            actor=None,
            mention=lesser,
            before_id=before_id,
            reason=_("back to the queue to make room for a %(level)s mention")
            % {"level": mention.get_risk_level_display().lower()},
        )
        notify(
            event=NotificationEvent.MENTION_HANDED_BACK,
            client=lesser.client,
            recipients=[before_id],
            title=_("A mention of yours went back to the queue: %(brand)s") % {"brand": lesser.brand.name},
            body=_("It made room for a %(level)s mention that nobody else had room for.")
            % {"level": mention.get_risk_level_display().lower()},
            url=lesser.get_absolute_url(),
            mention=lesser,
        )
    # The freed place is theirs: counted as given again, to them.
    roster.last_id = before_id
    return before_id


def _give(mention: Mention, assignee_id: int, now: datetime, *, reason: str) -> bool:
    with transaction.atomic():
        updated = (
            Mention.objects.unscoped()
            .filter(pk=mention.pk, assignee__isnull=True)
            .update(assignee_id=assignee_id, assigned_at=now)
        )
        if not updated:
            return False
        mention.assignee_id, mention.assigned_at = assignee_id, now
        mention_assigned_event(actor=None, mention=mention, before_id=None, reason=reason)
        _notify_assignee(mention)
    return True


def _alert_waiting(mention: Mention, contacts: list, now: datetime) -> None:
    with transaction.atomic():
        claimed = (
            Mention.objects.unscoped()
            .filter(pk=mention.pk, waiting_alerted_at__isnull=True)
            .update(waiting_alerted_at=now)
        )
        if not claimed:
            return
        minutes = max(int((now - mention.ingested_at).total_seconds() // 60), 1)
        notify(
            event=NotificationEvent.MENTION_WAITING,
            client=mention.client,
            recipients=contacts,
            title=_("%(level)s mention of %(brand)s waits for a responder")
            % {"level": mention.get_risk_level_display(), "brand": mention.brand.name},
            body=_(
                "Nobody on duty has had room for it for %(n)d minutes. Assign it by hand, or free "
                "someone's capacity.\n\n%(text)s"
            )
            % {"n": minutes, "text": mention.text[:280]},
            url=mention.get_absolute_url(),
            mention=mention,
            critical=True,
        )


@transaction.atomic
def routing_policy_save(
    *,
    actor: User,
    client: Client,
    mode: str,
    default_capacity: int,
    reassign_after_minutes: int | None,
    high_risk_reserve: int | None = None,
    request: HttpRequest | None = None,
) -> RoutingPolicy:
    """Save the client's routing policy (`high_risk_reserve` None: keep the one it has)."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    policy = routing_policy_of(client=client)
    if high_risk_reserve is None:  # kept, but never as much as the capacity given with it
        high_risk_reserve = policy.high_risk_reserve
        if isinstance(default_capacity, int) and default_capacity >= 1:
            high_risk_reserve = min(high_risk_reserve, default_capacity - 1)
    errors = {}
    if mode not in RoutingMode.values:
        errors["mode"] = [_("Choose a way of assigning.")]
    if not in_column_range(default_capacity, RoutingPolicy, "default_capacity", low=1):
        high = column_range(RoutingPolicy, "default_capacity")[1]
        errors["default_capacity"] = [_("Give from 1 to %(max)d open mentions per responder.") % {"max": high}]
    if "default_capacity" not in errors and not (
        isinstance(high_risk_reserve, int) and 0 <= high_risk_reserve < default_capacity
    ):
        errors["high_risk_reserve"] = [_("Keep from 0 to one less than the open mentions per responder.")]
    if reassign_after_minutes is not None and not (
        isinstance(reassign_after_minutes, int) and 1 <= reassign_after_minutes <= REASSIGN_MAX_MINUTES
    ):
        errors["reassign_after_minutes"] = [
            _("Give from 1 to %(max)d minutes, or leave it empty.") % {"max": REASSIGN_MAX_MINUTES}
        ]
    if errors:
        raise ValidationError(errors)
    data = {
        "mode": mode,
        "default_capacity": default_capacity,
        "high_risk_reserve": high_risk_reserve,
        "reassign_after_minutes": reassign_after_minutes,
    }
    changes = model_update(instance=policy, fields=POLICY_FIELDS, data=data, clean=False)
    if changes:
        routing_policy_saved_event(
            actor=actor, policy=policy, before=changes.before, after=changes.after, request=request
        )
    return policy


SHIFT_FIELDS = ["client_id", "user_id", "starts_at", "ends_at", "handover_note"]


def _may_plan(actor: User, client: Client) -> bool:
    return actor.is_agency_admin if client is None else user_has_client_perm(actor, client, ClientPerm.MANAGE)


@transaction.atomic
def shift_save(
    *,
    actor: User,
    client: Client,
    user: User,
    starts_at,
    ends_at,
    handover_note: str = "",
    shift: OnCallShift | None = None,
    request: HttpRequest | None = None,
) -> OnCallShift:
    """Plan or change an on-call shift: for one client, or agency-wide (client None, admins only)."""
    if not _may_plan(actor, client) or (shift is not None and not _may_plan(actor, shift.client)):
        raise PermissionDenied
    errors = {}
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = [_("A shift must end after it starts.")]
    elif ends_at - starts_at > timedelta(days=14):
        errors["ends_at"] = [_("Plan shifts of at most two weeks.")]
    allowed = (
        user is not None
        and user.is_active
        and (
            works_mentions_somewhere(user)
            if client is None
            else user_has_client_perm(user, client, ClientPerm.WORK_MENTIONS)
        )
    )
    if not allowed:
        errors["user"] = [_("Only people who work this client's mentions can be on call for it.")]
    if errors:
        raise ValidationError(errors)
    before = changed_fields(shift, SHIFT_FIELDS) if shift else None
    shift = shift or OnCallShift(created_by=actor)
    shift.client, shift.user, shift.starts_at, shift.ends_at = client, user, starts_at, ends_at
    shift.handover_note = handover_note
    shift.save()
    shift_saved_event(
        actor=actor, shift=shift, before=before, after=changed_fields(shift, SHIFT_FIELDS), request=request
    )
    return shift


@transaction.atomic
def shift_delete(*, actor: User, shift: OnCallShift, request: HttpRequest | None = None) -> None:
    if not _may_plan(actor, shift.client):
        raise PermissionDenied
    shift_deleted_event(actor=actor, shift=shift, request=request)
    shift.delete()


@transaction.atomic
def shift_hand_over(
    *, actor: User, shift: OnCallShift, note: str, request: HttpRequest | None = None
) -> OnCallShift | None:
    """The person on call leaves a note for the next shift; the next person is told. Returns that shift."""
    if actor.pk != shift.user_id and not _may_plan(actor, shift.client):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": [_("Write what the next person needs to know.")]})
    following = (
        OnCallShift.objects.unscoped()
        .filter(client=shift.client, starts_at__gte=shift.starts_at, starts_at__lte=shift.ends_at + timedelta(hours=1))
        .exclude(pk=shift.pk)
        .order_by("starts_at")
        .first()
    )
    if following is None:
        raise ValidationError({"note": [_("No shift follows this one yet.")]})
    before = changed_fields(following, SHIFT_FIELDS)
    following.handover_note = note.strip()
    following.save(update_fields=["handover_note", "updated_at"])
    shift_saved_event(
        actor=actor, shift=following, before=before, after=changed_fields(following, SHIFT_FIELDS), request=request
    )
    if following.client is not None:
        notify(
            event=NotificationEvent.ONCALL_HANDOVER,
            client=following.client,
            recipients=[following.user],
            title=_("Handover for your on-call shift"),
            body=note.strip()[:1000],
            url=reverse("client_detail", args=[following.client.slug]),
        )
    return following


def availability_set(*, actor: User, status: str, request: HttpRequest | None = None) -> None:
    if status not in Availability.values:
        raise ValidationError({"availability": [_("Choose available, busy or away.")]})
    before = actor.availability
    if before == status:
        return
    actor.availability = status
    actor.save(update_fields=["availability"])
    availability_changed_event(actor=actor, user=actor, before=before, after=status, request=request)


CAPACITY_MAX = 32767


@transaction.atomic
def responder_capacities_set(*, actor: User, client: Client, capacities, request: HttpRequest | None = None) -> None:
    """The capacity table of a client's responders, all of it or none: [(membership, capacity)]."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    for membership, capacity in capacities:
        if membership.client_id != client.pk:
            raise PermissionDenied
        _capacity_set(actor=actor, membership=membership, capacity=capacity, request=request)


def _capacity_set(*, actor: User, membership, capacity: int | None, request: HttpRequest | None = None):
    """How many open mentions routing may give this person at this client (None: the routing default)."""
    if capacity is not None and not (isinstance(capacity, int) and 1 <= capacity <= CAPACITY_MAX):
        raise ValidationError(
            {"capacity": [_("Give a number from 1 to %(max)d, or leave it empty.") % {"max": CAPACITY_MAX}]}
        )
    before = membership.capacity
    if before == capacity:
        return membership
    membership.capacity = capacity
    membership.save(update_fields=["capacity"])
    responder_capacity_changed_event(actor=actor, membership=membership, before=before, request=request)
    return membership


def bulk_assign(*, actor: User, mention: Mention, params: dict, request: HttpRequest | None = None) -> Mention:
    """The inbox's bulk "assign" action on one mention."""
    return mention_assign(actor=actor, mention=mention, assignee=params.get("assignee"), request=request)
