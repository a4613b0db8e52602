"""Audit rows outlive the people they name and keep the clients they belong to."""

import pytest
from django.db.models import ProtectedError

from apps.core.models import AuditEvent
from tests.factories import AuditEventFactory, ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_deleting_a_person_keeps_their_events_under_the_name_they_had():
    person = UserFactory(email="gone@example.com")
    event = AuditEventFactory(actor=person, actor_label=person.email)
    person.delete()
    event.refresh_from_db()
    assert (event.actor_id, event.actor_label) == (None, "gone@example.com")


def test_a_client_with_an_audit_trail_cannot_be_deleted():
    ClientFactory().delete()  # without one it can
    client = ClientFactory()
    AuditEventFactory(client=client)
    with pytest.raises(ProtectedError):
        client.delete()
    assert AuditEvent.objects.filter(client=client).exists()
