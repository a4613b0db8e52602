"""Publishing approved answers to a local server that speaks the Mastodon and Bluesky APIs, and
recording answers sent by hand. The request each platform receives is checked."""

import copy
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.mentions.models import Mention
from apps.notifications.models import Notification
from apps.responses import sending
from apps.responses.models import Answer, AnswerState
from apps.responses.publishing import answer_rkey
from apps.responses.services import answer_decide, answer_save, answer_start, answer_submit
from tests.factories import MentionFactory, SourceFactory
from tests.listening.platform_fixtures import load_sample

pytestmark = pytest.mark.django_db
STATUSES = "/api/v1/statuses"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
GET_RECORD = "/xrpc/com.atproto.repo.getRecord"
DID = "did:plc:agencyaccount0000000000"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what services leave for after the commit (the publishing task, eager in tests)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def mastodon_status():
    return copy.deepcopy(load_sample("mastodon", "mastodonpy_test_hashtag_tl_response_1.json")[0])


@pytest.fixture
def bluesky_post():
    return copy.deepcopy(load_sample("bluesky", "bskyr_f_search_response_1.json")["posts"][0])


def mastodon_mention(brand, httpserver, status, **credentials):
    source = SourceFactory(
        brand=brand, kind="mastodon", config={"base_url": httpserver.url_for("/"), "mode": "hashtag", "hashtag": "x"}
    )
    source.set_credentials(credentials or {"access_token": "agency-token"})
    source.save()
    return MentionFactory(
        brand=brand, source=source, platform="mastodon", external_id=status["uri"], raw=status, risk_level="high"
    )


def bluesky_mention(brand, httpserver, post):
    source = SourceFactory(
        brand=brand,
        kind="bluesky",
        config={"base_url": httpserver.url_for("/appview"), "pds_url": httpserver.url_for("/pds"), "query": "x"},
    )
    source.set_credentials({"identifier": "agency.bsky.social", "app_password": "app-pass-word"})
    source.save()
    return MentionFactory(brand=brand, source=source, platform="bluesky", external_id=post["uri"], raw=post)


def approved(responder, lead, mention, text="Sorry about that, we are on it.", reply_type="public"):
    answer = answer_start(actor=responder, mention=mention, text=text, reply_type=reply_type, language="en")
    answer = answer_submit(actor=responder, answer=answer)
    answer_decide(actor=lead, answer=answer, version=answer.current_version.number, decision="approve")
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED
    return answer


def posted_status(status, **changes):
    answer = {**copy.deepcopy(status), "id": "117999999999999999", "in_reply_to_id": status["id"]}
    answer["uri"] = status["uri"].rsplit("/", 1)[0] + "/117999999999999999"
    answer["url"] = status["url"].rsplit("/", 1)[0] + "/117999999999999999"
    return {**answer, **changes}


def test_mastodon_answer_is_posted_in_reply_and_answers_the_mention(
    responder, account_lead, brand_a, httpserver, mastodon_status, run_on_commit
):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(posted_status(mastodon_status))

    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))

    request, _response = httpserver.log[0]
    assert request.headers["Authorization"] == "Bearer agency-token"
    assert request.headers["Idempotency-Key"] == f"varde-answer-{answer.pk}-v1"
    acct = mastodon_status["account"]["acct"]
    assert request.get_json() == {
        "status": f"@{acct} Sorry about that, we are on it.",  # so the author hears of it
        "in_reply_to_id": mastodon_status["id"],
        "visibility": "public",
        "language": "en",
    }
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED and not answer.sent_by_hand
    assert answer.published_external_id.endswith("/117999999999999999")
    assert answer.published_url.endswith("/117999999999999999")
    assert answer.published_by == responder
    mention.refresh_from_db()
    assert mention.status == "answered" and mention.first_response_at == answer.published_at
    published = AuditEvent.objects.get(action="answer.published")
    assert published.actor == responder and published.after["answer"] == answer.pk


