"""Scheduled posts: composed, approved, published at their time on the brand's channels (local
Mastodon and Bluesky servers); crisis mode holds them, and a lifted hold releases them as a
queue through approval again, never as a flood."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.incidents.models import SelfCheck
from apps.incidents.services import incident_declare
from apps.posts import services
from apps.posts.models import PostState, ScheduledPost
from apps.responses.models import AnswerState
from apps.responses.services import answer_decide
from tests.factories import CrisisTypeFactory, SourceFactory

pytestmark = pytest.mark.django_db
STATUSES = "/api/v1/statuses"
DID = "did:plc:brandaccount000000000000"


def mastodon(brand, httpserver, name="Alpha on Mastodon"):
    source = SourceFactory(
        brand=brand,
        name=name,
        kind="mastodon",
        own_channel=True,
        config={"base_url": httpserver.url_for("/"), "mode": "hashtag", "hashtag": "x"},
    )
    source.set_credentials({"access_token": "brand-token"})
    source.save()
    return source


def bluesky(brand, httpserver):
    source = SourceFactory(
        brand=brand,
        name="Alpha on Bluesky",
        kind="bluesky",
        config={"base_url": httpserver.url_for("/appview"), "pds_url": httpserver.url_for("/pds"), "query": "x"},
    )
    source.set_credentials({"identifier": "alpha.bsky.social", "app_password": "app-pass-word"})
    source.save()
    return source


def scheduled(brand, author, lead, sources, *, text="Our winter crisps are here!", due_in=timedelta(hours=1)):
    """A post approved by the lead (the default: one account lead), waiting for its time."""
    post = services.post_compose(
        actor=author, brand=brand, text=text, due_at=timezone.now() + due_in, source_ids=[s.pk for s in sources]
    )
    services.post_submit(actor=author, post=post)
    post.answer.refresh_from_db()
    answer_decide(actor=lead, answer=post.answer, version=post.answer.current_version.number, decision="approve")
    post.refresh_from_db()
    return post


def declared(brand, lead, *, severity=1):
    return incident_declare(
        actor=lead,
        client=brand.client,
        title="Leaking cans",
        crisis_type=CrisisTypeFactory(),
        severity=severity,
        brands=[brand],
    )


def due_now(post):
    """Its time came a few seconds ago (later than SETTLE)."""
    ScheduledPost.objects.filter(pk=post.pk).update(due_at=timezone.now() - services.SETTLE - timedelta(seconds=1))


def test_a_post_is_approved_then_published_at_its_time_on_each_channel(brand_a, responder, account_lead, httpserver):
    channels = [mastodon(brand_a, httpserver), bluesky(brand_a, httpserver)]
    post = scheduled(brand_a, responder, account_lead, channels)
    assert post.state == PostState.SCHEDULED and post.answer.state == AnswerState.APPROVED
    assert services.claim_due_posts() == []  # not yet its time
    due_now(post)
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(
        {"id": "9", "uri": "https://social.example/statuses/9", "url": "https://social.example/@alpha/9"}
    )
    httpserver.expect_oneshot_request("/pds/xrpc/com.atproto.server.createSession", method="POST").respond_with_json(
        {"accessJwt": "jwt-1", "did": DID}
    )
    httpserver.expect_oneshot_request("/pds/xrpc/com.atproto.repo.getRecord").respond_with_json(
        {"error": "RecordNotFound"}, status=400
    )
    httpserver.expect_oneshot_request("/pds/xrpc/com.atproto.repo.createRecord", method="POST").respond_with_json(
        {"uri": f"at://{DID}/app.bsky.feed.post/3lpost", "cid": "bafy"}
    )
    assert services.claim_due_posts() == [post.pk]
    post = services.deliver_post(post_id=post.pk)
    assert post.state == PostState.PUBLISHED
    status = httpserver.log[0][0].get_json()
    assert status["status"] == "Our winter crisps are here!" and "in_reply_to_id" not in status
    record = httpserver.log[3][0].get_json()["record"]
    assert record["text"] == "Our winter crisps are here!" and "reply" not in record
    assert sorted(post.channels.values_list("url", flat=True)) == [
        f"https://bsky.app/profile/{DID}/post/3lpost",
        "https://social.example/@alpha/9",
    ]


def test_bad_posts_are_refused_with_field_messages_and_nothing_is_stored(brand_a, responder, httpserver):
    source = mastodon(brand_a, httpserver)
    no_token = SourceFactory(
        brand=brand_a, kind="mastodon", config={"base_url": "https://x.example", "mode": "hashtag"}
    )
    cases = [
        ({"source_ids": []}, "channels"),
        ({"source_ids": [no_token.pk]}, "channels"),  # it cannot publish
        ({"due_at": timezone.now() - timedelta(minutes=5)}, "due_at"),
        ({"text": "x" * 501}, "text"),  # over Mastodon's 500
        ({"media_links": ["javascript:alert(1)"]}, "media_links"),
    ]
    for change, field in cases:
        values = {"text": "Hello", "due_at": timezone.now() + timedelta(hours=2), "source_ids": [source.pk], **change}
        with pytest.raises(ValidationError) as refused:
            services.post_compose(actor=responder, brand=brand_a, **values)
        assert field in refused.value.message_dict, (change, refused.value.message_dict)
    assert not ScheduledPost.objects.exists()
    sky = bluesky(brand_a, httpserver)
    thumbs = "👍🏽" * 300  # 300 graphemes, 600 code points: Bluesky takes it
    post = services.post_compose(
        actor=responder, brand=brand_a, text=thumbs, due_at=timezone.now() + timedelta(hours=2), source_ids=[sky.pk]
    )
    assert post.answer.current_version.text == thumbs
    with pytest.raises(ValidationError) as refused:
        services.post_compose(
            actor=responder,
            brand=brand_a,
            text=thumbs + "!",
            due_at=timezone.now() + timedelta(hours=2),
            source_ids=[sky.pk],
        )
    assert "Bluesky takes at most 300" in refused.value.message_dict["text"][0]


def test_a_hold_holds_what_is_scheduled_and_what_comes_due_and_is_lifted_with_the_right(
    brand_a, responder, account_lead, analyst, httpserver
):
    source = mastodon(brand_a, httpserver)
    post = scheduled(brand_a, responder, account_lead, [source])
    with pytest.raises(ValidationError) as refused:
        services.hold_set(
            actor=responder, client=brand_a.client, reason="x", ends_at=timezone.now() - timedelta(hours=1)
        )
    assert "ends_at" in refused.value.message_dict
    hold = services.hold_set(actor=responder, client=brand_a.client, brand=brand_a, reason="Leaking cans")
    post.refresh_from_db()
    assert post.state == PostState.HELD and post.held_by == hold
    with pytest.raises(ValidationError) as refused:  # scheduling into the hold asks first
        services.post_compose(
            actor=responder,
            brand=brand_a,
            text="Hi",
            due_at=timezone.now() + timedelta(hours=3),
            source_ids=[source.pk],
        )
    assert "confirm_hold" in refused.value.message_dict
    knowingly = services.post_compose(
        actor=responder,
        brand=brand_a,
        text="Hi",
        due_at=timezone.now() + timedelta(hours=3),
        source_ids=[source.pk],
        confirm_hold=True,
    )
    assert knowingly.into_hold_confirmed_by == responder
    assert AuditEvent.objects.filter(action="post.into_hold").count() == 1
    services.post_submit(actor=responder, post=knowingly)
    knowingly.answer.refresh_from_db()
    answer_decide(
        actor=account_lead,
        answer=knowingly.answer,
        version=knowingly.answer.current_version.number,
        decision="approve",
    )
    knowingly.refresh_from_db()
    assert knowingly.state == PostState.HELD  # approved, but in a held scope
    with pytest.raises(PermissionDenied):  # someone else's hold, without the right to manage
        services.hold_lift(actor=analyst, hold=hold)
    services.hold_lift(actor=account_lead, hold=hold)
    post.refresh_from_db()
    assert post.state == PostState.HELD  # lifting releases nothing on its own


def test_an_overdue_post_never_goes_out_on_its_own(brand_a, responder, account_lead, httpserver):
    post = scheduled(brand_a, responder, account_lead, [mastodon(brand_a, httpserver)])
    ScheduledPost.objects.filter(pk=post.pk).update(due_at=timezone.now() - services.OVERDUE - timedelta(minutes=1))
    assert services.claim_due_posts() == []
    post.refresh_from_db()
    assert post.state == PostState.HELD and "overdue" in post.held_reason
    assert not httpserver.log


def test_releasing_is_a_staggered_queue_through_approval_again(brand_a, responder, account_lead, httpserver):
    source = mastodon(brand_a, httpserver)
    posts = [scheduled(brand_a, responder, account_lead, [source], due_in=timedelta(minutes=m)) for m in (30, 40, 50)]
    hold = services.hold_set(actor=responder, client=brand_a.client, reason="Leaking cans")
    ScheduledPost.objects.filter(pk__in=[p.pk for p in posts[:2]]).update(due_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError, match="still covers"):
        services.posts_release(actor=responder, client=brand_a.client, post_ids=[posts[0].pk])
    services.hold_lift(actor=responder, hold=hold)
    start = timezone.now() + timedelta(minutes=20)
    released = services.posts_release(
        actor=responder, client=brand_a.client, post_ids=[p.pk for p in posts], start_at=start, every_minutes=15
    )
    assert released == 3
    again = {p.pk: ScheduledPost.objects.get(pk=p.pk) for p in posts}
    assert [again[p.pk].due_at for p in posts[:2]] == [start, start + timedelta(minutes=15)]
    assert again[posts[2].pk].due_at == start + timedelta(minutes=30)  # its own 50 minutes came before the slot
    assert {post.state for post in again.values()} == {PostState.DRAFT}
    assert {post.answer.state for post in again.values()} == {AnswerState.PENDING}  # approved again, one by one
    first = again[posts[0].pk]
    answer_decide(
        actor=account_lead, answer=first.answer, version=first.answer.current_version.number, decision="approve"
    )
    first.refresh_from_db()
    assert first.state == PostState.SCHEDULED
    dropped = services.posts_drop(actor=responder, client=brand_a.client, post_ids=[posts[1].pk])
    assert dropped == 1 and ScheduledPost.objects.get(pk=posts[1].pk).state == PostState.CANCELLED


def test_a_refused_post_fails_with_the_reason_and_a_retry_never_goes_into_a_hold(
    brand_a, responder, account_lead, httpserver
):
    refused_post = scheduled(brand_a, responder, account_lead, [mastodon(brand_a, httpserver)])
    due_now(refused_post)
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(
        {"error": "Validation failed"}, status=422
    )
    services.claim_due_posts()
    failed = services.deliver_post(post_id=refused_post.pk)
    assert failed.state == PostState.FAILED and "422" in failed.error
    retried = scheduled(brand_a, responder, account_lead, [mastodon(brand_a, httpserver, name="Second")], text="Again")
    due_now(retried)
    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_data("busy", status=503)
    services.claim_due_posts()
    waiting = services.deliver_post(post_id=retried.pk)
    assert waiting.state == PostState.PUBLISHING  # to be tried again
    services.hold_set(actor=responder, client=brand_a.client, reason="Leaking cans")
    ScheduledPost.objects.filter(pk=retried.pk).update(next_attempt_at=timezone.now())
    calls = len(httpserver.log)
    assert services.deliver_post(post_id=retried.pk) is None  # the hold took it from publishing
    assert ScheduledPost.objects.get(pk=retried.pk).state == PostState.HELD
    assert services.lost_posts() == [] and len(httpserver.log) == calls  # not retried into the hold


def test_an_incident_proposes_the_hold_and_its_step_ticks_itself(web, brand_a, account_lead, responder):
    incident = declared(brand_a, account_lead, severity=1)
    page = web(responder).get(incident.get_absolute_url())
    assert page.context["hold_panel"]["propose"] and f"Hold {brand_a.name}" in page.content.decode()
    held = web(responder).post(
        reverse("holds", args=[brand_a.client.slug]),
        {"incident": incident.pk, "brand": brand_a.pk, "reason": "Incident: Leaking cans"},
    )
    assert held.status_code == 302, held.content.decode()[:3000]
    assert held["Location"] == incident.get_absolute_url()
    step = incident.playbook.get(self_check=SelfCheck.POSTS_PAUSED)
    assert step.done_at is not None
    page = web(responder).get(incident.get_absolute_url())
    assert not page.context["hold_panel"]["propose"] and page.context["hold_panel"]["holds"]


def test_the_pages_compose_show_the_calendar_and_release(web, brand_a, responder, account_lead, httpserver):
    source = mastodon(brand_a, httpserver)
    http, slug = web(responder), brand_a.client.slug
    bad = http.post(reverse("post_compose", args=[slug]), {"brand": brand_a.pk, "text": "Hi <b>", "due_at": ""})
    assert bad.status_code == 400 and "Choose a time in the future." in bad.content.decode()
    assert "Hi &lt;b&gt;" in bad.content.decode()
    due = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    made = http.post(
        reverse("post_compose", args=[slug]),
        {"brand": brand_a.pk, "channels": [source.pk], "text": "Winter crisps <b>", "due_at": due, "submit": "1"},
    )
    assert made.status_code == 302
    post = ScheduledPost.objects.get()
    assert post.answer.state == AnswerState.PENDING
    month = http.get(reverse("post_calendar", args=[slug]) + f"?month={timezone.localdate():%Y-%m}")
    week = http.get(reverse("post_calendar", args=[slug]) + f"?week={timezone.localdate().isoformat()}")
    for page in (month, week):
        assert page.status_code == 200 and "Winter crisps &lt;b&gt;" in page.content.decode()
    assert http.get(reverse("post_calendar", args=[slug]) + "?month=nonsense").status_code == 200
    http.post(reverse("holds", args=[slug]), {"reason": "Leaking cans"})
    post.refresh_from_db()
    approver = web(account_lead)
    approver.post(reverse("approval_detail", args=[slug, post.answer.pk]), {"version": 1, "decision": "approve"})
    post.refresh_from_db()
    assert post.state == PostState.HELD
    assert "held" in http.get(reverse("post_calendar", args=[slug])).content.decode()
    queue = http.get(reverse("held_posts", args=[slug]))
    assert queue.status_code == 200 and "Winter crisps" in queue.content.decode()
    hold = post.held_by
    assert http.post(reverse("hold_lift", args=[slug, hold.pk])).status_code == 302
    released = http.post(
        reverse("held_posts", args=[slug]), {"posts": [post.pk], "action": "release", "every_minutes": 5}
    )
    assert released.status_code == 302
    post.refresh_from_db()
    assert post.state == PostState.DRAFT and post.answer.state == AnswerState.PENDING


def test_posts_holds_and_the_held_queue_through_the_api(api, brand_a, responder, account_lead, httpserver):
    source = mastodon(brand_a, httpserver)
    http, base = api(responder), f"/api/v1/clients/{brand_a.client.pk}"
    due = (timezone.now() + timedelta(hours=2)).isoformat()
    refused = http.post(
        f"{base}/posts/", {"brand": brand_a.pk, "text": "x", "due_at": due, "channels": []}, format="json"
    )
    assert refused.status_code == 400 and "channels" in refused.json()["errors"]
    made = http.post(
        f"{base}/posts/",
        {"brand": brand_a.pk, "text": "Winter crisps", "due_at": due, "channels": [source.pk], "submit": True},
        format="json",
    )
    assert made.status_code == 201, made.json()
    post = made.json()
    assert post["approval"] == "pending" and post["channels"][0]["source"] == source.pk
    decided = api(account_lead).post(
        f"{base}/answers/{post['answer']}/decide/", {"version": 1, "decision": "approve"}, format="json"
    )
    assert decided.status_code == 201
    assert http.get(f"{base}/posts/{post['id']}/").json()["state"] == "scheduled"
    hold = http.post(f"{base}/holds/", {"brand": brand_a.pk, "reason": "Leaking cans"}, format="json")
    assert hold.status_code == 201
    bad = http.post(f"{base}/holds/", {"reason": "x", "ends_at": "2020-01-01T00:00:00Z"}, format="json")
    assert bad.status_code == 400 and "ends_at" in bad.json()["errors"]
    assert [p["id"] for p in http.get(f"{base}/holds/held/").json()] == [post["id"]]
    still = http.post(f"{base}/holds/release/", {"posts": [post["id"]]}, format="json")
    assert still.status_code == 400  # the hold is still on
    assert http.post(f"{base}/holds/{hold.json()['id']}/lift/").status_code == 200
    released = http.post(f"{base}/holds/release/", {"posts": [post["id"]], "every_minutes": 10}, format="json")
    assert released.json() == {"released": 1}
    today = timezone.localdate()
    days = http.get(f"{base}/posts/calendar/?first={today}&last={today + timedelta(days=6)}").json()
    assert sum(day["count"] for day in days) == 1
    assert http.get(f"{base}/posts/calendar/?first=x&last=y").status_code == 400
    cancelled = http.post(f"{base}/posts/{post['id']}/cancel/")
    assert cancelled.json()["state"] == "cancelled"


def test_the_calendar_flags_another_brands_post_that_says_what_the_incident_is_about(
    web, brand_a, responder, account_lead, httpserver
):
    from apps.incidents.services import incident_set_rules
    from tests.factories import BrandFactory

    other = BrandFactory(client=brand_a.client, name="Alpha Dip")
    theirs = mastodon(other, httpserver, name="Dip on Mastodon")
    incident = declared(brand_a, account_lead, severity=1)
    incident_set_rules(actor=account_lead, incident=incident, terms=["leaking cans"], authors=[], topics=[])
    services.hold_set(actor=responder, client=brand_a.client, brand=brand_a, reason="Leaking cans", incident=incident)
    flagged = scheduled(other, responder, account_lead, [theirs], text="No leaking cans here, only dip!")
    plain = scheduled(other, responder, account_lead, [theirs], text="New dip flavour!")
    page = web(responder).get(reverse("post_calendar", args=[brand_a.client.slug]) + f"?week={timezone.localdate()}")
    shown = {post.pk: post for day in page.context["days"] for post in day.posts}
    assert shown[flagged.pk].flagged and not shown[plain.pk].flagged


def test_locking_publishing_leaves_only_the_incidents_publishing_person_and_ticks_its_step(
    web, brand_a, account_lead, responder, analyst, httpserver
):
    from apps.incidents.models import IncidentRole
    from apps.incidents.services import incident_assign_role
    from apps.responses import sending
    from apps.responses.services import answer_start, answer_submit
    from tests.factories import MentionFactory

    source = mastodon(brand_a, httpserver)
    post = scheduled(brand_a, responder, account_lead, [source])
    incident = declared(brand_a, account_lead, severity=1)
    with pytest.raises(ValidationError, match="publishing role first"):
        services.publishing_lock(actor=responder, incident=incident)
    incident_assign_role(actor=account_lead, incident=incident, role=IncidentRole.PUBLISHING, user=account_lead)
    page = web(responder).post(
        reverse("account_security", args=[brand_a.client.slug]), {"section": "lock", "incident": incident.pk}
    )
    assert page.status_code == 302
    post.refresh_from_db()
    assert post.state == PostState.HELD and "locked" in post.held_reason
    assert incident.playbook.get(self_check=SelfCheck.ACCOUNTS_LOCKED).done_at is not None
    mention = MentionFactory(brand=brand_a, source=source, platform="mastodon", raw={"id": "1"}, external_id="m1")
    answer = answer_start(actor=responder, mention=mention, text="Sorry!", language="en")
    answer = answer_submit(actor=responder, answer=answer)
    answer_decide(actor=account_lead, answer=answer, version=answer.current_version.number, decision="approve")
    answer.refresh_from_db()
    with pytest.raises(ValidationError, match="locked for an incident"):
        sending.answer_publish(actor=responder, answer=answer)
    assert sending.answer_publish(actor=account_lead, answer=answer).state == AnswerState.PUBLISHING  # the publisher
    listing = web(analyst).get(reverse("account_security", args=[brand_a.client.slug])).content.decode()
    assert "locked" in listing and "Leaking cans" in listing and responder.email in listing
    lock = services.active_locks(client=brand_a.client)[0]
    with pytest.raises(ValidationError) as refused:  # who is locked out does not unlock
        services.publishing_unlock(actor=responder, lock=lock)
    assert "lock" in refused.value.message_dict
    services.publishing_unlock(actor=account_lead, lock=lock)
    assert services.locked_out(actor=responder, source=source) == ""


def test_old_credentials_remind_the_account_leads_once_per_change(brand_a, account_lead, responder, httpserver):
    from apps.notifications.models import Notification, NotificationEvent
    from apps.posts.models import CredentialRotation

    source = mastodon(brand_a, httpserver)
    assert services.remind_rotations() == 0  # new: nothing to change yet
    CredentialRotation.objects.filter(source=source).update(rotated_at=timezone.now() - timedelta(days=100))
    assert services.remind_rotations() == 1
    assert services.remind_rotations() == 0  # the second beat tells nobody again
    told = Notification.objects.filter(event=NotificationEvent.CREDENTIALS_OLD)
    assert list(told.values_list("user", flat=True)) == [account_lead.pk]
    services.rotation_record(actor=responder, source=source)
    assert services.remind_rotations() == 0
    with pytest.raises(ValidationError):
        services.rotation_record(actor=responder, source=source, rotated_at=timezone.now() + timedelta(days=1))


def test_what_is_already_publishing_is_held_by_a_lock_and_nothing_late_or_cancelled_goes_out(
    brand_a, responder, account_lead, httpserver
):
    from apps.incidents.models import IncidentRole
    from apps.incidents.services import incident_assign_role

    source = mastodon(brand_a, httpserver)
    claimed = scheduled(brand_a, responder, account_lead, [source])
    due_now(claimed)
    assert services.claim_due_posts() == [claimed.pk]  # claimed, its task not yet run
    incident = declared(brand_a, account_lead, severity=2)
    incident_assign_role(actor=account_lead, incident=incident, role=IncidentRole.PUBLISHING, user=account_lead)
    services.publishing_lock(actor=account_lead, incident=incident)
    assert services.deliver_post(post_id=claimed.pk) is None
    assert ScheduledPost.objects.get(pk=claimed.pk).state == PostState.HELD and not httpserver.log
    services.publishing_unlock(actor=account_lead, lock=services.active_locks(client=brand_a.client)[0])

    late = scheduled(brand_a, responder, account_lead, [source], text="Late")
    ScheduledPost.objects.filter(pk=late.pk).update(
        state=PostState.PUBLISHING, due_at=timezone.now() - services.OVERDUE * 2, next_attempt_at=timezone.now()
    )
    held = services.deliver_post(post_id=late.pk)  # a retry hours after its time
    assert held.state == PostState.HELD and "overdue" in held.held_reason and not httpserver.log

    cancelled = scheduled(brand_a, responder, account_lead, [source], text="Gone")
    services.post_cancel(actor=responder, post=cancelled)
    services.follow_post_answer(actor=account_lead, answer=cancelled.answer, action="approved", after={})
    assert ScheduledPost.objects.get(pk=cancelled.pk).state == PostState.CANCELLED  # approval after it stays cancelled
