"""The risk and routing API: ratings and override, assignment, policies, hours, the rota."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.mentions.models import Mention
from apps.risk.models import RiskPolicy
from apps.routing.models import OnCallShift, RoutingPolicy
from apps.tenants.models import BusinessHoursBlock
from tests.factories import MentionFactory, OnCallShiftFactory, RiskRatingFactory

pytestmark = pytest.mark.django_db


def base(client):
    return f"/api/v1/clients/{client.pk}"


@pytest.fixture
def mention(brand_a):
    factors = [{"factor": "reach", "points": 12.0, "detail": {"followers": 5000}}]
    mention = MentionFactory(brand=brand_a, risk_level="low", risk_score=12, risk_factors=factors)
    RiskRatingFactory(mention=mention, level="low", score=12, factors=factors)
    return mention


def test_mentions_carry_their_rating_in_words(api, responder, client_a, mention):
    body = api(responder).get(f"{base(client_a)}/mentions/{mention.pk}/").json()
    assert (body["risk_level"], body["risk_score"]) == ("low", 12)
    assert body["risk_explanation"] == "low (12) because the author reaches 5,000 followers (+12)"


def test_ratings_list_and_override_with_reason(api, responder, client_a, mention):
    session = api(responder)
    url = f"{base(client_a)}/mentions/{mention.pk}/ratings/"
    refused = session.post(url, {"level": "critical"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    made = session.post(url, {"level": "critical", "reason": "TV crew outside"}, format="json")
    assert made.status_code == 201 and made.json()["actor"] == responder.email
    history = session.get(url).json()["results"]
    assert [r["level"] for r in history] == ["critical", "low"]
    assert Mention.objects.get().risk_overridden


def test_viewer_may_read_mentions_but_not_override(api, client_viewer, client_a, mention):
    url = f"{base(client_a)}/mentions/{mention.pk}/ratings/"
    assert api(client_viewer).post(url, {"level": "high", "reason": "x"}, format="json").status_code == 403


def test_assignment(api, account_lead, responder, analyst, client_a, mention):
    url = f"{base(client_a)}/mentions/{mention.pk}/assignment/"
    assert api(account_lead).put(url, {"assignee": analyst.pk}, format="json").status_code == 400
    answer = api(account_lead).put(url, {"assignee": responder.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["assignee"] == responder.pk
    assert Mention.objects.get().assignee == responder


def test_assigning_someone_of_another_client_reads_like_an_unknown_id(api, account_lead, client_a, client_b, mention):
    from apps.tenants.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    elsewhere = UserFactory()
    MembershipFactory(user=elsewhere, client=client_b, role=Role.RESPONDER)
    url = f"{base(client_a)}/mentions/{mention.pk}/assignment/"
    foreign = api(account_lead).put(url, {"assignee": elsewhere.pk}, format="json")
    missing = api(account_lead).put(url, {"assignee": 987654321}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["errors"] == {
        "assignee": [
            message.replace("987654321", str(elsewhere.pk)) for message in missing.json()["errors"]["assignee"]
        ]
    }


def test_risk_policy_follows_defaults_until_put(api, account_lead, client_a):
    session = api(account_lead)
    assert session.get(f"{base(client_a)}/risk-policy/").status_code == 404
    policy = {
        "weights": {"reach": 30},
        "medium_from": 20,
        "high_from": 10,
        "critical_from": 80,
        "low_target_minutes": 600,
        "medium_target_minutes": 120,
        "high_target_minutes": 45,
        "critical_target_minutes": 15,
        "business_hours_levels": ["low"],
        "warn_percent": 80,
    }
    refused = session.put(f"{base(client_a)}/risk-policy/", policy, format="json")
    assert refused.status_code == 400 and "high_from" in refused.json()["errors"]
    assert session.put(f"{base(client_a)}/risk-policy/", {**policy, "high_from": 50}, format="json").status_code == 200
    assert RiskPolicy.objects.get(client=client_a).high_from == 50
    assert session.get(f"{base(client_a)}/risk-policy/").json()["critical_target_minutes"] == 15


def test_business_hours_put_and_overlap_refused(api, account_lead, client_a):
    session = api(account_lead)
    url = f"{base(client_a)}/business-hours/"
    overlapping = {
        "timezone": "Europe/Berlin",
        "blocks": [
            {"weekday": 0, "opens": "09:00", "closes": "13:00"},
            {"weekday": 0, "opens": "12:00", "closes": "17:00"},
        ],
    }
    answer = session.put(url, overlapping, format="json")
    assert answer.status_code == 400 and "blocks" in answer.json()["errors"]
    good = {
        **overlapping,
        "blocks": overlapping["blocks"][:1],
        "holidays": [{"date": "2026-12-25", "name": "Weihnachten"}],
    }
    assert session.put(url, good, format="json").status_code == 200
    body = session.get(url).json()
    assert (body["timezone"], len(body["blocks"]), body["holidays"][0]["name"]) == ("Europe/Berlin", 1, "Weihnachten")
    assert BusinessHoursBlock.objects.filter(client=client_a).count() == 1


def test_routing_policy(api, account_lead, responder, client_a):
    url = f"{base(client_a)}/routing-policy/"
    assert api(responder).get(url).json()["mode"] == "least_open"
    data = {"mode": "round_robin", "default_capacity": 8, "reassign_after_minutes": 15}
    assert api(responder).put(url, data, format="json").status_code == 403
    assert api(account_lead).put(url, data, format="json").status_code == 200
    assert RoutingPolicy.objects.get(client=client_a).reassign_after_minutes == 15


def test_rota_plan_list_now_hand_over_and_delete(api, account_lead, responder, client_a):
    session = api(account_lead)
    now = timezone.now()
    made = session.post(
        f"{base(client_a)}/on-call-shifts/",
        {"user": responder.pk, "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=4)).isoformat()},
        format="json",
    )
    assert made.status_code == 201
    later = OnCallShiftFactory(client=client_a, user=account_lead, starts_at=now + timedelta(hours=4))
    assert [s["user"] for s in session.get(f"{base(client_a)}/on-call-shifts/now/").json()] == [responder.pk]
    handed = api(responder).post(
        f"{base(client_a)}/on-call-shifts/{made.json()['id']}/hand-over/", {"note": "All calm"}, format="json"
    )
    assert handed.status_code == 200 and handed.json()["id"] == later.pk
    assert session.delete(f"{base(client_a)}/on-call-shifts/{later.pk}/").status_code == 204
    assert not OnCallShift.objects.filter(pk=later.pk).exists()


def test_a_shift_for_someone_of_another_client_reads_like_an_unknown_id(api, account_lead, client_a, client_b):
    from apps.tenants.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    elsewhere = UserFactory()
    MembershipFactory(user=elsewhere, client=client_b, role=Role.RESPONDER)
    now = timezone.now()
    times = {"starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=4)).isoformat()}
    url = f"{base(client_a)}/on-call-shifts/"
    foreign = api(account_lead).post(url, {"user": elsewhere.pk, **times}, format="json")
    missing = api(account_lead).post(url, {"user": 987654321, **times}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["errors"] == {
        "user": [message.replace("987654321", str(elsewhere.pk)) for message in missing.json()["errors"]["user"]]
    }
    assert not OnCallShift.objects.exists()


def test_a_mention_never_rated_again_lists_its_arrival_rating(api, responder, client_a, brand_a):
    factors = [{"factor": "reach", "points": 12.0, "detail": {"followers": 5000}}]
    rated_at = timezone.now()
    arrived = MentionFactory(brand=brand_a, risk_level="low", risk_score=12, risk_factors=factors, rated_at=rated_at)
    [rating] = api(responder).get(f"{base(client_a)}/mentions/{arrived.pk}/ratings/").json()["results"]
    assert (rating["id"], rating["level"], rating["score"], rating["actor"], rating["is_override"]) == (
        None,
        "low",
        12,
        None,
        False,
    )
    assert rating["factors"] == factors and parse_datetime(rating["rated_at"]) == rated_at
