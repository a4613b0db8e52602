"""The race the hold must win: two workers claiming and publishing posts due at the very
second a hold is set. Real threads, real transactions and row locks."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.posts import services
from apps.posts.models import PostChannel, PostState, ScheduledPost
from apps.responses.models import AnswerState
from tests.factories import ScheduledPostFactory, SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def approved_posts(brand, source, due_at, n):
    posts = []
    for _ in range(n):
        post = ScheduledPostFactory(brand=brand, due_at=due_at, state=PostState.SCHEDULED)
        post.answer.state, post.answer.approved_version = AnswerState.APPROVED, post.answer.current_version
        post.answer.save()
        PostChannel.objects.create(client=brand.client, post=post, source=source)
        posts.append(post)
    return posts


def worker(until: float, errors: list):
    try:
        while time.monotonic() < until:
            for post_id in services.claim_due_posts():
                services.deliver_post(post_id=post_id)
            time.sleep(0.02)
    except Exception as error:  # the test reports it
        errors.append(error)
    finally:
        connection.close()


def test_posts_due_in_the_second_a_hold_is_set_are_all_held_with_two_workers(brand_a, responder, httpserver):
    source = SourceFactory(
        brand=brand_a, kind="mastodon", config={"base_url": httpserver.url_for("/"), "mode": "hashtag", "hashtag": "x"}
    )
    source.set_credentials({"access_token": "brand-token"})
    source.save()
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json({"id": "1", "uri": "u"})
    # Due at the start of a second; the hold comes 0.6 s into that same second.
    due = (timezone.now() + timedelta(seconds=2)).replace(microsecond=0)
    posts = approved_posts(brand_a, source, due, 40)
    errors: list = []
    until = time.monotonic() + (due - timezone.now()).total_seconds() + services.SETTLE.total_seconds() + 2
    workers = [threading.Thread(target=worker, args=(until, errors)) for _ in range(2)]
    for thread in workers:
        thread.start()
    time.sleep(max(0, (due - timezone.now()).total_seconds() + 0.6))
    services.hold_set(actor=responder, client=brand_a.client, brand=brand_a, reason="Leaking cans")
    for thread in workers:
        thread.join()
    assert errors == []
    assert not httpserver.log  # nothing went out
    assert set(ScheduledPost.objects.filter(pk__in=[p.pk for p in posts]).values_list("state", flat=True)) == {
        PostState.HELD
    }


def test_a_hold_waits_for_a_claim_in_progress_and_every_later_claim_sees_it(brand_a, responder):
    services.PublishingGate.objects.get_or_create(client=brand_a.client) if hasattr(
        services, "PublishingGate"
    ) else None
    claiming, waited = threading.Event(), []

    def claim_in_progress():
        try:
            with transaction.atomic():
                services._gate(brand_a.client_id, alone=False)
                claiming.set()
                time.sleep(0.5)
        finally:
            connection.close()

    thread = threading.Thread(target=claim_in_progress)
    thread.start()
    claiming.wait(5)
    began = time.monotonic()
    services.hold_set(actor=responder, client=brand_a.client, reason="Leaking cans")
    waited.append(time.monotonic() - began)
    thread.join()
    assert waited[0] >= 0.3  # it waited for the claim's transaction to end
