"""People acknowledge a spike alert or dismiss it as noise: by right, once, audited."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.detection.models import AlertStatus, Metric, SpikeAlert
from apps.detection.services import alert_mentions_url, set_alert_status
from apps.mentions.models import Mention
from tests.factories import BrandFactory, MentionFactory, SpikeAlertFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def alert_of(brand):
    return SpikeAlert.objects.create(
        client=brand.client,
        brand=brand,
        metric=Metric.VOLUME,
        started_at=AT - timedelta(minutes=15),
        detected_at=AT,
        baseline=60.0,
        observed=150.0,
        score=5.2,
    )


def test_acknowledge_then_dismiss_as_noise_each_say_who_did_it(brand_a, responder):
    alert = alert_of(brand_a)
    set_alert_status(actor=responder, alert=alert, status=AlertStatus.ACKNOWLEDGED)
    set_alert_status(actor=responder, alert=alert, status=AlertStatus.DISMISSED)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED  # the label stays, to tune the brand later
    acknowledged, dismissed = AuditEvent.objects.filter(action__startswith="spike_alert.").order_by("id")
    assert (acknowledged.actor, acknowledged.before, dismissed.after["status"]) == (
        responder,
        {"status": "open"},
        "dismissed",
    )
    names = {responder.pk: "Rita"}
    assert sentence_of(acknowledged, names).endswith(f"acknowledged the spike alert for {brand_a.name}.")
    assert sentence_of(dismissed, names).endswith(f"dismissed the spike alert for {brand_a.name} as noise.")


def test_a_dismissed_alert_is_not_acknowledged_again_and_nothing_is_written(brand_a, responder):
    alert = alert_of(brand_a)
    set_alert_status(actor=responder, alert=alert, status=AlertStatus.DISMISSED)
    for status in (AlertStatus.ACKNOWLEDGED, AlertStatus.DISMISSED, AlertStatus.OPEN, "bogus"):
        with pytest.raises(ValidationError) as refused:
            set_alert_status(actor=responder, alert=alert, status=status)
        assert "status" in refused.value.message_dict
    assert AuditEvent.objects.filter(action__startswith="spike_alert.").count() == 1


def test_client_people_and_another_clients_staff_may_not_change_an_alert(brand_a, client_viewer, outsider_lead):
    alert = alert_of(brand_a)
    for person in (client_viewer, outsider_lead):
        with pytest.raises(PermissionDenied):
            set_alert_status(actor=person, alert=alert, status=AlertStatus.ACKNOWLEDGED)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_the_api_lists_filters_and_moves_alerts(api, brand_a, client_a, responder, client_viewer):
    other_brand = BrandFactory(client=client_a)
    alert = SpikeAlertFactory(brand=brand_a)
    SpikeAlertFactory(brand=other_brand, metric=Metric.NEGATIVE_SHARE, observed=0.31, baseline=0.1)
    http = api(responder)
    listed = http.get(reverse("api:spike-alert-list", args=[client_a.pk]), {"brand": brand_a.pk}).json()["results"]
    assert [row["id"] for row in listed] == [alert.pk]
    assert listed[0]["summary"] == "150 mentions in 15 minutes, where about 60 are usual"
    shares = http.get(reverse("api:spike-alert-list", args=[client_a.pk]), {"metric": "negative_share"}).json()
    assert shares["results"][0]["summary"] == "31% of mentions negative, where 10% is usual"

    dismiss = reverse("api:spike-alert-dismiss", args=[client_a.pk, alert.pk])
    assert http.post(dismiss).json()["status"] == "dismissed"
    again = http.post(dismiss)
    assert again.status_code == 400 and "status" in again.json()
    assert api(client_viewer).get(reverse("api:spike-alert-list", args=[client_a.pk])).status_code == 403


def test_an_alerts_link_opens_the_inbox_on_the_mentions_it_counted(web, brand_a, account_lead):
    alert = alert_of(brand_a)
    inside = MentionFactory(brand=brand_a, text="counted by the alert", status="resolved")
    before = MentionFactory(brand=brand_a, text="came in the hour before")
    elsewhere = MentionFactory(brand=BrandFactory(client=brand_a.client), text="another brand in the window")
    Mention.objects.filter(pk__in=[inside.pk, elsewhere.pk]).update(ingested_at=AT - timedelta(minutes=5))
    Mention.objects.filter(pk=before.pk).update(ingested_at=AT - timedelta(hours=1))
    page = web(account_lead).get(alert_mentions_url(alert=alert))
    assert page.status_code == 200
    assert "counted by the alert" in page.content.decode()
    for text in ("came in the hour before", "another brand in the window"):
        assert text not in page.content.decode()
