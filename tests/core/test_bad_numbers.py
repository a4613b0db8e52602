"""Numbers and times from query strings, forms and API bodies: 400 naming the field, never 500 (issue 15, case 5)."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.core.numbers import parse_id, parse_ids
from apps.mentions.models import Mention
from apps.routing.models import RoutingPolicy
from tests.factories import AuditEventFactory, MentionFactory

UNICODE_DIGITS = ["\u00b2", "\u0663", "\uff11"]  # superscript two, Arabic-Indic three, fullwidth one


@pytest.mark.parametrize("text", [*UNICODE_DIGITS, "", "-1", "0", "1e3", " 7", "9" * 20, str(2**63)])
def test_only_ascii_digits_within_a_bigint_are_ids(text):
    assert parse_id(text) is None


def test_ids_parse_whole_or_not_at_all():
    assert parse_id("42") == 42 and parse_id("0", allow_zero=True) == 0 and parse_id(str(2**63 - 1)) == 2**63 - 1
    assert parse_ids(["1", "2"], limit=10) == [1, 2]
    assert parse_ids(["1", "\u00b2"], limit=10) is None


@pytest.mark.django_db
@pytest.mark.parametrize("assignee", [*UNICODE_DIGITS, "9" * 30])
def test_an_assignee_of_other_digits_is_400_on_the_inbox_and_the_api(web, api, responder, client_a, assignee):
    page = web(responder).get(reverse("inbox", args=[client_a.slug]), {"assignee": assignee})
    assert page.status_code == 400
    listed = api(responder).get(f"/api/v1/clients/{client_a.pk}/mentions/", {"assignee": assignee})
    assert listed.status_code == 400 and "assignee" in listed.json()["errors"]


@pytest.mark.django_db
def test_bulk_ids_or_assignee_of_other_digits_are_400_and_change_nothing(web, responder, brand_a):
    mention = MentionFactory(brand=brand_a)
    url = reverse("inbox_bulk", args=[brand_a.client.slug])
    for data in (
        {"ids": [str(mention.pk), "\u00b2"], "action": "archive"},
        {"ids": ["9" * 30], "action": "archive"},
        {"ids": [str(mention.pk)], "action": "assign", "assignee": "\u00b2"},
    ):
        response = web(responder).post(url, data, HTTP_ACCEPT="text/plain")
        assert response.status_code == 400, data
    assert Mention.objects.get(pk=mention.pk).archived_at is None


@pytest.mark.django_db
def test_a_poll_with_a_huge_or_foreign_digit_id_is_400(web, responder, client_a):
    url = reverse("inbox_poll", args=[client_a.slug])
    seen = {"seen_at": "2026-12-01T10:00:00+00:00"}
    assert web(responder).get(url, {**seen, "newest": "9" * 30}).status_code == 400
    assert web(responder).get(url, {**seen, "newest": "1", "shown": ["\u00b2"]}).status_code == 400
    assert web(responder).get(url, {**seen, "newest": "1", "shown": ["5"]}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"mode": "round_robin", "default_capacity": 10**12}, "default_capacity"),
        ({"mode": "round_robin", "default_capacity": 10, "reassign_after_minutes": 10**12}, "reassign_after_minutes"),
    ],
)
def test_routing_numbers_past_their_column_are_400_by_field(api, web, account_lead, client_a, data, field):
    answer = api(account_lead).put(f"/api/v1/clients/{client_a.pk}/routing-policy/", data, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"]
    page = reverse("response_rules", args=[client_a.slug])
    form = {"section": "routing", "reassign_after_minutes": "", **{k: str(v) for k, v in data.items()}}
    assert web(account_lead).post(page, form).status_code == 400
    assert not RoutingPolicy.objects.filter(client=client_a).exists()


@pytest.mark.django_db
def test_an_audit_filter_with_an_offset_postgres_refuses_is_answered(api, account_lead, client_a):
    AuditEventFactory(client=client_a, action="brand.updated")
    url = f"/api/v1/clients/{client_a.pk}/audit-events/"
    answer = api(account_lead).get(url, {"until": "2026-01-01T00:00:00-19:03"})
    assert answer.status_code == 200 and answer.json()["count"] == 0
    assert api(account_lead).get(url, {"until": "2999-01-01T00:00:00-19:03"}).json()["count"] == 1
    assert AuditEvent.objects.count() >= 1


@pytest.mark.django_db
def test_a_source_config_that_is_not_an_object_is_400(api, account_lead, client_a, brand_a):
    answer = api(account_lead).post(
        f"/api/v1/clients/{client_a.pk}/sources/",
        {"brand": brand_a.pk, "name": "Feed", "kind": "rss", "config": "https://example.com/feed"},
        format="json",
    )
    assert answer.status_code == 400 and "config" in answer.json()["errors"]
