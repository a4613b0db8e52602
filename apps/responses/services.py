"""Writes of the answer workflow: drafting, versions, submission and approval decisions.

The rule "nothing goes out without the approvals its policy requires" is kept here: a answer
is approved only when every chosen step is satisfied for its current version, and any edit
makes a new version that needs approval again.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.audit import changed_fields
from apps.core.services import model_update
from apps.listening.models import Source
from apps.mentions.models import Mention, MentionKind, MentionStatus, RiskLevel
from apps.mentions.services import mention_move
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm, users_with_client_perm
from apps.tenants.services import require_client_perm

from . import events, notices
from .models import (
    Answer,
    AnswerState,
    AnswerVersion,
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRule,
    ApprovalStep,
    ApproverRole,
    Decision,
    ReplyType,
    SavedReply,
    StepMode,
)
from .policy import (
    NoApprover,
    approval_policy_of,
    choose_post_steps,
    choose_statement_steps,
    choose_steps,
    rule_for,
    steps_needed,
)

MAX_TEXT = AnswerVersion._meta.get_field("text").max_length
REPLY_MAX_NAME = SavedReply._meta.get_field("name").max_length
REPLY_MAX_TEXT = SavedReply._meta.get_field("text").max_length
# An approved answer may be submitted again: when its mention's risk rose, the policy asks more.
SUBMITTABLE = (AnswerState.DRAFT, AnswerState.CHANGES_REQUESTED, AnswerState.EXPIRED, AnswerState.APPROVED)


def _locked(answer: Answer) -> Answer:
    return (
        Answer.objects.unscoped()
        .select_for_update(of=("self",))
        .select_related("client", "mention", "current_version")
        .get(pk=answer.pk)
    )


def _state(answer: Answer) -> str:
    return str(answer.get_state_display()).lower()


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the answer first.")]})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": [_("Keep the answer under %(max)d characters.") % {"max": MAX_TEXT}]})
    return text


def _clean_language(language: str | None) -> str:
    language = (language or "").strip().lower()
    if len(language) > 8:
        raise ValidationError({"language": [_("Enter a language code such as da or nb.")]})
    return language


# A {variable} left in, or anything like one ({brand!r}, {0}, {}): nobody filled it in.
PLACEHOLDER = re.compile(r"\{[^{}\s]{0,40}\}")


def require_filled(*, text: str) -> None:
    """A statement does not go to approval with a {variable} nobody filled in."""
    left = sorted(set(PLACEHOLDER.findall(text)))
    if left:
        raise ValidationError({"text": [_("Fill in %(names)s first.") % {"names": ", ".join(left)}]})


def _new_version(answer: Answer, *, actor: User, text: str, language: str, comment: str = "") -> AnswerVersion:
    number = (answer.current_version.number + 1) if answer.current_version else 1
    version = AnswerVersion.objects.create(
        client=answer.client, answer=answer, number=number, text=text, language=language, author=actor, comment=comment
    )
    answer.current_version = version
    return version


@transaction.atomic
def answer_start(
    *,
    actor: User,
    mention: Mention,
    text: str,
    reply_type: str = ReplyType.PUBLIC,
    language: str = "",
    request: HttpRequest | None = None,
) -> Answer:
    """A new answer to `mention`, with its first version."""
    require_client_perm(actor=actor, client=mention.client, codename=ClientPerm.WORK_MENTIONS)
    if reply_type not in ReplyType.values:
        raise ValidationError({"reply_type": [_("Choose a public reply or a private message.")]})
    answer = _first_version(
        Answer(client=mention.client, mention=mention, author=actor, reply_type=reply_type),
        actor=actor,
        text=text,
        language=_clean_language(language) or mention.language,
        request=request,
    )
    if mention.status in (MentionStatus.NEW, MentionStatus.TRIAGED):
        # Someone is writing: the mention is in progress (and no longer work routing may hand back).
        mention_move(actor=actor, mention=mention, status=MentionStatus.IN_PROGRESS, request=request)
    return answer


@transaction.atomic
def answer_save(
    *,
    actor: User,
    answer: Answer,
    text: str,
    language: str | None = None,
    base_version: int,
    request: HttpRequest | None = None,
) -> Answer:
    """Save a new version. `base_version` is the version the editor started from: a newer one
    saved meanwhile is refused rather than overwritten. Any approval given is void: the new
    version needs approval again."""
    require_client_perm(actor=actor, client=answer.client, codename=ClientPerm.WORK_MENTIONS)
    answer = _locked(answer)
    if not answer.is_editable:
        raise ValidationError(_("A %(state)s answer cannot be edited.") % {"state": _state(answer)})
    current = answer.current_version
    if base_version != current.number:
        raise ValidationError(
            {"base_version": [_("Version %(n)d was saved meanwhile: reload to see it.") % {"n": current.number}]}
        )
    text = _clean_text(text)
    language = current.language if language is None else _clean_language(language)
    if text == current.text and language == current.language:
        return answer
    before = {"state": answer.state, "version": current.number}
    version = _new_version(answer, actor=actor, text=text, language=language)
    answer.state, answer.approved_version = AnswerState.DRAFT, None
    _clear_step(answer)
    answer.save()
    events.answer_event(
        actor=actor,
        answer=answer,
        action="edited",
        before=before,
        after={"state": answer.state, "version": version.number},
        request=request,
    )
    if before["state"] in (AnswerState.PENDING, AnswerState.APPROVED):
        back_to_work(actor=actor, answer=answer, request=request)
    return answer


@transaction.atomic
def statement_start(
    *,
    actor: User,
    client: Client,
    subject: str,
    subject_url: str,
    text: str,
    language: str = "",
    source: Source | None = None,
    reply_type: str = ReplyType.PUBLIC,
    request: HttpRequest | None = None,
) -> Answer:
    """A new statement of the client's (no mention answered), with its first version: posted
    from `source` once approved, or, without one, sent by hand (a scheduled post: reply type
    POST, posted by apps.posts on its channels). `subject` says what it is about to its
    approvers, `subject_url` where it is worked on."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    if source is not None and source.client_id != client.pk:
        raise ValidationError({"source": [_("Choose one of the client's own accounts.")]})
    answer = Answer(
        client=client,
        author=actor,
        source=source,
        reply_type=reply_type,
        subject=subject[:200],
        subject_url=subject_url[:500],
    )
    return _first_version(answer, actor=actor, text=text, language=_clean_language(language), request=request)


