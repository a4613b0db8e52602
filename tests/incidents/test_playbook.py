"""The checklist: from the playbook of the incident's kind, ticked by hand or by itself, late
steps told once to their people and then to the commander and leads."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.incidents.models import IncidentRole, PlaybookItem, SelfCheck, TimelineEntry
from apps.incidents.services import (
    incident_assign_role,
    incident_declare,
    incident_set_status,
    playbook_item_tick,
    remind_late_steps,
    tick_self_checks,
)
from apps.notifications.models import Notification, NotificationEvent
from tests.factories import CrisisTypeFactory

pytestmark = pytest.mark.django_db


def declared(client, actor, kind="Product failure", **extra):
    return incident_declare(
        actor=actor, client=client, title="Leaking cans", crisis_type=CrisisTypeFactory(name=kind), severity=1, **extra
    )


def test_the_checklist_comes_from_the_kinds_playbook_due_after_the_declaration(brand_a, account_lead):
    incident = declared(brand_a.client, account_lead)
    steps = list(PlaybookItem.objects.filter(incident=incident))
    titles = [step.title for step in steps]
    assert titles[0].startswith("Secure the accounts") and titles[-1].startswith("Stand down")
    assert "Ask the client for batch numbers and whether a recall is coming" in titles  # product failure's own
    holding = next(step for step in steps if step.self_check == SelfCheck.HOLDING_STATEMENT)
    assert holding.due_at == incident.declared_at + timedelta(hours=1)
    breach = declared(brand_a.client, account_lead, kind="Data breach")
    assert any("data protection authority" in step.title for step in breach.playbook.all())


def test_ticking_by_hand_and_by_itself_is_on_the_timeline_and_audited(brand_a, account_lead):
    incident = declared(brand_a.client, account_lead)
    first = incident.playbook.first()
    playbook_item_tick(actor=account_lead, item=first)
    playbook_item_tick(actor=account_lead, item=first)  # twice: once
    first.refresh_from_db()
    assert first.done_at is not None and first.done_by == account_lead
    assert tick_self_checks(incident=incident, check=SelfCheck.HOLDING_STATEMENT) == 1
    assert tick_self_checks(incident=incident, check=SelfCheck.HOLDING_STATEMENT) == 0
    texts = list(TimelineEntry.objects.filter(incident=incident, kind="step").values_list("text", flat=True))
    assert len(texts) == 2 and any(
        text.startswith("Done by itself: Publish a short holding statement") for text in texts
    )
    ticked = AuditEvent.objects.filter(action="incident.step_ticked").order_by("id").first()
    assert sentence_of(ticked, {account_lead.pk: "Lea"}).startswith("Lea ticked \u201cSecure the accounts")


def test_late_steps_are_told_once_to_their_people_then_escalated(brand_a, account_lead, responder):
    incident = declared(brand_a.client, account_lead)  # the lead commands it
    incident_assign_role(actor=account_lead, incident=incident, role=IncidentRole.PUBLISHING, user=responder)
    at = incident.declared_at
    assert remind_late_steps(now=at + timedelta(minutes=10)) == (0, 0)
    reminded, _ = remind_late_steps(now=at + timedelta(minutes=20))
    assert reminded == 2  # "secure the accounts" and "pause scheduled posts", both publishing's
    assert remind_late_steps(now=at + timedelta(minutes=21)) == (0, 0)  # a second beat: nothing twice
    late = Notification.objects.filter(event=NotificationEvent.INCIDENT_STEP_LATE)
    assert set(late.values_list("user", flat=True)) == {responder.pk}
    assert late.count() == 2 and late.first().url == incident.get_absolute_url()
    _, escalated = remind_late_steps(now=at + timedelta(minutes=50))
    assert escalated == 2
    told = Notification.objects.filter(event=NotificationEvent.INCIDENT_STEP_ESCALATED)
    assert set(told.values_list("user", flat=True)) == {account_lead.pk} and all(n.critical for n in told)
    playbook_item_tick(actor=responder, item=incident.playbook.get(position=2))  # "brief the team", the lead's
    remind_late_steps(now=at + timedelta(minutes=40))
    assert not Notification.objects.filter(body__contains="Brief the team").exists()


def test_a_private_incidents_reminders_do_not_name_it(brand_a, account_lead):
    declared(brand_a.client, account_lead, private=True)
    remind_late_steps(now=PlaybookItem.objects.first().due_at + timedelta(minutes=1))
    assert all("Leaking" not in n.body for n in Notification.objects.all())
    assert Notification.objects.exists()


def test_closing_with_steps_left_asks_why(brand_a, account_lead, api):
    incident = declared(brand_a.client, account_lead)
    incident_set_status(actor=account_lead, incident=incident, status="resolved")
    with pytest.raises(ValidationError) as refused:
        incident_set_status(actor=account_lead, incident=incident, status="closed")
    assert "not done" in refused.value.message_dict["reason"][0]
    incident_set_status(actor=account_lead, incident=incident, status="closed", reason="The client took it over")


def test_the_checklist_on_the_page_and_in_the_api(web, api, brand_a, responder):
    incident = declared(brand_a.client, responder)
    step = incident.playbook.first()
    http = web(responder)
    page = http.get(incident.get_absolute_url()).content.decode()
    assert "Secure the accounts" in page
    assert http.post(incident.get_absolute_url(), {"section": "tick", "item": step.pk}).status_code == 302
    step.refresh_from_db()
    assert step.done_at is not None
    assert http.post(incident.get_absolute_url(), {"section": "tick", "item": "x"}).status_code == 400
    url = f"/api/v1/clients/{brand_a.client.pk}/incidents/{incident.pk}/playbook/"
    undone = api(responder).post(url, {"item": step.pk, "done": False}, format="json")
    assert undone.status_code == 200 and undone.json()[0]["done_at"] is None
    assert api(responder).post(url, {"item": 987654}, format="json").status_code == 400
