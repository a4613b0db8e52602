import pytest
from django.urls import reverse

from apps.core.heartbeat import HEARTBEAT_KEY, record_worker_heartbeat
from apps.core.redis_client import redis_client as _redis


@pytest.fixture
def no_heartbeat():
    _redis().delete(HEARTBEAT_KEY)
    yield
    _redis().delete(HEARTBEAT_KEY)


@pytest.mark.django_db
def test_health_fails_without_a_worker_heartbeat(web, no_heartbeat):
    response = web().get(reverse("healthz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"]
    assert not checks["worker"]["ok"]


@pytest.mark.django_db
def test_health_is_ok_with_a_recent_heartbeat(web, no_heartbeat):
    record_worker_heartbeat()
    response = web().get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_stale_heartbeat_is_reported(web, no_heartbeat, settings):
    _redis().set(HEARTBEAT_KEY, "1000.0")
    response = web().get(reverse("healthz"))
    assert response.status_code == 503
    assert "ago" in response.json()["checks"]["worker"]["detail"]
