"""On-call shifts, routing settings and availability."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.notifications.models import Notification
from apps.routing.models import OnCallShift, RoutingMode
from apps.routing.selectors import on_call_now
from apps.routing.services import availability_set, routing_policy_save, shift_hand_over, shift_save
from tests.factories import OnCallShiftFactory

pytestmark = pytest.mark.django_db


def test_client_shift_wins_over_agency_wide(client_a, responder, agency_admin):
    now = timezone.now()
    OnCallShiftFactory(client=None, user=agency_admin)
    assert on_call_now(client=client_a, at=now) == [agency_admin]
    OnCallShiftFactory(client=client_a, user=responder)
    assert on_call_now(client=client_a, at=now) == [responder]
    assert on_call_now(client=client_a, at=now + timedelta(days=2)) == []


def test_shifts_are_checked(client_a, account_lead, responder, analyst, client_viewer):
    start = timezone.now()
    end = start + timedelta(hours=8)
    with pytest.raises(ValidationError) as refused:
        shift_save(actor=account_lead, client=client_a, user=analyst, starts_at=start, ends_at=start)
    assert set(refused.value.message_dict) == {"user", "ends_at"}
    with pytest.raises(PermissionDenied):
        shift_save(
            actor=responder, client=client_a, user=responder, starts_at=start, ends_at=start + timedelta(hours=8)
        )
    with pytest.raises(PermissionDenied):  # agency-wide shifts are for admins to plan
        shift_save(actor=account_lead, client=None, user=responder, starts_at=start, ends_at=end)
    shift = shift_save(actor=account_lead, client=client_a, user=responder, starts_at=start, ends_at=end)
    assert AuditEvent.objects.get(action="on_call_shift.saved").target_id == str(shift.pk)


def test_agency_wide_shifts_are_seen_by_agency_staff_only(client_a, client_b, responder, client_viewer, agency_admin):
    agency = OnCallShiftFactory(client=None, user=agency_admin)
    own = OnCallShiftFactory(client=client_a, user=responder)
    foreign = OnCallShiftFactory(client=client_b, user=agency_admin)
    assert set(OnCallShift.objects.visible_to(responder)) == {agency, own}
    assert set(OnCallShift.objects.visible_to(client_viewer)) == {own}
    assert set(OnCallShift.objects.visible_to(agency_admin)) == {agency, own, foreign}


def test_handover_note_reaches_the_next_person(client_a, account_lead, responder):
    from apps.tenants.roles import Role
    from tests.conftest import _member

    night = _member(client_a, Role.RESPONDER, "night@example.test")
    now = timezone.now()
    day_shift = OnCallShiftFactory(client=client_a, user=responder, starts_at=now, ends_at=now + timedelta(hours=8))
    night_shift = OnCallShiftFactory(
        client=client_a, user=night, starts_at=now + timedelta(hours=8), ends_at=now + timedelta(hours=16)
    )
    with pytest.raises(ValidationError):
        shift_hand_over(actor=responder, shift=day_shift, note="  ")
    assert shift_hand_over(actor=responder, shift=day_shift, note="Watch the recall thread") == night_shift
    night_shift.refresh_from_db()
    assert night_shift.handover_note == "Watch the recall thread"
    assert Notification.objects.get(user=night).event == "oncall.handover"


def test_routing_settings_refuse_nonsense_and_are_audited(client_a, account_lead, responder):
    with pytest.raises(ValidationError) as refused:
        routing_policy_save(
            actor=account_lead, client=client_a, mode="lottery", default_capacity=0, reassign_after_minutes=-1
        )
    assert set(refused.value.message_dict) == {"mode", "default_capacity", "reassign_after_minutes"}
    with pytest.raises(PermissionDenied):
        routing_policy_save(
            actor=responder, client=client_a, mode=RoutingMode.OFF, default_capacity=5, reassign_after_minutes=None
        )
    policy = routing_policy_save(
        actor=account_lead, client=client_a, mode=RoutingMode.ROUND_ROBIN, default_capacity=5, reassign_after_minutes=20
    )
    assert (policy.mode, policy.reassign_after_minutes) == ("round_robin", 20)
    assert AuditEvent.objects.filter(action="routing_policy.saved").exists()


def test_availability_change_is_audited(responder):
    availability_set(actor=responder, status="away")
    responder.refresh_from_db()
    assert responder.availability == "away"
    assert AuditEvent.objects.get(action="user.availability_changed").after == {"availability": "away"}
    with pytest.raises(ValidationError):
        availability_set(actor=responder, status="asleep")
