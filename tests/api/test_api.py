import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.core.models import AuditEvent
from apps.tenants.models import Membership
from apps.tenants.roles import Role
from tests.factories import BrandFactory


def bearer(token: str) -> APIClient:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return http


@pytest.mark.django_db
def test_personal_token_is_shown_once_works_and_can_be_revoked(api, client_a, responder):
    created = api(responder).post(reverse("api:api-token-list"), {"name": "BI export"}, format="json")
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("vrd_")
    assert "token" not in api(responder).get(reverse("api:api-token-list")).json()["results"][0]
    assert secret not in str(ApiToken.objects.values_list())

    me = bearer(secret).get(reverse("api:api-me"))
    assert me.status_code == 200
    assert me.json()["roles"] == {str(client_a.pk): "responder"}
    assert ApiToken.objects.get().last_used_at is not None

    token_url = reverse("api:api-token-detail", args=[created.json()["id"]])
    assert api(responder).delete(token_url).status_code == 204
    refused = bearer(secret).get(reverse("api:api-me"))
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert {"api_token.created", "api_token.revoked"} <= set(AuditEvent.objects.values_list("action", flat=True))


@pytest.mark.django_db
def test_tokens_are_personal_but_admins_can_manage_them(api, responder, analyst, agency_admin):
    token = api(responder).post(reverse("api:api-token-list"), {"name": "mine"}, format="json").json()
    url = reverse("api:api-token-detail", args=[token["id"]])
    assert api(analyst).get(url).status_code == 404
    assert api(analyst).delete(url).status_code == 404
    foreign = api(analyst).post(reverse("api:api-token-list"), {"name": "x", "user": responder.pk}, format="json")
    assert foreign.status_code == 403
    for_someone = api(agency_admin).post(
        reverse("api:api-token-list"), {"name": "svc", "user": analyst.pk}, format="json"
    )
    assert for_someone.status_code == 201 and for_someone.json()["user"] == analyst.pk
    assert api(agency_admin).delete(url).status_code == 204


@pytest.mark.django_db
def test_malformed_and_unknown_tokens_are_refused(client_a):
    for value in ("vrd_nope", "vrd_deadbeef_wrongsecret", "something-else"):
        response = bearer(value).get(reverse("api:client-list"))
        assert response.status_code == 401, value


@pytest.mark.django_db
def test_error_bodies_share_one_shape(api, client_a, client_b, responder):
    not_found = api(responder).get(reverse("api:brand-list", args=[client_b.pk]))
    assert not_found.json() == {"status": 404, "code": "not_found", "detail": not_found.json()["detail"]}
    forbidden = api(responder).post(reverse("api:brand-list", args=[client_a.pk]), {}, format="json")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"
    anonymous = APIClient().get(reverse("api:client-list"))
    assert anonymous.status_code == 401 and anonymous.json()["status"] == 401
    non_numeric = api(responder).get("/api/v1/clients/abc/brands/")
    assert non_numeric.status_code == 404


@pytest.mark.django_db
def test_lists_are_paginated_consistently(api, client_a, responder):
    for _ in range(7):
        BrandFactory(client=client_a)
    page = api(responder).get(reverse("api:brand-list", args=[client_a.pk]), {"page_size": 5}).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 7 and len(page["results"]) == 5 and page["next"]


@pytest.mark.django_db
def test_memberships_and_invitations_through_the_api(api, client_a, account_lead, responder):
    memberships = api(account_lead).get(reverse("api:membership-list", args=[client_a.pk])).json()["results"]
    assert {m["email"] for m in memberships} == {"lead@example.test", "responder@example.test"}
    mid = Membership.objects.get(user=responder).pk
    url = reverse("api:membership-detail", args=[client_a.pk, mid])
    assert api(account_lead).patch(url, {"role": "emperor"}, format="json").status_code == 400
    assert api(account_lead).patch(url, {"role": Role.ANALYST}, format="json").json()["role"] == Role.ANALYST
    invited = api(account_lead).post(
        reverse("api:invitation-list", args=[client_a.pk]),
        {"email": "api@example.test", "role": Role.CLIENT_VIEWER},
        format="json",
    )
    assert invited.status_code == 201 and invited.json()["status"] == "pending"
    bad = api(account_lead).post(
        reverse("api:invitation-list", args=[client_a.pk]), {"email": "nope", "role": "x"}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"email", "role"}
    assert api(account_lead).delete(url).status_code == 204
    assert not Membership.objects.filter(pk=mid).exists()


@pytest.mark.django_db
def test_audit_trail_in_the_api_is_filtered_and_scoped(api, client_a, client_b, account_lead, brand_b):
    api(account_lead).post(reverse("api:brand-list", args=[client_a.pk]), {"name": "N", "slug": "n"}, format="json")
    AuditEvent.objects.create(actor_label="system", client=client_b, action="brand.created")
    events = (
        api(account_lead)
        .get(reverse("api:audit-event-list", args=[client_a.pk]), {"action": "brand."})
        .json()["results"]
    )
    assert [e["action"] for e in events] == ["brand.created"]
    assert all(e["client"] == client_a.pk for e in events)


@pytest.mark.django_db
def test_schema_and_docs_are_served(web, responder):
    schema = web(responder).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json() if schema["Content-Type"].startswith("application/vnd.oai.openapi+json") else None
    if body is not None:
        assert "/api/v1/clients/{client_pk}/brands/" in body["paths"]
    else:
        assert b"/api/v1/clients/{client_pk}/brands/" in schema.content
    assert web(responder).get(reverse("api-docs")).status_code == 200


@pytest.mark.django_db
def test_tokens_whose_secret_contains_underscores_work(responder):
    from apps.accounts.services import api_token_create

    for _ in range(20):  # token_urlsafe yields "_" in most 43-character secrets
        _token, raw = api_token_create(actor=responder, user=responder, name="loop")
        assert bearer(raw).get(reverse("api:api-me")).status_code == 200


@pytest.mark.django_db
def test_revoking_a_token_in_the_web_app_never_redirects_off_site(web, responder):
    from apps.accounts.services import api_token_create

    token, _raw = api_token_create(actor=responder, user=responder, name="web")
    response = web(responder).post(reverse("api_token_revoke", args=[token.pk]), {"next": "https://evil.example/phish"})
    assert response["Location"] == reverse("api_tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_token_creation_for_others_does_not_reveal_which_users_exist(api, responder, analyst):
    url = reverse("api:api-token-list")
    existing = api(responder).post(url, {"name": "x", "user": analyst.pk}, format="json")
    missing = api(responder).post(url, {"name": "x", "user": 987654}, format="json")
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["risk-policy", "business-hours", "routing-policy", "approval-policy"])
def test_options_on_a_one_per_client_resource_answers_not_500(api, account_lead, client_a, route):
    """DRF's OPTIONS looked for an object named in the URL, which these resources have none of."""
    assert api(account_lead).options(f"/api/v1/clients/{client_a.pk}/{route}/").status_code == 200
