"""The beat's detector pass over the rollups: alerts once, per brand, audited."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.detection.models import DetectionSettings, DetectorState, KnownEvent, MentionCount, Metric, SpikeAlert
from apps.detection.services import learn_from_history, run_detector_pass, run_detector_peek
from apps.notifications.models import Notification
from tests.factories import BrandFactory, ClientFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
USUAL_PER_MINUTE = 4


def warm(brand, metric=Metric.VOLUME, per_minute=USUAL_PER_MINUTE, days=3):
    """Three quiet days of checks, a minute apart, as the beat would have made them."""
    rng = random.Random(brand.id)
    windows = (
        (
            NOW - timedelta(minutes=minute),
            sum(rng.choice((per_minute - 1, per_minute, per_minute + 1)) for _ in range(15)),
        )
        for minute in range(days * 24 * 60, 0, -1)
    )
    learn_from_history(brand=brand, metric=metric, windows=windows)


def arrive(brand, minute: datetime, mentions: int, negative: int = 0):
    MentionCount.objects.create(brand=brand, channel="", start=minute, mentions=mentions, negative=negative)


def quiet_window(brand, until):
    for back in range(1, 16):
        arrive(brand, until - timedelta(minutes=back), USUAL_PER_MINUTE)


def test_a_tenfold_jump_raises_one_alert_and_says_so(client_a, account_lead, django_capture_on_commit_callbacks):
    brand = BrandFactory(client=client_a, name="Havbris")
    warm(brand)
    quiet_window(brand, NOW)
    alerts = []
    for minute in range(0, 20):
        at = NOW + timedelta(minutes=minute)
        arrive(brand, at, 10 * USUAL_PER_MINUTE)
        with django_capture_on_commit_callbacks(execute=True):
            alerts.append(run_detector_pass(now=at + timedelta(minutes=1)).alerts)
    assert sum(alerts) == 1
    alert = SpikeAlert.objects.get()
    assert (alert.client, alert.brand, alert.metric, alert.status) == (client_a, brand, "volume", "open")
    # a sharp rise: told within two checks of its start
    assert alert.detected_at <= NOW + timedelta(minutes=2) and alert.observed > 1.5 * alert.baseline
    event = AuditEvent.objects.get(action="spike_alert.raised")
    assert event.actor is None and event.client == client_a
    # the client's account lead hears of it at once, with the brand's mentions one click away
    notice = Notification.objects.get(user=account_lead, event="spike.alert")
    assert notice.critical and notice.client == client_a
    assert notice.title.startswith("Havbris: ") and "in 15 minutes" in notice.title
    assert notice.url == alert.get_absolute_url()  # the page that explains it, which links to the mentions
    sentence = sentence_of(event, {})
    assert sentence.startswith("The detector raised a spike alert for Havbris: ") and "in 15 minutes" in sentence


def test_two_passes_in_the_same_minute_check_once(client_a):
    brand = BrandFactory(client=client_a)
    first = run_detector_pass(now=NOW)
    second = run_detector_pass(now=NOW + timedelta(seconds=30))
    assert first.checked == len(Metric) and second.checked == 0
    assert DetectorState.objects.filter(brand=brand).count() == len(Metric)


def test_a_brand_without_mentions_never_alerts(client_a):
    brand = BrandFactory(client=client_a)
    for minute in range(0, 3 * 24 * 60, 7):
        run_detector_pass(now=NOW + timedelta(minutes=minute))
    assert not SpikeAlert.objects.filter(brand=brand).exists()


def test_inactive_clients_are_not_checked():
    brand = BrandFactory(client=ClientFactory(is_active=False))
    assert run_detector_pass(now=NOW).checked == 0
    assert not DetectorState.objects.filter(brand=brand).exists()


def jump(brand, times=10, minutes=20):
    """A quiet quarter of an hour, then ``times`` the usual mentions each minute; the alerts it raised."""
    quiet_window(brand, NOW)
    raised = 0
    for minute in range(minutes):
        at = NOW + timedelta(minutes=minute)
        arrive(brand, at, times * USUAL_PER_MINUTE)
        raised += run_detector_pass(now=at + timedelta(minutes=1)).alerts
    return raised


def test_a_brand_can_be_muted_and_still_learns(client_a):
    brand = BrandFactory(client=client_a)
    warm(brand)
    DetectionSettings.objects.create(brand=brand, muted_until=NOW + timedelta(hours=1))
    assert jump(brand) == 0
    assert DetectorState.objects.get(brand=brand, metric="volume").checked_at == NOW + timedelta(minutes=20)


def test_a_known_event_expects_the_crowd(client_a):
    brand = BrandFactory(client=client_a)
    warm(brand)
    KnownEvent.objects.create(
        brand=brand,
        name="Launch",
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW + timedelta(hours=2),
        expected_factor=10,
    )
    assert jump(brand) == 0


def test_the_brand_chooses_its_metrics_and_minimum_volume(client_a):
    watched = BrandFactory(client=client_a)
    DetectionSettings.objects.create(brand=watched, metrics=["negative"])
    run_detector_pass(now=NOW)
    assert list(DetectorState.objects.filter(brand=watched).values_list("metric", flat=True)) == ["negative"]

    # a jump to 600 mentions in 15 minutes is under a brand's own minimum of 1,000
    calm, loud = BrandFactory(client=client_a), BrandFactory(client=client_a)
    for brand, minimum in ((calm, 1000), (loud, 10)):
        warm(brand)
        DetectionSettings.objects.create(brand=brand, minimum_volume=minimum, metrics=["volume"])
        quiet_window(brand, NOW)
    for minute in range(20):
        at = NOW + timedelta(minutes=minute)
        arrive(calm, at, 10 * USUAL_PER_MINUTE)
        arrive(loud, at, 10 * USUAL_PER_MINUTE)
        run_detector_pass(now=at + timedelta(minutes=1))
    assert not SpikeAlert.objects.filter(brand=calm).exists()
    assert SpikeAlert.objects.filter(brand=loud).count() == 1


def test_two_clients_spiking_in_one_minute_each_hear_only_of_their_own(
    client_a, client_b, account_lead, django_capture_on_commit_callbacks
):
    from apps.tenants.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    lead_b = UserFactory()
    MembershipFactory(user=lead_b, client=client_b, role=Role.ACCOUNT_LEAD)
    alpha, bravo = BrandFactory(client=client_a, name="Alpha"), BrandFactory(client=client_b, name="Bravo")
    for brand in (alpha, bravo):
        warm(brand)
        quiet_window(brand, NOW)
    for minute in range(20):
        at = NOW + timedelta(minutes=minute)
        for brand in (alpha, bravo):
            arrive(brand, at, 10 * USUAL_PER_MINUTE)
        with django_capture_on_commit_callbacks(execute=True):
            run_detector_pass(now=at + timedelta(minutes=1))
    assert {(alert.client_id, alert.brand_id) for alert in SpikeAlert.objects.all()} == {
        (client_a.id, alpha.id),
        (client_b.id, bravo.id),
    }
    assert {event.client_id for event in AuditEvent.objects.filter(action="spike_alert.raised")} == {
        client_a.id,
        client_b.id,
    }
    assert [n.title.split(":")[0] for n in Notification.objects.filter(user=account_lead)] == ["Alpha"]
    assert [n.title.split(":")[0] for n in Notification.objects.filter(user=lead_b)] == ["Bravo"]
    assert list(SpikeAlert.objects.visible_to(account_lead).values_list("brand__name", flat=True)) == ["Alpha"]


@pytest.mark.django_db(transaction=True)
def test_a_pass_while_another_holds_the_lock_skips(client_a):
    from django.db import connections

    from apps.detection.services import PASS_LOCK

    BrandFactory(client=client_a)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [PASS_LOCK])
        assert run_detector_pass(now=NOW).skipped
        assert not DetectorState.objects.exists()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PASS_LOCK])
        assert run_detector_pass(now=NOW).checked == len(Metric)
    finally:
        other.close()


def test_a_peek_tells_a_sharp_rise_while_its_first_minute_fills_and_the_check_does_not_repeat_it(
    client_a, account_lead, django_capture_on_commit_callbacks
):
    brand, calm = BrandFactory(client=client_a, name="Havbris"), BrandFactory(client=client_a)
    for each in (brand, calm):
        warm(each)
        quiet_window(each, NOW)
    arrive(brand, NOW, 60)  # twenty times the usual rate, 45 seconds into the minute
    arrive(calm, NOW, 3)
    assert run_detector_peek(now=NOW + timedelta(seconds=5)).skipped  # too little of the minute to say
    with django_capture_on_commit_callbacks(execute=True):
        peeked = run_detector_peek(now=NOW + timedelta(seconds=45))
    assert peeked.alerts == 1
    alert = SpikeAlert.objects.get()
    assert (alert.brand, alert.detected_at) == (brand, NOW + timedelta(seconds=45))
    assert Notification.objects.filter(user=account_lead, event="spike.alert").count() == 1
    state = DetectorState.objects.get(brand=brand, metric=Metric.VOLUME)
    assert state.checked_at < NOW  # nothing learnt from the unfinished minute
    MentionCount.objects.filter(brand=brand, start=NOW).update(mentions=80)
    for minute in range(1, 4):
        run_detector_pass(now=NOW + timedelta(minutes=minute))
        arrive(brand, NOW + timedelta(minutes=minute), 80)
    assert SpikeAlert.objects.count() == 1  # the same event, not a second alert
    assert AuditEvent.objects.filter(action="spike_alert.raised").count() == 1


def test_a_peek_respects_mute_and_the_metrics_watched(client_a):
    muted, negative_only = BrandFactory(client=client_a), BrandFactory(client=client_a)
    for each in (muted, negative_only):
        warm(each)
        quiet_window(each, NOW)
        arrive(each, NOW, 60)
    DetectionSettings.objects.create(brand=muted, muted_until=NOW + timedelta(hours=1))
    DetectionSettings.objects.create(brand=negative_only, metrics=[Metric.NEGATIVE])
    assert run_detector_peek(now=NOW + timedelta(seconds=45)).alerts == 0
    assert not SpikeAlert.objects.exists()