def test_a_private_mastodon_answer_is_direct_and_names_the_author(
    responder, account_lead, brand_a, httpserver, mastodon_status, run_on_commit
):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(
        responder, account_lead, mention, text="Could you send us your order number?", reply_type="private"
    )
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(posted_status(mastodon_status))

    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))

    body = httpserver.log[0][0].get_json()
    acct = mastodon_status["account"]["acct"]
    assert body["visibility"] == "direct"
    assert body["status"] == f"@{acct} Could you send us your order number?"
    mention.refresh_from_db()
    assert (mention.status, mention.private_channel) == ("taken_private", "dm")


def test_a_refused_post_shows_as_failed_and_changes_nothing_else(
    responder, account_lead, brand_a, httpserver, mastodon_status, run_on_commit
):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(
        {"error": "Validation failed: Text character limit of 500 exceeded"}, status=422
    )

    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))

    answer.refresh_from_db()
    assert answer.state == AnswerState.FAILED and "422" in answer.publish_error
    assert answer.publish_attempts == 1  # a refusal is not retried
    mention.refresh_from_db()
    assert mention.status == "awaiting_approval" and mention.first_response_at is None
    assert Notification.objects.filter(event="answer.failed", user=responder, mention=mention).exists()
    assert AuditEvent.objects.filter(action="answer.publish_failed", actor=None).exists()

    # The failure is visible and the approved text may be sent again.
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(posted_status(mastodon_status))
    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED


def test_a_platform_that_is_down_is_asked_again_with_the_same_key(
    responder, account_lead, brand_a, httpserver, mastodon_status, run_on_commit, settings
):
    settings.PUBLISH_MAX_ATTEMPTS = 3
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    httpserver.expect_request(STATUSES, method="POST").respond_with_data("busy", status=503)

    # The retry is scheduled (countdown), not run at once: the answer waits, visibly.
    sending.answer_publish(actor=responder, answer=answer)
    sending.deliver_answer(answer.pk)
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHING and answer.publish_next_at > timezone.now()
    assert "503" in answer.publish_error
    assert sending.deliver_answer(answer.pk) is None  # not due yet: nobody posts

    httpserver.clear()
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(posted_status(mastodon_status))
    Answer.objects.filter(pk=answer.pk).update(publish_next_at=timezone.now())
    sending.deliver_answer(answer.pk)
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED and answer.publish_attempts == 2
    assert httpserver.log[-1][0].headers["Idempotency-Key"] == f"varde-answer-{answer.pk}-v1"


def test_after_the_last_attempt_the_answer_shows_as_failed(
    responder, account_lead, brand_a, httpserver, mastodon_status, settings
):
    settings.PUBLISH_MAX_ATTEMPTS = 2
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    httpserver.expect_request(STATUSES, method="POST").respond_with_data("busy", status=502)
    sending.answer_publish(actor=responder, answer=answer)
    for _attempt in range(2):
        Answer.objects.filter(pk=answer.pk).update(publish_next_at=timezone.now())
        sending.deliver_answer(answer.pk)
    answer.refresh_from_db()
    assert (answer.state, answer.publish_attempts) == (AnswerState.FAILED, 2)
    assert len(httpserver.log) == 2


def test_a_claimed_answer_is_not_posted_twice(responder, account_lead, brand_a, httpserver, mastodon_status):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    sending.answer_publish(actor=responder, answer=answer)
    assert sending.PUBLISH_LEASE.claim(sending._publishing(), answer.pk, timezone.now())  # a worker holds it
    assert sending.deliver_answer(answer.pk) is None
    assert httpserver.log == []
    # Its lease lapses (the worker died): the sweeper hands it on again.
    Answer.objects.filter(pk=answer.pk).update(
        publish_claimed_until=timezone.now() - timedelta(seconds=1),
        publish_next_at=timezone.now() - timedelta(minutes=5),
    )
    assert sending.lost_answers() == [answer.pk]


