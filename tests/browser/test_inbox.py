"""The inbox in a real browser: keyboard triage, a live update arriving, hostile text staying text."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.mentions.models import Mention
from apps.mentions.services import mention_transition
from tests.factories import MentionFactory

pytestmark = pytest.mark.browser

LIVE_WAIT_MS = 15_000  # the list polls every 5 s


def rows(page):
    return page.locator("#rows tr[data-mention]")


def current_id(page) -> int:
    return int(page.locator("#rows tr.current").get_attribute("data-mention"))


def test_keyboard_triage_of_several_mentions(page, sign_in, responder, account_lead, brand_a):
    top = MentionFactory(brand=brand_a, risk_score=90, risk_level="critical")
    answered = MentionFactory(brand=brand_a, risk_score=50, risk_level="medium", status="answered")
    last = MentionFactory(brand=brand_a, risk_score=10, risk_level="low")
    sign_in(responder)
    page.goto(reverse("inbox", args=[brand_a.client.slug]) + "?status=all")

    assert [int(pk) for pk in rows(page).evaluate_all("rs => rs.map(r => r.dataset.mention)")] == [
        top.pk,
        answered.pk,
        last.pk,
    ]
    assert current_id(page) == top.pk

    # e on a new mention: refused, and the message names where it may go.
    page.keyboard.press("e")
    expect(page.locator("#flash")).to_contain_text("triaged")
    assert Mention.objects.get(pk=top.pk).status == "new"

    # j moves down; e resolves the answered one in place, the cursor stays on it.
    page.keyboard.press("j")
    assert current_id(page) == answered.pk
    page.keyboard.press("e")
    expect(page.locator(f"#m-{answered.pk} .status")).to_have_text("Resolved")
    assert current_id(page) == answered.pk
    assert Mention.objects.get(pk=answered.pk).status == "resolved"

    # k goes back up; x selects; j, x selects the last one too; a assigns the selection.
    page.keyboard.press("k")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("a")
    expect(page.locator("#bulk-assignee")).to_be_focused()
    page.locator("#bulk-assignee").select_option(str(account_lead.pk))
    page.locator("#bulk").get_by_role("button", name="Apply").click()
    expect(page.locator(".messages")).to_contain_text("2 done")
    assert set(Mention.objects.filter(assignee=account_lead).values_list("pk", flat=True)) == {top.pk, last.pk}

    # ? lists the shortcuts; / goes to the search; o opens the current mention.
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(rf"/mentions/{top.pk}/$"))


def test_a_live_update_arrives_without_moving_the_list(page, sign_in, responder, brand_a):
    shown = [MentionFactory(brand=brand_a, risk_score=score, risk_level="medium") for score in (60, 40)]
    sign_in(responder)
    page.goto(reverse("inbox", args=[brand_a.client.slug]))
    page.keyboard.press("j")
    assert current_id(page) == shown[1].pk

    # Meanwhile: a new, riskier mention arrives and a colleague triages one on screen.
    MentionFactory(brand=brand_a, risk_score=95, risk_level="critical")
    mention_transition(actor=responder, mention=shown[1], status="triaged")

    expect(page.locator("#live [data-show-new]")).to_contain_text("1 new", timeout=LIVE_WAIT_MS)
    expect(page.locator(f"#m-{shown[1].pk} .status")).to_have_text("Triaged", timeout=LIVE_WAIT_MS)
    # Nothing was inserted above: the same rows in the same order, the cursor where it was.
    assert [int(pk) for pk in rows(page).evaluate_all("rs => rs.map(r => r.dataset.mention)")] == [
        shown[0].pk,
        shown[1].pk,
    ]
    assert current_id(page) == shown[1].pk

    page.locator("#live [data-show-new]").click()
    expect(rows(page)).to_have_count(3)


def test_hostile_text_in_the_list_is_only_text(page, sign_in, responder, brand_a):
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    MentionFactory(brand=brand_a, text=hostile, author_name="<b onmouseover=alert(1)>Mallory</b>")
    sign_in(responder)
    page.goto(reverse("inbox", args=[brand_a.client.slug]))
    page.wait_for_load_state("networkidle")
    row = rows(page).first
    expect(row.locator("td.text a.open")).to_have_text(hostile)
    assert row.locator("img, script, b").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
