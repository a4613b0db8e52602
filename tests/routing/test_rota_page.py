"""The on-call page: who is on call, planning, handover, availability."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.routing.models import OnCallShift
from tests.factories import OnCallShiftFactory

pytestmark = pytest.mark.django_db


def test_lead_plans_a_shift_and_everyone_sees_who_is_on_call(web, account_lead, responder, client_a):
    start = timezone.localtime() - timedelta(minutes=5)
    data = {
        "user": responder.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert web(account_lead).post(reverse("on_call", args=[client_a.slug]), data).status_code == 302
    assert OnCallShift.objects.get().user == responder
    page = web(responder).get(reverse("on_call", args=[client_a.slug])).content.decode()
    assert str(responder) in page.split("On call now:")[1].split("</p>")[0]


def test_shift_ending_before_it_starts_is_a_field_error(web, account_lead, responder, client_a):
    now = timezone.localtime()
    data = {
        "user": responder.pk,
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = web(account_lead).post(reverse("on_call", args=[client_a.slug]), data)
    assert response.status_code == 400 and "must end after it starts" in response.content.decode()


def test_person_on_call_hands_over(web, responder, account_lead, client_a):
    now = timezone.now()
    mine = OnCallShiftFactory(client=client_a, user=responder, starts_at=now, ends_at=now + timedelta(hours=4))
    nxt = OnCallShiftFactory(
        client=client_a, user=account_lead, starts_at=now + timedelta(hours=4), ends_at=now + timedelta(hours=8)
    )
    url = reverse("on_call_shift_action", args=[client_a.slug, mine.pk, "handover"])
    web(responder).post(url, {"note": "Quiet night <b>so far</b>"})
    nxt.refresh_from_db()
    assert nxt.handover_note == "Quiet night <b>so far</b>"
    assert (
        "Quiet night &lt;b&gt;so far&lt;/b&gt;"
        in web(account_lead).get(reverse("on_call", args=[client_a.slug])).content.decode()
    )


def test_availability_from_the_page(web, responder, client_a):
    web(responder).post(reverse("availability", args=[client_a.slug]), {"availability": "busy"})
    responder.refresh_from_db()
    assert responder.availability == "busy"