def _first_version(answer: Answer, *, actor: User, text: str, language: str, request) -> Answer:
    """Store a new answer (or statement) with its version 1, on record."""
    text = _clean_text(text)
    answer.save()
    version = _new_version(answer, actor=actor, text=text, language=language)
    answer.save(update_fields=["current_version"])
    events.answer_event(
        actor=actor, answer=answer, action="created", after={"version": version.number}, request=request
    )
    return answer


@transaction.atomic
def answer_approve_in_advance(
    *, actor: User, answer: Answer, reason: str, approved_by: User | None, request: HttpRequest | None = None
) -> Answer:
    """Approve the current version of a statement without asking anyone: the caller has checked
    that its text is one the client approved in advance (`reason` says which and until when,
    `approved_by` who approved it then)."""
    require_client_perm(actor=actor, client=answer.client, codename=ClientPerm.WORK_MENTIONS)
    answer = _locked(answer)
    if not answer.is_statement or answer.state not in SUBMITTABLE:
        raise ValidationError(_("Only a statement being written can be approved in advance."))
    require_filled(text=answer.current_version.text)
    before = {"state": answer.state}
    answer.state, answer.approved_version = AnswerState.APPROVED, answer.current_version
    answer.rule_name, answer.steps, answer.step = reason[:80], [], 0
    _stop_waiting(answer)
    answer.save()
    events.answer_event(
        actor=actor,
        answer=answer,
        action="approved",
        before=before,
        after={
            "state": answer.state,
            "version": answer.current_version.number,
            "in_advance": reason[:200],
            "approved_by": approved_by.pk if approved_by else None,
        },
        request=request,
    )
    return answer


