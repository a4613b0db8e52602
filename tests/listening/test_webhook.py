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