def test_bluesky_answer_is_a_reply_record_with_root_and_parent(
    responder, account_lead, brand_a, httpserver, bluesky_post, run_on_commit
):
    thread_root = {"uri": "at://did:plc:rootauthor/app.bsky.feed.post/3lroot", "cid": "bafyrootcid"}
    bluesky_post["record"]["reply"] = {"root": thread_root, "parent": thread_root}
    mention = bluesky_mention(brand_a, httpserver, bluesky_post)
    answer = approved(responder, account_lead, mention, text="Tak for beskeden, vi kigger på det 🙏")
    httpserver.expect_oneshot_request("/pds" + CREATE_SESSION, method="POST").respond_with_json(
        {"accessJwt": "jwt-1", "refreshJwt": "r", "did": DID, "handle": "agency.bsky.social"}
    )
    rkey = answer_rkey(answer, answer.current_version)
    not_yet_there(httpserver)
    httpserver.expect_oneshot_request("/pds" + CREATE_RECORD, method="POST").respond_with_json(
        {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": "bafynewpost"}
    )

    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))

    sign_in, lookup, create = (entry[0] for entry in httpserver.log)
    assert lookup.args.to_dict() == {"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey}
    assert sign_in.get_json() == {"identifier": "agency.bsky.social", "password": "app-pass-word"}
    assert create.headers["Authorization"] == "Bearer jwt-1"
    body = create.get_json()
    assert (body["repo"], body["collection"], body["rkey"]) == (DID, "app.bsky.feed.post", rkey)
    record = body["record"]
    assert record["text"] == "Tak for beskeden, vi kigger på det 🙏" and record["langs"] == ["en"]
    assert record["reply"] == {"root": thread_root, "parent": {"uri": bluesky_post["uri"], "cid": bluesky_post["cid"]}}
    assert record["$type"] == "app.bsky.feed.post" and record["createdAt"].endswith("Z")
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED
    assert answer.published_url == f"https://bsky.app/profile/{DID}/post/{rkey}"
    assert Mention.objects.get(pk=mention.pk).status == "answered"


def test_a_bluesky_post_that_starts_its_thread_is_both_root_and_parent(
    responder, account_lead, brand_a, httpserver, bluesky_post, run_on_commit
):
    mention = bluesky_mention(brand_a, httpserver, bluesky_post)
    answer = approved(responder, account_lead, mention)
    httpserver.expect_oneshot_request("/pds" + CREATE_SESSION, method="POST").respond_with_json(
        {"accessJwt": "jwt-1", "did": DID}
    )
    not_yet_there(httpserver)
    httpserver.expect_oneshot_request("/pds" + CREATE_RECORD, method="POST").respond_with_json(
        {"uri": f"at://{DID}/app.bsky.feed.post/3lnew", "cid": "bafynew"}
    )
    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))
    reply = httpserver.log[2][0].get_json()["record"]["reply"]
    parent = {"uri": bluesky_post["uri"], "cid": bluesky_post["cid"]}
    assert reply == {"root": parent, "parent": parent}


