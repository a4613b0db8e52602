"""The mention page: risk in words, history, override with a reason, reassignment."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.mentions.models import Mention
from apps.risk.models import RiskRating
from tests.factories import MentionFactory, RiskRatingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mention(brand_a):
    factors = [{"factor": "negative_tone", "points": 20.0, "detail": {}}]
    mention = MentionFactory(
        brand=brand_a, text="<script>alert(1)</script> awful", risk_level="medium", risk_score=40, risk_factors=factors
    )
    RiskRatingFactory(mention=mention, score=40, level="medium", factors=factors)
    return mention


def url(name, mention):
    return reverse(name, args=[mention.client.slug, mention.pk])


def test_page_explains_the_risk_and_escapes_the_text(web, responder, mention):
    page = web(responder).get(url("mention_detail", mention)).content.decode()
    assert "Medium (40) because the tone is negative (+20)" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_override_without_reason_is_a_field_error(web, responder, mention):
    response = web(responder).post(url("mention_risk", mention), {"level": "critical", "reason": ""})
    assert response.status_code == 400
    assert Mention.objects.get().risk_level == "medium"


def test_override_with_reason_is_stored_and_shown(web, responder, mention):
    session = web(responder)
    response = session.post(url("mention_risk", mention), {"level": "high", "reason": "A journalist called"})
    assert response.status_code == 302
    assert Mention.objects.get().risk_level == "high"
    assert RiskRating.objects.filter(is_override=True, actor=responder).exists()
    assert "A journalist called" in session.get(url("mention_detail", mention)).content.decode()


def test_reassign_from_the_page(web, account_lead, responder, mention):
    web(account_lead).post(url("mention_assign", mention), {"assignee": responder.pk})
    assert Mention.objects.get().assignee == responder
    assert AuditEvent.objects.filter(action="mention.assigned", actor=account_lead).exists()


def test_unknown_assignee_is_refused(web, account_lead, analyst, mention):
    response = web(account_lead).post(url("mention_assign", mention), {"assignee": analyst.pk})
    assert response.status_code == 400
    assert Mention.objects.get().assignee is None


def test_history_shows_the_arrival_rating_kept_on_the_mention(web, responder, brand_a):
    factors = [{"factor": "reach", "points": 12.0, "detail": {"followers": 5000}}]
    arrived = MentionFactory(
        brand=brand_a, risk_level="low", risk_score=12, risk_factors=factors, rated_at=timezone.now()
    )
    page = web(responder).get(url("mention_detail", arrived)).content.decode()
    history = page.split("Rating history")[1]
    assert "No ratings yet." not in history
    assert "system" in history and "Low (12) because the author reaches 5,000 followers (+12)" in history
