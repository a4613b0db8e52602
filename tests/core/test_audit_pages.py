import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from tests.factories import AuditEventFactory


@pytest.mark.django_db
def test_client_audit_page_filters_and_shows_only_that_client(web, client_a, client_b, account_lead):
    AuditEventFactory(client=client_a, action="brand.created", actor_label="lead@example.test", target_repr="Crisps")
    AuditEventFactory(client=client_a, action="membership.granted", actor_label="admin@example.test")
    AuditEventFactory(client=client_b, action="brand.created", target_repr="Bravo secret")
    http = web(account_lead)
    page = http.get(reverse("client_audit", args=[client_a.slug]))
    assert page.status_code == 200
    assert {e.client_id for e in page.context["events"]} == {client_a.pk}
    assert b"Bravo secret" not in page.content
    filtered = http.get(reverse("client_audit", args=[client_a.slug]), {"action": "brand", "actor": "lead@"})
    assert [e.target_repr for e in filtered.context["events"]] == ["Crisps"]


@pytest.mark.django_db
def test_audit_date_filters_and_bad_range(web, client_a, account_lead):
    old = AuditEventFactory(client=client_a, action="brand.created")
    AuditEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - timezone.timedelta(days=40))
    AuditEventFactory(client=client_a, action="brand.updated")
    since = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    page = web(account_lead).get(reverse("client_audit", args=[client_a.slug]), {"since": since})
    assert [e.action for e in page.context["events"]] == ["brand.updated"]
    bad = web(account_lead).get(
        reverse("client_audit", args=[client_a.slug]), {"since": "2026-05-02", "until": "2026-05-01"}
    )
    assert bad.status_code == 400 and "until" in bad.context["form"].errors


@pytest.mark.django_db
def test_agency_people_read_their_clients_audit_trail_and_client_people_do_not(
    web, client_a, responder, analyst, client_viewer, client_approver
):
    for person in (responder, analyst):
        assert web(person).get(reverse("client_audit", args=[client_a.slug])).status_code == 200
    for person in (client_viewer, client_approver):
        assert web(person).get(reverse("client_audit", args=[client_a.slug])).status_code == 403


@pytest.mark.django_db
def test_agency_audit_page_is_for_agency_admins_and_shows_sign_ins(web, agency_admin, account_lead):
    AuditEventFactory(client=None, action="auth.login_failed", target_repr="someone@example.test")
    assert web(account_lead).get(reverse("agency_audit")).status_code == 403
    page = web(agency_admin).get(reverse("agency_audit"))
    assert b"auth.login_failed" in page.content


@pytest.mark.django_db
def test_people_page_lists_roles_mfa_and_switches_access(web, agency_admin, account_lead, responder, client_a):
    http = web(agency_admin)
    page = http.get(reverse("people"))
    people = {p.email: p for p in page.context["people"]}
    assert people["lead@example.test"].has_mfa and not people["responder@example.test"].has_mfa
    assert web(account_lead).get(reverse("people")).status_code == 403
    http.post(reverse("user_access", args=[responder.pk]), {"active": "0"})
    responder.refresh_from_db()
    assert not responder.is_active
    assert AuditEvent.objects.filter(action="user.deactivated", actor=agency_admin).exists()
    own = http.post(reverse("user_access", args=[agency_admin.pk]), {"active": "0"}, follow=True)
    assert b"cannot switch off your own access" in own.content


@pytest.mark.django_db
def test_client_switcher_puts_the_client_in_the_url(web, client_a, responder):
    response = web(responder).get(reverse("client_switch"), {"client": client_a.slug})
    assert response["Location"] == reverse("client_detail", args=[client_a.slug])


@pytest.mark.django_db
def test_client_people_land_on_their_client(web, client_a, client_viewer):
    response = web(client_viewer).get(reverse("home"))
    assert response["Location"] == reverse("client_detail", args=[client_a.slug])


@pytest.mark.django_db
def test_audit_page_shows_changes_field_by_field(web, client_a, account_lead):
    AuditEventFactory(
        client=client_a, action="membership.role_changed", before={"role": "responder"}, after={"role": "analyst"}
    )
    AuditEventFactory(client=client_a, action="brand.created", after={"aliases": ["<b>A</b>", "B"]})
    page = web(account_lead).get(reverse("client_audit", args=[client_a.slug]))
    assert b"<del>responder</del> \xe2\x86\x92 analyst" in page.content
    assert b"&lt;b&gt;A&lt;/b&gt;, B" in page.content


@pytest.mark.django_db
def test_django_admin_is_for_agency_admins_only(web, agency_admin, account_lead):
    assert web(agency_admin).get("/admin/").status_code == 200
    assert web(agency_admin).get("/admin/core/auditevent/").status_code == 200
    response = web(account_lead).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_clients_created_in_django_admin_are_audited(web, agency_admin):
    response = web(agency_admin).post(
        "/admin/tenants/client/add/", {"name": "Charlie Air", "slug": "charlie", "timezone": "Europe/Oslo"}
    )
    assert response.status_code == 302
    from apps.core.models import AuditEvent
    from apps.tenants.models import Client

    client = Client.objects.get(slug="charlie")
    assert AuditEvent.objects.filter(action="client.created", client=client, actor=agency_admin).exists()
