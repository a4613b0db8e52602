"""Audit events of answers. Each names the mention as its target, so the mention's activity
timeline and the inbox's live poll see the answer's progress; `after` names the answer."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.core.audit import record_audit_event
from apps.core.registry import Registry

from .models import AnswerState, Decision, ReplyType

# Told of every answer event, in its transaction, as (actor=, answer=, action=, after=): higher
# apps follow their own statements (an incident's timeline). Filled in AppConfig.ready().
answer_listeners = Registry("answer listeners")


def answer_event(*, actor, answer, action: str, before: dict | None = None, after: dict | None = None, request=None):
    for listener in answer_listeners:
        listener(actor=actor, answer=answer, action=action, after=after or {})
    return record_audit_event(
        actor=actor,
        action=f"answer.{action}",
        client=answer.client,
        target=answer if answer.is_statement else answer.mention,
        before=before,
        after={"answer": answer.pk, **(after or {})},
        request=request,
    )


def approval_policy_event(*, actor, policy, before: dict | None, after: dict, request=None):
    return record_audit_event(
        actor=actor,
        action="approval_policy.changed",
        client=policy.client,
        target=policy,
        before=before,
        after=after,
        request=request,
    )


def saved_reply_event(
    *, actor, reply, action: str, before: dict | None = None, after: dict | None = None, request=None
):
    return record_audit_event(
        actor=actor,
        action=f"saved_reply.{action}",
        client=reply.client,
        target=reply,
        before=before,
        after=after,
        request=request,
    )


def approval_rule_event(
    *, actor, rule, action: str, before: dict | None = None, after: dict | None = None, request=None
):
    return record_audit_event(
        actor=actor,
        action=f"approval_rule.{action}",
        client=rule.client,
        target=rule.policy,
        before=before,
        after=after,
        request=request,
    )


_ANSWER = {
    "created": _lazy("%(actor)s wrote an answer."),
    "edited": _lazy("%(actor)s saved a new version of the answer."),
    "submitted": _lazy("%(actor)s sent the answer for approval."),
    "approved": _lazy("%(actor)s approved the answer."),
    "decided": _lazy("%(actor)s decided on the answer: %(decision)s."),
    "expired": _lazy("The answer's approval request expired."),
    "publishing": _lazy("%(actor)s published the answer; it is on its way."),
    "published": _lazy("The answer was published."),
    "published_late": _lazy("The answer was published after its answer time."),
    "publish_failed": _lazy("Publishing the answer failed."),
    "sent_by_hand": _lazy("%(actor)s recorded that the answer was sent by hand."),
    "withdrawn": _lazy("%(actor)s withdrew the answer."),
}


# A statement's events (their target is the answer itself, not a mention).
_STATEMENT = {
    "created": _lazy("%(actor)s wrote a statement."),
    "edited": _lazy("%(actor)s saved a new version of the statement."),
    "submitted": _lazy("%(actor)s sent the statement for approval."),
    "approved": _lazy("%(actor)s approved the statement."),
    "decided": _lazy("%(actor)s decided on the statement: %(decision)s."),
    "expired": _lazy("The statement's approval request expired."),
    "publishing": _lazy("%(actor)s published the statement; it is on its way."),
    "published": _lazy("The statement was published."),
    "published_late": _lazy("The statement was published late."),
    "publish_failed": _lazy("Publishing the statement failed."),
    "sent_by_hand": _lazy("%(actor)s recorded that the statement was sent by hand."),
    "withdrawn": _lazy("%(actor)s withdrew the statement."),
}


def _answer(step: str):
    def sentence(s) -> str:
        if step == "approved" and s.after("in_advance"):  # the drafter used it; the client approved it
            return _("%(actor)s used a text %(who)s approved in advance (%(why)s).") % {
                "actor": s.actor,
                "who": s.person(s.after("approved_by")),
                "why": s.after("in_advance"),
            }
        words = _STATEMENT if s.event.target_type == "responses.answer" else _ANSWER
        return str(words[step]) % {"actor": s.actor, "decision": s.label(Decision, s.after("decision"))}

    return sentence


def _did(words):
    return lambda s: s.did(str(words))


# How each event of this app reads (core.sentences), registered in ResponsesConfig.ready().
SENTENCES = {
    **{f"answer.{step}": _answer(step) for step in _ANSWER},
    "approval_policy.changed": _did(_lazy("changed the approval settings of")),
    "saved_reply.created": _did(_lazy("added the saved reply")),
    "saved_reply.changed": _did(_lazy("changed the saved reply")),
    "saved_reply.deleted": _did(_lazy("removed the saved reply")),
    "approval_rule.created": _did(_lazy("added the approval rule")),
    "approval_rule.changed": _did(_lazy("changed the approval rule")),
    "approval_rule.deleted": _did(_lazy("removed the approval rule")),
    "approval_rule.moved": _did(_lazy("moved the approval rule")),
}


# The choices the values of its events' fields come from, so that changes read in words.
VALUE_CHOICES = {"decision": Decision, "state": AnswerState, "reply_type": ReplyType}
