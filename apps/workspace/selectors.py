"""Reads that span several apps, for the workspace's pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q
from django.utils import timezone

from apps.mentions.models import OPEN_WORK, UNANSWERED, URGENT, Mention
from apps.responses.models import Answer, AnswerState
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import client_ids_with_perm


@dataclass(frozen=True)
class ClientAtAGlance:
    open: int = 0
    overdue: int = 0
    urgent: int = 0
    awaiting_approval: int = 0


def clients_at_a_glance(*, user: AbstractBaseUser, clients: list[Client]) -> dict[int, ClientAtAGlance]:
    """Per client whose work the person reads: open mentions, overdue ones, high or critical
    ones, and answers waiting for approval. Two queries for any number of clients."""
    ids = [client.pk for client in clients]
    if not user.is_agency_admin:
        readable = set(client_ids_with_perm(user, ClientPerm.READ_WORK))
        ids = [pk for pk in ids if pk in readable]
    if not ids:
        return {}
    now = timezone.now()
    counts = (
        Mention.objects.visible_to(user)
        .filter(OPEN_WORK, client_id__in=ids)
        .values("client_id")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=UNANSWERED & Q(response_due_at__lt=now)),
            urgent=Count("id", filter=Q(risk_level__in=URGENT)),
        )
    )
    waiting = dict(
        Answer.objects.visible_to(user)
        .filter(client_id__in=ids, state=AnswerState.PENDING)
        .values("client_id")
        .annotate(n=Count("id"))
        .values_list("client_id", "n")
    )
    glance = {pk: ClientAtAGlance(awaiting_approval=waiting.get(pk, 0)) for pk in ids}
    for row in counts:
        glance[row["client_id"]] = ClientAtAGlance(
            open=row["open"],
            overdue=row["overdue"],
            urgent=row["urgent"],
            awaiting_approval=waiting.get(row["client_id"], 0),
        )
    return glance
