"""The client's people see their incidents read-only: the client-visible timeline, live, and the
commander's updates; never the agency's internal notes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.incidents.models import IncidentRole
from apps.incidents.services import (
    incident_assign_role,
    incident_declare,
    incident_note,
    incident_post_update,
    remind_overdue_updates,
)
from apps.notifications.models import Notification, NotificationEvent
from tests.factories import CrisisTypeFactory

pytestmark = pytest.mark.django_db


def running(client, actor, **extra):
    values = {"title": "Leaking cans", "crisis_type": CrisisTypeFactory(), "severity": 1, **extra}
    return incident_declare(actor=actor, client=client, **values)


def test_the_client_sees_what_is_shared_and_nothing_internal(web, brand_a, account_lead, client_viewer, responder):
    incident = running(brand_a.client, account_lead, summary="Internal: the CEO is furious")
    incident_note(actor=account_lead, incident=incident, text="Internal: legal review pending")
    incident_note(actor=account_lead, incident=incident, text="We are checking the batches", client_visible=True)
    incident_assign_role(actor=account_lead, incident=incident, role=IncidentRole.ENGAGEMENT, user=responder)
    http, slug = web(client_viewer), brand_a.client.slug
    assert http.get(reverse("incident_detail", args=[slug, incident.pk])).status_code == 403  # the agency's page
    listing = http.get(reverse("crisis_list", args=[slug]))
    assert listing.status_code == 200 and "Leaking cans" in listing.content.decode()
    page = http.get(reverse("crisis_detail", args=[slug, incident.pk])).content.decode()
    assert "We are checking the batches" in page
    assert "Internal" not in page and "Engagement" not in page  # notes, summary, the team's roles
    assert "Commander" in page
    live = http.get(reverse("crisis_detail", args=[slug, incident.pk]) + "?part=timeline", HTTP_HX_REQUEST="true")
    assert live.status_code == 200 and "<html" not in live.content.decode()
    private = running(brand_a.client, account_lead, private=True, title="Secret")
    assert http.get(reverse("crisis_detail", args=[slug, private.pk])).status_code == 404
    assert "Secret" not in http.get(reverse("crisis_list", args=[slug])).content.decode()


def test_updates_reach_the_team_and_if_marked_the_client_and_are_chased_when_due(
    brand_a, account_lead, responder, client_viewer
):
    incident = running(brand_a.client, account_lead)
    incident_assign_role(actor=account_lead, incident=incident, role=IncidentRole.ENGAGEMENT, user=responder)
    incident_post_update(actor=account_lead, incident=incident, text="Contained on TikTok")
    told = Notification.objects.filter(event=NotificationEvent.INCIDENT_UPDATE)
    assert set(told.values_list("user", flat=True)) == {responder.pk}
    incident_post_update(actor=account_lead, incident=incident, text="Statement out", client_visible=True)
    assert set(told.values_list("user", flat=True)) == {responder.pk, client_viewer.pk}
    incident.refresh_from_db()
    assert incident.next_update_at is not None
    later = incident.next_update_at + timedelta(minutes=1)
    assert remind_overdue_updates(now=later) == 1
    assert remind_overdue_updates(now=later + timedelta(minutes=5)) == 0  # once until the next update
    due = Notification.objects.get(event=NotificationEvent.INCIDENT_UPDATE_DUE)
    assert due.user == account_lead and due.url == incident.get_absolute_url()


def test_updates_by_page_and_api(web, api, brand_a, account_lead, responder):
    incident = running(brand_a.client, responder)
    http = web(responder)
    assert http.post(incident.get_absolute_url(), {"section": "update", "text": ""}).status_code == 400
    assert http.post(incident.get_absolute_url(), {"section": "update", "text": "All quiet"}).status_code == 302
    url = f"/api/v1/clients/{brand_a.client.pk}/incidents/{incident.pk}/updates/"
    posted = api(responder).post(url, {"text": "Still quiet", "client_visible": True}, format="json")
    assert posted.status_code == 201 and posted.json()["client_visible"] is True


def test_a_private_incident_shares_nothing_and_team_news_stays_off_the_clients_webhooks(
    brand_a, account_lead, client_viewer
):
    from apps.notifications.models import WebhookDelivery
    from tests.factories import WebhookEndpointFactory

    WebhookEndpointFactory(client=brand_a.client)
    private = running(brand_a.client, account_lead, private=True)
    with pytest.raises(ValidationError) as refused:
        incident_post_update(actor=account_lead, incident=private, text="x", client_visible=True)
    assert "client_visible" in refused.value.message_dict
    incident = running(brand_a.client, account_lead)
    incident_post_update(actor=account_lead, incident=incident, text="For the team")
    assert not WebhookDelivery.objects.exists()
    incident_post_update(actor=account_lead, incident=incident, text="For everyone", client_visible=True)
    assert WebhookDelivery.objects.count() == 1


def test_an_incident_nobody_updates_is_chased_from_its_declaration(brand_a, account_lead):
    incident = running(brand_a.client, account_lead)
    assert incident.next_update_at == incident.declared_at + timedelta(minutes=30)  # severity 1
    assert remind_overdue_updates(now=incident.next_update_at + timedelta(seconds=1)) == 1


def test_the_client_page_says_no_next_update_once_it_is_over_and_marks_updates(
    web, brand_a, account_lead, client_viewer
):
    from apps.incidents.services import incident_set_status

    incident = running(brand_a.client, account_lead)
    incident_post_update(actor=account_lead, incident=incident, text="Batch recalled", client_visible=True)
    url = reverse("crisis_detail", args=[brand_a.client.slug, incident.pk])
    page = web(client_viewer).get(url).content.decode()
    assert "Next update at" in page and ">update<" in page
    incident_set_status(actor=account_lead, incident=incident, status="resolved")
    assert "Next update at" not in web(client_viewer).get(url).content.decode()
    staff = web(account_lead).get(incident.get_absolute_url())
    assert [entry.text for entry in staff.context["updates"]] == ["Batch recalled"]
