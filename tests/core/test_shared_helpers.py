"""The write helpers in core that several apps share: model_update and work leases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.leases import Lease
from apps.core.models import AuditEvent
from apps.core.services import model_update
from apps.listening.models import Source
from apps.tenants.services import brand_update
from tests.factories import BrandFactory, SourceFactory


@pytest.mark.django_db
def test_model_update_saves_and_reports_only_what_changed():
    brand = BrandFactory(name="Havbris", tone_of_voice="warm")
    stamp = brand.updated_at
    fields = ["name", "tone_of_voice"]
    changes = model_update(instance=brand, fields=fields, data={"name": "Havbris", "tone_of_voice": "dry"})
    assert (changes.before, changes.after) == ({"tone_of_voice": "warm"}, {"tone_of_voice": "dry"})
    brand.refresh_from_db()
    assert brand.tone_of_voice == "dry" and brand.updated_at > stamp
    saved_at = brand.updated_at
    assert not model_update(instance=brand, fields=fields, data={"name": "Havbris"})
    brand.refresh_from_db()
    assert brand.updated_at == saved_at  # nothing changed, nothing written


@pytest.mark.django_db
def test_a_service_that_changes_nothing_records_nothing(agency_admin):
    brand = BrandFactory(name="Havbris")
    brand_update(actor=agency_admin, brand=brand, name="Havbris")
    assert not AuditEvent.objects.filter(action="brand.updated").exists()
    brand_update(actor=agency_admin, brand=brand, name="Havbris Bryggeri")
    event = AuditEvent.objects.get(action="brand.updated")
    assert (event.before, event.after) == ({"name": "Havbris"}, {"name": "Havbris Bryggeri"})


LEASE = Lease(claimed_field="claimed_until", due_field="next_poll_at", length=timedelta(minutes=10))


@pytest.mark.django_db
def test_a_lease_is_won_once_until_it_runs_out_and_lost_work_is_found_after_the_grace():
    now = timezone.now()
    source = SourceFactory(next_poll_at=now - timedelta(seconds=5))
    rows = Source.objects.unscoped()
    assert LEASE.lost(rows, now, limit=10) == []  # still within the grace: its task may be on the way
    assert LEASE.claim(rows, source.pk, now) is True
    assert LEASE.claim(rows, source.pk, now) is False  # the other worker loses the race
    assert LEASE.lost(rows, now + timedelta(minutes=5), limit=10) == []  # held
    later = now + timedelta(minutes=11)  # the holder died: the lease ran out
    assert LEASE.lost(rows, later, limit=10) == [source.pk]
    assert LEASE.claim_due(rows, later, limit=10) == [source.pk]
    assert LEASE.claim_due(rows, later, limit=10) == []


@pytest.mark.django_db
def test_model_update_sees_a_new_related_row_even_with_the_same_name():
    first, second = BrandFactory(name="Same"), BrandFactory(name="Same")
    source = SourceFactory(brand=first)
    changes = model_update(instance=source, fields=["brand"], data={"brand": second}, clean=False)
    assert changes  # the names print alike; the rows differ
    source.refresh_from_db()
    assert source.brand_id == second.pk