def test_a_bluesky_retry_finds_the_record_a_lost_answer_created(
    responder, account_lead, brand_a, httpserver, bluesky_post
):
    """The first attempt's answer never arrived; the second finds the post by its record key and
    does not post again."""
    mention = bluesky_mention(brand_a, httpserver, bluesky_post)
    answer = approved(responder, account_lead, mention)
    rkey = answer_rkey(answer, answer.current_version)
    httpserver.expect_request("/pds" + CREATE_SESSION, method="POST").respond_with_json(
        {"accessJwt": "jwt-1", "did": DID}
    )
    not_yet_there(httpserver)
    httpserver.expect_oneshot_request("/pds" + CREATE_RECORD, method="POST").respond_with_data("gateway", status=504)
    sending.answer_publish(actor=responder, answer=answer)
    sending.deliver_answer(answer.pk)
    assert Answer.objects.get(pk=answer.pk).state == AnswerState.PUBLISHING  # to be asked again
    httpserver.expect_oneshot_request(
        "/pds" + GET_RECORD, query_string={"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey}
    ).respond_with_json({"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": "bafynew", "value": {}})
    Answer.objects.filter(pk=answer.pk).update(publish_next_at=timezone.now())
    sending.deliver_answer(answer.pk)
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED and answer.published_external_id.endswith(rkey)
    paths = [entry[0].path for entry in httpserver.log]
    assert paths.count("/pds" + CREATE_RECORD) == 1


def not_yet_there(httpserver):
    """The PDS's answer for a record key nobody used yet."""
    httpserver.expect_oneshot_request("/pds" + GET_RECORD).respond_with_json(
        {"error": "RecordNotFound", "message": "Could not locate record"}, status=400
    )


def test_the_record_key_is_a_timestamp_identifier_fixed_per_version(responder, account_lead, brand_a):
    answer = approved(responder, account_lead, MentionFactory(brand=brand_a))
    rkey = answer_rkey(answer, answer.current_version)
    assert len(rkey) == 13 and set(rkey) <= set("234567abcdefghijklmnopqrstuvwxyz") and rkey[0] in "234567abcdefghij"
    assert rkey == answer_rkey(answer, answer.current_version)
    answer_save(actor=responder, answer=answer, text="A second thought.", base_version=1)
    answer.refresh_from_db()
    assert answer_rkey(answer, answer.current_version) != rkey


def test_an_answer_too_long_for_bluesky_fails_without_posting(
    responder, account_lead, brand_a, httpserver, bluesky_post, run_on_commit
):
    mention = bluesky_mention(brand_a, httpserver, bluesky_post)
    answer = approved(responder, account_lead, mention, text="ord " * 100)
    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))
    answer.refresh_from_db()
    assert answer.state == AnswerState.FAILED and "300" in answer.publish_error
    assert httpserver.log == []


def test_nothing_unapproved_goes_out(responder, account_lead, brand_a, httpserver, mastodon_status):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = answer_start(actor=responder, mention=mention, text="Not yet approved.")
    with pytest.raises(ValidationError, match="approved"):
        sending.answer_publish(actor=responder, answer=answer)
    with pytest.raises(ValidationError, match="approved"):
        sending.answer_mark_sent(actor=responder, answer=answer, url="https://example.test/a")
    # Approved, then edited: the new text needs approval again.
    answer = approved(responder, account_lead, mention)
    answer_save(actor=responder, answer=answer, text="Changed after approval.", base_version=1)
    answer.refresh_from_db()
    with pytest.raises(ValidationError):
        sending.answer_publish(actor=responder, answer=answer)
    answer.refresh_from_db()
    assert answer.state == AnswerState.DRAFT and httpserver.log == []
    assert Mention.objects.get(pk=mention.pk).first_response_at is None


def test_a_platform_the_app_cannot_post_on_is_sent_by_hand(responder, account_lead, brand_a):
    posted = timezone.now() - timedelta(hours=2)
    mention = MentionFactory(brand=brand_a, platform="trustpilot", posted_at=posted)
    answer = approved(responder, account_lead, mention)
    with pytest.raises(ValidationError, match="sent by hand"):
        sending.answer_publish(actor=responder, answer=answer)

    with pytest.raises(ValidationError) as refused:
        sending.answer_mark_sent(actor=responder, answer=answer, url="javascript:alert(1)")
    assert "url" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        sending.answer_mark_sent(actor=responder, answer=answer, sent_at=timezone.now() + timedelta(hours=1))
    assert "sent_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        sending.answer_mark_sent(actor=responder, answer=answer, sent_at=posted - timedelta(minutes=1))
    assert "sent_at" in refused.value.message_dict

    with pytest.raises(ValidationError) as refused:  # before the approved text existed
        sending.answer_mark_sent(
            actor=responder, answer=answer, sent_at=answer.current_version.created_at - timedelta(minutes=1)
        )
    assert "before this text was written" in refused.value.message_dict["sent_at"][0]

    sent_at = answer.current_version.created_at + timedelta(seconds=1)
    url = "https://www.trustpilot.com/reviews/abc#reply"
    sending.answer_mark_sent(actor=responder, answer=answer, url=url, sent_at=sent_at)
    answer.refresh_from_db()
    assert (answer.state, answer.sent_by_hand, answer.published_url) == (AnswerState.PUBLISHED, True, url)
    mention.refresh_from_db()
    # The SLA clock stops when the answer went out, not when it was recorded.
    assert mention.status == "answered" and mention.first_response_at == sent_at
    assert AuditEvent.objects.filter(action="answer.sent_by_hand", actor=responder).exists()
    assert AuditEvent.objects.filter(action="mention.first_response", target_id=str(mention.pk)).exists()


