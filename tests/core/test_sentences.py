"""Issue 16, point 8: activity and audit read as sentences with names and local times, not codes."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.core.sentences import names_for, sentence_of
from apps.mentions.services import mention_transition
from apps.routing.services import mention_assign
from tests.factories import AuditEventFactory, MentionFactory

pytestmark = pytest.mark.django_db


def test_the_mention_activity_names_people_and_says_what_happened(web, responder, account_lead, brand_a):
    mention = MentionFactory(brand=brand_a)
    mention_transition(actor=responder, mention=mention, status="no_response_needed", reason="A bot")
    mention_assign(actor=account_lead, mention=mention, assignee=responder)

    page = web(account_lead).get(mention.get_absolute_url()).content.decode()
    activity = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert f"{responder.display_name} moved it from new to no response needed, saying: A bot." in activity
    assert f"{account_lead.display_name} gave it to {responder.display_name}." in activity
    assert "mention.status_changed" not in activity and "no_response_needed" not in activity
    assert responder.email not in activity


def test_the_audit_page_reads_as_sentences_with_local_times(web, account_lead, responder, client_a):
    AuditEventFactory(
        client=client_a,
        actor=account_lead,
        action="mention.sla_breached",
        target_repr="a mention",
        after={"response_due_at": "2026-06-01T10:00:00+00:00", "assignee_id": responder.pk},
    )
    page = web(account_lead).get(reverse("client_audit", args=[client_a.slug])).content.decode()
    # Copenhagen is two hours ahead of UTC in June.
    assert f"Its answer time ran out at 2026-06-01 12:00, with {responder.display_name} on it." in page
    assert "2026-06-01T10:00:00+00:00" not in page and "{" not in page.split("<tbody>", 1)[1]


def test_a_role_change_reads_with_role_names(account_lead, client_a):
    event = AuditEventFactory(
        client=client_a,
        actor=account_lead,
        action="membership.role_changed",
        target_repr="Ann",
        before={"role": "responder"},
        after={"role": "account_lead"},
    )
    assert sentence_of(event, names_for([event])) == (
        f"{account_lead.display_name} changed the role of Ann from responder to account lead."
    )


def test_an_event_of_the_system_and_one_without_a_sentence_still_read_as_words():
    system = AuditEvent(
        actor=None,
        actor_label="system",
        action="mention.first_response",
        target_repr="m",
        after={"first_response_at": datetime(2026, 1, 5, 9, 30, tzinfo=UTC).isoformat()},
    )
    assert sentence_of(system, {}) == "First answered at 2026-01-05 10:30; its answer time stopped."
    unknown = AuditEvent(actor=None, actor_label="system", action="report.sent_weekly", target_repr="Alpha")
    assert sentence_of(unknown, {}) == "The system: report sent weekly (Alpha)"


def test_the_audit_changes_read_in_words_and_the_page_reads_names_once(
    web, account_lead, responder, client_a, brand_a, django_assert_max_num_queries
):
    mention = MentionFactory(brand=brand_a)
    mention_transition(actor=responder, mention=mention, status="no_response_needed", reason="A bot")
    mention_assign(actor=account_lead, mention=mention, assignee=responder)
    http = web(account_lead)
    page = http.get(reverse("client_audit", args=[client_a.slug])).content.decode()
    body = page.split("<tbody>", 1)[1]
    assert "no response needed" in body and "no_response_needed" not in body
    assert f"→ {responder.display_name}" in body and f"→ {responder.pk}<" not in body

    for _ in range(20):
        AuditEventFactory(client=client_a, actor=responder, action="brand.updated", target_repr="Crisps")
    with django_assert_max_num_queries(16):  # not one query per row
        http.get(reverse("client_audit", args=[client_a.slug]))


def test_a_membership_event_names_the_member_not_their_address(web, account_lead, client_a):
    from apps.tenants.roles import Role
    from apps.tenants.services import membership_grant
    from tests.factories import UserFactory

    ann = UserFactory(email="ann@example.test", full_name="Ann Berg")
    membership_grant(actor=account_lead, client=client_a, user=ann, role=Role.RESPONDER)
    event = AuditEvent.objects.get(action="membership.granted")
    assert sentence_of(event, names_for([event])) == f"{account_lead.display_name} made Ann Berg responder."


def test_approvers_inside_steps_read_by_name(account_lead, responder, client_a):
    event = AuditEventFactory(
        client=client_a,
        actor=responder,
        action="answer.submitted",
        after={"steps": [{"role": "account_lead", "mode": "any", "approvers": [account_lead.pk]}]},
    )
    from apps.core.sentences import changes_of

    assert account_lead.display_name in str(changes_of(event, names_for([event])))
