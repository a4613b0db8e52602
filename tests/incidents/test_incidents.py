"""Incidents: declared from an alert, a mention, a selection or nothing; moments in order; people
in roles; a timeline; private ones for their members only."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.detection.models import AlertStatus
from apps.incidents.models import ConversationCount, Incident, IncidentMember, IncidentRole, TimelineEntry
from apps.incidents.selectors import conversation_of
from apps.incidents.services import (
    incident_assign_role,
    incident_declare,
    incident_link_mentions,
    incident_note,
    incident_set_status,
    incident_unlink_mention,
)
from apps.mentions.models import Mention
from tests.factories import CrisisTypeFactory, MentionFactory, SpikeAlertFactory

pytestmark = pytest.mark.django_db


def spiking(brand, count=12):
    """An alert with the mentions it counted (arrived in its window) and one that came after."""
    now = timezone.now().replace(second=0, microsecond=0)
    alert = SpikeAlertFactory(brand=brand, started_at=now - timedelta(minutes=15), detected_at=now)
    counted = [MentionFactory(brand=brand, text=f"leak {n}") for n in range(count)]
    Mention.objects.filter(pk__in=[m.pk for m in counted]).update(ingested_at=now - timedelta(minutes=5))
    later = MentionFactory(brand=brand, text="later")
    Mention.objects.filter(pk=later.pk).update(ingested_at=now + timedelta(minutes=1))
    return alert, counted


def declare(actor, client, **extra):
    values = {"title": "Leaking cans", "crisis_type": CrisisTypeFactory(), "severity": 1}
    return incident_declare(actor=actor, client=client, **{**values, **extra})


def test_declared_from_an_alert_with_its_mentions_and_once(brand_a, account_lead):
    alert, counted = spiking(brand_a)
    incident = declare(account_lead, brand_a.client, alert=alert)
    assert set(incident.links.values_list("mention_id", flat=True)) == {m.pk for m in counted}
    assert list(incident.brands.all()) == [brand_a]
    assert (incident.detected_at, incident.status, incident.spike_alert) == (alert.detected_at, "active", alert)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.INCIDENT
    # the account lead who declares commands it
    assert IncidentMember.objects.get(incident=incident).role == IncidentRole.COMMANDER
    (entry,) = TimelineEntry.objects.filter(incident=incident)
    assert "12 mentions linked" in entry.text and not entry.client_visible
    again = declare(account_lead, brand_a.client, alert=alert, title="A second one")
    assert again == incident and Incident.objects.count() == 1
    event = AuditEvent.objects.get(action="incident.declared")
    assert sentence_of(event, {account_lead.pk: "Lea"}) == "Lea declared the incident Leaking cans (severity 1)."
    assert AuditEvent.objects.filter(action="spike_alert.incident").count() == 1


def test_declared_from_mentions_or_from_nothing_and_foreign_mentions_refused(brand_a, responder, client_b):
    mine = [MentionFactory(brand=brand_a) for _ in range(3)]
    incident = declare(responder, brand_a.client, mention_ids=[m.pk for m in mine])
    assert incident.links.count() == 3 and list(incident.brands.all()) == [brand_a]
    assert incident.started_at == min(m.posted_at for m in mine)
    assert declare(responder, brand_a.client, title="Rumour").links.count() == 0
    theirs = MentionFactory(brand__client=client_b)
    with pytest.raises(ValidationError) as refused:
        declare(responder, brand_a.client, mention_ids=[mine[0].pk, theirs.pk])
    assert "mentions" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        declare(responder, brand_a.client, title=" ", severity=4)
    assert set(refused.value.message_dict) == {"title", "severity"}


def test_moments_come_in_order_and_closed_is_final(brand_a, account_lead):
    incident = declare(account_lead, brand_a.client)
    with pytest.raises(ValidationError) as refused:
        incident_set_status(
            actor=account_lead, incident=incident, status="resolved", at=incident.declared_at - timedelta(hours=1)
        )
    assert "before the incident was declared" in refused.value.message_dict["at"][0]
    incident_set_status(actor=account_lead, incident=incident, status="contained")
    incident.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        between = incident.declared_at + (incident.contained_at - incident.declared_at) / 2
        incident_set_status(actor=account_lead, incident=incident, status="resolved", at=between)
    assert "before it was contained" in refused.value.message_dict["at"][0]
    incident_set_status(actor=account_lead, incident=incident, status="resolved", reason="Recall announced")
    incident_set_status(actor=account_lead, incident=incident, status="active")  # it flared again
    incident.refresh_from_db()
    assert incident.resolved_at is None and incident.contained_at is not None
    incident_set_status(actor=account_lead, incident=incident, status="resolved")
    incident_set_status(actor=account_lead, incident=incident, status="closed", reason="Handled by the client")
    with pytest.raises(ValidationError):
        incident_set_status(actor=account_lead, incident=incident, status="active")
    shown = TimelineEntry.objects.filter(incident=incident, kind="status")
    assert shown.count() == 5 and all(entry.client_visible for entry in shown)  # the reasons are notes
    assert TimelineEntry.objects.filter(incident=incident, kind="note", text="Why resolved: Recall announced").exists()
    event = AuditEvent.objects.filter(action="incident.status_changed").order_by("id").first()
    assert sentence_of(event, {}).endswith("set the incident Leaking cans from active to contained.")


def test_roles_go_to_the_team_and_a_replacement_is_a_handover(
    brand_a, account_lead, responder, analyst, client_viewer, outsider_lead
):
    incident = declare(responder, brand_a.client)
    assert not incident.members.exists()  # a responder who declares does not command
    for person in (responder, client_viewer, outsider_lead):
        with pytest.raises(ValidationError) as refused:
            incident_assign_role(actor=responder, incident=incident, role=IncidentRole.COMMANDER, user=person)
        assert "user" in refused.value.message_dict
    with pytest.raises(ValidationError):
        incident_assign_role(actor=responder, incident=incident, role=IncidentRole.ENGAGEMENT, user=client_viewer)
    incident_assign_role(actor=responder, incident=incident, role=IncidentRole.COMMANDER, user=account_lead)
    incident_assign_role(actor=responder, incident=incident, role=IncidentRole.RESEARCH, user=analyst)
    incident_assign_role(actor=account_lead, incident=incident, role=IncidentRole.RESEARCH, user=responder)
    assert dict(incident.members.values_list("role", "user")) == {
        "commander": account_lead.pk,
        "research": responder.pk,
    }
    texts = list(
        TimelineEntry.objects.filter(incident=incident, kind="role").order_by("id").values_list("text", flat=True)
    )
    assert texts[-1].startswith("Handover: research from ")


def test_a_private_incident_is_for_its_members_only(web, brand_a, account_lead, responder):
    incident = declare(account_lead, brand_a.client, private=True)
    url = reverse("incident_detail", args=[brand_a.client.slug, incident.pk])
    assert web(account_lead).get(url).status_code == 200
    assert web(responder).get(url).status_code == 404
    listing = web(responder).get(reverse("incident_list", args=[brand_a.client.slug]))
    assert incident.title not in listing.content.decode()
    incident_assign_role(actor=account_lead, incident=incident, role=IncidentRole.ENGAGEMENT, user=responder)
    assert web(responder).get(url).status_code == 200


def test_the_pages_declare_from_an_alert_and_work_the_incident(web, brand_a, account_lead, responder):
    alert, _counted = spiking(brand_a, count=4)
    http, slug = web(responder), brand_a.client.slug
    alert_page = http.get(reverse("alert_detail", args=[slug, alert.pk])).content.decode()
    declare_url = reverse("incident_declare", args=[slug]) + f"?alert={alert.pk}"
    assert declare_url.replace("&", "&amp;") in alert_page or declare_url in alert_page
    form = http.get(declare_url)
    assert form.status_code == 200 and alert.summary[:40] in form.content.decode()
    crisis = CrisisTypeFactory()
    refused = http.post(reverse("incident_declare", args=[slug]), {"alert": alert.pk, "title": "", "severity": "9"})
    assert refused.status_code == 400 and {"title", "severity", "crisis_type"} <= set(refused.context["form"].errors)
    done = http.post(
        reverse("incident_declare", args=[slug]),
        {"alert": alert.pk, "title": "Leaking cans", "severity": "1", "crisis_type": crisis.pk, "brands": [brand_a.pk]},
    )
    incident = Incident.objects.get()
    assert done["Location"] == incident.get_absolute_url() and incident.links.count() == 4
    assert http.get(declare_url)["Location"] == incident.get_absolute_url()  # declared already
    page = http.get(incident.get_absolute_url())
    assert page.status_code == 200 and page.context["conversation"].total == 4
    url = incident.get_absolute_url()
    assert (
        http.post(url, {"section": "note", "text": "Client informed by phone", "client_visible": "on"}).status_code
        == 302
    )
    bad = http.post(url, {"section": "status", "status": "closed"})
    assert (
        bad.status_code == 400 and "status" in bad.context["status_form"].errors
    )  # active goes to closed via resolved
    assert http.post(url, {"section": "role", "role": "commander", "user": responder.pk}).status_code == 400
    assert http.post(url, {"section": "role", "role": "commander", "user": account_lead.pk}).status_code == 302
    text = http.get(url).content.decode()
    assert "Client informed by phone" in text and "Commander:" in text


def test_the_api_declares_moves_staffs_and_notes(api, brand_a, account_lead, responder):
    alert, _counted = spiking(brand_a, count=3)
    CrisisTypeFactory(name="Data breach")
    http, base = api(responder), f"/api/v1/clients/{brand_a.client.pk}/incidents/"
    created = http.post(
        base, {"title": "Leak", "crisis_type": "Data breach", "severity": 1, "spike_alert": alert.pk}, format="json"
    )
    assert created.status_code == 201 and created.json()["mentions"] == 3
    pk = created.json()["id"]
    again = http.post(base, {"title": "Again", "crisis_type": "Data breach", "spike_alert": alert.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == pk
    assert http.post(base, {"title": "", "crisis_type": "Nope"}, format="json").status_code == 400
    too_early = {"status": "resolved", "at": "2020-01-01T00:00:00Z"}
    assert "at" in http.post(f"{base}{pk}/status/", too_early, format="json").json()["errors"]
    assert http.post(f"{base}{pk}/status/", {"status": "contained"}, format="json").json()["status"] == "contained"
    staffed = http.post(f"{base}{pk}/roles/", {"role": "commander", "user": account_lead.pk}, format="json")
    assert staffed.status_code == 200 and staffed.json()[0]["role"] == "commander"
    noted = http.post(f"{base}{pk}/timeline/", {"text": "Statement drafted"}, format="json")
    assert noted.status_code == 200 and noted.json()[0]["text"] == "Statement drafted"
    assert [row["id"] for row in http.get(base).json()["results"]] == [pk]


def test_notes_need_text(brand_a, responder):
    incident = declare(responder, brand_a.client)
    with pytest.raises(ValidationError):
        incident_note(actor=responder, incident=incident, text="  ")
    assert not TimelineEntry.objects.filter(incident=incident, kind="note").exists()


def test_a_private_incident_leaks_nowhere(web, api, brand_a, account_lead, responder):
    alert, _counted = spiking(brand_a, count=2)
    incident = declare(account_lead, brand_a.client, alert=alert, private=True, title="Secret recall")
    slug = brand_a.client.slug
    # the API's "declared already" answer, the declare page, the alert page, the audit trail
    body = {"title": "x", "crisis_type": CrisisTypeFactory().name, "spike_alert": alert.pk}
    refused = api(responder).post(f"/api/v1/clients/{brand_a.client.pk}/incidents/", body, format="json")
    assert refused.status_code == 400 and "Secret" not in refused.content.decode()
    page = web(responder).get(reverse("incident_declare", args=[slug]) + f"?alert={alert.pk}")
    assert page.status_code == 400 and "Secret" not in page.content.decode()
    alert_page = web(responder).get(reverse("alert_detail", args=[slug, alert.pk])).content.decode()
    assert "private incident" in alert_page and incident.get_absolute_url() not in alert_page
    trail = web(account_lead).get(reverse("client_audit", args=[slug])).content.decode()
    assert "Secret" not in trail and "declared the incident a private incident" in trail


def test_odd_input_on_the_pages_is_a_400_not_an_error(web, brand_a, responder):
    http, slug = web(responder), brand_a.client.slug
    declare_url = reverse("incident_declare", args=[slug])
    for query in ("?alert=abc", "?mention=abc", "?mention=1&mention=x", "?" + "&".join(["mention=1"] * 501)):
        assert http.get(declare_url + query).status_code == 400, query
    assert http.post(declare_url, {"mention": "abc", "title": "x"}).status_code == 400
    incident = declare(responder, brand_a.client)
    url = incident.get_absolute_url()
    weird = http.post(url, {"section": "status", "status": "contained", "at": "2020-01-01T00:00:00-19:03"})
    assert weird.status_code == 400  # before it was declared, and an offset PostgreSQL refuses
    assert http.post(url, {"section": "status", "status": "active"}).status_code == 400  # where it is already
    assert http.post(url, {"section": "status", "status": "cancelled", "at": "2001-01-01T00:00"}).status_code == 400


def test_a_status_reason_stays_with_the_agency(brand_a, account_lead):
    incident = declare(account_lead, brand_a.client)
    incident_set_status(actor=account_lead, incident=incident, status="contained", reason="Legal says wait")
    shown = TimelineEntry.objects.filter(incident=incident, client_visible=True)
    assert "Legal says wait" not in " ".join(shown.values_list("text", flat=True))
    internal = TimelineEntry.objects.filter(incident=incident, client_visible=False)
    assert internal.filter(text="Why contained: Legal says wait").exists()


def test_the_incident_page_shows_the_conversation_a_lane_per_channel_its_tone_and_what_waits(
    web, brand_a, account_lead, responder
):
    now = timezone.now()
    made = [
        MentionFactory(brand=brand_a, platform=platform, sentiment=tone, posted_at=now - timedelta(hours=hours))
        for platform, tone, hours in [
            ("mastodon", "negative", 1),
            ("mastodon", "negative", 2),
            ("mastodon", "neutral", 2.2),
            ("bluesky", "negative", 3),
            ("reddit", "positive", 30),
        ]
    ]
    answered = made[1]
    Mention.objects.filter(pk=answered.pk).update(first_response_at=now, status="answered")
    incident = incident_declare(
        actor=account_lead,
        client=brand_a.client,
        title="Leaking cans",
        crisis_type=CrisisTypeFactory(),
        severity=1,
        brands=[brand_a],
        mention_ids=[mention.pk for mention in made],
    )
    page = web(responder).get(incident.get_absolute_url())
    conversation = page.context["conversation"]
    assert [(lane.channel, lane.total, lane.unanswered) for lane in conversation.lanes] == [
        ("mastodon", 3, 2),
        ("bluesky", 1, 1),
        ("reddit", 1, 1),
    ]
    assert [link.mention_id for link in conversation.lanes[0].newest] == [made[0].pk, made[1].pk, made[2].pk]
    assert conversation.total == 5 and conversation.unanswered == 4
    tones = {}
    for row in conversation.counts:
        tones[row["tone"]] = tones.get(row["tone"], 0) + row["mentions"]
    assert tones == {"negative": 3, "neutral": 1, "positive": 1}
    waiting = [link.mention_id for link in page.context["unanswered"]]
    assert waiting == [made[4].pk, made[3].pk, made[2].pk, made[0].pk]  # the longest waiting first
    html = page.content.decode()
    assert html.count('class="lane card"') == 3 and html.count("<svg") >= 2


def test_the_conversation_counts_follow_linking_by_rule_by_hand_and_unlinking(brand_a, account_lead, responder):
    incident = incident_declare(
        actor=account_lead, client=brand_a.client, title="Leaks", crisis_type=CrisisTypeFactory(), severity=1
    )
    mentions = [MentionFactory(brand=brand_a, platform="mastodon", sentiment="negative") for _ in range(3)]
    assert incident_link_mentions(actor=responder, incident=incident, mentions=mentions) == 3
    assert incident_link_mentions(actor=responder, incident=incident, mentions=mentions) == 0  # linked already
    incident_unlink_mention(actor=responder, incident=incident, mention=mentions[0])
    counted = sum(ConversationCount.objects.filter(incident=incident).values_list("mentions", flat=True))
    assert counted == incident.links.count() == 2
    assert conversation_of(incident=incident).lanes[0].total == 2


def test_the_mention_page_names_its_incidents_and_declares_from_it(web, brand_a, account_lead, responder, analyst):
    mention = MentionFactory(brand=brand_a, text="Min dåse eksploderede")
    incident = declare(account_lead, brand_a.client, mention_ids=[mention.pk])
    declare(account_lead, brand_a.client, mention_ids=[mention.pk], private=True, title="Secret recall")
    url = reverse("mention_detail", args=[brand_a.client.slug, mention.pk])
    page = web(responder).get(url).content.decode()
    assert incident.get_absolute_url() in page and "Secret recall" not in page  # not a member of the private one
    declare_url = reverse("incident_declare", args=[brand_a.client.slug]) + f"?mention={mention.pk}"
    assert declare_url in page
    form = web(responder).get(declare_url)
    assert form.status_code == 200 and form.context["mention_ids"] == [mention.pk]
    assert "Secret recall" in web(account_lead).get(url).content.decode()  # who declared it is in it
    assert declare_url not in web(analyst).get(url).content.decode()  # reads work, does not work it


def test_agency_admins_edit_the_kinds_of_crisis_and_what_severities_mean(web, agency_admin, account_lead, brand_a):
    from apps.incidents.models import CrisisType, Severity

    url = reverse("incident_settings")
    assert web(account_lead).get(url).status_code == 403
    http = web(agency_admin)
    assert http.get(url).status_code == 200
    added = http.post(url, {"section": "kind", "new-name": "Weather event", "new-position": 3, "new-active": "on"})
    assert added.status_code == 302
    kind = CrisisType.objects.get(name="Weather event")
    twice = http.post(url, {"section": "kind", "new-name": "weather EVENT", "new-position": 3})
    assert twice.status_code == 400 and "has this kind already" in twice.content.decode()
    breach = CrisisTypeFactory(name="Data breach")
    renamed = http.post(
        url,
        {
            "section": "kind",
            "pk": breach.pk,
            f"kind-{breach.pk}-name": "Personal data leak",
            f"kind-{breach.pk}-position": 0,
        },
    )
    assert renamed.status_code == 302
    breach.refresh_from_db()
    assert breach.name == "Personal data leak" and not breach.active  # unticked: no longer offered
    # renamed, its playbook steps stay its own
    http.post(
        url,
        {
            "section": "kind",
            "pk": breach.pk,
            f"kind-{breach.pk}-name": "Personal data leak",
            f"kind-{breach.pk}-position": 0,
            f"kind-{breach.pk}-active": "on",
        },
    )
    incident = declare(account_lead, brand_a.client, crisis_type=CrisisType.objects.get(pk=breach.pk))
    assert any("data protection authority" in step.title for step in incident.playbook.all())
    critical, _made = Severity.objects.get_or_create(level=1, defaults={"name": "Critical"})
    prefix = f"severity-{critical.pk}"
    bad = http.post(
        url, {"section": "severity", "pk": critical.pk, f"{prefix}-name": "Red", f"{prefix}-update_every_minutes": 1}
    )
    assert bad.status_code == 400
    good = http.post(
        url,
        {
            "section": "severity",
            "pk": critical.pk,
            f"{prefix}-name": "Red",
            f"{prefix}-meaning": "All hands",
            f"{prefix}-update_every_minutes": 20,
        },
    )
    assert good.status_code == 302
    critical.refresh_from_db()
    assert (critical.name, critical.update_every_minutes) == ("Red", 20)
    events = AuditEvent.objects.filter(action__startswith="incident_").order_by("pk")
    assert [e.action for e in events] == [
        "incident_kind.created",
        "incident_kind.changed",
        "incident_kind.changed",
        "incident_severity.changed",
    ]
    assert sentence_of(events.last(), {}).endswith("changed what severity 1 means.")
    assert kind.active


def test_a_purged_mention_leaves_the_conversation_counts(brand_a, account_lead, agency_admin):
    from apps.mentions.services import mention_purge

    mentions = [MentionFactory(brand=brand_a, platform="bluesky", sentiment="negative") for _ in range(2)]
    incident = declare(account_lead, brand_a.client, mention_ids=[mention.pk for mention in mentions])
    mention_purge(actor=agency_admin, mention=mentions[0], reason="GDPR erasure request 2026-118")
    assert conversation_of(incident=incident).lanes[0].total == 1 == incident.links.count()
