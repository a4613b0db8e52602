import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.tenants.models import Brand

GOOD = {
    "name": "Alpha Soda",
    "slug": "alpha-soda",
    "aliases": "Alfa Soda\nAlpha-Soda, #alphasoda",
    "handles": "@alphasoda",
    "languages": ["da", "en"],
    "tone_of_voice": "Friendly.",
}


@pytest.mark.django_db
def test_lead_creates_a_brand_with_aliases_and_an_audit_event(web, client_a, account_lead):
    response = web(account_lead).post(reverse("brand_create", args=[client_a.slug]), GOOD)
    assert response.status_code == 302
    brand = Brand.objects.get(slug="alpha-soda")
    assert brand.client == client_a
    assert brand.aliases == ["Alfa Soda", "Alpha-Soda", "#alphasoda"]
    assert brand.languages == ["da", "en"]
    event = AuditEvent.objects.get(action="brand.created")
    assert event.actor == account_lead and event.after["name"] == "Alpha Soda"


@pytest.mark.django_db
def test_bad_brand_input_answers_400_with_field_errors_and_keeps_input(web, client_a, account_lead, brand_a):
    bad = {**GOOD, "slug": brand_a.slug, "languages": ["xx"], "name": ""}
    response = web(account_lead).post(reverse("brand_create", args=[client_a.slug]), bad)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"slug", "languages", "name"}
    assert b"Alfa Soda" in response.content
    assert Brand.objects.count() == 1


@pytest.mark.django_db
def test_edit_records_before_and_after(web, client_a, account_lead, brand_a):
    web(account_lead).post(
        reverse("brand_update", args=[client_a.slug, brand_a.pk]),
        {**GOOD, "slug": brand_a.slug, "name": "Alpha Crisps Max"},
    )
    event = AuditEvent.objects.get(action="brand.updated")
    assert event.before["name"] == "Alpha Crisps" and event.after["name"] == "Alpha Crisps Max"


@pytest.mark.django_db
def test_brand_text_is_escaped(web, client_a, account_lead, responder):
    hostile = {**GOOD, "name": "<script>alert(1)</script>", "tone_of_voice": "<img src=x onerror=alert(2)>"}
    web(account_lead).post(reverse("brand_create", args=[client_a.slug]), hostile)
    page = web(responder).get(reverse("client_detail", args=[client_a.slug]))
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    assert b"<img src=x" not in page.content


@pytest.mark.django_db
def test_api_brand_create_update_and_validation(api, client_a, account_lead, responder):
    url = reverse("api:brand-list", args=[client_a.pk])
    created = api(account_lead).post(
        url, {"name": "Alpha Tea", "slug": "alpha-tea", "languages": ["de"]}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["client"] == client_a.pk
    detail = reverse("api:brand-detail", args=[client_a.pk, created.json()["id"]])
    patched = api(account_lead).patch(detail, {"aliases": ["Alfa Tee"]}, format="json")
    assert patched.json()["aliases"] == ["Alfa Tee"]
    bad = api(account_lead).post(url, {"name": "", "slug": "alpha-tea", "languages": ["xx"]}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"name", "slug", "languages"}
    assert api(responder).patch(detail, {"name": "nope"}, format="json").status_code == 403
    listed = api(responder).get(url).json()
    assert [b["slug"] for b in listed["results"]] == ["alpha-tea"]
