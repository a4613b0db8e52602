"""Audit events of answers. Each names the mention as its target, so the mention's activity
timeline and the inbox's live poll see the answer's progress; `after` names the answer."""

from apps.core.audit import record_audit_event


def answer_event(*, actor, answer, action: str, before: dict | None = None, after: dict | None = None, request=None):
    return record_audit_event(
        actor=actor,
        action=f"answer.{action}",
        client=answer.client,
        target=answer.mention,
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
