"""Issue 16, point 5: one rule for what each role reads, in pages and API alike.

The agency's people (account leads, responders, analysts) read all of a client's work; analysts
change none of it. Client people read the client's mentions without the agency's record of its
work, and approvers the answers waiting for them (tests/test_tenancy_routes.py checks each field).
"""

import pytest
from django.urls import reverse

from apps.tenants.roles import ROLE_PERMISSIONS, ClientPerm, Role
from tests.factories import AnswerFactory, MentionFactory, MentionNoteFactory, SourceFactory

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "inbox",
    "source_list",
    "approvals",
    "approval_policy",
    "saved_replies",
    "response_rules",
    "client_audit",
    "on_call",
]


def test_every_agency_role_reads_the_work_and_no_client_role_does():
    for role in (Role.ACCOUNT_LEAD, Role.RESPONDER, Role.ANALYST):
        assert ClientPerm.READ_WORK in ROLE_PERMISSIONS[role] and ClientPerm.VIEW_AUDIT in ROLE_PERMISSIONS[role]
    for role in (Role.CLIENT_VIEWER, Role.CLIENT_APPROVER):
        assert ClientPerm.READ_WORK not in ROLE_PERMISSIONS[role]
    assert ClientPerm.WORK_MENTIONS not in ROLE_PERMISSIONS[Role.ANALYST]


@pytest.mark.parametrize("page", READ_PAGES)
def test_an_analyst_reads_every_page_of_the_work(web, analyst, client_a, brand_a, page):
    assert web(analyst).get(reverse(page, args=[client_a.slug])).status_code == 200


@pytest.mark.parametrize("page", READ_PAGES)
def test_client_people_read_none_of_the_work_pages(web, client_viewer, client_a, page):
    if page == "approvals":
        return  # client people reach approvals only as approvers (their own waiting answers)
    assert web(client_viewer).get(reverse(page, args=[client_a.slug])).status_code == 403


def test_an_analyst_reads_a_mention_its_notes_and_answers_and_is_offered_no_change(web, analyst, brand_a):
    mention = MentionFactory(brand=brand_a, text="Alpha Crisps burnt my tongue")
    MentionNoteFactory(mention=mention, client=brand_a.client, text="Lead: call the shop")
    AnswerFactory(mention=mention)
    page = web(analyst).get(mention.get_absolute_url()).content.decode()
    assert "Alpha Crisps burnt my tongue" in page and "Lead: call the shop" in page
    for action in ("mention_transition", "mention_note", "mention_assign", "mention_risk", "mention_archive"):
        assert reverse(action, args=[brand_a.client.slug, mention.pk]) not in page, action
    assert "answer-text-new" not in page


def test_my_work_is_empty_for_an_analyst_not_refused(web, analyst, client_a):
    assert web(analyst).get(reverse("my_work")).status_code == 200


def test_an_analyst_reads_sources_in_the_api_and_cannot_poll_them(api, analyst, client_a, brand_a):
    source = SourceFactory(brand=brand_a)
    base = f"/api/v1/clients/{client_a.pk}/sources/"
    assert api(analyst).get(base).status_code == 200
    assert api(analyst).post(f"{base}{source.pk}/poll/", {}, format="json").status_code == 403


def test_the_audit_api_gives_addresses_only_to_those_who_manage_people(api, account_lead, responder, client_a):
    from tests.factories import AuditEventFactory

    AuditEventFactory(client=client_a, ip_address="203.0.113.7")
    url = f"/api/v1/clients/{client_a.pk}/audit-events/"
    assert api(account_lead).get(url).json()["results"][0]["ip_address"] == "203.0.113.7"
    assert "ip_address" not in api(responder).get(url).json()["results"][0]


def test_client_people_cannot_learn_assignments_through_the_assignee_filter(api, client_viewer, responder, client_a):
    url = f"/api/v1/clients/{client_a.pk}/mentions/"
    for value in ("me", "none", str(responder.pk)):
        refused = api(client_viewer).get(url, {"assignee": value})
        assert refused.status_code == 400 and "assignee" in refused.json()["errors"]
    assert api(responder).get(url, {"assignee": "me"}).status_code == 200


def test_an_analysts_menu_leads_to_the_work_they_read(web, analyst, client_a):
    page = web(analyst).get(reverse("client_detail", args=[client_a.slug])).content.decode()
    menu = page.split('class="clientnav"', 1)[1].split("</nav>", 1)[0]
    for name in ("inbox", "source_list", "approvals", "on_call", "response_rules", "approval_policy", "webhook_list"):
        assert reverse(name, args=[client_a.slug]) in menu, name
