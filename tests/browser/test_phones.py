"""Issue 16, point 6: the inbox and the approvals at 390 px, as a phone shows them.

The inbox was a 725 px table in a 352 px scroller with words broken mid-word, 1,100 px of filters
before the first row and a jump past the top bar on load; the approver's only "Decide" link was
off-screen.
"""

import pytest
from django.urls import reverse

from apps.responses.models import AnswerState
from apps.responses.services import answer_start, answer_submit
from tests.factories import ApprovalRuleFactory, ApprovalStepFactory, MentionFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
# The words of the element's text that the browser broke across lines.
SPLIT_WORDS = """element => {
  const node = element.firstChild, split = [];
  for (const match of node.data.matchAll(/\\S+/g)) {
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    const tops = new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top)));
    if (tops.size > 1) split.push(match[0]);
  }
  return split;
}"""


def test_the_inbox_on_a_phone_is_cards_without_sideways_scrolling(page, sign_in, responder, brand_a):
    texts = [
        "Leveringen kom aldrig frem, og kundeservice svarer ikke på mine beskeder",
        "Chipsene smagte af pap",
        "Verpackung beschädigt, Inhalt zerbröselt",
    ]
    for n, text in enumerate(texts):
        MentionFactory(brand=brand_a, text=text, risk_level="high", risk_score=80 - n)
    page.set_viewport_size(PHONE)
    sign_in(responder)
    page.goto(reverse("inbox", args=[brand_a.client.slug]))

    assert page.evaluate("() => window.scrollY") == 0  # no jump past the top bar
    assert page.evaluate(SIDEWAYS) <= 0
    assert not page.locator("#filters").is_visible()  # folded away
    first = page.locator("#rows tr[data-mention]").first
    assert first.bounding_box()["y"] < PHONE["height"]  # the first mention is on the first screen
    card, text = first.bounding_box(), first.locator("td.text").bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= PHONE["width"]
    assert text["width"] > 0.8 * card["width"]  # the text runs across the card
    # Words stay whole: no word is laid out on two lines.
    split_words = first.locator("td.text a bdi").evaluate(SPLIT_WORDS)
    assert split_words == []

    page.get_by_text("Search and filters").click()
    assert page.locator("#filters").is_visible()
    assert page.evaluate(SIDEWAYS) <= 0


def test_an_approver_on_a_phone_decides_from_the_list_in_one_tap(
    page, sign_in, responder, account_lead, client_approver, client_a, brand_a
):
    rule = ApprovalRuleFactory(policy__client=client_a)
    ApprovalStepFactory(rule=rule, position=0, approver_role="client_approver")
    mention = MentionFactory(brand=brand_a, text="Hvor bliver min pakke af?", risk_level="high")
    answer = answer_start(actor=responder, mention=mention, text="Vi finder den i dag.")
    assert answer_submit(actor=responder, answer=answer).state == AnswerState.PENDING
    page.set_viewport_size(PHONE)
    sign_in(client_approver)
    page.goto(reverse("approvals", args=[client_a.slug]))

    assert page.evaluate(SIDEWAYS) <= 0
    decide = page.get_by_role("link", name="Decide")
    box = decide.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["y"] < PHONE["height"]
    decide.click()
    page.get_by_role("button", name="Record my decision").wait_for()
    assert page.evaluate(SIDEWAYS) <= 0
