"""Reads of answers: the panel beside a mention, and what waits for whose approval."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm

from .models import ApprovalDecision, Draft, DraftState, DraftVersion, SavedReply
from .publishing import publish_unavailable
from .services import current_approvers, is_cleared_to_publish
from .writing import fill_placeholders, strategy_for

User = get_user_model()


def _with_history(drafts):
    return drafts.select_related("mention__brand", "mention__source", "current_version", "author").prefetch_related(
        Prefetch("versions", queryset=DraftVersion.objects.select_related("author").order_by("-number")),
        Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("approver", "version").order_by("-pk")),
    )


def names_of(user_ids) -> dict[int, str]:
    people = User.objects.filter(pk__in=set(user_ids))
    return {person.pk: str(person) for person in people}


@dataclass
class AnswerView:
    """One draft as the pages show it."""

    draft: Draft
    approvers: list[str] = field(default_factory=list)
    is_my_turn: bool = False
    cleared: bool = False
    cannot_publish: str = ""


def describe(user, draft: Draft, names: dict[int, str] | None = None) -> AnswerView:
    waiting = current_approvers(draft)
    names = names if names is not None else names_of(waiting)
    cleared = is_cleared_to_publish(draft)
    return AnswerView(
        draft=draft,
        approvers=[names.get(pk, "?") for pk in waiting],
        is_my_turn=user.pk in waiting,
        cleared=cleared,
        cannot_publish=publish_unavailable(draft) if cleared else "",
    )


def answer_panel(user, mention) -> dict:
    """Everything the answer section of a mention's page shows."""
    drafts = list(_with_history(Draft.objects.visible_to(user).filter(mention=mention)).order_by("-pk"))
    names = names_of(pk for draft in drafts for pk in current_approvers(draft))
    language = mention.language or ""
    replies = SavedReply.objects.visible_to(user).filter(client=mention.client, language__in=[language, ""])
    return {
        "answers": [describe(user, draft, names) for draft in drafts],
        "strategy": strategy_for(mention.kind),
        "tone_of_voice": mention.brand.tone_of_voice,
        "saved_replies": [
            (reply, fill_placeholders(reply.text, mention))
            for reply in replies.order_by("name")
            if not reply.kind or reply.kind == mention.kind
        ],
    }


def waiting_for(user, client):
    """Drafts of `client` whose current step waits for `user`."""
    candidates = _with_history(
        Draft.objects.visible_to(user).filter(
            client=client, state=DraftState.PENDING, steps__contains=[{"approvers": [user.pk]}]
        )
    ).order_by("step_started_at")
    return [draft for draft in candidates if user.pk in current_approvers(draft)]


def approvals_for(user, client) -> list[Draft]:
    """The approvals page: the team sees all that waits at the client; a client approver sees only
    what waits for them."""
    if not user_has_client_perm(user, client, ClientPerm.WORK_MENTIONS):
        return waiting_for(user, client)
    return list(
        _with_history(Draft.objects.visible_to(user).filter(client=client, state=DraftState.PENDING)).order_by(
            "step_started_at"
        )
    )


def approval_of(user, client, draft_pk: int) -> Draft | None:
    """One draft for its approval page: the team sees any of the client's; a client approver
    only one that waits for them."""
    drafts = _with_history(Draft.objects.visible_to(user).filter(client=client, pk=draft_pk))
    draft = drafts.first()
    if draft is None:
        return None
    if user_has_client_perm(user, client, ClientPerm.WORK_MENTIONS) or user.pk in current_approvers(draft):
        return draft
    return None
