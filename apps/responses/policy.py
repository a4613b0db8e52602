"""Which approval steps an answer needs: the first matching rule of its client's policy.

Without a policy, or when no rule matches, one account lead must approve: nothing goes out
unapproved unless a rule says so. Approvers are fixed when the answer is submitted, so that
"all of them" means the people who held the role then.

A step with nobody who may approve it (the only account lead wrote the answer, the client has
no approver yet, the people named left) falls back along FALLBACK_CHAIN: any other account lead
of the client, then any agency admin, never the author nor anyone approving an earlier step;
one of them approves. Only when the chain is empty too is
the submission refused. The policy page warns of such steps in advance (`staffing_warnings`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.tenants.roles import ClientPerm, Role
from apps.tenants.scoping import users_with_client_perm

from .models import ApprovalPolicy, ApprovalRule, ApproverRole, StepMode

DEFAULT_RULE_NAME = "default: one account lead"
# Without a matching rule, and for a rule without steps: any one account lead approves.
DEFAULT_STEPS = ((ApproverRole.ACCOUNT_LEAD, StepMode.ANY, ()),)
# A statement speaks for the brand to everyone: the agency checks it, then the client does.
STATEMENT_RULE_NAME = "statement: an account lead, then a client approver"
STATEMENT_STEPS = ((ApproverRole.ACCOUNT_LEAD, StepMode.ANY, ()), (ApproverRole.CLIENT_APPROVER, StepMode.ANY, ()))
AGENCY_ADMIN = "agency_admin"
FALLBACK_CHAIN = (ApproverRole.ACCOUNT_LEAD, AGENCY_ADMIN)
APPROVER_WORDS = {
    ApproverRole.ACCOUNT_LEAD: _lazy("an account lead"),
    ApproverRole.CLIENT_APPROVER: _lazy("a client approver"),
    ApproverRole.PEOPLE: _lazy("one of the people named"),
}
FALLBACK_LABELS = {ApproverRole.ACCOUNT_LEAD: _lazy("an account lead"), AGENCY_ADMIN: _lazy("an agency admin")}


@dataclass(frozen=True)
class Step:
    role: str
    mode: str
    approvers: tuple[int, ...]
    fallback: str = ""  # who approves in the role's place (FALLBACK_CHAIN), when nobody held it

    def as_json(self) -> dict:
        return {"role": self.role, "mode": self.mode, "approvers": list(self.approvers), "fallback": self.fallback}


@dataclass(frozen=True)
class ChosenSteps:
    rule_name: str
    steps: tuple[Step, ...]  # empty: no approval needed
    policy: ApprovalPolicy


class NoApprover(Exception):
    """A step of the chosen rule has nobody who may approve."""

    def __init__(self, position: int, role: str):
        super().__init__(
            _("Step %(n)d of the approval policy has nobody who may approve (%(role)s).")
            % {"n": position + 1, "role": ApproverRole(role).label}
        )


def approval_policy_of(client) -> ApprovalPolicy:
    """The client's approval policy, or an unsaved one with the defaults (as routing_policy_of)."""
    return ApprovalPolicy.objects.unscoped().filter(client=client).first() or ApprovalPolicy(client=client)


def matches(rule: ApprovalRule, *, risk_level: str, kind: str, channel: str, reply_type: str) -> bool:
    wanted = (
        (rule.risk_levels, risk_level),
        (rule.kinds, kind),
        (rule.channels, channel),
        (rule.reply_types, reply_type),
    )
    return all(not values or value in values for values, value in wanted)


def rule_for(mention, reply_type: str) -> ApprovalRule | None:
    """The first rule of the client's policy that matches the answer, with its steps; None: the default."""
    rules = ApprovalRule.objects.unscoped().filter(client=mention.client).prefetch_related("steps__people")
    for rule in rules:
        if matches(
            rule, risk_level=mention.risk_level, kind=mention.kind, channel=mention.platform, reply_type=reply_type
        ):
            return rule
    return None


def steps_needed(rule: ApprovalRule | None) -> int:
    """How many approval steps the rule asks for (the default, and a rule without steps: one)."""
    if rule is None:
        return len(DEFAULT_STEPS)
    return (len(rule.steps.all()) or len(DEFAULT_STEPS)) if rule.needs_approval else 0


def choose_steps(mention, reply_type: str, *, author_id: int | None = None) -> ChosenSteps:
    """The steps an answer of `reply_type` to `mention` needs, with each step's approvers now.

    Where the policy forbids self-approval, the author (`author_id`) is no approver: a step
    with nobody else refuses the submission instead of waiting for ever.
    """
    client = mention.client
    policy = approval_policy_of(client)
    exclude = None if policy.allow_self_approval else author_id
    rule = rule_for(mention, reply_type)
    if rule is None:
        return ChosenSteps(DEFAULT_RULE_NAME, tuple(_staffed(client, DEFAULT_STEPS, exclude)), policy)
    if not rule.needs_approval:
        return ChosenSteps(rule.name, (), policy)
    return ChosenSteps(rule.name, tuple(_staffed(client, rule_steps(rule), exclude)), policy)