def back_to_work(*, actor: User, answer: Answer, request: HttpRequest | None = None) -> None:
    """This answer no longer waits for approval: its mention is back in progress, unless it was
    answered meanwhile or another of its answers still waits."""
    if answer.is_statement:
        return
    waiting = Answer.objects.unscoped().filter(mention_id=answer.mention_id, state=AnswerState.PENDING)
    if answer.mention.status == MentionStatus.AWAITING_APPROVAL and not waiting.exclude(pk=answer.pk).exists():
        mention_move(actor=actor, mention=answer.mention, status=MentionStatus.IN_PROGRESS, request=request)


def _clear_step(answer: Answer) -> None:
    answer.steps, answer.step, answer.rule_name = [], 0, ""
    _stop_waiting(answer)


def _stop_waiting(answer: Answer) -> None:
    """No step is waiting any more: nothing to remind of, escalate or expire."""
    answer.step_started_at = answer.reminded_at = answer.escalated_at = answer.expires_at = None


@transaction.atomic
def answer_submit(
    *,
    actor: User,
    answer: Answer,
    comment: str = "",
    text: str | None = None,
    language: str | None = None,
    base_version: int | None = None,
    request: HttpRequest | None = None,
) -> Answer:
    """Ask for the approvals the client's policy requires of this answer, or approve it at once
    where the policy needs none.

    With `text` (what the editor holds), that text is saved as a new version first when it
    differs, from `base_version` as answer_save does: what is submitted is what the person sees."""
    require_client_perm(actor=actor, client=answer.client, codename=ClientPerm.WORK_MENTIONS)
    answer = _locked(answer)
    if answer.state not in SUBMITTABLE:
        raise ValidationError(
            _("Only an answer being written can be submitted; this one is %(state)s.") % {"state": _state(answer)}
        )
    if text is not None:
        if base_version is None:
            raise ValidationError({"base_version": [_("Say which version the text was written from.")]})
        answer = answer_save(
            actor=actor, answer=answer, text=text, language=language, base_version=base_version, request=request
        )
    version = answer.current_version
    if answer.is_statement:
        require_filled(text=version.text)
    try:
        if answer.reply_type == ReplyType.POST:
            chosen = choose_post_steps(answer.client, author_id=version.author_id)
        elif answer.is_statement:
            chosen = choose_statement_steps(answer.client, author_id=version.author_id)
        else:
            chosen = choose_steps(answer.mention, answer.reply_type, author_id=version.author_id)
    except NoApprover as error:
        raise ValidationError(str(error)) from error
    before = {"state": answer.state}
    if version.decisions.exists():
        # Sent again unchanged (after changes were asked for, an expiry or a change of risk):
        # a new version, so every approver decides afresh.
        # Same text, same author: the author stays no approver of it.
        version = _new_version(answer, actor=version.author, text=version.text, language=version.language)
    if comment.strip():
        version.comment = comment.strip()[:2000]
        version.save(update_fields=["comment"])
    now = timezone.now()
    answer.approved_version, answer.escalated_at = None, None
    answer.rule_name, answer.steps, answer.step = chosen.rule_name, [step.as_json() for step in chosen.steps], 0
    if not chosen.steps:
        answer.state, answer.approved_version = AnswerState.APPROVED, version
        answer.save()
        events.answer_event(
            actor=actor,
            answer=answer,
            action="approved",
            before=before,
            after={"state": answer.state, "version": version.number, "rule": chosen.rule_name, "by_policy": True},
            request=request,
        )
        return answer
    answer.state = AnswerState.PENDING
    _start_step(answer, now, chosen.policy)
    answer.save()
    events.answer_event(
        actor=actor,
        answer=answer,
        action="submitted",
        before=before,
        after={"state": answer.state, "version": version.number, "rule": chosen.rule_name, "steps": answer.steps},
        request=request,
    )
    if not answer.is_statement:
        mention_move(actor=actor, mention=answer.mention, status=MentionStatus.AWAITING_APPROVAL, request=request)
    notices.tell_approvers(answer, current_approvers(answer=answer))
    return answer