def test_a_published_answer_cannot_be_edited(responder, account_lead, brand_a):
    answer = approved(responder, account_lead, MentionFactory(brand=brand_a, platform="trustpilot"))
    sending.answer_mark_sent(actor=responder, answer=answer)
    with pytest.raises(ValidationError, match="cannot be edited"):
        answer_save(actor=responder, answer=answer, text="Rewritten history.", base_version=1)
    with pytest.raises(ValidationError):
        sending.answer_mark_sent(actor=responder, answer=answer)


def test_a_source_without_an_access_token_cannot_post(
    web, responder, account_lead, brand_a, httpserver, mastodon_status
):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status, access_token="")
    answer = approved(responder, account_lead, mention)
    with pytest.raises(ValidationError, match="access token"):
        sending.answer_publish(actor=responder, answer=answer)
    answer.refresh_from_db()
    assert answer.state == AnswerState.APPROVED
    # The page says what is missing before anyone presses a button (issue 16, point 9).
    page = web(responder).get(mention.get_absolute_url()).content.decode()
    assert "has no access token to post with: add one, or send by hand." in page


def test_publishing_needs_the_right_to_work_mentions(client_approver, responder, account_lead, brand_a):
    answer = approved(responder, account_lead, MentionFactory(brand=brand_a, platform="trustpilot"))
    with pytest.raises(PermissionDenied):
        sending.answer_mark_sent(actor=client_approver, answer=answer)
    assert Answer.objects.get(pk=answer.pk).state == AnswerState.APPROVED


def test_an_answer_whose_source_is_gone_fails_visibly(
    responder, account_lead, brand_a, httpserver, mastodon_status, settings
):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    sending.answer_publish(actor=responder, answer=answer)
    mention.source.delete()  # before the worker got to it
    sending.deliver_answer(answer.pk)
    answer.refresh_from_db()
    assert answer.state == AnswerState.FAILED and "cannot post" in answer.publish_error
    assert httpserver.log == [] and sending.lost_answers(now=timezone.now() + timedelta(hours=1)) == []


def test_an_answer_whose_attempts_were_lost_is_not_tried_for_ever(
    responder, account_lead, brand_a, httpserver, mastodon_status, settings
):
    settings.PUBLISH_MAX_ATTEMPTS = 2
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    sending.answer_publish(actor=responder, answer=answer)
    Answer.objects.filter(pk=answer.pk).update(publish_attempts=2)  # two workers died mid-attempt
    sending.deliver_answer(answer.pk)
    answer.refresh_from_db()
    assert answer.state == AnswerState.FAILED and httpserver.log == []


def test_only_web_addresses_from_the_platform_become_links(
    responder, account_lead, brand_a, httpserver, mastodon_status, run_on_commit
):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    posted = posted_status(mastodon_status, url="javascript:alert(document.domain)")
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(posted)
    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED and answer.published_url == ""


