"""Reads and limits shared by the pages, the API and the beat: one rule each, the same answer everywhere."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.responses.models import AnswerVersion, ApprovalDecision, SavedReply
from apps.responses.policy import DEFAULT_STEPS, steps_needed
from apps.responses.reminders import chase_approvals
from apps.responses.selectors import answers_in_approval, approval_rules_of, approver_names, versions_to_compare
from apps.responses.services import answer_decide, answer_save, answer_start, answer_submit, saved_reply_save
from tests.factories import ApprovalPolicyFactory, ApprovalRuleFactory, ApprovalStepFactory, MentionFactory

pytestmark = pytest.mark.django_db


def two_steps(client):
    rule = ApprovalRuleFactory(policy__client=client)
    ApprovalStepFactory(rule=rule, position=0, approver_role="account_lead")
    ApprovalStepFactory(rule=rule, position=1, approver_role="client_approver")
    return rule


def submitted(responder, brand, text="Hej"):
    mention = MentionFactory(brand=brand)
    return answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text=text))


def test_versions_to_compare_defaults_and_names_the_missing_one(responder, brand_a):
    answer = answer_start(actor=responder, mention=MentionFactory(brand=brand_a), text="One")
    answer = answer_save(actor=responder, answer=answer, text="Two", base_version=1)
    old, new = versions_to_compare(answer=answer)
    assert (old.number, new.number) == (1, 2)
    assert [v.number for v in versions_to_compare(answer=answer, a=2, b=1)] == [2, 1]
    with pytest.raises(ValidationError) as refused:
        versions_to_compare(answer=answer, a=1, b=9)
    assert set(refused.value.message_dict) == {"b"}
    with pytest.raises(ValidationError) as refused:
        versions_to_compare(answer=answer, a=7, b=9)
    assert set(refused.value.message_dict) == {"a", "b"}


def test_the_diff_page_defaults_to_the_last_change(web, responder, brand_a):
    answer = answer_start(actor=responder, mention=MentionFactory(brand=brand_a), text="We are sorry.")
    answer_save(actor=responder, answer=answer, text="We are very sorry.", base_version=1)
    page = web(responder).get(reverse("answer_diff", args=["alpha", answer.pk]))
    assert page.status_code == 200 and "very" in page.content.decode()


def test_answers_in_approval_team_sees_all_a_client_approver_what_waits(
    responder, account_lead, client_approver, client_a, brand_a
):
    two_steps(client_a)
    first = submitted(responder, brand_a)
    second = submitted(responder, brand_a)
    answer_decide(actor=account_lead, answer=second, version=1, decision="approve")
    assert set(answers_in_approval(user=responder, client=client_a)) == {first, second}
    assert list(answers_in_approval(user=client_approver, client=client_a)) == [second]


def test_approver_names_reads_everyone_waited_for_in_one_query(responder, account_lead, client_a, brand_a):
    answers = [submitted(responder, brand_a) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        names = approver_names(answers=answers)
    assert len(queries) == 1
    assert names == {account_lead.pk: str(account_lead)}


def test_approval_rules_of_is_the_clients_rules_in_order(responder, client_a, client_b):
    later = two_steps(client_a)
    earlier = ApprovalRuleFactory(policy=later.policy, position=0)
    later.position = 1
    later.save()
    ApprovalRuleFactory(policy__client=client_b)
    rules = list(approval_rules_of(user=responder, client=client_a))
    assert rules == [earlier, later]
    with CaptureQueriesContext(connection) as queries:
        [list(step.people.all()) for rule in rules for step in rule.steps.all()]
    assert len(queries) == 0  # steps and people come with the rules


def test_a_rule_without_steps_needs_the_default_step(client_a):
    assert steps_needed(None) == len(DEFAULT_STEPS) == 1
    assert steps_needed(ApprovalRuleFactory(policy__client=client_a)) == 1
    assert steps_needed(ApprovalRuleFactory(policy__client=client_a, needs_approval=False)) == 0


def test_the_approval_pages_show_team_links_from_perms_here(
    web, responder, account_lead, client_approver, client_a, brand_a
):
    two_steps(client_a)
    answer = submitted(responder, brand_a)
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")  # now the client's step
    listing = reverse("approvals", args=["alpha"])
    detail = reverse("approval_detail", args=["alpha", answer.pk])
    mention_link = f'href="{answer.mention.get_absolute_url()}#answer"'
    assert "Everything that waits at this client" in web(responder).get(listing).content.decode()
    assert mention_link in web(responder).get(detail).content.decode()
    assert "Everything that waits at this client" not in web(client_approver).get(listing).content.decode()
    page = web(client_approver).get(detail)
    assert page.status_code == 200 and mention_link not in page.content.decode()


def test_the_editor_takes_its_limit_and_reply_types_from_the_model(web, responder, brand_a):
    mention = MentionFactory(brand=brand_a)
    page = web(responder).get(mention.get_absolute_url()).content.decode()
    limit = AnswerVersion._meta.get_field("text").max_length
    assert f'id="answer-text-new" rows="5" maxlength="{limit}"' in page
    assert '<option value="public">Public reply</option><option value="private">Private message</option>' in page


def test_a_saved_reply_takes_its_limits_from_the_model(responder, client_a):
    limit = SavedReply._meta.get_field("text").max_length
    with pytest.raises(ValidationError) as refused:
        saved_reply_save(actor=responder, client=client_a, name="Long", text="x" * (limit + 1))
    assert f"under {limit} characters" in refused.value.message_dict["text"][0]
    with pytest.raises(ValidationError) as refused:
        saved_reply_save(actor=responder, client=client_a, name="Lang", text="Hi", language="much-too-long")
    assert "language" in refused.value.message_dict
    reply = saved_reply_save(actor=responder, client=client_a, name="Lang", text="Hi", language=" NB ")
    assert reply.language == "nb"


def test_reminders_read_who_decided_once_for_all_due_answers(responder, account_lead, client_a, brand_a):
    ApprovalPolicyFactory(client=client_a, remind_after_minutes=10)
    answers = [submitted(responder, brand_a) for _ in range(3)]
    table = ApprovalDecision._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        result = chase_approvals(max(d.step_started_at for d in answers) + timedelta(minutes=11))
    assert result["reminded"] == 3
    assert sum(f'FROM "{table}"' in query["sql"] for query in queries) == 1
