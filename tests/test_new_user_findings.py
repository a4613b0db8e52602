"""Issue 16, point 9: the smaller things a new user met, each as a regression."""

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import Notification
from apps.responses.models import AnswerState
from apps.responses.sending import answer_mark_sent
from apps.responses.services import answer_decide, answer_start, answer_submit
from apps.tenants.roles import Role
from tests.factories import ApprovalRuleFactory, ApprovalStepFactory, MembershipFactory, MentionFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


def test_an_answer_sent_by_hand_is_badged_so_not_published(web, responder, account_lead, brand_a):
    mention = MentionFactory(brand=brand_a)
    answer = answer_submit(actor=responder, answer=answer_start(actor=responder, mention=mention, text="Hej"))
    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    answer_mark_sent(actor=responder, answer=answer, url="https://example.test/reply/1")
    page = web(responder).get(mention.get_absolute_url()).content.decode()
    assert '<span class="badge answer-published">Sent by hand</span>' in page


def test_the_inbox_says_what_its_clocks_count_from(web, responder, client_a):
    page = web(responder).get(reverse("inbox", args=[client_a.slug])).content.decode()
    assert "counts from when a mention arrived here; its age from when it was posted" in page


def test_the_mentions_api_takes_the_documented_page_size(api, responder, client_a, brand_a):
    for _ in range(3):
        MentionFactory(brand=brand_a)
    url = f"/api/v1/clients/{client_a.pk}/mentions/"
    page = api(responder).get(url, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    both = api(responder).get(url, {"page_size": 2, "size": 2})
    assert both.status_code == 400 and "page_size" in both.json()["errors"]


def test_approval_requests_are_read_once_decided(responder, account_lead, client_approver, client_a, brand_a):
    rule = ApprovalRuleFactory(policy__client=client_a)
    ApprovalStepFactory(rule=rule, position=0, approver_role="account_lead")
    ApprovalStepFactory(rule=rule, position=1, approver_role="client_approver")
    answer = answer_submit(
        actor=responder, answer=answer_start(actor=responder, mention=MentionFactory(brand=brand_a), text="Hej")
    )
    asks = Notification.objects.filter(event="approval.requested")
    assert asks.get(user=account_lead).read_at is None

    answer_decide(actor=account_lead, answer=answer, version=1, decision="approve")
    assert asks.get(user=account_lead).read_at is not None
    assert asks.get(user=client_approver).read_at is None  # the next step's request is new

    answer_decide(actor=client_approver, answer=answer, version=1, decision="request_changes", comment="Kortere")
    answer.refresh_from_db()
    assert answer.state == AnswerState.CHANGES_REQUESTED
    assert not asks.filter(read_at__isnull=True).exists()


def test_make_run_gives_every_process_the_web_address_for_links_in_emails():
    dry = subprocess.run(["make", "-n", "run", "PORT=9123"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert 'SITE_URL="${SITE_URL:-http://localhost:9123}"' in dry.stdout and "honcho start --port 9123" in dry.stdout


def test_the_staff_home_shows_what_waits_at_each_client(web, account_lead, responder, client_a, client_b, brand_a):
    from tests.conftest import _member

    _member(client_b, Role.ACCOUNT_LEAD, "lead-of-both@example.test")
    MentionFactory(brand=brand_a, risk_level="high", response_due_at=timezone.now() - timezone.timedelta(hours=1))
    MentionFactory(brand=brand_a, risk_level="low")
    answer_submit(
        actor=responder, answer=answer_start(actor=responder, mention=MentionFactory(brand=brand_a), text="Hej")
    )
    MembershipFactory(user=account_lead, client=client_b, role=Role.ACCOUNT_LEAD)

    page = web(account_lead).get(reverse("home")).content.decode()
    alpha = page.split("Alpha Foods", 1)[1].split("</article>", 1)[0]
    assert [int(n) for n in _numbers(alpha)] == [3, 1, 1, 1]  # open, overdue, high or critical, awaiting approval


def _numbers(html: str) -> list[str]:
    import re

    return re.findall(r"<dd[^>]*>(\d+)</dd>", html)


def test_empty_opening_hours_are_explained(web, account_lead, client_a):
    page = web(account_lead).get(reverse("response_rules", args=[client_a.slug])).content.decode()
    assert "No opening hours are set, so the client counts as open round the clock" in page


def test_the_team_page_writes_dates_as_the_rest(web, account_lead, client_a):
    from apps.accounts.models import User

    http = web(account_lead)  # signing in stamps the last sign-in: set it after
    User.objects.filter(pk=account_lead.pk).update(last_login=timezone.make_aware(timezone.datetime(2026, 3, 4, 5, 6)))
    page = http.get(reverse("client_team", args=[client_a.slug])).content.decode()
    assert "2026-03-04 05:06" in page


@pytest.mark.parametrize("status", ["taken_private", "answered_elsewhere", "no_response_needed"])
def test_mentions_waiting_for_nothing_show_no_clock(web, responder, brand_a, client_a, status):
    late = timezone.now() - timezone.timedelta(hours=3)
    # A text of its own: a random one may say "later", which is no clock.
    mention = MentionFactory(brand=brand_a, status=status, response_due_at=late, text="Crisps are fine")
    inbox = web(responder).get(reverse("inbox", args=[client_a.slug]), {"status": "all"}).content.decode()
    row = inbox.split(f'id="m-{mention.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "late" not in row
    page = web(responder).get(mention.get_absolute_url()).content.decode()
    assert "No answer is due" in page