def test_the_author_is_named_once_and_exactly(
    responder, account_lead, brand_a, httpserver, mastodon_status, run_on_commit
):
    acct = mastodon_status["account"]["acct"]
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    httpserver.expect_request(STATUSES, method="POST").respond_with_json(posted_status(mastodon_status))
    for text, sent in (
        (f"Hi @{acct}, thanks!", f"Hi @{acct}, thanks!"),  # already named
        (f"Hi @{acct}x, thanks!", f"@{acct} Hi @{acct}x, thanks!"),  # another account
    ):
        answer = approved(responder, account_lead, mention, text=text, reply_type="private")
        run_on_commit(lambda answer=answer: sending.answer_publish(actor=responder, answer=answer))
        assert httpserver.log[-1][0].get_json()["status"] == sent
        Mention.objects.filter(pk=mention.pk).update(status="in_progress")


def test_an_answer_let_out_at_low_risk_needs_approval_once_the_risk_rises(responder, account_lead, client_a, brand_a):
    from apps.responses.models import ApprovalRule

    ApprovalRule.objects.create(
        client=client_a, policy=_policy(client_a), name="Low", risk_levels=["low"], needs_approval=False
    )
    mention = MentionFactory(brand=brand_a, platform="trustpilot", risk_level="low")
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Thanks!"))
    assert answer.state == AnswerState.APPROVED and answer.steps == []
    Mention.objects.filter(pk=mention.pk).update(risk_level="critical")
    answer.refresh_from_db()
    with pytest.raises(ValidationError, match="submit the answer again"):
        sending.answer_mark_sent(actor=responder, answer=answer)
    answer = answer_submit(actor=responder, answer=answer)
    assert answer.state == AnswerState.PENDING and answer.steps[0]["approvers"] == [account_lead.pk]


def _policy(client):
    from apps.responses.models import ApprovalPolicy

    return ApprovalPolicy.objects.get_or_create(client=client)[0]


def test_a_far_retry_after_is_honoured_up_to_an_hour(responder, account_lead, brand_a, httpserver, mastodon_status):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    httpserver.expect_request(STATUSES, method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "86400"}
    )
    sending.answer_publish(actor=responder, answer=answer)
    sending.deliver_answer(answer.pk)
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHING
    assert timezone.now() + timedelta(minutes=50) < answer.publish_next_at < timezone.now() + timedelta(hours=1.5)


def test_a_late_failure_does_not_undo_an_answer_published_since(
    responder, account_lead, brand_a, httpserver, mastodon_status, monkeypatch
):
    """A worker that overran its lease hears of a failure after another worker published the
    answer: the answer stays published and nobody is told it failed."""
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    sending.answer_publish(actor=responder, answer=answer)

    def published_meanwhile_then_refused(answer, version, *, http):
        Answer.objects.filter(pk=answer.pk).update(
            state=AnswerState.PUBLISHED,
            published_at=timezone.now(),
            published_url="https://example.social/@agency/1",
            publish_claimed_until=None,
            publish_next_at=None,
        )
        raise sending.publishing.PublishRefused("Too late: refused.")

    monkeypatch.setattr(sending.publishing, "publish", published_meanwhile_then_refused)
    sending.deliver_answer(answer.pk)

    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED and answer.publish_error == ""
    assert answer.published_url == "https://example.social/@agency/1"
    assert not Notification.objects.filter(event="answer.failed", mention=mention).exists()
    assert not AuditEvent.objects.filter(action="answer.publish_failed").exists()


def test_a_failed_answer_tells_who_published_it_and_who_wrote_it_once(
    responder, account_lead, brand_a, httpserver, mastodon_status, run_on_commit
):
    mention = mastodon_mention(brand_a, httpserver, mastodon_status)
    answer = approved(responder, account_lead, mention)
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json({"error": "no"}, status=422)
    run_on_commit(lambda: sending.answer_publish(actor=responder, answer=answer))  # author and publisher alike
    assert Answer.objects.get(pk=answer.pk).state == AnswerState.FAILED
    assert list(Notification.objects.filter(event="answer.failed").values_list("user", flat=True)) == [responder.pk]
