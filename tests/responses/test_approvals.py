"""Answers, versions and approval decisions: the rule that nothing goes out unapproved."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections

from apps.core.models import AuditEvent
from apps.mentions.lifecycle import path_to
from apps.mentions.models import Mention
from apps.responses.models import Answer, AnswerState, ApprovalDecision
from apps.responses.services import answer_decide, answer_save, answer_start, answer_submit, is_cleared_to_publish
from apps.tenants.roles import Role
from tests.conftest import _member
from tests.factories import ApprovalPolicyFactory, ApprovalRuleFactory, ApprovalStepFactory, MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mention(brand_a):
    return MentionFactory(brand=brand_a, risk_level="high", kind="service_failure", language="da")


def two_step_rule(client, **conditions):
    """Step 1: any account lead; step 2: every client approver."""
    rule = ApprovalRuleFactory(policy__client=client, **conditions)
    ApprovalStepFactory(rule=rule, position=0, approver_role="account_lead", mode="any")
    ApprovalStepFactory(rule=rule, position=1, approver_role="client_approver", mode="all")
    return rule


def test_without_a_policy_one_account_lead_must_approve(responder, account_lead, mention):
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    assert answer.state == AnswerState.PENDING
    assert answer.steps == [{"role": "account_lead", "mode": "any", "approvers": [account_lead.pk], "fallback": ""}]
    assert Mention.objects.get(pk=mention.pk).status == "awaiting_approval"
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED and is_cleared_to_publish(answer=answer)


def test_the_first_matching_rule_chooses_the_steps(responder, account_lead, client_approver, client_a, mention):
    ApprovalRuleFactory(policy__client=client_a, position=0, risk_levels=["low"], needs_approval=False)
    two_step_rule(client_a, position=1, risk_levels=["high", "critical"])
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    assert [step["role"] for step in answer.steps] == ["account_lead", "client_approver"]
    assert answer.steps[1]["approvers"] == [client_approver.pk]


def test_low_risk_answers_may_need_no_approval(responder, client_a, brand_a):
    ApprovalRuleFactory(policy__client=client_a, risk_levels=["low"], needs_approval=False)
    low = MentionFactory(brand=brand_a, risk_level="low")
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=low, text="Thanks!"))
    assert answer.state == AnswerState.APPROVED and is_cleared_to_publish(answer=answer)
    assert AuditEvent.objects.filter(action="answer.approved", after__by_policy=True).exists()


def test_any_step_needs_one_and_all_step_needs_every_approver(
    responder, account_lead, client_approver, client_a, mention
):
    second_approver = _member(client_a, Role.CLIENT_APPROVER, "approver2@alpha.test")
    two_step_rule(client_a)
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    assert (answer.state, answer.step) == (AnswerState.PENDING, 1)
    answer_decide(actor=client_approver, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    assert (answer.state, answer.step) == (AnswerState.PENDING, 1)  # the other client approver has not decided
    answer_decide(actor=second_approver, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED


def test_an_edit_after_approval_needs_approval_again(responder, account_lead, mention):
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    answer = answer_save(actor=responder, answer=answer, text="Sorry, we are on it!", base_version=1)
    assert (answer.state, answer.current_version.number) == (AnswerState.DRAFT, 2)
    assert not is_cleared_to_publish(answer=answer)
    assert Mention.objects.get(pk=mention.pk).status == "in_progress"
    answer_submit(actor=responder, answer=answer)
    with pytest.raises(ValidationError) as stale:
        answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")  # what they saw before
    assert "version" in stale.value.message_dict
    answer_decide(actor=account_lead, answer=answer, version=2, decision="approve")
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED and answer.approved_version.number == 2


def test_a_save_over_a_newer_version_is_refused(responder, mention):
    answer = answer_start(actor=responder, mention=mention, text="One")
    answer_save(actor=responder, answer=answer, text="Two", base_version=1)
    with pytest.raises(ValidationError) as refused:
        answer_save(actor=responder, answer=answer, text="Three", base_version=1)
    assert "base_version" in refused.value.message_dict
    assert list(answer.versions.values_list("text", flat=True)) == ["One", "Two"]


def test_changes_and_rejection_need_a_comment_and_send_the_answer_back(responder, account_lead, mention):
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    with pytest.raises(ValidationError):
        answer_decide(actor=account_lead, answer=answer, version=1, decision="request_changes")
    answer_decide(actor=account_lead, answer=answer, version=1, decision="request_changes", comment="Name the refund")
    answer.refresh_from_db()
    assert answer.state == AnswerState.CHANGES_REQUESTED
    assert answer.current_version.decisions.get().comment == "Name the refund"
    assert Mention.objects.get(pk=mention.pk).status == "in_progress"


def test_own_answer_cannot_be_approved_unless_the_policy_allows(account_lead, client_a, brand_a, mention):
    # Two leads: the author is no approver of their own answer, the other lead is.
    other_lead = _member(client_a, Role.ACCOUNT_LEAD, "second-lead@example.test", with_totp=True)
    answer = answer_submit(actor=account_lead, answer=answer_start(actor=account_lead, mention=mention, text="Sorry!"))
    assert answer.steps[0]["approvers"] == [other_lead.pk]
    with pytest.raises(PermissionDenied):
        answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")

    # The author as the only lead, and no agency admin to fall back on: refused at submission,
    # not left waiting for ever.
    other_lead.memberships.all().delete()
    alone = answer_start(actor=account_lead, mention=MentionFactory(brand=brand_a), text="Hi")
    with pytest.raises(ValidationError, match="nobody who may approve"):
        answer_submit(actor=account_lead, answer=alone)

    # Where the policy allows it, the author approves their own.
    ApprovalPolicyFactory(client=client_a, allow_self_approval=True)
    alone = answer_submit(actor=account_lead, answer=alone)
    answer_decide(actor=account_lead, answer=alone, version=1, decision="approve")
    alone.refresh_from_db()
    assert alone.state == AnswerState.APPROVED


def test_only_the_steps_approvers_decide(
    responder, account_lead, client_approver, analyst, outsider_lead, client_a, mention
):
    two_step_rule(client_a)
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    for person in (client_approver, responder, analyst, outsider_lead):  # step 1 is the lead's
        with pytest.raises(PermissionDenied):
            answer_decide(actor=person, answer=answer, version=1, decision="approve")
    assert not ApprovalDecision.objects.exists()


def test_a_step_nobody_can_approve_is_refused_at_submission(responder, client_a, mention):
    two_step_rule(client_a)  # client_a has neither a lead nor a client approver here
    answer = answer_start(actor=responder, mention=mention, text="Sorry!")
    with pytest.raises(ValidationError):
        answer_submit(actor=responder, answer=answer)
    assert Answer.objects.get(pk=answer.pk).state == AnswerState.DRAFT


def test_every_state_change_is_audited_on_the_mention(responder, account_lead, mention):
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    actions = list(
        AuditEvent.objects.filter(target_id=str(mention.pk), action__startswith="answer.")
        .order_by("id")
        .values_list("action", "actor")
    )
    assert actions == [
        ("answer.created", responder.pk),
        ("answer.submitted", responder.pk),
        ("answer.decided", account_lead.pk),
    ]


def test_the_lifecycle_finds_its_way_to_a_status():
    assert path_to("new", "awaiting_approval") == ["in_progress", "awaiting_approval"]
    assert path_to("awaiting_approval", "in_progress") == ["in_progress"]
    assert path_to("resolved", "awaiting_approval") == ["in_progress", "awaiting_approval"]
    assert path_to("in_progress", "in_progress") == []


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_the_same_moment_are_taken_one_after_the_other(client_a, brand_a):
    author = _member(client_a, Role.RESPONDER, "author@example.test")
    leads = [_member(client_a, Role.ACCOUNT_LEAD, f"lead{n}@example.test") for n in range(2)]
    mention = MentionFactory(brand=brand_a)
    answer = answer_submit(actor=author, answer=answer_start(actor=author, mention=mention, text="Sorry!"))
    barrier, outcomes = threading.Barrier(2), []

    def decide(person, decision):
        try:
            barrier.wait()
            answer_decide(actor=person, answer=answer, version=1, decision=decision, comment="No")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=decide, args=(leads[0], "approve")),
        threading.Thread(target=decide, args=(leads[1], "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One decision decided the "any" step; the other found the answer no longer waiting.
    assert sorted(outcomes) == ["ok", "refused"]
    assert ApprovalDecision.objects.count() == 1
    assert Answer.objects.get(pk=answer.pk).state in (AnswerState.APPROVED, AnswerState.REJECTED)


def test_sent_again_unchanged_every_approver_decides_afresh(
    responder, account_lead, client_approver, client_a, mention
):
    two_step_rule(client_a)
    ApprovalPolicyFactory(client=client_a, expire_after_hours=1)
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    Answer.objects.filter(pk=answer.pk).update(state=AnswerState.EXPIRED)  # the client approver never came
    answer = answer_submit(actor=responder, answer=Answer.objects.get(pk=answer.pk))
    assert (answer.state, answer.step, answer.current_version.number) == (AnswerState.PENDING, 0, 2)
    assert answer.current_version.text == "Sorry!"
    answer_decide(actor=account_lead, answer=answer, version=2, decision="approve")
    answer_decide(actor=client_approver, answer=answer, version=2, decision="approve")
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED and answer.approved_version.number == 2


def test_an_answered_mention_stays_answered_when_another_answer_changes(responder, account_lead, brand_a):
    from apps.responses.sending import answer_mark_sent

    mention = MentionFactory(brand=brand_a, platform="trustpilot")
    first = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="One"))
    answer_decide(actor=account_lead, answer=first, version=1, decision="approve")
    second = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Two"))
    answer_decide(actor=account_lead, answer=second, version=1, decision="approve")
    answer_mark_sent(actor=responder, answer=Answer.objects.get(pk=first.pk))
    answer_save(actor=responder, answer=second, text="Two, better", base_version=1)
    assert Mention.objects.get(pk=mention.pk).status == "answered"


def test_sent_again_by_someone_else_the_text_keeps_its_author(responder, account_lead, mention):
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sorry!"))
    answer_decide(actor=account_lead, answer=answer, version=1, decision="request_changes", comment="Warmer, please")
    # The lead sends it on unchanged: still the responder's text, so the lead may approve it.
    answer = answer_submit(actor=account_lead, answer=Answer.objects.get(pk=answer.pk))
    assert answer.current_version.author == responder
    assert answer.steps[0]["approvers"] == [account_lead.pk]
    answer_decide(actor=account_lead, answer=answer, version=2, decision="approve")
    assert Answer.objects.get(pk=answer.pk).state == AnswerState.APPROVED


# --- A step nobody may approve falls back (issue 16, point 4) ----------------------------------


def test_the_only_leads_own_answer_goes_to_an_agency_admin(web, account_lead, agency_admin, client_a, mention):
    answer = answer_submit(actor=account_lead, answer=answer_start(actor=account_lead, mention=mention, text="Hej"))
    assert answer.state == AnswerState.PENDING
    assert answer.steps == [
        {"role": "account_lead", "mode": "any", "approvers": [agency_admin.pk], "fallback": "agency_admin"}
    ]
    page = web(account_lead).get(mention.get_absolute_url()).content.decode()
    assert "Nobody else may approve as an account lead, so an agency admin approves in their place." in page
    answer_decide(actor=agency_admin, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED


def test_a_client_approver_step_without_approvers_goes_to_someone_not_approving_already(
    responder, account_lead, agency_admin, client_a, mention
):
    two_step_rule(client_a, position=0)
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Hej"))
    # The lead of step 1 does not stand in for the client as well: an agency admin does.
    assert [(step["role"], step["approvers"], step["fallback"]) for step in answer.steps] == [
        ("account_lead", [account_lead.pk], ""),
        ("client_approver", [agency_admin.pk], "agency_admin"),
    ]


def test_the_policy_page_warns_of_steps_that_can_have_nobody(web, account_lead, client_a):
    from django.urls import reverse

    two_step_rule(client_a, position=0)
    page = web(account_lead).get(reverse("approval_policy", args=[client_a.slug])).content.decode()
    assert (
        "Step 1: only one person may approve as an account lead; an answer they write themselves goes to an "
        "agency admin." in page
    )
    # The only lead approves step 1, so an agency admin, not the same lead, stands in at step 2.
    assert "Step 2: nobody may approve as a client approver now, so an agency admin approves in their place." in page
    assert "When no rule matches" in page  # the default step has the same single lead


def test_the_policy_page_says_nothing_when_every_step_is_staffed(web, account_lead, client_approver, client_a):
    from django.urls import reverse

    _member(client_a, Role.ACCOUNT_LEAD, "second-lead@example.test", with_totp=True)
    two_step_rule(client_a, position=0)
    page = web(account_lead).get(reverse("approval_policy", args=[client_a.slug])).content.decode()
    assert 'class="notice warn"' not in page


def test_two_admins_stand_in_for_both_steps_but_one_person_decides_only_one(
    account_lead, agency_admin, client_a, mention
):
    from django.core.exceptions import ValidationError as Refused

    from tests.factories import UserFactory

    second_admin = UserFactory(email="admin2@example.test", is_agency_admin=True)
    two_step_rule(client_a, position=0)  # lead, then client approver; the client has none
    answer = answer_submit(actor=account_lead, answer=answer_start(actor=account_lead, mention=mention, text="Hej"))
    assert [step["fallback"] for step in answer.steps] == ["agency_admin", "agency_admin"]

    answer_decide(actor=agency_admin, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    with pytest.raises(Refused, match="someone else stands in"):
        answer_decide(actor=agency_admin, answer=answer, version=1, decision="approve")
    answer_decide(actor=second_admin, answer=answer, version=1, decision="approve")
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED
