from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.models import AuditEvent
from apps.listening import services
from apps.listening.forms import SourceForm
from apps.listening.models import Source
from apps.mentions.models import Mention
from tests.factories import MentionFactory, SourceFactory

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>x1</guid><title>Alpha Crisps news</title><description>Alpha Crisps opens a shop</description></item>
</channel></rss>"""


def form_data(brand, **fields):
    return {
        "name": "Feed",
        "brand": brand.pk,
        "kind": "rss",
        "poll_interval": 300,
        "enabled": "on",
        "require_match": "on",
        **fields,
    }


@pytest.mark.django_db
def test_lead_creates_a_feed_source_and_credentials_are_never_shown(web, client_a, brand_a, account_lead):
    http = web(account_lead)
    response = http.post(
        reverse("source_create", args=[client_a.slug]),
        form_data(
            brand_a,
            kind="mastodon",
            name="Mastodon #alpha",
            base_url="https://mastodon.example",
            mode="hashtag",
            hashtag="alphacrisps",
            access_token="s3cret-token",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    source = Source.objects.get(name="Mastodon #alpha")
    assert source.credentials == {"access_token": "s3cret-token"}
    assert "s3cret-token" not in source.credentials_encrypted
    page = http.get(response["Location"])
    assert b"s3cret-token" not in page.content
    assert AuditEvent.objects.filter(action="source.created", actor=account_lead).exists()


@pytest.mark.django_db
def test_bad_source_settings_answer_400_with_field_errors(web, client_a, brand_a, account_lead):
    response = web(account_lead).post(
        reverse("source_create", args=[client_a.slug]), form_data(brand_a, url="ftp://feeds.example/x")
    )
    assert response.status_code == 400
    assert "url" in response.context["form"].errors
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_webhook_secret_is_shown_once(web, client_a, brand_a, account_lead):
    http = web(account_lead)
    response = http.post(
        reverse("source_create", args=[client_a.slug]),
        form_data(brand_a, kind="webhook", name="Push", platform="brand24"),
    )
    first = http.get(response["Location"])
    secret = Source.objects.get().credentials["secret"]
    assert secret.encode() in first.content and b"/hooks/" in first.content
    assert secret.encode() not in http.get(response["Location"]).content


@pytest.mark.django_db
def test_editing_keeps_credentials_left_empty(web, client_a, brand_a, account_lead):
    source = SourceFactory(
        brand=brand_a, kind="youtube", config={"video_id": "dQw4w9WgXcQ", "base_url": "https://yt.example"}
    )
    source.set_credentials({"api_key": "A" * 39})
    source.save()
    web(account_lead).post(
        reverse("source_detail", args=[client_a.slug, source.pk]),
        form_data(
            brand_a, kind="youtube", name="Renamed", video_id="dQw4w9WgXcQ", base_url="https://yt.example", api_key=""
        ),
    )
    source.refresh_from_db()
    assert source.name == "Renamed" and source.credentials == {"api_key": "A" * 39}


@pytest.mark.django_db
def test_test_connection_fetches_without_storing(web, client_a, brand_a, account_lead, httpserver):
    httpserver.expect_request("/feed").respond_with_data(RSS)
    source = SourceFactory(brand=brand_a, config={"url": httpserver.url_for("/feed")})
    response = web(account_lead).post(reverse("source_test", args=[client_a.slug, source.pk]))
    assert b"1 item came back" in response.content
    assert Mention.objects.count() == 0
    source.refresh_from_db()
    assert source.cursor == {} and source.last_polled_at is None


@pytest.mark.django_db
def test_sources_page_shows_health(web, client_a, brand_a, responder):
    SourceFactory(brand=brand_a, name="Broken feed", consecutive_failures=3, last_error="answered 500")
    page = web(responder).get(reverse("source_list", args=[client_a.slug]))
    assert b"Broken feed" in page.content and b"3 failures" in page.content


@pytest.mark.django_db
def test_brand_query_and_topics_page(web, client_a, brand_a, account_lead):
    http = web(account_lead)
    url = reverse("brand_listening", args=[client_a.slug, brand_a.pk])
    bad = http.post(url, {"keywords": "", "hashtags": "", "excluded_words": "", "expression": "crisps AND ("})
    assert bad.status_code == 400 and "expression" in bad.context["query_form"].errors
    http.post(url, {"keywords": "crisps*", "hashtags": "#alphacrisps", "excluded_words": "recipe", "expression": ""})
    http.post(url, {"save_topic": "1", "name": "Delivery", "keywords": "delivery\nlevering", "sensitive": "on"})
    assert brand_a.query.keywords == ["crisps*"]
    assert brand_a.topics.get().sensitive
    assert AuditEvent.objects.filter(action__in=["brand_query.updated", "topic.created"]).count() == 2


@pytest.mark.django_db
def test_api_sources_and_mentions(api, client_a, brand_a, account_lead, responder, client_viewer):
    created = api(account_lead).post(
        reverse("api:source-list", args=[client_a.pk]),
        {"brand": brand_a.pk, "name": "Push", "kind": "webhook", "config": {"platform": "brand24"}},
        format="json",
    )
    assert created.status_code == 201 and created.json()["webhook_secret"]
    secret = created.json()["webhook_secret"]
    listed = api(responder).get(reverse("api:source-list", args=[client_a.pk]))
    assert listed.json()["results"][0]["id"] == created.json()["id"]
    assert secret not in listed.content.decode()  # shown in the create answer only
    assert "credentials" not in listed.json()["results"][0]
    bad = api(account_lead).post(
        reverse("api:source-list", args=[client_a.pk]),
        {"brand": brand_a.pk, "name": "x", "kind": "rss", "config": {"url": "nope"}},
        format="json",
    )
    assert bad.status_code == 400 and "url" in bad.json()["errors"]
    MentionFactory(brand=brand_a, platform="x", sentiment="negative", topics=["delivery"])
    MentionFactory(brand=brand_a, platform="x", sentiment="positive")
    mentions = (
        api(client_viewer)
        .get(reverse("api:mention-list", args=[client_a.pk]), {"sentiment": "negative", "topic": "delivery"})
        .json()
    )
    assert [mention["topics"] for mention in mentions["results"]] == [["delivery"]]


@pytest.mark.django_db
def test_the_edit_form_shows_a_pushed_sources_own_matching_default(client_a, brand_a, account_lead):
    """A webhook made through the API keeps everything it is sent; saving its page must not change that."""
    source, _secret = services.source_create(
        actor=account_lead, client=client_a, brand=brand_a, kind="webhook", name="Push", config={}
    )
    assert not source.require_match
    assert SourceForm(user=account_lead, client=client_a, source=source).initial["require_match"] is False
    assert SourceFactory(brand=brand_a).require_match


@pytest.mark.django_db
def test_only_a_real_credential_change_is_audited_as_one(client_a, brand_a, account_lead):
    webhook, secret = services.source_create(
        actor=account_lead, client=client_a, brand=brand_a, kind="webhook", name="Push", config={}
    )
    services.source_update(actor=account_lead, source=webhook, credentials={"secret": "mine"})
    webhook.refresh_from_db()
    assert webhook.credentials == {"secret": secret}
    feed = SourceFactory(brand=brand_a)
    feed.set_credentials({"api_key": "k1"})
    feed.save()
    services.source_update(actor=account_lead, source=feed, credentials={"api_key": "k1"})
    assert not AuditEvent.objects.filter(action="source.updated").exists()
    services.source_update(actor=account_lead, source=feed, credentials={"api_key": "k2"})
    event = AuditEvent.objects.get(action="source.updated")
    assert event.after == {"credentials": "changed"} and "k2" not in str(event.after)


@pytest.mark.django_db
def test_api_poll_now_answers_with_the_new_schedule(api, client_a, brand_a, responder):
    source = SourceFactory(brand=brand_a, next_poll_at=timezone.now() + timedelta(hours=1))
    response = api(responder).post(reverse("api:source-poll", args=[client_a.pk, source.pk]))
    assert response.status_code == 202
    source.refresh_from_db()
    assert source.next_poll_at <= timezone.now()
    assert parse_datetime(response.json()["next_poll_at"]) == source.next_poll_at


def test_the_brands_own_channel_is_set_on_the_source_page_and_audited(web, client_a, brand_a, account_lead):
    source = SourceFactory(brand=brand_a)
    url = reverse("source_detail", args=[client_a.slug, source.pk])
    response = web(account_lead).post(
        url, form_data(brand_a, own_channel="on", url="https://feeds.example.test/feed.xml")
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.own_channel is True
    event = AuditEvent.objects.get(action="source.updated")
    assert (event.before["own_channel"], event.after["own_channel"]) == (False, True)


@pytest.mark.django_db
def test_the_brands_own_channel_is_set_through_the_api_too(api, client_a, brand_a, account_lead):
    listing = reverse("api:source-list", args=[client_a.pk])
    created = api(account_lead).post(
        listing,
        {
            "brand": brand_a.pk,
            "name": "Our page",
            "kind": "rss",
            "config": {"url": "https://feeds.example.test/a.xml"},
            "own_channel": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["own_channel"] is True
    detail = reverse("api:source-detail", args=[client_a.pk, created.json()["id"]])
    changed = api(account_lead).patch(detail, {"own_channel": False}, format="json")
    assert changed.status_code == 200 and changed.json()["own_channel"] is False
    event = AuditEvent.objects.get(action="source.updated")
    assert (event.before["own_channel"], event.after["own_channel"]) == (True, False)