def _start_step(answer: Answer, now, policy) -> None:
    hours = policy.expire_after_hours
    # The escalation is once per submission: the leads heard already if a later step is late too.
    answer.step_started_at, answer.reminded_at = now, None
    answer.expires_at = now + timedelta(hours=hours) if hours else None


def decisions_on_current_versions(*, answers) -> set[tuple[int, int, int]]:
    """(version id, step, approver id) of every decision on the answers' current versions, in one query."""
    versions = {answer.current_version_id for answer in answers}
    return set(
        ApprovalDecision.objects.unscoped()
        .filter(version_id__in=versions)
        .values_list("version_id", "step", "approver_id")
    )


def still_to_decide(*, answer: Answer, decided: set[tuple[int, int, int]]) -> list[int]:
    """The current step's approvers who have not decided on this version yet; `decided` from
    decisions_on_current_versions."""
    return [
        pk for pk in current_approvers(answer=answer) if (answer.current_version_id, answer.step, pk) not in decided
    ]


def approvers_at(*, steps: list[dict], step: int) -> list[int]:
    """The approvers of step `step` of the chosen `steps` (none past the last)."""
    return list(steps[step]["approvers"]) if step < len(steps) else []


def current_approvers(*, answer: Answer) -> list[int]:
    return approvers_at(steps=answer.steps, step=answer.step) if answer.state == AnswerState.PENDING else []


@transaction.atomic
def answer_decide(
    *, actor: User, answer: Answer, version: int, decision: str, comment: str = "", request: HttpRequest | None = None
) -> ApprovalDecision:
    """An approver's decision on the version they saw. The answer row is locked, so two approvers
    acting at once are taken one after the other: the second sees the first one's outcome."""
    answer = _locked(answer)
    if not user_has_client_perm(actor, answer.client, ClientPerm.APPROVE_RESPONSES):
        raise PermissionDenied(_("You may not approve answers for %(client)s.") % {"client": answer.client.name})
    if decision not in Decision.values:
        raise ValidationError({"decision": [_("Approve, request changes or reject.")]})
    if answer.state != AnswerState.PENDING:
        raise ValidationError(
            _("This answer is not waiting for approval; it is %(state)s.") % {"state": _state(answer)}
        )
    current = answer.current_version
    if version != current.number:
        raise ValidationError(
            {
                "version": [
                    _("You decided on version %(old)d; the answer is at version %(new)d now.")
                    % {"old": version, "new": current.number}
                ]
            }
        )
    if actor.pk not in current_approvers(answer=answer):
        raise PermissionDenied(_("You are not an approver of this step."))
    policy = approval_policy_of(answer.client)
    if current.author_id == actor.pk and decision == Decision.APPROVE and not policy.allow_self_approval:
        raise ValidationError(_("The policy does not let you approve your own answer."))
    comment = (comment or "").strip()
    if decision in (Decision.REQUEST_CHANGES, Decision.REJECT) and not comment:
        raise ValidationError({"comment": [_("Say what should change, or why it is rejected.")]})
    if ApprovalDecision.objects.unscoped().filter(version=current, step=answer.step, approver=actor).exists():
        raise ValidationError(_("You have decided on this version already."))
    standing_in = answer.steps[answer.step].get("fallback") if answer.step < len(answer.steps) else ""
    if standing_in and ApprovalDecision.objects.unscoped().filter(version=current, approver=actor).exists():
        raise ValidationError(_("You approved an earlier step of this version: someone else stands in for this one."))
    made = ApprovalDecision.objects.create(
        client=answer.client,
        answer=answer,
        version=current,
        step=answer.step,
        approver=actor,
        decision=decision,
        comment=comment[:2000],
    )
    before = {"state": answer.state, "step": answer.step}
    # The decider's requests are done; when the step is over, everyone's of that step are.
    notices.settle_requests(answer, user_ids=[actor.pk])
    if decision == Decision.APPROVE:
        _after_approval(answer, current, policy)
        if answer.step != before["step"] or answer.state != AnswerState.PENDING:
            notices.settle_requests(answer)
        if answer.step != before["step"]:
            notices.tell_approvers(answer, current_approvers(answer=answer))
        elif answer.state == AnswerState.APPROVED:
            notices.tell_author(
                answer,
                (_("Your answer to %(who)s is approved: it can go out."), _("Your statement %(what)s is approved.")),
            )
    else:
        notices.tell_author(
            answer,
            (_("Changes requested on your answer to %(who)s"), _("Changes requested on your statement %(what)s"))
            if decision == Decision.REQUEST_CHANGES
            else (_("Your answer to %(who)s was rejected"), _("Your statement %(what)s was rejected")),
            comment,
        )
        answer.state = AnswerState.CHANGES_REQUESTED if decision == Decision.REQUEST_CHANGES else AnswerState.REJECTED
        _clear_step(answer)
        notices.settle_requests(answer)
    answer.save()
    events.answer_event(
        actor=actor,
        answer=answer,
        action="decided",
        before=before,
        after={"decision": decision, "version": current.number, "state": answer.state, "step": answer.step},
        request=request,
    )
    if answer.state in (AnswerState.CHANGES_REQUESTED, AnswerState.REJECTED):
        back_to_work(actor=actor, answer=answer, request=request)
    return made


