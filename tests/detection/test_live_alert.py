"""The live path with the real wiring: a replay source jumps to ten times its rate, the beat
polls it and runs the detector, a worker ingests, counts, checks and notifies."""

import tempfile
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.detection.models import SpikeAlert
from apps.notifications.models import Notification
from tests.celery_processes import start_celery, stop, wait_for
from tests.detection.spiking import jumped_at, spiking_brand


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_jump_on_a_replay_source_reaches_the_account_lead_through_worker_and_beat(client_a, account_lead):
    brand, source = spiking_brand(client_a, name="Havbris", spike_at_minute=0.25, now=timezone.now())
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "VARDE_WORKER_DATABASE": connection.settings_dict["NAME"],
        "VARDE_WORKER_QUEUE": f"test-{uuid.uuid4().hex}",  # no other worker takes these tasks
    }
    with tempfile.TemporaryDirectory() as scratch:
        worker = start_celery("worker", "--pool", "solo", "--queues", env["VARDE_WORKER_QUEUE"], **env)
        beat = start_celery("beat", "--schedule", f"{scratch}/schedule", "--pidfile", f"{scratch}/beat.pid", **env)
        try:
            notices = Notification.objects.filter(user=account_lead, event="spike.alert")
            assert wait_for(notices.exists, timeout=300, every=1), "no spike alert reached the account lead"
        finally:
            stop(worker, beat)
    alert = SpikeAlert.objects.get(brand=brand)
    assert alert.metric == "volume" and alert.observed > alert.baseline
    jump = jumped_at(source)
    # checked on the beat after the jump, from counts the worker wrote as it ingested
    assert jump < alert.detected_at < jump + timedelta(minutes=5)
    assert notices.get().created_at >= alert.detected_at
