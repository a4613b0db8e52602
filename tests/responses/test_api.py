"""The answers API: answers from first words to sent, approvals (a client approver sees only what
waits for them), saved replies and the approval policy, with their 400s for bad input."""

import pytest

from apps.core.models import AuditEvent
from apps.mentions.models import Mention
from apps.responses.models import Answer, AnswerState, ApprovalRule, SavedReply
from apps.tenants.roles import Role
from tests.conftest import _member
from tests.factories import (
    AnswerFactory,
    ApprovalPolicyFactory,
    ApprovalRuleFactory,
    ApprovalStepFactory,
    BrandFactory,
    MentionFactory,
    SavedReplyFactory,
)

pytestmark = pytest.mark.django_db


def base(client) -> str:
    return f"/api/v1/clients/{client.pk}"


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def actions(client) -> list[str]:
    return list(AuditEvent.objects.filter(client=client).order_by("pk").values_list("action", flat=True))


@pytest.fixture
def mention(brand_a):
    """A Mastodon mention read by a feed without a source: the app cannot post the answer itself."""
    return MentionFactory(
        brand=brand_a,
        risk_level="high",
        language="da",
        text="Where is my order?",
        author_name="Ole",
        url="https://m.example.test/@ole/1",
    )


def start(session, client, mention, text="Sorry, we are on it.") -> dict:
    response = session.post(f"{base(client)}/answers/", {"mention": mention.pk, "text": text}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def pending_for_approver(client, brand, author, approver_role="client_approver") -> Answer:
    """A submitted answer whose only step waits for the client's approvers (rule on critical risk)."""
    rule = ApprovalRuleFactory(policy__client=client, risk_levels=["critical"])
    ApprovalStepFactory(rule=rule, approver_role=approver_role)
    from apps.responses.services import answer_start, answer_submit

    critical = MentionFactory(brand=brand, risk_level="critical", text="You poisoned my dog", kind="service_failure")
    return answer_submit(actor=author, answer=answer_start(actor=author, mention=critical, text="We are so sorry."))


# --- Answers: the whole way through ----------------------------------------------------------------


def test_write_submit_approve_and_mark_sent(api, client_a, responder, account_lead, mention):
    team, lead = api(responder), api(account_lead)
    answer = start(team, client_a, mention)
    url = f"{base(client_a)}/answers/{answer['id']}"
    assert (answer["state"], answer["version"], answer["language"]) == ("draft", 1, "da")
    assert answer["mention"] == {
        "id": mention.pk,
        "url": mention.url,
        "author_name": "Ole",
        "author_handle": mention.author_handle,
        "text": "Where is my order?",
    }

    new = "Sorry, we are on it. Your order ships today."
    saved = team.post(f"{url}/save/", {"text": new, "base_version": 1}, format="json")
    assert saved.status_code == 200 and saved.json()["version"] == 2
    diff = team.get(f"{url}/diff/", {"a": 1, "b": 2})
    assert diff.status_code == 200
    assert diff.json() == [{"op": "=", "text": "Sorry, we are on it."}, {"op": "+", "text": " Your order ships today."}]
    assert team.get(f"{url}/diff/").json() == diff.json()  # default: the current version and the one before

    submitted = team.post(f"{url}/submit/", {"comment": "Checked with the warehouse"}, format="json")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["state"] == "pending" and body["rule_name"] == "default: one account lead"
    name = account_lead.display_name
    assert body["current_approvers"] == [{"id": account_lead.pk, "name": name}]
    assert body["versions"][-1]["comment"] == "Checked with the warehouse"
    assert Mention.objects.get(pk=mention.pk).status == "awaiting_approval"

    decided = lead.post(f"{url}/decide/", {"version": 2, "decision": "approve"}, format="json")
    assert decided.status_code == 201, decided.content
    assert decided.json()["answer_state"] == "approved" and decided.json()["approver"] == account_lead.email

    shown = team.get(f"{url}/").json()
    assert [v["number"] for v in shown["versions"]] == [1, 2]
    assert [(d["version"], d["step"], d["decision"]) for d in shown["decisions"]] == [(2, 0, "approve")]
    assert shown["cleared_to_publish"] is True and shown["approved_version"] == 2
    assert "mark it sent by hand" in shown["cannot_publish"]

    # Without a source that can post, publishing is refused with the reason; sending by hand is recorded.
    refused = team.post(f"{url}/publish/", {}, format="json")
    assert "mark it sent by hand" in errors(refused)["non_field_errors"][0]
    assert Answer.objects.get(pk=answer["id"]).state == AnswerState.APPROVED
    sent = team.post(f"{url}/mark-sent/", {"url": "https://m.example.test/@alpha/2"}, format="json")
    assert sent.status_code == 200, sent.content
    assert sent.json()["state"] == "published" and sent.json()["sent_by_hand"] is True
    assert sent.json()["published_url"] == "https://m.example.test/@alpha/2"
    assert Mention.objects.get(pk=mention.pk).status == "answered"
    assert [a for a in actions(client_a) if a.startswith("answer.")] == [
        "answer.created",
        "answer.edited",
        "answer.submitted",
        "answer.decided",
        "answer.sent_by_hand",
    ]


def test_the_list_filters_by_mention_and_state(api, client_a, brand_a, responder, mention):
    other = MentionFactory(brand=brand_a)
    first = start(api(responder), client_a, mention)
    start(api(responder), client_a, other)
    listed = api(responder).get(f"{base(client_a)}/answers/", {"mention": mention.pk}).json()
    assert [d["id"] for d in listed["results"]] == [first["id"]]
    assert api(responder).get(f"{base(client_a)}/answers/", {"state": "pending"}).json()["count"] == 0
    assert api(responder).get(f"{base(client_a)}/answers/", {"state": "draft"}).json()["count"] == 2
    assert "state" in errors(api(responder).get(f"{base(client_a)}/answers/", {"state": "lost"}))
    assert "mention" in errors(api(responder).get(f"{base(client_a)}/answers/", {"mention": "abc"}))


def test_the_old_drafts_path_keeps_working_for_one_release_and_names_its_successor(
    api, client_a, responder, account_lead, mention
):
    team = api(responder)
    created = team.post(f"{base(client_a)}/drafts/", {"mention": mention.pk, "text": "Hej"}, format="json")
    assert created.status_code == 201
    old = team.get(f"{base(client_a)}/drafts/{created.json()['id']}/")
    new = team.get(f"{base(client_a)}/answers/{created.json()['id']}/")
    assert old.json() == new.json() and old.json()["text"] == "Hej"
    assert old["Deprecation"] == "true" and "Deprecation" not in new
    assert old["Link"] == f'<{base(client_a)}/answers/{created.json()["id"]}/>; rel="successor-version"'
    old_url = f"{base(client_a)}/drafts/{created.json()['id']}"
    assert team.post(f"{old_url}/submit/", {}, format="json").status_code == 200
    decided = api(account_lead).post(f"{old_url}/decide/", {"version": 1, "decision": "approve"}, format="json")
    assert decided.status_code == 201
    assert decided.json()["draft_state"] == decided.json()["answer_state"] == "approved"  # its old field too
    schema = team.get("/api/schema/", {"format": "json"}).content.decode()
    assert "/answers/" in schema and "/drafts/" not in schema  # the old path is not advertised


def test_submit_with_the_text_saves_it_first(api, client_a, responder, account_lead, mention):
    team = api(responder)
    url = f"{base(client_a)}/answers/{start(team, client_a, mention)['id']}"
    assert "base_version" in errors(team.post(f"{url}/submit/", {"text": "Two"}, format="json"))
    submitted = team.post(f"{url}/submit/", {"text": "Two", "base_version": 1}, format="json")
    assert submitted.status_code == 200, submitted.content
    answer = Answer.objects.get(pk=url.rsplit("/", 1)[1])
    assert (answer.state, answer.current_version.number, answer.current_version.text) == ("pending", 2, "Two")


def test_a_stale_version_is_refused(api, client_a, responder, account_lead, mention):
    team = api(responder)
    url = f"{base(client_a)}/answers/{start(team, client_a, mention)['id']}"
    team.post(f"{url}/save/", {"text": "Two", "base_version": 1}, format="json")
    stale = team.post(f"{url}/save/", {"text": "Three", "base_version": 1}, format="json")
    assert "Version 2 was saved meanwhile" in errors(stale)["base_version"][0]
    team.post(f"{url}/submit/", {}, format="json")
    late = api(account_lead).post(f"{url}/decide/", {"version": 1, "decision": "approve"}, format="json")
    assert "version" in errors(late)
    assert Answer.objects.get(pk=url.rsplit("/", 1)[1]).state == AnswerState.PENDING


def test_own_answer_cannot_be_approved(api, client_a, account_lead, mention):
    from apps.responses.models import ApprovalPolicy

    lead = api(account_lead)
    url = f"{base(client_a)}/answers/{start(lead, client_a, mention)['id']}"
    # The author is the client's only lead and there is no agency admin to fall back on: nobody
    # else may approve, so the submission is refused.
    refused = lead.post(f"{url}/submit/", {}, format="json")
    assert "nobody who may approve" in errors(refused)["non_field_errors"][0]
    # Even where the author is among the approvers (self-approval allowed once), a policy that
    # forbids it refuses the decision.
    policy = ApprovalPolicy.objects.create(client=client_a, allow_self_approval=True)
    lead.post(f"{url}/submit/", {}, format="json")
    policy.allow_self_approval = False
    policy.save()
    refused = lead.post(f"{url}/decide/", {"version": 1, "decision": "approve"}, format="json")
    assert "own answer" in errors(refused)["non_field_errors"][0]
    assert not AuditEvent.objects.filter(action="answer.decided").exists()


def test_bad_input_answers_400_with_field_messages(api, client_a, brand_b, responder, account_lead, mention):
    team, lead = api(responder), api(account_lead)
    answers = f"{base(client_a)}/answers/"
    assert set(errors(team.post(answers, {"mention": mention.pk}, format="json"))) == {"text"}
    assert "text" in errors(team.post(answers, {"mention": mention.pk, "text": "   "}, format="json"))
    foreign = MentionFactory(brand=brand_b)
    for wrong in (foreign.pk, "abc", 2**70, None):
        assert "mention" in errors(team.post(answers, {"mention": wrong, "text": "Hi"}, format="json")), wrong
    assert "reply_type" in errors(
        team.post(answers, {"mention": mention.pk, "text": "Hi", "reply_type": "shout"}, format="json")
    )

    url = f"{answers}{start(team, client_a, mention)['id']}"
    assert set(errors(team.post(f"{url}/save/", {"text": "x"}, format="json"))) == {"base_version"}
    assert "base_version" in errors(team.post(f"{url}/save/", {"text": "x", "base_version": "one"}, format="json"))
    assert "a" in errors(team.get(f"{url}/diff/", {"a": "x"}))
    assert "b" in errors(team.get(f"{url}/diff/", {"a": 1, "b": 9}))
    refused = team.post(f"{url}/publish/", {}, format="json")
    assert "Only an approved answer goes out" in errors(refused)["non_field_errors"][0]
    assert "non_field_errors" in errors(team.post(f"{url}/mark-sent/", {}, format="json"))

    team.post(f"{url}/submit/", {}, format="json")
    assert "non_field_errors" in errors(team.post(f"{url}/submit/", {}, format="json"))  # twice
    decide = f"{url}/decide/"
    assert "version" in errors(lead.post(decide, {"version": "abc", "decision": "approve"}, format="json"))
    assert "version" in errors(lead.post(decide, {"version": 2**40, "decision": "approve"}, format="json"))
    assert "decision" in errors(lead.post(decide, {"version": 1, "decision": "maybe"}, format="json"))
    assert "comment" in errors(lead.post(decide, {"version": 1, "decision": "reject"}, format="json"))
    # Deciding is for approvers; a responder who works mentions may not.
    assert team.post(decide, {"version": 1, "decision": "approve"}, format="json").status_code == 403
    lead.post(decide, {"version": 1, "decision": "approve"}, format="json")
    bad_url = team.post(f"{url}/mark-sent/", {"url": "ftp://x", "sent_at": "yesterday"}, format="json")
    assert set(errors(bad_url)) == {"sent_at"}
    assert set(errors(team.post(f"{url}/mark-sent/", {"url": "not a link"}, format="json"))) == {"url"}


def test_submit_without_anyone_to_approve_is_refused(api, client_a, brand_a, responder):
    author = api(responder)
    ApprovalStepFactory(rule=ApprovalRuleFactory(policy__client=client_a), approver_role="client_approver")
    url = f"{base(client_a)}/answers/{start(author, client_a, MentionFactory(brand=brand_a))['id']}"
    refused = author.post(f"{url}/submit/", {}, format="json")
    assert "nobody who may approve" in errors(refused)["non_field_errors"][0]


# --- Who sees which answers -----------------------------------------------------------------------


def test_a_client_approver_sees_only_what_waits_for_them(
    api, client_a, brand_a, responder, account_lead, client_approver, mention
):
    mine = pending_for_approver(client_a, brand_a, responder)
    not_submitted = AnswerFactory(mention=mention)
    url = f"{base(client_a)}/answers/{start(api(responder), client_a, mention)['id']}"
    api(responder).post(f"{url}/submit/", {}, format="json")  # waits for the account lead
    approver = api(client_approver)

    listed = approver.get(f"{base(client_a)}/answers/").json()["results"]
    assert [d["id"] for d in listed] == [mine.pk]
    # Of the mention, only what they need to judge the answer.
    assert set(listed[0]["mention"]) == {"id", "url", "author_name", "author_handle", "text"}
    shown = approver.get(f"{base(client_a)}/answers/{mine.pk}/")
    assert shown.status_code == 200 and shown.json()["text"] == "We are so sorry."
    assert approver.get(f"{base(client_a)}/answers/{mine.pk}/diff/").status_code == 200

    for other in (not_submitted.pk, int(url.rsplit("/", 1)[1])):
        assert approver.get(f"{base(client_a)}/answers/{other}/").status_code == 404
        assert approver.get(f"{base(client_a)}/answers/{other}/diff/").status_code == 404
        refused = approver.post(f"{base(client_a)}/answers/{other}/decide/", {"version": 1, "decision": "approve"})
        assert refused.status_code == 404 and set(refused.json()) == {"status", "code", "detail"}
    # Nor the team's side of things.
    assert approver.get(f"{base(client_a)}/saved-replies/").status_code == 403
    assert approver.get(f"{base(client_a)}/approval-policy/").status_code == 403
    assert (
        approver.post(f"{base(client_a)}/answers/{mine.pk}/save/", {"text": "x", "base_version": 1}).status_code == 403
    )

    decided = approver.post(f"{base(client_a)}/answers/{mine.pk}/decide/", {"version": 1, "decision": "approve"})
    assert decided.status_code == 201 and decided.json()["answer_state"] == "approved"
    # Decided: it no longer waits for them, so they no longer see it.
    assert approver.get(f"{base(client_a)}/answers/").json()["count"] == 0
    assert approver.get(f"{base(client_a)}/answers/{mine.pk}/").status_code == 404
    # The team sees every answer of the client.
    assert api(account_lead).get(f"{base(client_a)}/answers/").json()["count"] == 3


def test_client_people_who_do_not_approve_may_not_read_answers(api, client_a, client_viewer, analyst, mention):
    answer = AnswerFactory(mention=mention)
    assert api(client_viewer).get(f"{base(client_a)}/answers/").status_code == 403
    assert api(client_viewer).get(f"{base(client_a)}/answers/{answer.pk}/").status_code == 403
    # Analysts read the agency's work, answers included, and change none of it.
    assert api(analyst).get(f"{base(client_a)}/answers/{answer.pk}/").status_code == 200
    url = f"{base(client_a)}/answers/{answer.pk}/submit/"
    assert api(analyst).post(url, {}, format="json").status_code == 403


def test_other_clients_answers_404(api, client_a, client_b, brand_b, account_lead, outsider_lead, mention):
    theirs = AnswerFactory(mention=MentionFactory(brand=brand_b))
    ours = AnswerFactory(mention=mention)
    lead = api(account_lead)
    assert lead.get(f"{base(client_a)}/answers/{theirs.pk}/").status_code == 404
    assert lead.get(f"{base(client_b)}/answers/").status_code == 404
    assert lead.post(f"{base(client_a)}/answers/{theirs.pk}/save/", {"text": "x", "base_version": 1}).status_code == 404
    assert lead.get(f"{base(client_a)}/answers/", {"mention": theirs.mention_id}).json()["count"] == 0
    assert api(outsider_lead).get(f"{base(client_a)}/answers/{ours.pk}/").status_code == 404
    assert api(outsider_lead).get(f"{base(client_b)}/answers/{ours.pk}/").status_code == 404


# --- Saved replies ---------------------------------------------------------------------------------


def test_saved_replies_create_list_change_and_delete(api, client_a, client_b, responder):
    team = api(responder)
    replies = f"{base(client_a)}/saved-replies/"
    SavedReplyFactory(client=client_b, name="Theirs")
    made = team.post(replies, {"name": "Sorry", "language": "da", "kind": "question", "text": "Hej {author}"})
    assert made.status_code == 201, made.content
    assert made.json()["created_by"] == responder.email
    team.post(replies, {"name": "Thanks", "language": "en", "text": "Thank you, {author}!"})
    assert [r["name"] for r in team.get(replies).json()["results"]] == ["Sorry", "Thanks"]
    assert [r["name"] for r in team.get(replies, {"language": "en"}).json()["results"]] == ["Thanks"]
    assert [r["name"] for r in team.get(replies, {"kind": "question"}).json()["results"]] == ["Sorry"]

    url = f"{replies}{made.json()['id']}/"
    patched = team.patch(url, {"text": "Hej {author}, tak"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "Sorry" and patched.json()["kind"] == "question"
    replaced = team.put(url, {"name": "Undskyld", "language": "da", "text": "Undskyld, {author}"}, format="json")
    assert replaced.status_code == 200 and replaced.json()["kind"] == ""
    assert team.delete(url).status_code == 204
    assert list(SavedReply.objects.filter(client=client_a).values_list("name", flat=True)) == ["Thanks"]
    assert [a for a in actions(client_a) if a.startswith("saved_reply.")] == [
        "saved_reply.created",
        "saved_reply.created",
        "saved_reply.changed",
        "saved_reply.changed",
        "saved_reply.deleted",
    ]


def test_saved_reply_bad_input_answers_400(api, client_a, client_b, responder):
    team = api(responder)
    replies = f"{base(client_a)}/saved-replies/"
    team.post(replies, {"name": "Sorry", "language": "da", "text": "Hej"})
    assert "name" in errors(team.post(replies, {"name": "sorry", "language": "da", "text": "Igen"}))
    assert set(errors(team.post(replies, {"name": "", "kind": "rant"}))) == {"name", "text", "kind"}
    assert "text" in errors(team.post(replies, {"name": "Long", "text": "x" * 5001}))
    assert "text" in errors(team.post(replies, {"name": "Blank", "text": "   "}))
    theirs = SavedReplyFactory(client=client_b)
    assert team.get(f"{replies}{theirs.pk}/").status_code == 404
    assert team.delete(f"{replies}{theirs.pk}/").status_code == 404
    assert SavedReply.objects.filter(client=client_a).count() == 1


# --- The approval policy -----------------------------------------------------------------------------


def test_policy_settings_defaults_change_and_refusals(api, client_a, account_lead, responder):
    url = f"{base(client_a)}/approval-policy/"
    defaults = api(responder).get(url).json()
    assert defaults == {"allow_self_approval": False, "remind_after_minutes": 60, "expire_after_hours": 0, "rules": []}
    settings = {"allow_self_approval": True, "remind_after_minutes": 30, "expire_after_hours": 24}
    assert api(responder).put(url, settings, format="json").status_code == 403
    saved = api(account_lead).put(url, settings, format="json")
    assert saved.status_code == 200 and saved.json() == {**settings, "rules": []}
    assert actions(client_a) == ["approval_policy.changed"]
    bad = api(account_lead).put(
        url, {**settings, "remind_after_minutes": -1, "expire_after_hours": 10**6}, format="json"
    )
    assert set(errors(bad)) == {"remind_after_minutes", "expire_after_hours"}
    assert "remind_after_minutes" in errors(api(account_lead).put(url, {**settings, "remind_after_minutes": "soon"}))
    assert set(errors(api(account_lead).put(url, {}, format="json"))) == set(settings)
    assert actions(client_a) == ["approval_policy.changed"]


def test_rules_with_steps_create_change_and_delete(api, client_a, account_lead, client_approver, responder):
    lead = api(account_lead)
    rules = f"{base(client_a)}/approval-rules/"
    rule = {
        "name": "Critical",
        "risk_levels": ["critical"],
        "reply_types": ["public"],
        "steps": [
            {"role": "account_lead"},
            {"role": "people", "mode": "all", "people": [client_approver.pk]},
        ],
    }
    assert api(responder).post(rules, rule, format="json").status_code == 403
    made = lead.post(rules, rule, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["steps"] == [
        {"role": "account_lead", "mode": "any", "people": []},
        {"role": "people", "mode": "all", "people": [client_approver.pk]},
    ]
    url = f"{rules}{made.json()['id']}/"
    changed = lead.put(url, {"name": "Low", "risk_levels": ["low"], "needs_approval": False}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["steps"], changed.json()["needs_approval"]) == ("Low", [], False)
    policy = api(responder).get(f"{base(client_a)}/approval-policy/").json()
    assert [r["name"] for r in policy["rules"]] == ["Low"]
    assert lead.delete(url).status_code == 204
    assert not ApprovalRule.objects.exists()
    assert [a for a in actions(client_a) if a.startswith("approval_rule.")] == [
        "approval_rule.created",
        "approval_rule.changed",
        "approval_rule.deleted",
    ]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"steps": [{"role": "account_lead"}]}, "name"),
        ({"name": "No steps"}, "steps"),
        ({"name": "x", "steps": "account lead"}, "steps"),
        ({"name": "x", "steps": ["account_lead"]}, "steps"),
        ({"name": "x", "steps": [{"role": "boss"}]}, "steps"),
        ({"name": "x", "steps": [{"role": "account_lead", "mode": "most"}]}, "steps"),
        ({"name": "x", "steps": [{"role": "people", "people": ["someone"]}]}, "steps"),
        ({"name": "x", "steps": [{"role": "people", "people": []}]}, "steps"),
        ({"name": "x", "steps": [{"role": "people", "people": "responder"}]}, "steps"),
        ({"name": "x", "steps": [{"role": "account_lead"}] * 6}, "steps"),
        ({"name": "x", "risk_levels": ["extreme"], "steps": [{"role": "account_lead"}]}, "risk_levels"),
        ({"name": "x", "kinds": "praise", "steps": [{"role": "account_lead"}]}, "kinds"),
        ({"name": "x", "channels": ["no such/channel"], "steps": [{"role": "account_lead"}]}, "channels"),
        ({"name": "x", "position": -1, "steps": [{"role": "account_lead"}]}, "position"),
    ],
)
def test_rule_bad_input_answers_400(api, client_a, account_lead, rule, field):
    response = api(account_lead).post(f"{base(client_a)}/approval-rules/", rule, format="json")
    assert field in errors(response)
    assert not ApprovalRule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="approval_rule.").exists()


