"""Audit events of risk rating and SLA clocks."""

from django.utils.translation import gettext as _

from apps.core.audit import record_audit_event
from apps.mentions.models import RiskLevel


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


# How each event of this app reads (core.sentences), registered in RiskConfig.ready().
SENTENCES = {
    "mention.rerated": lambda s: (
        _("%(actor)s rated it %(level)s%(reason)s.")
        % {
            "actor": s.actor,
            "level": s.label(RiskLevel, s.after("risk_level") or s.after("level")),
            "reason": _(", saying: %(reason)s") % {"reason": s.after("reason")} if s.after("reason") else "",
        }
    ),
    "mention.sla_breached": lambda s: (
        _("Its answer time ran out at %(at)s, with %(person)s on it.")
        % {"at": s.when(s.after("response_due_at")), "person": s.person(s.after("assignee_id"))}
    ),
    "risk_policy.saved": lambda s: s.did(_("changed the risk rules of")),
}
