"""People acknowledge a spike alert or dismiss it as noise: by right, once, audited."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.detection.models import AlertStatus, Metric, SpikeAlert
from apps.detection.services import set_alert_status

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def alert_of(brand):
    return SpikeAlert.objects.create(
        client=brand.client,
        brand=brand,
        metric=Metric.VOLUME,
        started_at=AT,
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
