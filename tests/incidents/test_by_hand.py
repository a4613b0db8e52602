"""From the inbox: declare an incident from a selection, link a selection to an open one; on the
incident's page: unlink what is not about it."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.incidents.models import Incident, IncidentMention, LinkReason
from apps.incidents.services import incident_declare, incident_set_status
from tests.factories import CrisisTypeFactory, MentionFactory

pytestmark = pytest.mark.django_db


def open_incident(client, actor, title="Leaking cans"):
    return incident_declare(actor=actor, client=client, title=title, crisis_type=CrisisTypeFactory(), severity=2)


def test_declare_from_the_inbox_selection(web, brand_a, responder):
    chosen = [MentionFactory(brand=brand_a) for _ in range(3)]
    http, url = web(responder), reverse("incident_declare", args=[brand_a.client.slug])
    inbox = http.get(reverse("inbox", args=[brand_a.client.slug])).content.decode()
    assert "Declare an incident from these" in inbox
    started = http.post(url, {"ids": [m.pk for m in chosen], "action": "assign", "csrfmiddlewaretoken": "x"})
    assert started.status_code == 200 and "3 mentions will be linked" in started.content.decode()
    assert started.context["form"].initial["brands"] == [brand_a.pk]  # the selection's brand, ticked
    assert not Incident.objects.exists()  # the form only, so far
    crisis = CrisisTypeFactory()
    done = http.post(
        url, {"mention": [m.pk for m in chosen], "title": "Rumour", "crisis_type": crisis.pk, "severity": 3}
    )
    assert done.status_code == 302
    assert set(Incident.objects.get().links.values_list("mention_id", flat=True)) == {m.pk for m in chosen}


def test_link_a_selection_to_an_open_incident_and_unlink_one(web, brand_a, responder):
    incident = open_incident(brand_a.client, responder)
    closed = open_incident(brand_a.client, responder, title="Old one")
    incident_set_status(actor=responder, incident=closed, status="cancelled")
    chosen = [MentionFactory(brand=brand_a) for _ in range(2)]
    http, slug = web(responder), brand_a.client.slug
    inbox = http.get(reverse("inbox", args=[slug]))
    assert inbox.context["bulk_choices"]["incident"] == [(incident.pk, "Leaking cans")]  # the open ones only
    bulk = reverse("inbox_bulk", args=[slug])
    ids = [m.pk for m in chosen]
    assert http.post(bulk, {"ids": ids, "action": "incident", "incident": incident.pk}).status_code == 302
    assert set(IncidentMention.objects.filter(incident=incident).values_list("reason", flat=True)) == {LinkReason.HAND}
    assert incident.links.count() == 2
    refused = http.post(bulk, {"ids": ids, "action": "incident", "incident": closed.pk}, HTTP_ACCEPT="text/plain")
    assert refused.status_code == 400 and "open incidents" in refused.content.decode()
    page = incident.get_absolute_url()
    assert http.post(page, {"section": "unlink", "mention": chosen[0].pk}).status_code == 302
    assert list(incident.links.values_list("mention_id", flat=True)) == [chosen[1].pk]
    assert http.post(page, {"section": "unlink", "mention": "abc"}).status_code == 400
    linked, unlinked = AuditEvent.objects.filter(action="incident.linked").order_by("id")
    assert "linked 2 mentions to the incident Leaking cans" in sentence_of(linked, {})
    assert "unlinked a mention from the incident Leaking cans" in sentence_of(unlinked, {})


def test_urgent_mentions_an_active_incident_has_are_not_told_of_one_by_one(brand_a, account_lead):
    from datetime import timedelta

    from django.utils import timezone

    from apps.mentions.models import Mention
    from apps.notifications.models import Notification
    from apps.routing.models import RoutingMode
    from apps.routing.services import route_waiting_urgent
    from tests.factories import RoutingPolicyFactory

    RoutingPolicyFactory(client=brand_a.client, mode=RoutingMode.OFF)
    now = timezone.now()
    linked, alone = MentionFactory(brand=brand_a, risk_level="high"), MentionFactory(brand=brand_a, risk_level="high")
    Mention.objects.filter(pk__in=[linked.pk, alone.pk]).update(ingested_at=now - timedelta(minutes=10))
    incident = open_incident(brand_a.client, account_lead)
    from apps.incidents.services import incident_link_mentions

    incident_link_mentions(actor=account_lead, incident=incident, mentions=[linked])
    route_waiting_urgent(now=now)
    told = Notification.objects.filter(event="mention.waiting")
    assert set(told.values_list("mention_id", flat=True)) == {alone.pk}
    incident_set_status(actor=account_lead, incident=incident, status="resolved")
    route_waiting_urgent(now=now + timedelta(minutes=1))  # the incident is over: its mention is told of now
    assert set(told.values_list("mention_id", flat=True)) == {alone.pk, linked.pk}