def _after_approval(answer: Answer, version: AnswerVersion, policy) -> None:
    step = answer.steps[answer.step]
    if step["mode"] == StepMode.ALL:
        approved = set(
            ApprovalDecision.objects.unscoped()
            .filter(version=version, step=answer.step, decision=Decision.APPROVE)
            .values_list("approver_id", flat=True)
        )
        if not set(step["approvers"]) <= approved:
            return
    if answer.step + 1 < len(answer.steps):
        answer.step += 1
        _start_step(answer, timezone.now(), policy)
    else:
        answer.state, answer.approved_version = AnswerState.APPROVED, version
        _stop_waiting(answer)


def approval_still_holds(*, answer: Answer) -> bool:
    """The policy would not ask more of this answer now than when it was approved: a mention
    re-rated from low to critical after its answer went through unapproved must be submitted
    again. A statement's steps do not depend on anything that changes."""
    if answer.is_statement:
        return True
    return steps_needed(rule_for(answer.mention, answer.reply_type)) <= len(answer.steps)


def is_cleared_to_publish(*, answer: Answer) -> bool:
    """The one check before anything goes out: approved, and for the text it has now."""
    return (
        answer.state in (AnswerState.APPROVED, AnswerState.FAILED)
        and answer.approved_version_id == answer.current_version_id
    )