def test_a_rule_may_name_only_people_who_approve_at_the_client(api, client_a, client_b, account_lead, responder):
    outsider = _member(client_b, Role.CLIENT_APPROVER, "approver@bravo.test")
    for person in (responder, outsider):
        step = {"role": "people", "people": [person.pk]}
        response = api(account_lead).post(
            f"{base(client_a)}/approval-rules/", {"name": "Named", "steps": [step]}, format="json"
        )
        assert "able to approve" in errors(response)["steps"][0]


def test_other_clients_rules_answer_404(api, client_a, client_b, account_lead):
    theirs = ApprovalRuleFactory(policy__client=client_b)
    ApprovalPolicyFactory(client=client_b, remind_after_minutes=5)
    url = f"{base(client_a)}/approval-rules/{theirs.pk}/"
    assert api(account_lead).get(url).status_code == 404
    mine = {"name": "Mine now", "steps": [{"role": "account_lead"}]}
    assert api(account_lead).put(url, mine, format="json").status_code == 404
    assert api(account_lead).get(f"{base(client_b)}/approval-policy/").status_code == 404
    assert ApprovalRule.objects.get(pk=theirs.pk).client == client_b


def test_rules_take_effect_on_the_next_submission(api, client_a, account_lead, client_approver, responder):
    lead = api(account_lead)
    step = {"role": "client_approver"}
    rule = {"name": "Praise", "kinds": ["praise"], "steps": [step]}
    assert lead.post(f"{base(client_a)}/approval-rules/", rule, format="json").status_code == 201
    praise = MentionFactory(brand=BrandFactory(client=client_a), kind="praise")
    url = f"{base(client_a)}/answers/{start(api(responder), client_a, praise)['id']}"
    body = api(responder).post(f"{url}/submit/", {}, format="json").json()
    assert body["rule_name"] == "Praise" and [a["id"] for a in body["current_approvers"]] == [client_approver.pk]
