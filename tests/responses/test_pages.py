"""The answer editor on a mention's page and the approvers' pages."""

import re

import pytest
from django.urls import reverse

from apps.mentions.models import Mention
from apps.responses.models import Answer, AnswerState
from apps.responses.services import answer_decide, answer_save, answer_start, answer_submit
from tests.factories import ApprovalRuleFactory, ApprovalStepFactory, MentionFactory, SavedReplyFactory

pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def mention(brand_a):
    brand_a.tone_of_voice = "Warm, short, first names."
    brand_a.save()
    return MentionFactory(
        brand=brand_a, kind="service_failure", language="da", author_handle="@kunde", url="https://example.test/1"
    )


def two_steps(client):
    rule = ApprovalRuleFactory(policy__client=client)
    ApprovalStepFactory(rule=rule, position=0, approver_role="account_lead")
    ApprovalStepFactory(rule=rule, position=1, approver_role="client_approver")


def test_the_editor_shows_strategy_tone_and_filled_saved_replies(web, responder, mention, client_a):
    SavedReplyFactory(
        client=client_a, name="Undskyld", language="da", text="Hej {author}, {brand} beklager. " + HOSTILE
    )
    SavedReplyFactory(client=client_a, name="Sorry EN", language="en", text="Sorry")
    page = web(responder).get(mention.get_absolute_url()).content.decode()
    assert 'id="answer"' in page
    assert "Own the failure and compensate where it is fair." in page
    assert "Warm, short, first names." in page
    assert "Hej @kunde, Alpha Crisps beklager." in page and "Undskyld" in page
    assert "Sorry EN" not in page  # another language
    assert HOSTILE not in page and "&lt;script&gt;" in page


def test_writing_saving_and_submitting_an_answer(web, responder, account_lead, mention):
    http = web(responder)
    response = http.post(reverse("answer_start", args=["alpha", mention.pk]), {"text": "Hej", "reply_type": "public"})
    assert response.status_code == 302
    answer = Answer.objects.get(mention=mention)
    assert (answer.current_version.text, answer.current_version.language) == ("Hej", "da")

    save = reverse("answer_save", args=["alpha", answer.pk])
    assert http.post(save, {"text": "Hej igen", "base_version": 1, "reply_type": "public"}).status_code == 302
    # A second tab still on version 1: refused, and the typed text comes back.
    stale = http.post(save, {"text": "Mine words " + HOSTILE, "base_version": 1, "reply_type": "public"})
    assert stale.status_code == 400
    body = stale.content.decode()
    assert "Version 2 was saved meanwhile" in body and "Mine words &lt;script&gt;" in body
    assert Answer.objects.get(pk=answer.pk).current_version.text == "Hej igen"

    response = http.post(reverse("answer_submit", args=["alpha", answer.pk]), {"comment": "Please check the tone"})
    assert response.status_code == 302
    page = http.get(mention.get_absolute_url()).content.decode()
    assert "Waiting for approval, step 1 of 1" in page and str(account_lead) in page
    assert Mention.objects.get(pk=mention.pk).status == "awaiting_approval"


def test_submitting_sends_the_text_in_the_box_not_the_last_saved_one(web, responder, account_lead, mention):
    """Issue 16, point 2: "Submit for approval" used to submit the last saved version."""
    http = web(responder)
    answer = answer_start(actor=responder, mention=mention, text="Hej", reply_type="public")
    submit = reverse("answer_submit", args=["alpha", answer.pk])

    response = http.post(submit, {"text": "Hej Kunde, vi finder pakken i dag.", "base_version": 1, "comment": "Tone?"})

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.state == "pending"
    assert (answer.current_version.number, answer.current_version.text) == (2, "Hej Kunde, vi finder pakken i dag.")
    assert answer.current_version.comment == "Tone?"
    approval = web(account_lead).get(reverse("approval_detail", args=["alpha", answer.pk])).content.decode()
    assert "Hej Kunde, vi finder pakken i dag." in approval


def test_submitting_text_written_on_an_old_version_is_refused_and_the_text_kept(web, responder, mention):
    http = web(responder)
    answer = answer_start(actor=responder, mention=mention, text="Hej", reply_type="public")
    answer_save(actor=responder, answer=answer, text="Hej fra fanen ved siden af", base_version=1)

    refused = http.post(
        reverse("answer_submit", args=["alpha", answer.pk]), {"text": "Mine ord " + HOSTILE, "base_version": 1}
    )

    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Version 2 was saved meanwhile" in body and "Mine ord &lt;script&gt;" in body
    answer.refresh_from_db()
    assert (answer.state, answer.current_version.number) == ("draft", 2)


def test_the_editor_submits_from_the_same_form_and_warns_before_leaving(web, responder, mention):
    answer = answer_start(actor=responder, mention=mention, text="Hej", reply_type="public")
    page = web(responder).get(mention.get_absolute_url()).content.decode()
    editor = page.split(f'action="{reverse("answer_save", args=["alpha", answer.pk])}"', 1)[1].split("</form>", 1)[0]
    assert f'formaction="{reverse("answer_submit", args=["alpha", answer.pk])}"' in editor
    assert f'id="answer-text-{answer.pk}"' in editor
    assert "data-unsaved-warning" in page.split(f'action="{reverse("answer_save", args=["alpha", answer.pk])}"')[1][:60]


def test_an_empty_answer_is_refused_with_its_reason(web, responder, mention):
    response = web(responder).post(
        reverse("answer_start", args=["alpha", mention.pk]), {"text": " ", "reply_type": "x"}
    )
    assert response.status_code == 400
    assert not Answer.objects.filter(mention=mention).exists()
    assert "Select a valid choice" in response.content.decode()


