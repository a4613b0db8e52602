"""The setup pages of answers: the approval policy with its rules, and saved replies."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.responses.models import ApprovalPolicy, ApprovalRule, SavedReply
from tests.factories import ApprovalRuleFactory, ApprovalStepFactory, SavedReplyFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def policy_page(client):
    return reverse("approval_policy", args=[client.slug])


def new_rule_page(client):
    return reverse("approval_rule_new", args=[client.slug])


def replies_page(client):
    return reverse("saved_replies", args=[client.slug])


def rule_post(**changes):
    data = {
        "name": "High risk",
        "needs_approval": "on",
        "risk_levels": ["high", "critical"],
        "channels": "Mastodon, bluesky",
        "step_1_role": "account_lead",
        "step_1_mode": "any",
        "step_2_role": "",
        "step_2_mode": "any",
        "step_3_role": "",
        "step_3_mode": "any",
    }
    data.update(changes)
    return data


@pytest.fixture
def approver(client_approver):
    client_approver.full_name = "Clara Approver"
    client_approver.save()
    return client_approver


def test_pages_render_for_a_lead_with_links_in_the_menu(web, account_lead, client_a):
    rule = ApprovalRuleFactory(policy__client=client_a, name="Everything")
    ApprovalStepFactory(rule=rule)
    reply = SavedReplyFactory(client=client_a, name="Thanks")
    session = web(account_lead)
    pages = [
        policy_page(client_a),
        new_rule_page(client_a),
        reverse("approval_rule", args=[client_a.slug, rule.pk]),
        replies_page(client_a),
        reverse("saved_reply", args=[client_a.slug, reply.pk]),
    ]
    for url in pages:
        assert session.get(url).status_code == 200, url
    page = session.get(policy_page(client_a)).content.decode()
    assert "the first rule that matches" in page and "one account lead must approve" in page
    assert "Step 1: any account lead" in page
    assert f'href="{replies_page(client_a)}"' in page and f'href="{policy_page(client_a)}"' in page


def test_the_policy_shows_its_defaults_and_saves_settings_with_an_audit_event(web, account_lead, client_a):
    session = web(account_lead)
    assert 'name="remind_after_minutes" value="60"' in session.get(policy_page(client_a)).content.decode()
    data = {"allow_self_approval": "on", "remind_after_minutes": "30", "expire_after_hours": "0"}
    assert session.post(policy_page(client_a), data).status_code == 302
    policy = ApprovalPolicy.objects.get(client=client_a)
    assert (policy.allow_self_approval, policy.remind_after_minutes, policy.expire_after_hours) == (True, 30, 0)
    event = AuditEvent.objects.get(action="approval_policy.changed")
    assert (event.actor, event.client, event.after["remind_after_minutes"]) == (account_lead, client_a, 30)


def test_settings_out_of_range_come_back_on_their_field(web, account_lead, client_a):
    data = {"remind_after_minutes": "30", "expire_after_hours": "100000"}
    response = web(account_lead).post(policy_page(client_a), data)
    assert response.status_code == 400
    assert "Between 0 (never) and 720 hours." in response.content.decode()
    assert not ApprovalPolicy.objects.exists()
    garbage = web(account_lead).post(policy_page(client_a), {"remind_after_minutes": "soon"})
    assert garbage.status_code == 400


def test_a_responder_reads_the_policy_but_may_not_change_it(web, responder, client_a):
    session = web(responder)
    page = session.get(policy_page(client_a))
    assert page.status_code == 200
    assert "Add a rule" not in page.content.decode()
    assert 'name="remind_after_minutes" value="60" required disabled' in page.content.decode()
    data = {"remind_after_minutes": "5", "expire_after_hours": "0"}
    assert session.post(policy_page(client_a), data).status_code == 403
    assert session.get(new_rule_page(client_a)).status_code == 403
    assert session.post(new_rule_page(client_a), rule_post()).status_code == 403
    rule = ApprovalRuleFactory(policy__client=client_a)
    assert session.post(reverse("approval_rule_delete", args=[client_a.slug, rule.pk])).status_code == 403
    assert ApprovalRule.objects.filter(pk=rule.pk).exists()
    assert not ApprovalPolicy.objects.filter(remind_after_minutes=5).exists()


def test_a_rule_with_two_steps_is_saved_audited_and_shown(web, account_lead, approver, client_a):
    session = web(account_lead)
    data = rule_post(step_2_role="people", step_2_mode="all", step_2_people=[approver.pk], reply_types=["public"])
    response = session.post(new_rule_page(client_a), data)
    assert response.status_code == 302, response.content.decode()
    rule = ApprovalRule.objects.get(client=client_a)
    assert (rule.name, rule.risk_levels, rule.channels, rule.reply_types, rule.needs_approval) == (
        "High risk",
        ["high", "critical"],
        ["mastodon", "bluesky"],
        ["public"],
        True,
    )
    steps = list(rule.steps.all())
    assert [(s.approver_role, s.mode) for s in steps] == [("account_lead", "any"), ("people", "all")]
    assert list(steps[1].people.all()) == [approver]
    assert AuditEvent.objects.get(action="approval_rule.created").actor == account_lead
    page = session.get(policy_page(client_a)).content.decode()
    assert "Step 1: any account lead" in page
    assert "Step 2: all of Clara Approver" in page
    assert "High, Critical" in page and "mastodon, bluesky" in page and "Public reply" in page


def test_editing_a_rule_shows_its_values_and_replaces_its_steps(web, account_lead, client_a):
    rule = ApprovalRuleFactory(policy__client=client_a, name="Old", channels=["rss"])
    ApprovalStepFactory(rule=rule, position=0, approver_role="account_lead")
    ApprovalStepFactory(rule=rule, position=1, approver_role="client_approver", mode="all")
    url = reverse("approval_rule", args=[client_a.slug, rule.pk])
    session = web(account_lead)
    form = session.get(url).content.decode()
    assert 'value="Old"' in form and 'value="rss"' in form
    data = rule_post(name="New", step_1_role="client_approver", step_1_mode="all", channels="")
    assert session.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.channels) == ("New", [])
    assert [(s.approver_role, s.mode) for s in rule.steps.all()] == [("client_approver", "all")]
    assert AuditEvent.objects.filter(action="approval_rule.changed").count() == 1


def test_a_rule_with_more_steps_than_rows_keeps_them_all(web, account_lead, client_a):
    rule = ApprovalRuleFactory(policy__client=client_a)
    for position in range(4):
        ApprovalStepFactory(rule=rule, position=position, mode="all" if position == 3 else "any")
    url = reverse("approval_rule", args=[client_a.slug, rule.pk])
    session = web(account_lead)
    assert 'name="step_4_role"' in session.get(url).content.decode()
    data = rule_post(step_2_role="account_lead", step_3_role="account_lead", step_4_role="client_approver")
    assert session.post(url, {**data, "step_4_mode": "all"}).status_code == 302
    assert [s.mode for s in rule.steps.all()] == ["any", "any", "any", "all"]


def test_a_rule_may_let_matching_answers_out_unapproved(web, account_lead, client_a):
    data = rule_post(name="Praise", needs_approval="", kinds=["praise"], step_1_role="")
    assert web(account_lead).post(new_rule_page(client_a), data).status_code == 302
    rule = ApprovalRule.objects.get(client=client_a)
    assert (rule.kinds, rule.needs_approval, rule.steps.count()) == (["praise"], False, 0)
    assert "No approval needed" in web(account_lead).get(policy_page(client_a)).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"step_1_role": "people"}, "Step 1: name the people who approve."),
        ({"step_1_role": ""}, "Add at least one approval step"),
        ({"name": "  "}, "This field is required."),
        ({"risk_levels": ["apocalyptic"]}, "Select a valid choice."),
        ({"channels": "mastodon, <b>"}, "Choose from the list."),
    ],
)
def test_a_refused_rule_comes_back_with_its_reason_and_nothing_is_saved(web, account_lead, client_a, changes, message):
    response = web(account_lead).post(new_rule_page(client_a), rule_post(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApprovalRule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="approval_rule.").exists()


def test_only_people_who_may_approve_can_be_named(web, account_lead, responder, client_a):
    data = rule_post(step_1_role="people", step_1_people=[responder.pk])
    response = web(account_lead).post(new_rule_page(client_a), data)
    assert response.status_code == 400
    assert responder.email not in response.content.decode()
    assert not ApprovalRule.objects.exists()


def test_deleting_a_rule(web, account_lead, client_a):
    rule = ApprovalRuleFactory(policy__client=client_a, name="Doomed")
    ApprovalStepFactory(rule=rule)
    response = web(account_lead).post(reverse("approval_rule_delete", args=[client_a.slug, rule.pk]))
    assert response.status_code == 302 and response["Location"] == policy_page(client_a)
    assert not ApprovalRule.objects.exists()
    event = AuditEvent.objects.get(action="approval_rule.deleted")
    assert event.before["name"] == "Doomed"


def test_saved_replies_are_added_changed_and_deleted_with_audit_events(web, responder, client_a):
    session = web(responder)
    data = {"name": "Sorry", "language": "en", "kind": "service_failure", "text": "Sorry {author}, we are on it."}
    assert session.post(replies_page(client_a), data).status_code == 302
    reply = SavedReply.objects.get(client=client_a)
    assert (reply.name, reply.language, reply.kind, reply.created_by) == ("Sorry", "en", "service_failure", responder)
    page = session.get(replies_page(client_a)).content.decode()
    assert "Sorry {author}, we are on it." in page and "Service failure" in page

    url = reverse("saved_reply", args=[client_a.slug, reply.pk])
    assert 'value="Sorry"' in session.get(url).content.decode()
    assert session.post(url, {**data, "text": "We are sorry, {author}."}).status_code == 302
    reply.refresh_from_db()
    assert reply.text == "We are sorry, {author}."

    assert session.post(reverse("saved_reply_delete", args=[client_a.slug, reply.pk])).status_code == 302
    assert not SavedReply.objects.exists()
    actions = list(AuditEvent.objects.filter(client=client_a).order_by("pk").values_list("action", flat=True))
    assert actions == ["saved_reply.created", "saved_reply.changed", "saved_reply.deleted"]


def test_a_clashing_name_is_refused_on_its_field(web, responder, client_a):
    SavedReplyFactory(client=client_a, name="Thanks", language="en")
    other = SavedReplyFactory(client=client_a, name="Thanks", language="nb")
    session = web(responder)
    response = session.post(replies_page(client_a), {"name": "thanks", "language": "en", "text": "Thank you!"})
    assert response.status_code == 400
    assert "A reply with this name and language exists already." in response.content.decode()
    edit = session.post(
        reverse("saved_reply", args=[client_a.slug, other.pk]), {"name": "Thanks", "language": "en", "text": "Takk!"}
    )
    assert edit.status_code == 400
    assert SavedReply.objects.filter(client=client_a).count() == 2
    other.refresh_from_db()
    assert other.language == "nb"
    assert session.post(replies_page(client_a), {"name": "Empty", "text": ""}).status_code == 400


def test_hostile_saved_reply_text_is_escaped(web, responder, client_a):
    reply = SavedReplyFactory(client=client_a, name=HOSTILE, text=f"Hi {HOSTILE}\nbye")
    session = web(responder)
    for url in (replies_page(client_a), reverse("saved_reply", args=[client_a.slug, reply.pk])):
        page = session.get(url).content.decode()
        assert "<script>" not in page, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page, url


def test_hostile_rule_and_approver_names_are_escaped(web, account_lead, approver, client_a):
    approver.full_name = HOSTILE
    approver.save()
    rule = ApprovalRuleFactory(policy__client=client_a, name=HOSTILE)
    step = ApprovalStepFactory(rule=rule, approver_role="people")
    step.people.set([approver])
    session = web(account_lead)
    for url in (policy_page(client_a), reverse("approval_rule", args=[client_a.slug, rule.pk])):
        page = session.get(url).content.decode()
        assert "<script>" not in page, url


def test_people_outside_the_team_cannot_reach_saved_replies(web, analyst, client_viewer, client_a):
    reply = SavedReplyFactory(client=client_a)
    assert web(analyst).get(replies_page(client_a)).status_code == 200  # analysts read, change nothing
    assert web(client_viewer).get(replies_page(client_a)).status_code == 403
    for person in (analyst, client_viewer):
        session = web(person)
        assert session.post(reverse("saved_reply_delete", args=[client_a.slug, reply.pk])).status_code == 403
    assert SavedReply.objects.filter(pk=reply.pk).exists()