@transaction.atomic
def saved_reply_save(
    *,
    actor: User,
    client: Client,
    name: str,
    text: str,
    language: str = "",
    kind: str = "",
    reply: SavedReply | None = None,
    request: HttpRequest | None = None,
) -> SavedReply:
    """Create or change a saved reply of the client's team."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    if reply is not None and reply.client_id != client.pk:
        raise PermissionDenied
    errors = {}
    name, text, language = (name or "").strip(), (text or "").strip(), _clean_language(language)
    if not name:
        errors["name"] = [_("Give the reply a name.")]
    if not text:
        errors["text"] = [_("Write the reply.")]
    elif len(text) > REPLY_MAX_TEXT:
        errors["text"] = [_("Keep the reply under %(max)d characters.") % {"max": REPLY_MAX_TEXT}]
    if kind and kind not in MentionKind.values:
        errors["kind"] = [_("Choose a kind of mention, or none.")]
    clash = SavedReply.objects.unscoped().filter(client=client, name__iexact=name, language=language)
    if name and clash.exclude(pk=reply.pk if reply else None).exists():
        errors["name"] = [_("A reply with this name and language exists already.")]
    if errors:
        raise ValidationError(errors)
    fields = {"name": name[:REPLY_MAX_NAME], "text": text, "language": language, "kind": kind}
    before = None if reply is None else {field: getattr(reply, field) for field in fields}
    if reply is None:
        reply = SavedReply(client=client, created_by=actor)
    for field, value in fields.items():
        setattr(reply, field, value)
    try:
        with transaction.atomic():  # the same name saved at the same moment elsewhere
            reply.save()
    except IntegrityError:
        raise ValidationError({"name": [_("A reply with this name and language exists already.")]}) from None
    action = "created" if before is None else "changed"
    events.saved_reply_event(actor=actor, reply=reply, action=action, before=before, after=fields, request=request)
    return reply


@transaction.atomic
def saved_reply_delete(*, actor: User, reply: SavedReply, request: HttpRequest | None = None) -> None:
    require_client_perm(actor=actor, client=reply.client, codename=ClientPerm.WORK_MENTIONS)
    events.saved_reply_event(actor=actor, reply=reply, action="deleted", before={"name": reply.name}, request=request)
    reply.delete()


MAX_STEPS = 5
POLICY_FIELDS = ["allow_self_approval", "remind_after_minutes", "expire_after_hours"]
MAX_POSITION = 1000
CHANNEL_NAME = re.compile(r"^[a-z0-9_.-]{1,32}$")
REMIND_MAX_MINUTES = 7 * 24 * 60
EXPIRE_MAX_HOURS = 30 * 24


@transaction.atomic
def approval_policy_save(
    *,
    actor: User,
    client: Client,
    allow_self_approval: bool,
    remind_after_minutes: int,
    expire_after_hours: int,
    request: HttpRequest | None = None,
) -> ApprovalPolicy:
    """The client's approval settings: self-approval, when to remind approvers, when requests expire."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    errors = {}

    def is_count(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if not is_count(remind_after_minutes) or not 0 <= remind_after_minutes <= REMIND_MAX_MINUTES:
        errors["remind_after_minutes"] = [_("Between 0 (never) and %(max)d minutes.") % {"max": REMIND_MAX_MINUTES}]
    if not is_count(expire_after_hours) or not 0 <= expire_after_hours <= EXPIRE_MAX_HOURS:
        errors["expire_after_hours"] = [_("Between 0 (never) and %(max)d hours.") % {"max": EXPIRE_MAX_HOURS}]
    if errors:
        raise ValidationError(errors)
    # get_or_create: two first saves at once both find no row; the loser reads the winner's.
    policy, created = ApprovalPolicy.objects.unscoped().select_for_update().get_or_create(client=client)
    data = {
        "allow_self_approval": bool(allow_self_approval),
        "remind_after_minutes": remind_after_minutes,
        "expire_after_hours": expire_after_hours,
    }
    changes = model_update(instance=policy, fields=list(data), data=data, clean=False)
    if created or changes:  # a stored policy that did not change records nothing
        events.approval_policy_event(
            actor=actor,
            policy=policy,
            before=None if created else changes.before,
            after=data if created else changes.after,
            request=request,
        )
    return policy


def _clean_choices(values, allowed, field: str, errors: dict) -> list[str]:
    """Each value once; `allowed` None: any short word of letters, digits, "_", "-" and "."."""
    values = list(dict.fromkeys(str(value) for value in (values or [])))
    if allowed is None:
        wrong = [value for value in values if not CHANNEL_NAME.fullmatch(value)]
    else:
        wrong = [value for value in values if value not in allowed]
    if wrong:
        errors[field] = [_("Choose from the list.")]
    return values


@transaction.atomic
def approval_rule_save(
    *,
    actor: User,
    client: Client,
    name: str,
    steps: list[dict],
    risk_levels=(),
    kinds=(),
    channels=(),
    reply_types=(),
    needs_approval: bool = True,
    position: int | None = None,
    rule: ApprovalRule | None = None,
    request: HttpRequest | None = None,
) -> ApprovalRule:
    """Create or change a rule with its steps. `steps`: [{"role", "mode", "people": [user ids]}], in order.

    Named people must be able to approve at this client; a rule that needs approval needs a step.
    """

    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    if rule is not None and rule.client_id != client.pk:
        raise PermissionDenied
    errors: dict = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    fields = {
        "name": name[:80],
        "risk_levels": _clean_choices(risk_levels, RiskLevel.values, "risk_levels", errors),
        "kinds": _clean_choices(kinds, MentionKind.values, "kinds", errors),
        "channels": _clean_choices(_channel_names(channels), None, "channels", errors),
        "reply_types": _clean_choices(reply_types, ReplyType.values, "reply_types", errors),
        "needs_approval": bool(needs_approval),
    }
    cleaned_steps = _clean_steps(client, steps if needs_approval else [], errors)
    if needs_approval and not cleaned_steps and "steps" not in errors:
        errors["steps"] = [_("Add at least one approval step, or let matching answers out unapproved.")]
    if errors:
        raise ValidationError(errors)
    policy, created = ApprovalPolicy.objects.unscoped().get_or_create(client=client)
    if created:  # the client's first rule: its policy row starts with the defaults, on record
        events.approval_policy_event(
            actor=actor, policy=policy, before=None, after=changed_fields(policy, POLICY_FIELDS), request=request
        )
    rules = ApprovalRule.objects.unscoped().filter(client=client)
    if position is None:
        position = rule.position if rule else rules.count()
    before = _rule_snapshot(rule) if rule else None
    if rule is None:
        rule = ApprovalRule(client=client, policy=policy)
    for field, value in fields.items():
        setattr(rule, field, value)
    rule.position = min(max(0, int(position)), MAX_POSITION)
    rule.save()
    rule.steps.all().delete()
    for index, (role, mode, people) in enumerate(cleaned_steps):
        step = ApprovalStep.objects.create(client=client, rule=rule, position=index, approver_role=role, mode=mode)
        step.people.set(people)
    events.approval_rule_event(
        actor=actor,
        rule=rule,
        action="changed" if before else "created",
        before=before,
        after=_rule_snapshot(rule),
        request=request,
    )
    return rule


def _channel_names(channels) -> list[str]:
    """Channels are platform names as mentions carry them (mastodon, bluesky, ...): not a fixed list."""
    return [str(value).strip().lower() for value in channels or [] if str(value).strip()]


def _clean_steps(client: Client, steps, errors: dict) -> list[tuple[str, str, list[int]]]:
    if not isinstance(steps, (list, tuple)) or len(steps) > MAX_STEPS:
        errors["steps"] = [_("At most %(max)d steps.") % {"max": MAX_STEPS}]
        return []
    allowed = set(users_with_client_perm(client, ClientPerm.APPROVE_RESPONSES).values_list("pk", flat=True))
    cleaned = []
    for number, step in enumerate(steps, start=1):
        step = step if isinstance(step, dict) else {}
        role, mode = step.get("role"), step.get("mode") or StepMode.ANY
        named = step.get("people") or []
        try:
            if not isinstance(named, (list, tuple)):
                raise TypeError("a list of ids")
            people = sorted({int(person) for person in named})
        except (TypeError, ValueError):
            people = [-1]  # nobody who may approve: refused below
        if role not in ApproverRole.values or mode not in StepMode.values:
            errors["steps"] = [_("Step %(n)d: choose who approves and whether one or all must.") % {"n": number}]
        elif role == ApproverRole.PEOPLE and not people:
            errors["steps"] = [_("Step %(n)d: name the people who approve.") % {"n": number}]
        elif role == ApproverRole.PEOPLE and not set(people) <= allowed:
            errors["steps"] = [_("Step %(n)d: everyone named must be able to approve for this client.") % {"n": number}]
        else:
            cleaned.append((role, mode, people if role == ApproverRole.PEOPLE else []))
    return cleaned


def _rule_snapshot(rule: ApprovalRule) -> dict:
    return {
        "name": rule.name,
        "position": rule.position,
        "risk_levels": list(rule.risk_levels),
        "kinds": list(rule.kinds),
        "channels": list(rule.channels),
        "reply_types": list(rule.reply_types),
        "needs_approval": rule.needs_approval,
        "steps": [
            {"role": step.approver_role, "mode": step.mode, "people": sorted(p.pk for p in step.people.all())}
            for step in rule.steps.all()
        ],
    }


@transaction.atomic
def approval_rule_delete(*, actor: User, rule: ApprovalRule, request: HttpRequest | None = None) -> None:
    require_client_perm(actor=actor, client=rule.client, codename=ClientPerm.MANAGE)
    events.approval_rule_event(actor=actor, rule=rule, action="deleted", before=_rule_snapshot(rule), request=request)
    rule.delete()
