"""Chasing answers that wait for approval: remind the approvers, escalate to the account leads
when the mention's answer time is at risk, and let an approval expire where the policy says so.

Run by beat every minute. Each reminder and escalation is claimed with a conditional UPDATE of
its timestamp before anyone is told, so two beats or two workers running at once send it once.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, IntegerField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.mentions.models import RiskLevel
from apps.notifications.models import NotificationEvent
from apps.tenants.selectors import account_leads_of, per_client

from . import events, notices
from .models import Answer, AnswerState, ApprovalPolicy
from .services import _locked, _stop_waiting, back_to_work, decisions_on_current_versions, still_to_decide

# A client without a policy of its own has the model's default.
DEFAULT_REMIND_AFTER_MINUTES = ApprovalPolicy._meta.get_field("remind_after_minutes").default
BATCH = 200
# What the notices read of a answer.
TOLD = ("client", "mention", "current_version")


def chase_approvals(now=None) -> dict[str, int]:
    now = now or timezone.now()
    return {"reminded": _remind(now), "escalated": _escalate(now), "expired": _expire(now)}


def _pending():
    return Answer.objects.unscoped().filter(state=AnswerState.PENDING)


def _remind(now) -> int:
    remind_after = Coalesce(
        F("client__approval_policy__remind_after_minutes"),
        Value(DEFAULT_REMIND_AFTER_MINUTES),
        output_field=IntegerField(),
    )
    due = list(
        _pending()
        .select_related(*TOLD)
        .filter(reminded_at=None)
        .annotate(remind_after=remind_after)
        .filter(remind_after__gt=0)
        .annotate(
            remind_at=ExpressionWrapper(
                F("step_started_at") + F("remind_after") * Value(timedelta(minutes=1)), output_field=DateTimeField()
            )
        )
        .filter(remind_at__lte=now)[:BATCH]
    )
    decided = decisions_on_current_versions(answers=due)  # read once for all, not per answer
    sent = 0
    for answer in due:
        claimed = (
            Answer.objects.unscoped()
            .filter(pk=answer.pk, state=AnswerState.PENDING, step=answer.step, reminded_at=None)
            .update(reminded_at=now)
        )
        if claimed:
            notices.tell_approvers(
                answer, still_to_decide(answer=answer, decided=decided), event=NotificationEvent.APPROVAL_REMINDER
            )
            sent += 1
    return sent


def _escalate(now) -> int:
    """The mention's warning time has passed and its answer still waits for approval."""
    at_risk = (
        _pending()
        .select_related(*TOLD)
        .filter(escalated_at=None, mention__first_response_at=None, mention__response_warn_at__lte=now)[:BATCH]
    )
    leads = per_client(read=lambda client: [lead.pk for lead in account_leads_of(client=client)])
    sent = 0
    for answer in at_risk:
        claimed = (
            Answer.objects.unscoped()
            .filter(pk=answer.pk, state=AnswerState.PENDING, escalated_at=None)
            .update(escalated_at=now)
        )
        if claimed:
            critical = answer.mention.risk_level == RiskLevel.CRITICAL
            notices.tell_leads_at_risk(answer, leads(answer.client), critical=critical)
            sent += 1
    return sent


def _expire(now) -> int:
    expired = 0
    for answer_id in _pending().filter(expires_at__lte=now).values_list("pk", flat=True)[:BATCH]:
        expired += _expire_one(answer_id, now)
    return expired


@transaction.atomic
def _expire_one(answer_id: int, now) -> int:
    answer = _locked(Answer(pk=answer_id))
    if answer.state != AnswerState.PENDING or not answer.expires_at or answer.expires_at > now:
        return 0  # decided or expired by another run meanwhile
    before = {"state": answer.state, "step": answer.step}
    answer.state = AnswerState.EXPIRED
    _stop_waiting(answer)
    answer.save()
    events.answer_event(actor=None, answer=answer, action="expired", before=before, after={"state": answer.state})
    back_to_work(actor=None, answer=answer)
    notices.tell_author(
        answer,
        (
            _("The approval of your answer to %(who)s expired: submit it again if it still fits."),
            _("The approval of your statement %(what)s expired: submit it again if it still fits."),
        ),
    )
    return 1
