"""A hostile mention on the mention page, in a real browser: shown as text, never run, never breaks the layout."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.factories import MentionFactory

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned = 1</script>"
IMAGE = '<img src=x onerror="window.__pwned=2">'
LONG_WORD = ("Vaffelhjertekrise" * 3000)[:50_000]  # one word: no space, no hyphen
ZERO_WIDTH = "null\u200bbredde"
OVERRIDE = "\u202eoverstyrt retning"
AFTER = "linje etter overstyringen"
ARABIC = "الخدمة سيئة جدا"  # a line written right to left

# Whether the first and last characters of `needle` in the element's text are laid out left to right.
READING_ORDER = """(element, needle) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node && !node.data.includes(needle)) node = walker.nextNode();
  const start = node.data.indexOf(needle);
  const left = offset => {
    const range = document.createRange();
    range.setStart(node, offset);
    range.setEnd(node, offset + 1);
    return range.getBoundingClientRect().left;
  };
  return left(start) < left(start + needle.length - 1) ? "ltr" : "rtl";
}"""
# How far the end of the element's last line of text stays from the element's right edge, in pixels.
GAP_AT_RIGHT = """element => {
  const range = document.createRange();
  range.selectNodeContents(element.lastChild);
  return element.getBoundingClientRect().right - range.getBoundingClientRect().right;
}"""


@pytest.fixture
def hostile_mention(brand_a):
    text = "\n".join([SCRIPT, IMAGE, LONG_WORD, ZERO_WIDTH, OVERRIDE, AFTER, ARABIC])
    return MentionFactory(brand=brand_a, text=text, author_name="\u202eMette", author_followers=1200)


def test_hostile_mention_is_shown_as_text_and_fits_the_page(page, sign_in, responder, hostile_mention):
    sign_in(responder)
    loaded = []
    page.on("response", lambda response: loaded.append((response.url, response.status)))
    url = reverse("mention_detail", args=[hostile_mention.client.slug, hostile_mention.pk])

    response = page.goto(url)
    page.wait_for_load_state("networkidle")  # an injected <img onerror> would have fired by now

    assert response.status == 200 and page.url.endswith(url)  # signed in, not sent to the login form
    # The page's own styles and scripts came from the static files, and the scripts run.
    statuses = {urlsplit(address).path: status for address, status in loaded}
    for asset in ("/static/css/app.css", "/static/js/vendor/htmx.min.js", "/static/js/app.js"):
        assert statuses.get(asset) == 200, statuses
    assert page.evaluate("typeof window.htmx") == "object"

    # The markup in the mention is text on the page, and nothing of it ran.
    text = page.locator(".mention-text")
    assert page.get_by_text(SCRIPT).count() == 1
    assert page.get_by_text(IMAGE).count() == 1
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert text.locator("script, img").count() == 0
    assert page.locator("script").evaluate_all("scripts => scripts.filter(s => s.text.includes('__pwned')).length") == 0
    assert ZERO_WIDTH in text.inner_text() and LONG_WORD in text.inner_text()

    # The 50,000-character word wraps inside the mention instead of widening the page.
    assert text.evaluate("element => element.scrollWidth <= element.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")

    # A right-to-left override in the mention reverses its own line and nothing else: the mention is
    # bidi-isolated and each of its lines takes its direction from its own words, so the line after
    # the override and the page around the mention read left to right, an Arabic line from the right;
    # the same goes for an override in the author's name.
    assert text.evaluate(READING_ORDER, "overstyrt retning") == "rtl"  # the override did act
    assert text.evaluate(READING_ORDER, AFTER) == "ltr"
    assert text.evaluate(GAP_AT_RIGHT) < 2
    meta = page.locator(".mention .meta").first  # the author's name has an override too
    assert meta.evaluate(READING_ORDER, "followers") == "ltr"
    heading = page.locator("h1")
    assert heading.evaluate(READING_ORDER, "Alpha Crisps") == "ltr"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_presence_renews_and_says_drafting_under_the_content_security_policy(
    page, sign_in, responder, brand_a, monkeypatch
):
    """The renewal's state was an hx-vals="js:..." that the CSP (no eval) silently stopped."""
    from apps.mentions import presence

    monkeypatch.setattr(presence, "PRESENCE_RENEW", 1)
    mention = MentionFactory(brand=brand_a)
    sign_in(responder)
    page.goto(reverse("mention_detail", args=[brand_a.client.slug, mention.pk]))
    page.locator("[data-drafting] textarea").first.fill("Working on it")
    with page.expect_response(
        lambda answer: "/presence/" in answer.url and "drafting" in (answer.request.post_data or "")
    ):
        pass  # the next renewal after typing says "drafting"
    assert [entry["state"] for entry in presence.present_on(mention.pk)] == ["drafting"]


def test_what_decides_the_work_comes_first_and_each_move_asks_only_what_it_needs(page, sign_in, responder, brand_a):
    """Issue 16, point 7: risk, due time and assignee sat far below the status and answer forms."""
    mention = MentionFactory(brand=brand_a, risk_level="high", risk_score=70, text="Posen var halvtom.")
    sign_in(responder)
    page.goto(reverse("mention_detail", args=[brand_a.client.slug, mention.pk]))

    top = {
        name: page.locator(selector).bounding_box()["y"]
        for name, selector in (
            ("text", "article.mention"),
            ("risk", "#risk"),
            ("status", "#reply"),
            ("answer", "#answer"),
        )
    }
    assert top["text"] < top["risk"] < top["status"] < top["answer"]
    assert "First answer due" in page.locator("#risk").inner_text()
    assert "Assignee" in page.locator("#risk").inner_text()

    reason, channel, address = page.locator("#t-reason"), page.locator("#t-channel"), page.locator("#t-answer-url")
    page.select_option("#t-status", "triaged")
    assert not reason.is_visible() and not channel.is_visible() and not address.is_visible()
    page.select_option("#t-status", "no_response_needed")
    assert reason.is_visible() and not channel.is_visible() and not address.is_visible()
    page.select_option("#t-status", "taken_private")
    assert channel.is_visible() and not reason.is_visible()
    page.select_option("#t-status", "answered_elsewhere")
    assert reason.is_visible() and address.is_visible() and not channel.is_visible()
