"""An incident's way in a real browser: a spike alert, the account lead declares the incident
from it and gives the roles, the publishing person drafts a holding statement, the lead and then
the client's approver approve it, it is published on a local server that speaks Mastodon's API,
the incident is acknowledged and its step ticked, the client sees the statement, and the lead
resolves the incident."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.incidents.models import Incident, SelfCheck
from apps.mentions.models import Mention
from tests.factories import CrisisTypeFactory, MentionFactory, SourceFactory, SpikeAlertFactory

pytestmark = pytest.mark.browser

STATEMENT = "Vi ved, at nogle dåser lækker. Vi har stoppet salget af de berørte partier og skriver igen kl. 16."


@pytest.fixture
def alert(brand_a):
    now = timezone.now().replace(second=0, microsecond=0)
    alert = SpikeAlertFactory(brand=brand_a, started_at=now - timedelta(minutes=15), detected_at=now)
    counted = [MentionFactory(brand=brand_a, platform="mastodon", text=f"Dåsen lækker {n}") for n in range(6)]
    Mention.objects.filter(pk__in=[mention.pk for mention in counted]).update(ingested_at=now - timedelta(minutes=5))
    return alert


def decide(page, sign_in, person, client_slug):
    sign_in(person)
    page.goto(reverse("approvals", args=[client_slug]))
    page.get_by_role("link", name="Decide").click()
    assert STATEMENT in page.locator(".proposed").inner_text()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record my decision").click()
    page.get_by_text("Your decision is recorded.").wait_for()


def test_alert_declare_staff_approve_publish_the_holding_statement_and_resolve(
    page, sign_in, account_lead, responder, client_approver, client_viewer, client_a, brand_a, alert, httpserver
):
    source = SourceFactory(
        brand=brand_a,
        kind="mastodon",
        own_channel=True,
        config={"base_url": httpserver.url_for("/"), "mode": "hashtag", "hashtag": "x"},
    )
    source.set_credentials({"access_token": "brand-token"})
    source.save()
    httpserver.expect_oneshot_request("/api/v1/statuses", method="POST").respond_with_json(
        {"id": "1", "uri": "https://social.example/statuses/1", "url": "https://social.example/@alpha/1"}
    )
    kind = CrisisTypeFactory(name="Product failure")

    sign_in(account_lead)
    page.goto(reverse("alert_detail", args=[client_a.slug, alert.pk]))
    page.get_by_role("link", name="Declare an incident").click()
    page.get_by_label("Title").fill("Leaking cans")
    page.get_by_label("Kind of crisis").select_option(label=kind.name)
    page.get_by_label("Severity").select_option("1")
    page.get_by_role("button", name="Declare").click()
    page.locator("h1", has_text="Leaking cans").wait_for()
    incident = Incident.objects.get(spike_alert=alert)
    assert incident.links.count() == 6
    page.get_by_label("Role").select_option("publishing")
    page.get_by_label("Person").select_option(label=responder.display_name)
    page.get_by_role("button", name="Give the role").click()
    page.get_by_text(f"Publishing: {responder.display_name}").wait_for()

    sign_in(responder)
    page.goto(incident.get_absolute_url())
    drafting = page.locator("#statements")
    drafting.get_by_label("Goes out on").select_option("mastodon")
    drafting.get_by_label("Language").fill("da")
    drafting.get_by_label("Text").fill(STATEMENT)
    drafting.get_by_role("button", name="Draft it").click()
    page.get_by_text("Holding statement · Mastodon").wait_for()
    page.locator("#statements").get_by_role("button", name="Send for approval").click()
    page.locator("#statements .badge", has_text="Waiting for approval").wait_for()

    decide(page, sign_in, account_lead, client_a.slug)
    decide(page, sign_in, client_approver, client_a.slug)

    sign_in(responder)
    page.goto(incident.get_absolute_url())
    page.get_by_role("button", name="Publish on Mastodon").click()
    page.get_by_text("Saved.").wait_for()
    page.reload()
    page.locator("#statements .badge", has_text="Published").wait_for()
    assert httpserver.log[0][0].get_json()["status"] == STATEMENT
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert incident.playbook.get(self_check=SelfCheck.HOLDING_STATEMENT).done_at is not None

    sign_in(client_viewer)
    page.goto(reverse("crisis_detail", args=[client_a.slug, incident.pk]))
    assert STATEMENT in page.locator("body").inner_text()

    sign_in(account_lead)
    page.goto(incident.get_absolute_url())
    page.locator("select[name=status]").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    page.get_by_text("Saved.").wait_for()
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at >= incident.acknowledged_at
