"""An answer's whole way in a real browser: a responder answers it, the account lead approves, the
client's approver approves, it is published on a local server that speaks Mastodon's API, and
the mention shows as answered."""

import copy

import pytest
from django.urls import reverse

from apps.mentions.models import Mention
from apps.responses.models import Answer, AnswerState
from apps.responses.services import answer_start
from tests.factories import ApprovalRuleFactory, ApprovalStepFactory, MentionFactory, SourceFactory
from tests.listening.platform_fixtures import load_sample

pytestmark = pytest.mark.browser


@pytest.fixture
def mastodon_mention(brand_a, httpserver):
    status = copy.deepcopy(load_sample("mastodon", "mastodonpy_test_hashtag_tl_response_1.json")[0])
    source = SourceFactory(
        brand=brand_a, kind="mastodon", config={"base_url": httpserver.url_for("/"), "mode": "hashtag", "hashtag": "x"}
    )
    source.set_credentials({"access_token": "agency-token"})
    source.save()
    answer = {**status, "id": "118000000000000001", "in_reply_to_id": status["id"], "uri": status["uri"] + "-answer"}
    httpserver.expect_oneshot_request("/api/v1/statuses", method="POST").respond_with_json(answer)
    return MentionFactory(
        brand=brand_a,
        source=source,
        platform="mastodon",
        external_id=status["uri"],
        raw=status,
        text="Min pakke er forsvundet, og ingen svarer!",
        kind="service_failure",
        risk_level="high",
    )


def decide(page, sign_in, person, client_slug):
    sign_in(person)
    page.goto(reverse("approvals", args=[client_slug]))
    page.get_by_role("link", name="Decide").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record my decision").click()
    page.get_by_text("Your decision is recorded.").wait_for()


def test_responder_drafts_two_approve_and_the_answer_is_published(
    page, sign_in, responder, account_lead, client_approver, client_a, mastodon_mention, httpserver
):
    rule = ApprovalRuleFactory(policy__client=client_a, name="High risk: lead, then client")
    ApprovalStepFactory(rule=rule, position=0, approver_role="account_lead")
    ApprovalStepFactory(rule=rule, position=1, approver_role="client_approver")
    mention_url = reverse("mention_detail", args=[client_a.slug, mastodon_mention.pk])

    sign_in(responder)
    page.goto(mention_url)
    page.get_by_text("Own the failure and compensate where it is fair.").wait_for()
    page.locator("#answer-text-new").fill("Det er vi kede af. Skriv dit ordrenummer, så finder vi pakken i dag.")
    page.get_by_role("button", name="Save the answer").click()
    page.get_by_text("Answer saved as version 1.").wait_for()
    page.get_by_label("Comment for the approvers").fill("Promise only today's search, no refund yet.")
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Waiting for approval, step 1 of 2").wait_for()

    decide(page, sign_in, account_lead, client_a.slug)
    # The client's approver sees the mention, the proposed text and the agency's comment.
    sign_in(client_approver)
    page.goto(reverse("approvals", args=[client_a.slug]))
    page.get_by_role("link", name="Decide").click()
    assert "Min pakke er forsvundet" in page.locator("article.mention").inner_text()
    assert "Skriv dit ordrenummer" in page.locator(".proposed").inner_text()
    assert "no refund yet" in page.locator("#proposal").inner_text()
    decide(page, sign_in, client_approver, client_a.slug)

    sign_in(responder)
    page.goto(mention_url)
    page.get_by_role("button", name="Publish on mastodon").click()
    page.get_by_text("Publishing: the page shows when it is out.").wait_for()
    page.reload()
    answer = page.locator("#answer article.answer")
    assert answer.get_attribute("data-state") == "published"
    assert "Answered" in page.locator(".toolbar .actions").inner_text()

    posted = httpserver.log[0][0].get_json()
    assert posted["in_reply_to_id"] == mastodon_mention.raw["id"]
    assert posted["status"] == f"@{mastodon_mention.raw['account']['acct']} Det er vi kede af. " + (
        "Skriv dit ordrenummer, så finder vi pakken i dag."
    )
    answer = Answer.objects.get(mention=mastodon_mention)
    assert answer.state == AnswerState.PUBLISHED and [d.decision for d in answer.decisions.all()] == ["approve"] * 2
    assert Mention.objects.get(pk=mastodon_mention.pk).first_response_at is not None


def test_the_text_in_the_box_is_what_is_submitted_and_leaving_with_it_asks_first(
    page, sign_in, responder, account_lead, client_a, brand_a
):
    """Issue 16, point 2: submitting used to send the last saved version and drop the box's text."""
    mention = MentionFactory(brand=brand_a, text="Chipsene smagte af pap.", language="da")
    answer = answer_start(actor=responder, mention=mention, text="Hej", reply_type="public")
    sign_in(responder)
    page.goto(reverse("mention_detail", args=[client_a.slug, mention.pk]))
    editor = page.locator(f"#answer-text-{answer.pk}")

    editor.fill("Hej, det er vi kede af. Send os posens kode, så undersøger vi det.")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Inbox").first.click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.url.endswith(reverse("mention_detail", args=[client_a.slug, mention.pk]))

    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Sent for approval.").wait_for()
    assert asked == ["beforeunload"]  # a submit is no leaving
    answer.refresh_from_db()
    assert answer.state == AnswerState.PENDING
    assert answer.current_version.text == "Hej, det er vi kede af. Send os posens kode, så undersøger vi det."