def choose_statement_steps(client, *, author_id: int | None = None) -> ChosenSteps:
    """A statement's steps: STATEMENT_STEPS, staffed as a rule's are (with the same fallbacks)."""
    policy = approval_policy_of(client)
    exclude = None if policy.allow_self_approval else author_id
    return ChosenSteps(STATEMENT_RULE_NAME, tuple(_staffed(client, STATEMENT_STEPS, exclude)), policy)


def choose_post_steps(client, *, author_id: int | None = None) -> ChosenSteps:
    """A scheduled post's steps: the first of the client's rules made for posts (its reply types
    name "post"), else the default (one account lead). Rules for answers do not apply: they are
    about mentions (risk, kind, channel)."""
    policy = approval_policy_of(client)
    exclude = None if policy.allow_self_approval else author_id
    rules = ApprovalRule.objects.unscoped().filter(client=client, reply_types__contains=["post"])
    rule = rules.prefetch_related("steps__people").order_by("position", "id").first()
    if rule is None:
        return ChosenSteps(DEFAULT_RULE_NAME, tuple(_staffed(client, DEFAULT_STEPS, exclude)), policy)
    if not rule.needs_approval:
        return ChosenSteps(rule.name, (), policy)
    return ChosenSteps(rule.name, tuple(_staffed(client, rule_steps(rule), exclude)), policy)


def rule_steps(rule: ApprovalRule) -> list[tuple[str, str, list[int]]]:
    """The rule's steps as (role, mode, people)."""
    return [(step.approver_role, step.mode, [person.pk for person in step.people.all()]) for step in rule.steps.all()]


def _staffed(client, steps: Sequence[tuple[str, str, Sequence[int]]], exclude: int | None = None) -> list[Step]:
    """Each step (role, mode, people) with the people who may approve it, falling back along
    FALLBACK_CHAIN where nobody may; no steps: DEFAULT_STEPS."""
    steps = steps or DEFAULT_STEPS
    allowed = users_with_client_perm(client, ClientPerm.APPROVE_RESPONSES)
    staffed, earlier = [], set()
    for position, (role, mode, people) in enumerate(steps):
        approvers, fallback = _holders(client, allowed, role, people) - {exclude}, ""
        for instead in FALLBACK_CHAIN:
            if approvers:
                break
            if instead != role:
                # Not who approves an earlier step: a fallback keeps two checks two people.
                approvers = _holders(client, allowed, instead, ()) - {exclude} - earlier
                fallback, mode = instead, StepMode.ANY
        if not approvers:
            raise NoApprover(position, role)
        staffed.append(Step(role, mode, tuple(sorted(approvers)), fallback))
        if len(approvers) == 1:  # surely theirs; of several, answer_decide keeps one person to one step
            earlier |= approvers
    return staffed


def _holders(client, allowed, role: str, people: Sequence[int]) -> set[int]:
    if role == AGENCY_ADMIN:
        holders = allowed.filter(is_agency_admin=True)
    elif role == ApproverRole.PEOPLE:
        holders = allowed.filter(pk__in=people)
    else:
        member_role = Role.ACCOUNT_LEAD if role == ApproverRole.ACCOUNT_LEAD else Role.CLIENT_APPROVER
        holders = allowed.filter(memberships__client=client, memberships__role=member_role)
    return set(holders.values_list("pk", flat=True))


def staffing_warnings(client, policy: ApprovalPolicy, steps: Sequence[tuple[str, str, Sequence[int]]]) -> list[str]:
    """What the policy page says, in advance, of steps that can have nobody who may approve:
    nobody holds the role now, or the one person who does may write the answer themselves."""
    allowed = users_with_client_perm(client, ClientPerm.APPROVE_RESPONSES)
    writers = set(users_with_client_perm(client, ClientPerm.WORK_MENTIONS).values_list("pk", flat=True))
    leads = _holders(client, allowed, ApproverRole.ACCOUNT_LEAD, ()) - _holders(client, allowed, AGENCY_ADMIN, ())
    warnings, earlier = [], set()
    for position, (role, _mode, people) in enumerate(steps or DEFAULT_STEPS, start=1):
        other_leads = leads - earlier
        instead = AGENCY_ADMIN if role == ApproverRole.ACCOUNT_LEAD or not other_leads else ApproverRole.ACCOUNT_LEAD
        fallback, who = str(FALLBACK_LABELS[instead]), str(APPROVER_WORDS[role])
        holders = _holders(client, allowed, role, people)
        if role != ApproverRole.PEOPLE:
            holders -= _holders(client, allowed, AGENCY_ADMIN, ())  # admins approve as the fallback
        earlier |= holders
        if not holders:
            warnings.append(
                _("Step %(n)d: nobody may approve as %(who)s now, so %(fallback)s approves in their place.")
                % {"n": position, "who": who, "fallback": fallback}
            )
        elif len(holders) == 1 and holders <= writers and not policy.allow_self_approval:
            warnings.append(
                _(
                    "Step %(n)d: only one person may approve as %(who)s; an answer they write "
                    "themselves goes to %(fallback)s."
                )
                % {"n": position, "who": who, "fallback": fallback}
            )
    return warnings
