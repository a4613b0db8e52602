"""Audit events of routing and the on-call rota."""

from django.utils.translation import gettext as _

from apps.accounts.models import Availability
from apps.core.audit import record_audit_event

from .models import RoutingMode


def mention_assigned_event(*, actor, mention, before_id, request=None, reason: str = ""):
    after = {"assignee_id": mention.assignee_id}
    if reason:
        after["reason"] = reason
    return record_audit_event(
        actor=actor,
        action="mention.assigned",
        client=mention.client,
        target=mention,
        before={"assignee_id": before_id},
        after=after,
        request=request,
    )


def shift_saved_event(*, actor, shift, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="on_call_shift.saved",
        client=shift.client,
        target=shift,
        before=before,
        after=after,
        request=request,
    )


def shift_deleted_event(*, actor, shift, request=None):
    return record_audit_event(
        actor=actor,
        action="on_call_shift.deleted",
        client=shift.client,
        target=shift,
        before={"user_id": shift.user_id, "starts_at": shift.starts_at.isoformat()},
        request=request,
    )


def routing_policy_saved_event(*, actor, policy, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="routing_policy.saved",
        client=policy.client,
        target=policy,
        before=before,
        after=after,
        request=request,
    )


def availability_changed_event(*, actor, user, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="user.availability_changed",
        target=user,
        before={"availability": before},
        after={"availability": after},
        request=request,
    )


def responder_capacity_changed_event(*, actor, membership, before, request=None):
    return record_audit_event(
        actor=actor,
        action="membership.capacity_changed",
        client=membership.client,
        target=membership,
        before={"capacity": before},
        after={"capacity": membership.capacity},
        request=request,
    )


# How each event of this app reads (core.sentences), registered in RoutingConfig.ready().
SENTENCES = {
    "on_call_shift.saved": lambda s: s.did(_("planned the on-call shift")),
    "on_call_shift.deleted": lambda s: (
        _("%(actor)s removed the on-call shift of %(person)s from %(at)s.")
        % {"actor": s.actor, "person": s.person(s.before("user_id")), "at": s.when(s.before("starts_at"))}
    ),
    "routing_policy.saved": lambda s: s.did(_("changed how mentions are assigned at")),
    "user.availability_changed": lambda s: (
        _("%(actor)s is now %(availability)s.")
        % {"actor": s.actor, "availability": s.label(Availability, s.after("availability"))}
    ),
    "membership.capacity_changed": lambda s: (
        _("%(actor)s set the capacity of %(target)s to %(capacity)s.")
        % {"actor": s.actor, "target": s.target, "capacity": s.after("capacity") or _("the default")}
    ),
}


# The choices the values of its events' fields come from, so that changes read in words.
VALUE_CHOICES = {"mode": RoutingMode, "availability": Availability}
