import json
import time

import pytest
from django.urls import reverse

from apps.core.signing import sign
from apps.listening.models import SourceKind
from apps.listening.services import source_create
from apps.mentions.models import Mention


@pytest.fixture
def webhook(client_a, brand_a, account_lead):
    source, secret = source_create(
        actor=account_lead,
        client=client_a,
        brand=brand_a,
        kind=SourceKind.WEBHOOK,
        name="Brand24 push",
        config={"platform": "brand24"},
    )
    return source, secret


def push(web, source, secret, payload, *, timestamp=None, signature=None):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return web().post(
        reverse("webhook_receive", args=[source.webhook_token]),
        body,
        content_type="application/json",
        HTTP_X_VARDE_TIMESTAMP=timestamp,
        HTTP_X_VARDE_SIGNATURE=signature or sign(secret, timestamp, body),
    )


MENTION = {
    "id": "b24-1",
    "text": "Alpha Crisps smager af pap, meget skuffet 😡",
    "url": "https://fb.example/p/1",
    "author": {"name": "Mette", "handle": "@mette", "followers": 1200},
    "posted_at": "2026-11-20T10:00:00Z",
    "likes": 4,
}


@pytest.mark.django_db(transaction=True)
def test_signed_push_is_accepted_and_ingested(web, webhook):
    source, secret = webhook
    response = push(web, source, secret, {"mentions": [MENTION]})
    assert response.status_code == 202 and response.json()["accepted"] == 1
    mention = Mention.objects.get(external_id="b24-1")
    assert mention.platform == "brand24" and mention.author_followers == 1200 and mention.likes == 4
    assert mention.sentiment == "negative" and mention.source == source


@pytest.mark.django_db
def test_bad_or_stale_signature_is_401_and_stores_nothing(web, webhook, django_capture_on_commit_callbacks):
    source, secret = webhook
    with django_capture_on_commit_callbacks(execute=True):
        wrong = push(web, source, secret, MENTION, signature="sha256=" + "0" * 64)
        stale = push(web, source, secret, MENTION, timestamp=int(time.time()) - 3600)
        other_secret = push(web, source, "not-the-secret", MENTION)
    assert [r.status_code for r in (wrong, stale, other_secret)] == [401, 401, 401]
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_unknown_token_is_404(web):
    assert (
        web().post(reverse("webhook_receive", args=["nope"]), b"{}", content_type="application/json").status_code == 404
    )


@pytest.mark.django_db(transaction=True)
def test_bad_items_are_reported_and_good_ones_kept(web, webhook):
    source, secret = webhook
    response = push(
        web, source, secret, [MENTION, {"id": "b24-2"}, "junk", {**MENTION, "id": "b24-3", "likes": "many"}]
    )
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    assert [item["index"] for item in body["rejected"]] == [1, 2, 3]
    assert "text" in body["rejected"][0]["error"] and "likes" in body["rejected"][2]["error"]
    assert list(Mention.objects.values_list("external_id", flat=True)) == ["b24-1"]


@pytest.mark.django_db
def test_unusable_bodies_are_400(web, webhook):
    source, secret = webhook
    assert push(web, source, secret, [{"id": "x"}]).status_code == 400
    assert push(web, source, secret, "a string").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_pushing_the_same_mention_twice_creates_one(web, webhook):
    source, secret = webhook
    push(web, source, secret, MENTION)
    push(web, source, secret, MENTION)
    assert Mention.objects.count() == 1


def _nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = {"deeper": value}
    return value


def push_body(web, source, secret, body: bytes, *, timestamp: str | None = None):
    timestamp = timestamp or str(int(time.time()))
    return web().post(
        reverse("webhook_receive", args=[source.webhook_token]),
        body,
        content_type="application/json",
        HTTP_X_VARDE_TIMESTAMP=timestamp,
        HTTP_X_VARDE_SIGNATURE=sign(secret, timestamp, body),
    )


@pytest.mark.django_db(transaction=True)
def test_hostile_items_are_refused_by_name_and_what_was_accepted_is_stored(web, webhook):
    """Deep nesting (killed workers when pickled), a lone surrogate (failed the whole batch in
    language detection) and infinite counts (answered 500) are refused at the door, each by
    index and field; the good item of the same push is stored."""
    source, secret = webhook
    hostile = [
        {**MENTION, "id": "deep", "extra": _nested(500)},
        {**MENTION, "id": "surrogate", "text": "Alpha Crisps \ud800"},
        {**MENTION, "id": "inf", "likes": "inf"},
        {**MENTION, "id": "minus-inf", "author": {"name": "x", "followers": "-inf"}},
        {**MENTION, "id": "nan", "replies": float("nan")},
        MENTION,
    ]
    response = push(web, source, secret, hostile)
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    reasons = {item["index"]: item["error"] for item in body["rejected"]}
    assert set(reasons) == {0, 1, 2, 3, 4}
    assert "extra: nested more than" in reasons[0]
    assert "text: holds text that is not valid Unicode" in reasons[1]
    assert "likes" in reasons[2] and "author_followers" in reasons[3] and "not finite" in reasons[4]
    assert list(Mention.objects.values_list("external_id", flat=True)) == ["b24-1"]


