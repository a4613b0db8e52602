"""The alert pages and settings: what a responder reads when the detector fires, and what a lead tunes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.detection.models import AlertStatus, DetectionSettings, DetectorState, KnownEvent, MentionCount, Metric
from apps.detection.selectors import alert_mentions
from apps.detection.services import alert_mentions_url
from apps.listening.enrichment.text import content_hash
from apps.mentions.models import Mention
from tests.factories import BrandFactory, KnownEventFactory, MentionFactory, SpikeAlertFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def arrived(mention, at, posted=None):
    Mention.objects.filter(pk=mention.pk).update(ingested_at=at, posted_at=posted or at)
    return mention


def spike(brand):
    """A week of quiet twitter chatter, then 30 minutes of a copied complaint on tiktok, mostly in Danish."""
    for day in range(1, 8):
        for n in range(4):
            arrived(
                MentionFactory(brand=brand, platform="twitter", language="en", text=f"nice coffee day {day} {n}"),
                AT - timedelta(days=day, minutes=n),
            )
    alert = SpikeAlertFactory(brand=brand, started_at=AT - timedelta(minutes=15), detected_at=AT)
    complaint = "Refund now: the lids leak and burn <script>alert(1)</script> hands"
    for n in range(6):
        arrived(
            MentionFactory(
                brand=brand,
                platform="tiktok",
                language="da",
                author_handle=f"user{n % 2}",
                text=complaint,
                content_hash=content_hash(complaint),  # as the pipeline writes it
                risk_score=80 - n,
            ),
            AT - timedelta(minutes=10 - n),
            posted=AT - timedelta(hours=3) if n == 0 else None,
        )
    MentionCount.objects.create(brand=brand, channel="", start=AT - timedelta(minutes=5), mentions=6)
    return alert


def test_the_alert_page_explains_the_spike(web, brand_a, responder):
    alert = spike(brand_a)
    page = web(responder).get(reverse("alert_detail", args=[brand_a.client.slug, alert.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert alert.summary in html
    assert "<svg" in html  # the curve, drawn on the server
    lifts = page.context["lifts"]
    assert [lift.value for lift in lifts["channel"]] == ["tiktok"]
    assert lifts["channel"][0].usual_share == 0.0 and lifts["channel"][0].seen == 6
    assert lifts["language"][0].value == "da"
    complaint = {"refund", "now", "the", "lids", "leak", "and", "burn", "script", "alert", "hands"}
    terms = {lift.value for lift in lifts["term"]}
    assert len(terms) == 5 and terms <= complaint  # the usual words ("coffee", "day") did not grow
    (cluster,) = page.context["clusters"]
    assert (cluster.copies, cluster.authors) == (6, 2)
    assert "bot-like" in html
    assert page.context["late"] == 1 and "posted more than an hour before" in html
    assert page.context["samples"][0].risk_score == 80
    assert reverse("mention_detail", args=[brand_a.client.slug, page.context["samples"][0].pk]) in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Acknowledge" in html and "Dismiss as noise" in html


def test_acknowledge_and_dismiss_from_the_page(web, brand_a, responder):
    alert = SpikeAlertFactory(brand=brand_a)
    http = web(responder)
    url = reverse("alert_status", args=[brand_a.client.slug, alert.pk])
    told = http.post(url, {"status": "acknowledged"}, follow=True)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert "The alert is now acknowledged." in told.content.decode()
    again = http.post(url, {"status": "acknowledged"}, follow=True)
    assert again.status_code == 200 and "already" in again.content.decode()
    http.post(url, {"status": "dismissed"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED
    page = http.get(reverse("alert_detail", args=[brand_a.client.slug, alert.pk])).content.decode()
    assert "Dismiss as noise" not in page


def test_people_without_work_rights_read_no_alerts(web, brand_a, client_viewer):
    alert = SpikeAlertFactory(brand=brand_a)
    http = web(client_viewer)
    assert http.get(reverse("alert_list", args=[brand_a.client.slug])).status_code == 403
    assert http.get(reverse("alert_detail", args=[brand_a.client.slug, alert.pk])).status_code == 403
    assert (
        http.post(reverse("alert_status", args=[brand_a.client.slug, alert.pk]), {"status": "dismissed"}).status_code
        == 403
    )


def test_the_alert_lists_filter_by_status_metric_and_brand(web, brand_a, responder):
    other = BrandFactory(client=brand_a.client, name="Other brand")
    open_one = SpikeAlertFactory(brand=brand_a)
    dismissed = SpikeAlertFactory(brand=brand_a, metric=Metric.NEGATIVE, status=AlertStatus.DISMISSED)
    elsewhere = SpikeAlertFactory(brand=other)
    http, slug = web(responder), brand_a.client.slug

    def listed(url, **query):
        return {alert.pk for alert in http.get(url, query).context["page"]}

    every = reverse("alert_list", args=[slug])
    assert listed(every) == {open_one.pk, dismissed.pk, elsewhere.pk}
    assert listed(every, status="dismissed") == {dismissed.pk}
    assert listed(every, metric="volume") == {open_one.pk, elsewhere.pk}
    assert listed(every, brand=other.pk) == {elsewhere.pk}
    assert listed(reverse("brand_alerts", args=[slug, brand_a.pk])) == {open_one.pk, dismissed.pk}
    refused = http.get(every, {"status": "bogus", "brand": "x"})
    assert refused.status_code == 400 and set(refused.context["form"].errors) == {"status", "brand"}


def test_the_brand_pages_say_whether_the_detector_is_still_warming_up(web, brand_a, responder):
    http, slug = web(responder), brand_a.client.slug
    page = http.get(reverse("brand_alerts", args=[slug, brand_a.pk])).content.decode()
    assert "no alerts until two days after it" in page
    DetectorState.objects.create(
        brand=brand_a, metric=Metric.VOLUME, state={"started_at": (AT - timedelta(hours=6)).isoformat()}
    )
    overview = http.get(reverse("client_detail", args=[slug])).content.decode()
    assert "Learning the usual level: no alerts before" in overview
    DetectorState.objects.filter(brand=brand_a).update(state={"started_at": (AT - timedelta(days=3)).isoformat()})
    assert "the usual level is known" in http.get(reverse("brand_alerts", args=[slug, brand_a.pk])).content.decode()


def test_settings_are_saved_audited_and_nonsense_is_refused_per_field(web, brand_a, account_lead):
    http, url = web(account_lead), reverse("detection_settings", args=[brand_a.client.slug, brand_a.pk])
    page = http.get(url)
    assert page.status_code == 200 and "The agency's defaults apply" in page.content.decode()
    refused = http.post(
        url, {"section": "settings", "sensitivity": "loud", "minimum_volume": "0", "cooldown_minutes": "5"}
    )
    assert refused.status_code == 400
    errors = refused.context["settings_form"].errors
    assert set(errors) == {"sensitivity", "minimum_volume", "cooldown_minutes", "metrics"}
    assert not DetectionSettings.objects.exists()
    saved = http.post(
        url,
        {
            "section": "settings",
            "sensitivity": "strict",
            "minimum_volume": "25",
            "cooldown_minutes": "120",
            "metrics": ["negative", "volume"],
        },
    )
    assert saved.status_code == 302
    own = DetectionSettings.objects.get(brand=brand_a)
    assert (own.sensitivity, own.minimum_volume, own.cooldown_minutes, own.metrics) == (
        "strict",
        25,
        120,
        ["volume", "negative"],
    )
    event = AuditEvent.objects.get(action="detection_settings.saved")
    assert event.actor == account_lead
    assert sentence_of(event, {account_lead.pk: "Lea"}).startswith("Lea changed the spike detection of")


def test_known_events_are_added_checked_and_removed(web, brand_a, account_lead, responder):
    http, url = web(account_lead), reverse("detection_settings", args=[brand_a.client.slug, brand_a.pk])
    backwards = {"section": "event", "name": "Launch", "expected_factor": "4"}
    backwards |= {"starts_at": "2026-12-10T10:00", "ends_at": "2026-12-10T09:00"}
    refused = http.post(url, backwards)
    assert refused.status_code == 400 and "end after it starts" in refused.content.decode()
    assert http.post(url, {**backwards, "ends_at": "2026-12-11T09:00", "expected_factor": "500"}).status_code == 400
    assert http.post(url, {**backwards, "ends_at": "2026-12-11T09:00"}).status_code == 302
    event = KnownEvent.objects.get(brand=brand_a)
    assert (event.name, event.expected_factor) == ("Launch", 4.0)
    assert web(responder).post(url, {"section": "remove_event", "event": event.pk}).status_code == 403
    assert http.post(url, {"section": "remove_event", "event": event.pk}).status_code == 302
    assert not KnownEvent.objects.exists()
    added, removed = AuditEvent.objects.filter(action__startswith="known_event.").order_by("id")
    assert "added the known event Launch" in sentence_of(added, {})
    assert "removed the known event Launch" in sentence_of(removed, {})


def test_the_settings_api_reads_defaults_changes_them_and_answers_400_per_field(api, brand_a, account_lead, responder):
    base = f"/api/v1/clients/{brand_a.client.pk}/detection-settings/"
    http = api(account_lead)
    listed = http.get(base).json()
    assert listed[0]["uses_defaults"] is True and listed[0]["metrics"] == Metric.values
    refused = http.patch(f"{base}{brand_a.pk}/", {"cooldown_minutes": 1, "metrics": []}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "cooldown_minutes": ["Between 15 minutes and a week (10,080 minutes)."],
        "metrics": ["Watch at least one metric, or mute the brand instead."],
    }
    changed = http.patch(f"{base}{brand_a.pk}/", {"sensitivity": "sensitive"}, format="json")
    assert changed.status_code == 200 and changed.json()["sensitivity"] == "sensitive"
    assert changed.json()["uses_defaults"] is False
    assert api(responder).patch(f"{base}{brand_a.pk}/", {"sensitivity": "strict"}, format="json").status_code == 403
    event = {"name": "Match day", "starts_at": "2026-12-10T10:00:00Z", "ends_at": "2026-12-10T08:00:00Z"}
    assert "ends_at" in http.post(f"{base}{brand_a.pk}/known-events/", event, format="json").json()["errors"]
    event["ends_at"] = "2026-12-10T22:00:00Z"
    created = http.post(f"{base}{brand_a.pk}/known-events/", event, format="json")
    assert created.status_code == 201
    assert [e["name"] for e in http.get(f"{base}{brand_a.pk}/").json()["known_events"]] == ["Match day"]
    assert http.delete(f"{base}{brand_a.pk}/known-events/{created.json()['id']}/").status_code == 204
    other = KnownEventFactory(brand=BrandFactory(client=brand_a.client))
    assert http.delete(f"{base}{brand_a.pk}/known-events/{other.pk}/").status_code == 404  # not this brand's


def test_an_asking_alert_counts_the_mentions_that_ask_and_a_negative_one_links_to_the_negative(web, brand_a, responder):
    started = AT - timedelta(minutes=15)
    asking = SpikeAlertFactory(brand=brand_a, metric=Metric.ASKING, started_at=started, detected_at=AT)
    question = arrived(
        MentionFactory(brand=brand_a, kind="question", text="When do you refund?"), AT - timedelta(minutes=3)
    )
    waiting = arrived(
        MentionFactory(
            brand=brand_a, text="Still no answer", risk_factors=[{"factor": "awaiting_answer", "points": 9}]
        ),
        AT - timedelta(minutes=2),
    )
    arrived(MentionFactory(brand=brand_a, kind="praise", text="Lovely"), AT - timedelta(minutes=2))
    arrived(MentionFactory(brand=brand_a, kind="question", text="Too late?"), AT)  # after the check looked
    assert set(alert_mentions(alert=asking).values_list("pk", flat=True)) == {question.pk, waiting.pk}
    page = web(responder).get(reverse("alert_detail", args=[brand_a.client.slug, asking.pk]))
    assert page.context["counted"] == 2 and "Mentions asking for an answer" in page.content.decode()
    negative = SpikeAlertFactory(brand=brand_a, metric=Metric.NEGATIVE, started_at=started, detected_at=AT)
    assert "sentiment=negative" in alert_mentions_url(alert=negative)
    inbox = web(responder).get(alert_mentions_url(alert=negative))
    assert inbox.status_code == 200 and "a spike alert's window" in inbox.content.decode()


def test_the_alert_page_stays_up_when_its_chart_cannot_be_drawn(web, brand_a, responder, monkeypatch):
    import vl_convert

    def broken(*args, **kwargs):
        raise ValueError("renderer down")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", broken)
    alert = SpikeAlertFactory(brand=brand_a)
    page = web(responder).get(reverse("alert_detail", args=[brand_a.client.slug, alert.pk]))
    assert page.status_code == 200 and "The chart could not be drawn" in page.content.decode()


def test_the_alert_page_reads_a_bounded_number_of_rows(web, brand_a, responder, django_assert_max_num_queries):
    alert = spike(brand_a)
    http = web(responder)
    url = reverse("alert_detail", args=[brand_a.client.slug, alert.pk])
    http.get(url)  # the session and the user's rights, once
    with django_assert_max_num_queries(30):
        assert http.get(url).status_code == 200


def test_warm_up_follows_whichever_metric_the_brand_watches(brand_a):
    from apps.detection.selectors import warm_up_of

    DetectorState.objects.create(
        brand=brand_a, metric=Metric.NEGATIVE, state={"started_at": (AT - timedelta(days=3)).isoformat()}
    )
    assert warm_up_of(brand=brand_a, now=AT).ready


def test_bad_input_on_the_settings_page_is_refused_not_an_error(web, brand_a, account_lead, responder):
    http, url = web(account_lead), reverse("detection_settings", args=[brand_a.client.slug, brand_a.pk])
    for bogus in ("abc", "1.5", "", "99999999999999999999"):
        assert http.post(url, {"section": "remove_event", "event": bogus}).status_code == 404
    past = {"section": "event", "name": "Old launch", "starts_at": "2020-01-01T10:00", "ends_at": "2020-01-02T10:00"}
    refused = http.post(url, {**past, "expected_factor": "2"})
    assert refused.status_code == 400 and "The event is over" in refused.content.decode()
    # times are read in the agency's time zone, as the pages show them
    soon = {"section": "event", "name": "Match", "starts_at": "2027-06-01T18:00", "ends_at": "2027-06-01T20:00"}
    assert http.post(url, {**soon, "expected_factor": "2"}).status_code == 302
    assert KnownEvent.objects.get().starts_at == datetime(2027, 6, 1, 16, 0, tzinfo=UTC)  # 18:00 in Copenhagen
    read_only = web(responder).get(url)
    assert read_only.status_code == 200 and "Read only" in read_only.content.decode()
    assert all(field.disabled for field in read_only.context["settings_form"].fields.values())


def test_the_settings_api_list_reads_a_constant_number_of_rows(api, client_a, account_lead, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http, base = api(account_lead), f"/api/v1/clients/{client_a.pk}/detection-settings/"
    BrandFactory(client=client_a)
    http.get(base)
    with CaptureQueriesContext(connection) as few:
        http.get(base)
    for _ in range(5):
        KnownEventFactory(brand=BrandFactory(client=client_a))
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(http.get(base).json()) == 6


def test_a_put_without_a_mute_ends_the_mute(api, brand_a, account_lead):
    url = f"/api/v1/clients/{brand_a.client.pk}/detection-settings/{brand_a.pk}/"
    http = api(account_lead)
    soon = (timezone.now() + timedelta(days=1)).isoformat()
    assert http.patch(url, {"muted_until": soon}, format="json").json()["muted_until"]
    whole = {"sensitivity": "balanced", "minimum_volume": 10, "cooldown_minutes": 360, "metrics": ["volume"]}
    assert http.put(url, whole, format="json").json()["muted_until"] is None
