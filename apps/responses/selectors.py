"""Reads of answers: the panel beside a mention, and what waits for whose approval."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.registry import Registry
from apps.mentions.models import Mention
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm

from .models import Answer, AnswerState, AnswerVersion, ApprovalDecision, ApprovalRule, ReplyType, SavedReply
from .policy import APPROVER_WORDS, FALLBACK_LABELS
from .publishing import publish_unavailable
from .services import MAX_TEXT, approvers_at, current_approvers, is_cleared_to_publish
from .writing import fill_placeholders, strategy_for


def _with_history(answers):
    """Answers with what their pages show: versions and decisions, newest first, and their people."""
    return answers.select_related("current_version__author", "published_by").prefetch_related(
        Prefetch("versions", queryset=AnswerVersion.objects.select_related("author").order_by("-number")),
        Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("approver", "version").order_by("-pk")),
    )


def names_of(*, user_ids) -> dict[int, str]:
    people = User.objects.filter(pk__in=set(user_ids))
    return {person.pk: str(person) for person in people}


def approver_names(*, answers) -> dict[int, str]:
    """The names of everyone the answers' current steps wait for, in one query."""
    return names_of(user_ids=(pk for answer in answers for pk in current_approvers(answer=answer)))


@dataclass
class AnswerCard:
    """One answer as the pages show it."""

    answer: Answer
    approvers: list[str] = field(default_factory=list)
    is_my_turn: bool = False
    cleared: bool = False
    cannot_publish: str = ""
    fallback: str = ""  # why other people approve this step than the rule names


def describe(*, user: User, answer: Answer, names: dict[int, str] | None = None) -> AnswerCard:
    waiting = current_approvers(answer=answer)
    names = names if names is not None else names_of(user_ids=waiting)
    cleared = is_cleared_to_publish(answer=answer)
    return AnswerCard(
        answer=answer,
        approvers=[names.get(pk, "?") for pk in waiting],
        is_my_turn=user.pk in waiting,
        cleared=cleared,
        cannot_publish=publish_unavailable(answer) if cleared else "",
        fallback=_fallback_note(answer),
    )


def _fallback_note(answer: Answer) -> str:
    step = answer.steps[answer.step] if answer.state == AnswerState.PENDING and answer.step < len(answer.steps) else {}
    instead = step.get("fallback", "")
    if not instead:
        return ""
    return _("Nobody else may approve as %(who)s, so %(fallback)s approves in their place.") % {
        "who": APPROVER_WORDS[step["role"]],
        "fallback": FALLBACK_LABELS[instead],
    }


def answer_panel(*, user: User, mention: Mention) -> dict:
    """Everything the answer section of a mention's page shows."""
    answers = list(_with_history(Answer.objects.visible_to(user).filter(mention=mention)).order_by("-pk"))
    for answer in answers:
        answer.mention = mention  # the page has it, with its brand and source
    names = approver_names(answers=answers)
    replies = SavedReply.objects.visible_to(user).filter(
        client=mention.client, language__in=[mention.language or "", ""], kind__in=[mention.kind or "", ""]
    )
    return {
        "answers": [describe(user=user, answer=answer, names=names) for answer in answers],
        "strategy": strategy_for(mention.kind),
        "tone_of_voice": mention.brand.tone_of_voice,
        "saved_replies": [(reply, fill_placeholders(reply.text, mention)) for reply in replies.order_by("name")],
        # The editor's limits and choices, as the model has them.
        "answer_max_text": MAX_TEXT,
        "reply_types": ReplyType.choices,
    }


def waiting_ids(*, user: User, client: Client) -> list[int]:
    """Ids of the answers of `client` whose current step waits for `user`; read without history."""
    candidates = Answer.objects.visible_to(user).filter(
        client=client, state=AnswerState.PENDING, steps__contains=[{"approvers": [user.pk]}]
    )
    return [
        pk
        for pk, step, steps in candidates.values_list("pk", "step", "steps")
        if user.pk in approvers_at(steps=steps, step=step)
    ]


# (user=, client=) -> a query of answer ids this person may not see unless asked to approve
# them (a private incident's statements, to the agency's people not in it). Filled by higher
# apps in AppConfig.ready().
answers_hidden = Registry("answers hidden from some of the client's people")


def answers_in_approval(*, user: User, client: Client) -> QuerySet[Answer]:
    """The answers the approval pages and the answers API may show: the agency's people see all of
    the client's (but those answers_hidden hides from them, unless they are asked to approve
    one), a client approver only those waiting for them (any other answers 404)."""
    answers = Answer.objects.visible_to(user).filter(client=client)
    if not user_has_client_perm(user, client, ClientPerm.READ_WORK):
        return answers.filter(pk__in=waiting_ids(user=user, client=client))
    for hidden in answers_hidden:
        answers = answers.exclude(
            Q(pk__in=hidden(user=user, client=client)) & ~Q(pk__in=waiting_ids(user=user, client=client))
        )
    return answers


def approvals_for(*, user: User, client: Client) -> list[Answer]:
    """The approvals list: what waits at the client (for a client approver: what waits for them)."""
    answers = answers_in_approval(user=user, client=client).filter(state=AnswerState.PENDING)
    return list(answers.select_related("mention", "current_version").order_by("step_started_at"))


def approval_of(*, user: User, client: Client, answer_pk: int) -> Answer | None:
    """One answer for its approval page, with its history."""
    return (
        _with_history(answers_in_approval(user=user, client=client).filter(pk=answer_pk))
        .select_related("mention")
        .first()
    )


def versions_to_compare(
    *, answer: Answer, a: int | None = None, b: int | None = None
) -> tuple[AnswerVersion, AnswerVersion]:
    """Versions `a` (older) and `b` (newer) of the answer; by default the current version and the
    one before. A number the answer has no version of is a ValidationError on "a" or "b"."""
    versions = {version.number: version for version in answer.versions.all()}
    newer = answer.current_version.number if b is None else b
    older = max(newer - 1, 1) if a is None else a
    missing = {
        name: [_("This answer has no version %(n)d.") % {"n": number}]
        for name, number in (("a", older), ("b", newer))
        if number not in versions
    }
    if missing:
        raise ValidationError(missing)
    return versions[older], versions[newer]


def approval_rules_of(*, user: User, client: Client) -> QuerySet[ApprovalRule]:
    """The client's approval rules in the order they are checked, with their steps and people."""
    return ApprovalRule.objects.visible_to(user).filter(client=client).prefetch_related("steps__people")