@pytest.mark.django_db
@pytest.mark.parametrize("timestamp", ["\u00b2", "\u0661\u0667" + "\u0660" * 8, "9" * 5000, "-1", " 1700000000"])
def test_a_timestamp_of_other_digits_or_huge_is_401_not_500(web, webhook, timestamp):
    source, secret = webhook
    assert push_body(web, source, secret, json.dumps(MENTION).encode(), timestamp=timestamp).status_code == 401


@pytest.mark.django_db
def test_a_signed_body_nested_100000_deep_is_400(web, webhook):
    source, secret = webhook
    response = push_body(web, source, secret, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
    assert Mention.objects.count() == 0


@pytest.mark.django_db
def test_an_accepted_push_is_stored_before_the_answer_and_the_worker_gets_only_its_id(
    web, webhook, django_capture_on_commit_callbacks
):
    from apps.listening.models import PushedBatch
    from apps.listening.tasks import ingest_pushed_batch_task

    source, secret = webhook
    with django_capture_on_commit_callbacks() as queued:
        response = push(web, source, secret, [MENTION])
    assert response.status_code == 202
    batch = PushedBatch.objects.get(pk=response.json()["batch"])
    assert (batch.status, batch.source, [r["id"] for r in batch.records]) == ("pending", source, ["b24-1"])
    assert Mention.objects.count() == 0  # stored, waiting for the worker
    for callback in queued:
        callback()
    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("done", 1) and Mention.objects.count() == 1
    ingest_pushed_batch_task.delay(batch.pk)  # a redelivered message does nothing more
    assert Mention.objects.count() == 1


@pytest.mark.django_db
def test_a_message_of_the_previous_release_is_stored_and_ingested(webhook):
    from apps.listening.models import PushedBatch
    from apps.listening.tasks import ingest_pushed_mentions_task

    source, _secret = webhook
    ingest_pushed_mentions_task.delay(source.pk, [{**MENTION, "id": "old-release"}])
    assert PushedBatch.objects.get().status == "done"
    assert Mention.objects.filter(external_id="old-release").exists()


@pytest.mark.django_db
def test_a_batch_whose_worker_died_mid_way_is_ingested_whole_when_its_message_comes_again(webhook):
    from apps.listening.models import PushedBatch
    from apps.listening.pipeline import ingest
    from apps.listening.tasks import ingest_pushed_batch_task
    from apps.listening.webhooks import store_pushed

    source, _secret = webhook
    records = [{**MENTION, "id": f"b24-{n}"} for n in range(3)]
    batch = store_pushed(source_id=source.pk, records=records)
    # The first worker stored one mention of three, then died: the batch is still waiting.
    from apps.listening.mapping import record_to_mention

    ingest([record_to_mention(records[0], default_platform="brand24")], brand=source.brand, source_id=source.pk)
    ingest_pushed_batch_task.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "done" and Mention.objects.count() == 3
    assert PushedBatch.objects.get(pk=batch.pk).created == 2


@pytest.mark.django_db
def test_a_stored_push_whose_message_was_lost_is_sent_again_by_the_sweeper(webhook):
    from datetime import timedelta

    from django.utils import timezone

    from apps.listening.models import PushedBatch
    from apps.listening.tasks import requeue_pushed_batches_task
    from apps.listening.webhooks import store_pushed

    source, _secret = webhook
    lost = store_pushed(source_id=source.pk, records=[{**MENTION, "id": "lost"}])
    fresh = store_pushed(source_id=source.pk, records=[{**MENTION, "id": "fresh"}])
    PushedBatch.objects.filter(pk=lost.pk).update(received_at=timezone.now() - timedelta(minutes=6))
    assert requeue_pushed_batches_task.delay().get() == 1  # the fresh one may still be on its way
    assert PushedBatch.objects.get(pk=lost.pk).status == "done" and Mention.objects.filter(external_id="lost").exists()
    assert PushedBatch.objects.get(pk=fresh.pk).status == "pending"


@pytest.mark.django_db(transaction=True)
def test_a_push_with_nul_characters_is_stored_without_them(web, webhook):
    source, secret = webhook
    response = push(
        web, source, secret, [{**MENTION, "id": "nul", "text": "Alpha Crisps\x00 er gode", "x\x00": "y\x00"}]
    )
    assert response.status_code == 202
    assert Mention.objects.get(external_id="nul").text == "Alpha Crisps er gode"
