"""Chasing pending approvals: reminders once, escalation when the answer time is at risk, expiry."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.mentions.models import Mention
from apps.notifications.models import Notification
from apps.responses.models import Answer, AnswerState
from apps.responses.reminders import chase_approvals
from apps.responses.services import answer_start, answer_submit
from tests.factories import ApprovalPolicyFactory, MentionFactory


def pending(responder, brand, **mention_fields):
    mention = MentionFactory(brand=brand, **mention_fields)
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="We are sorry."))
    assert answer.state == AnswerState.PENDING
    return answer


def reminders_to(person):
    return Notification.objects.filter(event="approval.reminder", user=person).count()


@pytest.mark.django_db
def test_approvers_are_reminded_once_after_the_policy_time(responder, account_lead, client_a, brand_a):
    ApprovalPolicyFactory(client=client_a, remind_after_minutes=30)
    answer = pending(responder, brand_a)
    started = answer.step_started_at

    assert chase_approvals(started + timedelta(minutes=29))["reminded"] == 0
    assert chase_approvals(started + timedelta(minutes=31))["reminded"] == 1
    assert chase_approvals(started + timedelta(minutes=45))["reminded"] == 0
    assert reminders_to(account_lead) == 1
    reminder = Notification.objects.get(event="approval.reminder")
    assert reminder.url == f"/c/{client_a.slug}/approvals/{answer.pk}/"


@pytest.mark.django_db
def test_no_reminders_when_the_policy_says_never(responder, account_lead, client_a, brand_a):
    ApprovalPolicyFactory(client=client_a, remind_after_minutes=0)
    answer = pending(responder, brand_a)
    assert chase_approvals(answer.step_started_at + timedelta(days=3))["reminded"] == 0


@pytest.mark.django_db
def test_without_a_policy_approvers_are_reminded_after_an_hour(responder, account_lead, brand_a):
    answer = pending(responder, brand_a)
    assert chase_approvals(answer.step_started_at + timedelta(minutes=59))["reminded"] == 0
    assert chase_approvals(answer.step_started_at + timedelta(minutes=61))["reminded"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_send_one_reminder(responder, account_lead, client_a, brand_a):
    ApprovalPolicyFactory(client=client_a, remind_after_minutes=10)
    answer = pending(responder, brand_a)
    at = answer.step_started_at + timedelta(minutes=11)
    start = threading.Barrier(2)

    def beat():
        try:
            start.wait()
            chase_approvals(at)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reminders_to(account_lead) == 1


@pytest.mark.django_db
def test_the_account_leads_hear_when_the_answer_time_is_at_risk(responder, account_lead, client_a, brand_a):
    ApprovalPolicyFactory(client=client_a, remind_after_minutes=0)
    now = timezone.now()
    answer = pending(
        responder,
        brand_a,
        risk_level="critical",
        response_warn_at=now + timedelta(minutes=10),
        response_due_at=now + timedelta(minutes=20),
    )
    assert chase_approvals(now + timedelta(minutes=5))["escalated"] == 0
    assert chase_approvals(now + timedelta(minutes=11))["escalated"] == 1
    assert chase_approvals(now + timedelta(minutes=12))["escalated"] == 0
    escalation = Notification.objects.get(event="approval.escalated", user=account_lead)
    assert escalation.critical and escalation.mention_id == answer.mention_id


@pytest.mark.django_db
def test_an_approval_expires_and_the_answer_can_be_submitted_again(responder, account_lead, client_a, brand_a):
    ApprovalPolicyFactory(client=client_a, expire_after_hours=2, remind_after_minutes=0)
    answer = pending(responder, brand_a)
    assert answer.expires_at == answer.step_started_at + timedelta(hours=2)

    assert chase_approvals(answer.expires_at - timedelta(minutes=1))["expired"] == 0
    assert chase_approvals(answer.expires_at + timedelta(minutes=1))["expired"] == 1
    answer.refresh_from_db()
    assert answer.state == AnswerState.EXPIRED and answer.expires_at is None
    assert Mention.objects.get(pk=answer.mention_id).status == "in_progress"
    assert AuditEvent.objects.filter(action="answer.expired", actor=None).exists()
    assert Notification.objects.filter(event="approval.decided", user=responder).exists()

    answer = answer_submit(actor=responder, answer=answer)
    assert (
        answer.state == AnswerState.PENDING and Mention.objects.get(pk=answer.mention_id).status == "awaiting_approval"
    )


@pytest.mark.django_db
def test_decided_answers_are_not_chased(responder, account_lead, client_a, brand_a):
    ApprovalPolicyFactory(client=client_a, expire_after_hours=1, remind_after_minutes=10)
    answer = pending(responder, brand_a, response_warn_at=timezone.now())
    Answer.objects.filter(pk=answer.pk).update(state=AnswerState.REJECTED)
    assert chase_approvals(timezone.now() + timedelta(hours=2)) == {"reminded": 0, "escalated": 0, "expired": 0}


@pytest.mark.django_db
def test_reminders_skip_who_decided_and_escalation_is_once_per_submission(
    responder, account_lead, client_approver, client_a, brand_a
):
    from apps.responses.services import answer_decide
    from apps.tenants.roles import Role
    from tests.conftest import _member
    from tests.factories import ApprovalRuleFactory, ApprovalStepFactory

    second_approver = _member(client_a, Role.CLIENT_APPROVER, "second@alpha.test")
    ApprovalPolicyFactory(client=client_a, remind_after_minutes=10)
    rule = ApprovalRuleFactory(policy__client=client_a)
    ApprovalStepFactory(rule=rule, position=0, approver_role="account_lead")
    ApprovalStepFactory(rule=rule, position=1, approver_role="client_approver", mode="all")
    now = timezone.now()
    answer = pending(responder, brand_a, response_warn_at=now - timedelta(minutes=1))
    assert chase_approvals(now)["escalated"] == 1
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    answer_decide(actor=client_approver, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    assert chase_approvals(now + timedelta(minutes=1))["escalated"] == 0  # the leads know already

    assert chase_approvals(answer.step_started_at + timedelta(minutes=11))["reminded"] == 1
    assert reminders_to(second_approver) == 1 and reminders_to(client_approver) == 0
