"""While an incident is active the pipeline links what matches its rules and rates it high."""

import pytest
from django.urls import reverse

from apps.incidents.models import ConversationCount, IncidentMention, LinkReason
from apps.incidents.services import incident_declare, incident_set_rules, incident_set_status
from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from apps.mentions.ratings import explain
from tests.factories import BrandFactory, CrisisTypeFactory, TopicFactory

pytestmark = pytest.mark.django_db


def raw(n, text, **extra):
    return RawMention(platform="mastodon", external_id=f"m{n}", text=text, **extra)


def active(brand, actor, **rules):
    incident = incident_declare(
        actor=actor,
        client=brand.client,
        title="Leaking cans",
        crisis_type=CrisisTypeFactory(),
        severity=1,
        brands=[brand],
    )
    return incident_set_rules(actor=actor, incident=incident, **{"terms": [], "authors": [], "topics": [], **rules})


def test_matching_mentions_are_linked_and_raised_to_high_with_the_reason(client_a, account_lead):
    brand = BrandFactory(client=client_a, name="Havbris")
    other = BrandFactory(client=client_a, name="Nordkyst")
    incident = active(brand, account_lead, terms=["lids leak", "#boykothavbris"], authors=["@kaptajn1"])
    ingest(
        [
            raw(1, "Havbris: the LIDS LEAK again"),
            raw(2, "Havbris tastes fine #BoykotHavbris"),
            raw(3, "Havbris nice evening", author_handle="@Kaptajn1"),
            raw(4, "Havbris on a quiet evening"),
            raw(5, "Havbris lidsleak is no match"),
        ],
        brand=brand,
    )
    ingest([raw(6, "Nordkyst lids leak")], brand=other)  # another brand's mention
    linked = set(IncidentMention.objects.filter(incident=incident).values_list("mention__external_id", flat=True))
    assert linked == {"m1", "m2", "m3"}
    assert set(IncidentMention.objects.values_list("reason", flat=True)) == {LinkReason.RULE}
    counted = ConversationCount.objects.values_list("platform", "mentions")
    assert sum(n for _platform, n in counted) == 3 and {link.platform for link in IncidentMention.objects.all()} == {
        platform for platform, _n in counted
    }
    mention = Mention.objects.get(external_id="m2")
    assert mention.risk_level in ("high", "critical")
    assert "it matches the active incident \u201cLeaking cans\u201d" in explain(
        mention.risk_level, mention.risk_score, mention.risk_factors
    )
    assert Mention.objects.get(external_id="m4").risk_level not in ("high", "critical")


def test_topics_link_and_a_resolved_incident_links_no_more(client_a, account_lead):
    brand = BrandFactory(client=client_a, name="Havbris")
    TopicFactory(brand=brand, name="Packaging", keywords=["can", "cans"])
    incident = active(brand, account_lead, topics=["Packaging"])
    ingest([raw(1, "Havbris cans in the shop")], brand=brand)
    assert IncidentMention.objects.filter(incident=incident).count() == 1
    incident_set_status(actor=account_lead, incident=incident, status="resolved")
    ingest([raw(2, "Havbris cans again")], brand=brand)
    assert IncidentMention.objects.filter(incident=incident).count() == 1


def test_a_private_incident_gives_no_title_in_the_reason(client_a, account_lead):
    brand = BrandFactory(client=client_a, name="Havbris")
    incident = incident_declare(
        actor=account_lead,
        client=client_a,
        title="Secret recall",
        crisis_type=CrisisTypeFactory(),
        severity=1,
        brands=[brand],
        private=True,
    )
    incident_set_rules(actor=account_lead, incident=incident, terms=["recall"], authors=[], topics=[])
    ingest([raw(1, "Havbris recall?")], brand=brand)
    mention = Mention.objects.get()
    text = explain(mention.risk_level, mention.risk_score, mention.risk_factors)
    assert "Secret" not in text and "it matches an active incident" in text


def test_the_rules_form_on_the_page(web, client_a, account_lead):
    brand = BrandFactory(client=client_a, name="Havbris")
    incident = active(brand, account_lead)
    url = incident.get_absolute_url()
    http = web(account_lead)
    assert (
        http.post(url, {"section": "rules", "terms": "lids leak, #boykot", "authors": "@Kaptajn1"}).status_code == 302
    )
    incident.refresh_from_db()
    assert (incident.link_terms, incident.link_authors) == (["#boykot", "lids leak"], ["kaptajn1"])
    too_many = ", ".join(f"word{n}" for n in range(60))
    assert http.post(url, {"section": "rules", "terms": too_many}).status_code == 400
    assert reverse("incident_detail", args=[client_a.slug, incident.pk]) == url


def test_history_is_not_linked_and_a_private_incidents_rules_stay_out_of_the_trail(client_a, account_lead):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.models import AuditEvent

    brand = BrandFactory(client=client_a, name="Havbris")
    incident = active(brand, account_lead, terms=["lids leak"])
    old = timezone.now() - timedelta(days=3)
    ingest([raw(1, "Havbris lids leak", posted_at=old), raw(2, "Havbris lids leak")], brand=brand)
    assert list(IncidentMention.objects.filter(incident=incident).values_list("mention__external_id", flat=True)) == [
        "m2"
    ]
    secret = incident_declare(
        actor=account_lead,
        client=client_a,
        title="Secret",
        crisis_type=CrisisTypeFactory(),
        severity=1,
        brands=[brand],
        private=True,
    )
    incident_set_rules(actor=account_lead, incident=secret, terms=["#ceoscandal"], authors=[], topics=[])
    event = AuditEvent.objects.filter(action="incident.rules_changed").order_by("id").last()
    assert "ceoscandal" not in str(event.after) + str(event.before) and event.after["changed"] == ["link_terms"]


def test_an_alerts_incident_starts_with_its_hashtags_but_not_the_brands_own(client_a, account_lead):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import MentionFactory, SpikeAlertFactory

    brand = BrandFactory(client=client_a, name="Havbris", aliases=["Havbris"])
    now = timezone.now().replace(second=0, microsecond=0)
    alert = SpikeAlertFactory(brand=brand, started_at=now - timedelta(minutes=15), detected_at=now)
    for n in range(6):
        mention = MentionFactory(brand=brand, text=f"#Havbris cans leak #Boykot {n}")
        Mention.objects.filter(pk=mention.pk).update(ingested_at=now - timedelta(minutes=3))
    incident = incident_declare(
        actor=account_lead, client=client_a, title="Leak", crisis_type=CrisisTypeFactory(), severity=1, alert=alert
    )
    assert incident.link_terms == ["#boykot"]


def test_a_linked_mention_that_grows_stays_high(client_a, account_lead):
    brand = BrandFactory(client=client_a, name="Havbris")
    active(brand, account_lead, terms=["lids leak"])
    ingest([raw(1, "Havbris lids leak")], brand=brand)
    first = Mention.objects.get()
    assert first.risk_level == "high"
    ingest([raw(1, "Havbris lids leak", likes=40, reposts=12)], brand=brand)  # it came back with more reactions
    grown = Mention.objects.get()
    assert grown.likes == 40 and grown.risk_level in ("high", "critical")
    assert any(factor["factor"] == "incident" for factor in grown.risk_factors)