def test_client_approvers_see_only_what_waits_for_them(
    web, responder, account_lead, client_approver, client_a, brand_a
):
    two_steps(client_a)
    first = answer_submit(
        actor=responder, answer=answer_start(actor=responder, mention=MentionFactory(brand=brand_a), text="A")
    )
    second = answer_submit(
        actor=responder,
        answer=answer_start(actor=responder, mention=MentionFactory(brand=brand_a), text="Second answer"),
    )
    answer_decide(actor=account_lead, answer=second, version=1, decision="approve")  # now at the client's step

    http = web(client_approver)
    listing = http.get(reverse("approvals", args=["alpha"])).content.decode()
    assert "Second answer" in listing and reverse("approval_detail", args=["alpha", first.pk]) not in listing
    assert http.get(reverse("approval_detail", args=["alpha", first.pk])).status_code == 404
    detail = http.get(reverse("approval_detail", args=["alpha", second.pk]))
    assert detail.status_code == 200 and "Your decision" in detail.content.decode()
    # The mention's page is the team's, not the client's.
    assert http.get(second.mention.get_absolute_url()).status_code == 403

    overview = http.get(reverse("client_detail", args=["alpha"])).content.decode()
    assert "1 answer waits for your approval" in overview

    team = web(responder).get(reverse("approvals", args=["alpha"])).content.decode()
    assert "Second answer" in team and reverse("approval_detail", args=["alpha", first.pk]) in team


def test_a_client_viewer_has_no_approvals_page(web, client_viewer):
    assert web(client_viewer).get(reverse("approvals", args=["alpha"])).status_code == 403


def test_deciding_on_the_approval_page(web, responder, account_lead, client_approver, client_a, mention):
    two_steps(client_a)
    answer = answer_submit(
        actor=responder, answer=answer_start(actor=responder, mention=mention, text="Hej " + HOSTILE)
    )
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    url = reverse("approval_detail", args=["alpha", answer.pk])
    http = web(client_approver)

    page = http.get(url).content.decode()
    assert mention.text in page and "Hej &lt;script&gt;" in page and HOSTILE not in page

    refused = http.post(url, {"version": 1, "decision": "request_changes", "comment": ""})
    assert refused.status_code == 400 and "Say what should change" in refused.content.decode()
    stale = http.post(url, {"version": 7, "decision": "approve"})
    assert stale.status_code == 400 and "the answer is at version 1 now" in stale.content.decode()

    assert http.post(url, {"version": 1, "decision": "approve"}).status_code == 302
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED


def test_a_responder_reads_but_cannot_decide(web, responder, account_lead, mention):
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Hej"))
    url = reverse("approval_detail", args=["alpha", answer.pk])
    assert web(responder).get(url).status_code == 200
    assert web(responder).post(url, {"version": 1, "decision": "approve"}).status_code == 403
    assert Answer.objects.get(pk=answer.pk).state == AnswerState.PENDING


def test_the_diff_between_two_versions(web, responder, mention):
    answer = answer_start(actor=responder, mention=mention, text="We are sorry about the delay.")
    answer_save(actor=responder, answer=answer, text="We are very sorry about the <b>delay</b>.", base_version=1)
    url = reverse("answer_diff", args=["alpha", answer.pk])
    page = web(responder).get(url, {"a": 1, "b": 2}).content.decode()
    assert (
        re.search(r"<ins>\s?very\s?</ins>", page)
        and "<del>delay.</del>" in page
        and "&lt;b&gt;delay&lt;/b&gt;." in page
    )
    assert web(responder).get(url, {"a": 1, "b": 9}).status_code == 404
    assert web(responder).get(url, {"a": "x"}).status_code == 404


def test_sending_by_hand_from_the_page(web, responder, account_lead, brand_a):
    mention = MentionFactory(brand=brand_a, platform="trustpilot")
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Hej"))
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    http = web(responder)
    page = http.get(mention.get_absolute_url()).content.decode()
    assert "Mark as sent" in page and "The app cannot post on trustpilot" in page

    url = reverse("answer_mark_sent", args=["alpha", answer.pk])
    assert http.post(url, {"url": "ftp://x", "sent_at": ""}).status_code == 400
    assert http.post(url, {"url": "https://www.trustpilot.com/r/1", "sent_at": ""}).status_code == 302
    assert Mention.objects.get(pk=mention.pk).status == "answered"
    page = http.get(mention.get_absolute_url()).content.decode()
    assert "Sent by hand" in page and "https://www.trustpilot.com/r/1" in page

    refused = http.post(reverse("answer_publish", args=["alpha", answer.pk]))
    assert refused.status_code == 400


def test_the_mention_page_reads_answers_in_a_fixed_number_of_queries(web, responder, account_lead, brand_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.responses.sending import answer_mark_sent

    mention = MentionFactory(brand=brand_a, platform="trustpilot")
    http = web(responder)

    def answers(n):
        for _ in range(n):
            sent = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Sent"))
            answer_decide(actor=account_lead, answer=sent, version=1, decision="approve")
            answer_mark_sent(actor=responder, answer=Answer.objects.get(pk=sent.pk))
            answer_save(
                actor=responder,
                answer=answer_start(actor=responder, mention=mention, text="A"),
                text="B",
                base_version=1,
            )
            answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Waiting"))

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert http.get(mention.get_absolute_url()).status_code == 200
        return len(queries)

    answers(1)
    few = page_queries()
    answers(3)
    assert page_queries() == few
