"""Audit events of risk rating and SLA clocks."""

from apps.core.audit import record_audit_event


def mention_rerated_event(*, actor, mention, before: dict, after: dict, request=None):
    return record_audit_event(
        actor=actor,
        action="mention.rerated",
        client=mention.client,
        target=mention,
        before=before,
        after=after,
        request=request,
    )


def mention_sla_breached_event(*, mention):
    return record_audit_event(
        actor=None,
        action="mention.sla_breached",
        client=mention.client,
        target=mention,
        after={"response_due_at": mention.response_due_at.isoformat(), "assignee_id": mention.assignee_id},
    )


def risk_policy_saved_event(*, actor, policy, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="risk_policy.saved",
        client=policy.client,
        target=policy,
        before=before,
        after=after,
        request=request,
    )
