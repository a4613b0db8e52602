"""Reads for routing: who is on duty, who is on call, how much open work each has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count

from apps.accounts.models import Availability, User
from apps.mentions.models import OPEN_WORK, Mention
from apps.tenants.models import Client, Membership
from apps.tenants.roles import Role
from apps.tenants.selectors import account_leads_of, per_client

from .models import OnCallShift, RoutingMode, RoutingPolicy

if TYPE_CHECKING:  # assignment imports these selectors
    from .assignment import Roster


@dataclass(frozen=True)
class Responder:
    user_id: int
    capacity: int


def routing_policy_of(*, client: Client) -> RoutingPolicy:
    """The client's routing policy, or an unsaved one with the defaults.

    Takes a client the caller resolved (get_client_or_404, a task's own row): see DECISIONS.
    """
    return RoutingPolicy.objects.unscoped().filter(client=client).first() or RoutingPolicy(client=client)


def roster_of(*, client: Client, policy: RoutingPolicy, now: datetime, open_now: bool) -> Roster | None:
    """The client's on-duty responders with their open work, to choose from in turn; None when
    routing is off or nobody is on duty. Shared by ingestion and reassignment."""
    from .assignment import Roster

    if policy.mode == RoutingMode.OFF:
        return None
    responders = on_duty_responders(client=client, at=now, open_now=open_now, policy=policy)
    if not responders:
        return None
    counts = open_work(client=client, user_ids=[responder.user_id for responder in responders])
    return Roster(responders, counts, policy.mode, policy.last_assignee_id, reserve=policy.high_risk_reserve)


def on_call_now(*, client: Client, at: datetime) -> list[User]:
    """Who is on call for the client at `at`: its own shifts, else the agency-wide ones."""
    shifts = OnCallShift.objects.unscoped().covering(at).filter(user__is_active=True).select_related("user")
    own = [shift.user for shift in shifts.filter(client=client)]
    return own or [shift.user for shift in shifts.filter(client=None)]


def on_duty_responders(*, client: Client, at: datetime, open_now: bool, policy: RoutingPolicy) -> list[Responder]:
    """Responders of the client who may get new work now, in a stable order.

    In business hours: every available responder. Outside them: only those on call.
    """
    members = Membership.objects.unscoped().filter(
        client=client, role=Role.RESPONDER, user__is_active=True, user__availability=Availability.AVAILABLE
    )
    if not open_now:
        on_call = {user.pk for user in on_call_now(client=client, at=at)}
        members = members.filter(user_id__in=on_call)
    return [
        Responder(user_id, capacity if capacity is not None else policy.default_capacity)
        for user_id, capacity in members.order_by("user_id").values_list("user_id", "capacity")
    ]


def open_work(*, client: Client, user_ids) -> dict[int, int]:
    """{user id: open mentions assigned to them}."""
    rows = (
        Mention.objects.unscoped()
        .filter(OPEN_WORK, client=client, assignee_id__in=user_ids)
        .values("assignee_id")
        .annotate(open=Count("id"))
    )
    return {row["assignee_id"]: row["open"] for row in rows}


def escalation_contacts(*, at: datetime, leads_of: Callable | None = None) -> Callable[[Client], list]:
    """A reader of each client's account leads plus whoever is on call at `at`, read once per client.

    `leads_of`: a per_client reader of the leads the caller reads anyway, so they are read once.
    """
    leads_of = leads_of or per_client(read=account_leads_of)
    return per_client(read=lambda client: [*leads_of(client), *on_call_now(client=client, at=at)])
