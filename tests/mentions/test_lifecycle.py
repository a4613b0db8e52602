"""The mention lifecycle, archive and purge, notes and links: rules in the services, each step audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.mentions.lifecycle import manual_moves_from
from apps.mentions.models import UNANSWERED, Mention, MentionLink, MentionNote
from apps.mentions.services import (
    mention_add_topic,
    mention_archive,
    mention_purge,
    mention_transition,
    mentions_bulk,
    mentions_link,
    note_add,
)
from apps.notifications.models import Notification
from apps.risk.models import RiskRating
from apps.routing.selectors import open_work
from tests.factories import MentionFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mention(brand_a):
    return MentionFactory(brand=brand_a)


def test_the_moves_by_hand_are_audited(mention, responder):
    for status in ("triaged", "in_progress", "no_response_needed", "triaged", "in_progress"):
        reason = "A bot" if status == "no_response_needed" else ""
        mention = mention_transition(actor=responder, mention=mention, status=status, reason=reason)
    mention.refresh_from_db()
    assert mention.status == "in_progress"
    moves = AuditEvent.objects.filter(action="mention.status_changed", target_id=str(mention.pk)).order_by("id")
    assert [(event.before["status"], event.after["status"]) for event in moves] == [
        ("new", "triaged"),
        ("triaged", "in_progress"),
        ("in_progress", "no_response_needed"),
        ("no_response_needed", "triaged"),
        ("triaged", "in_progress"),
    ]
    assert {event.actor for event in moves} == {responder}


@pytest.mark.parametrize("start", ["new", "triaged", "in_progress"])
@pytest.mark.parametrize("target", ["awaiting_approval", "answered"])
def test_answered_and_awaiting_approval_are_never_set_by_hand(brand_a, responder, start, target):
    """Point 1 of issue 16: the approval could be skipped and the SLA clock stopped with no answer."""
    mention = MentionFactory(brand=brand_a, status=start, risk_level="high")
    with pytest.raises(ValidationError) as refused:
        mention_transition(actor=responder, mention=mention, status=target)
    assert "follow the mention's answer" in refused.value.message_dict["status"][0]
    mention.refresh_from_db()
    assert (mention.status, mention.first_response_at) == (start, None)
    assert not AuditEvent.objects.filter(target_id=str(mention.pk)).exists()


def test_a_mention_awaiting_approval_moves_only_with_its_answer(brand_a, responder):
    mention = MentionFactory(brand=brand_a, status="awaiting_approval")
    for target in ("in_progress", "answered", "no_response_needed"):
        with pytest.raises(ValidationError) as refused:
            mention_transition(actor=responder, mention=mention, status=target, reason="x")
        assert "waiting for approval" in refused.value.message_dict["status"][0]
    assert manual_moves_from("awaiting_approval") == []


def test_answered_elsewhere_wants_a_reason_and_the_address_and_is_counted_apart(mention, responder):
    mention.assignee = responder
    mention.save()
    with pytest.raises(ValidationError) as refused:
        mention_transition(actor=responder, mention=mention, status="answered_elsewhere", answer_url="https://x.test/1")
    assert refused.value.message_dict == {"reason": ["Say who answered it, and how."]}
    for address in ("", "javascript:alert(1)", "not a url"):
        with pytest.raises(ValidationError) as refused:
            mention_transition(
                actor=responder, mention=mention, status="answered_elsewhere", reason="The client", answer_url=address
            )
        assert list(refused.value.message_dict) == ["answer_url"]

    mention_transition(
        actor=responder,
        mention=mention,
        status="answered_elsewhere",
        reason="The client's shop manager replied on Facebook",
        answer_url="https://facebook.example/alpha/posts/1#c2",
    )
    mention.refresh_from_db()
    assert (mention.status, mention.answered_elsewhere_url) == (
        "answered_elsewhere",
        "https://facebook.example/alpha/posts/1#c2",
    )
    # No answer of ours: no first response is recorded, and it no longer waits or counts as work.
    assert mention.first_response_at is None
    assert not Mention.objects.filter(UNANSWERED, pk=mention.pk).exists()
    assert open_work(client=mention.client, user_ids=[responder.pk]).get(responder.pk, 0) == 0
    event = AuditEvent.objects.get(action="mention.status_changed", target_id=str(mention.pk))
    assert event.after["answer_url"] == "https://facebook.example/alpha/posts/1#c2"
    assert not AuditEvent.objects.filter(action="mention.first_response").exists()


def test_an_invalid_move_names_the_allowed_ones_and_changes_nothing(mention, responder):
    with pytest.raises(ValidationError) as refused:
        mention_transition(actor=responder, mention=mention, status="resolved")
    message = refused.value.message_dict["status"][0]
    assert "triaged" in message and "no response needed" in message and "answered elsewhere" in message
    assert "resolved" not in message.split(":", 1)[1] and "answered," not in message
    mention.refresh_from_db()
    assert mention.status == "new"
    assert not AuditEvent.objects.filter(action="mention.status_changed").exists()
    assert manual_moves_from("new") == [
        "triaged",
        "in_progress",
        "no_response_needed",
        "taken_private",
        "answered_elsewhere",
    ]


def test_no_response_needed_wants_a_reason_and_leaves_open_work(mention, responder):
    mention.assignee = responder
    mention.save()
    assert open_work(client=mention.client, user_ids=[responder.pk]) == {responder.pk: 1}
    with pytest.raises(ValidationError) as refused:
        mention_transition(actor=responder, mention=mention, status="no_response_needed", reason="  ")
    assert "reason" in refused.value.message_dict
    mention_transition(actor=responder, mention=mention, status="no_response_needed", reason="Spam from a bot")
    mention.refresh_from_db()
    assert (mention.status, mention.status_reason, mention.first_response_at) == (
        "no_response_needed",
        "Spam from a bot",
        None,
    )
    assert open_work(client=mention.client, user_ids=[responder.pk]).get(responder.pk, 0) == 0


def test_taken_private_by_hand_records_the_channel_and_stops_waiting_without_an_answer(mention, responder):
    """A conversation moved to DM by hand went through no approval: like "answered elsewhere" it
    records no first response of ours (counted apart), but the mention no longer waits."""
    with pytest.raises(ValidationError) as refused:
        mention_transition(actor=responder, mention=mention, status="taken_private")
    assert "private_channel" in refused.value.message_dict
    mention_transition(actor=responder, mention=mention, status="taken_private", private_channel="phone")
    mention.refresh_from_db()
    assert (mention.status, mention.private_channel) == ("taken_private", "phone")
    assert mention.first_response_at is None
    assert not Mention.objects.filter(UNANSWERED, pk=mention.pk).exists()
    assert not AuditEvent.objects.filter(action="mention.first_response", target_id=str(mention.pk)).exists()


def test_people_without_the_right_cannot_move_mentions(mention, analyst, client_viewer):
    for person in (analyst, client_viewer):
        with pytest.raises(PermissionDenied):
            mention_transition(actor=person, mention=mention, status="triaged")


def test_archive_hides_but_keeps_and_only_admins_purge(mention, responder, agency_admin):
    mention_archive(actor=responder, mention=mention)
    mention.refresh_from_db()
    assert mention.archived_at is not None
    assert Mention.objects.filter(pk=mention.pk).exists()
    with pytest.raises(PermissionDenied):
        mention_purge(actor=responder, mention=mention, reason="court order")
    with pytest.raises(ValidationError):
        mention_purge(actor=agency_admin, mention=mention, reason="")
    RiskRating.objects.create(
        client=mention.client, mention=mention, score=1, level="low", factors=[], rated_at=mention.posted_at
    )
    key = f"{mention.platform}:{mention.external_id}"
    mention_purge(actor=agency_admin, mention=mention, reason="GDPR erasure request 2026-11")
    assert not Mention.objects.filter(pk=mention.pk).exists()
    event = AuditEvent.objects.get(action="mention.purged")
    assert (event.actor, event.target_repr, event.after["reason"]) == (
        agency_admin,
        key,
        "GDPR erasure request 2026-11",
    )
    assert mention.text not in str(event.after)


def test_a_note_tells_the_people_it_mentions(mention, responder, account_lead, analyst):
    note = note_add(actor=responder, mention=mention, text="@lead@example.test can you check? Also @responder")
    assert MentionNote.objects.get() == note
    told = Notification.objects.filter(event="note.mentioned")
    assert [n.user for n in told] == [account_lead]  # not the writer, not people outside the client team
    assert told[0].url == mention.get_absolute_url()
    event = AuditEvent.objects.get(action="mention.note_added")
    assert event.after["mentioned_user_ids"] == [account_lead.pk]
    with pytest.raises(ValidationError):
        note_add(actor=responder, mention=mention, text="   ")


def test_topics_come_from_the_client_and_links_are_stored_once(mention, brand_a, responder):
    TopicFactory(client=brand_a.client, brand=brand_a, name="recall")
    with pytest.raises(ValidationError):
        mention_add_topic(actor=responder, mention=mention, topic="made-up")
    mention_add_topic(actor=responder, mention=mention, topic="recall")
    mention_add_topic(actor=responder, mention=mention, topic="recall")
    mention.refresh_from_db()
    assert mention.topics == ["recall"]

    others = [MentionFactory(brand=brand_a) for _ in range(2)]
    assert mentions_link(actor=responder, client=brand_a.client, mentions=[mention, *others]) == 3
    linked = AuditEvent.objects.filter(action="mention.linked")
    assert linked.count() == 3
    assert mentions_link(actor=responder, client=brand_a.client, mentions=[mention, others[0]]) == 0
    assert MentionLink.objects.count() == 3
    assert linked.count() == 3  # nothing new, nothing recorded


def test_bulk_goes_ahead_where_it_can_and_lists_the_refusals(brand_a, responder):
    fresh = MentionFactory(brand=brand_a)
    answered = MentionFactory(brand=brand_a, status="answered")
    outcome = mentions_bulk(
        actor=responder,
        client=brand_a.client,
        mentions=[fresh, answered],
        action="status",
        params={"status": "triaged"},
    )
    assert outcome.done == [fresh.pk]
    assert list(outcome.failed) == [answered.pk]
    assert "resolved" in outcome.failed[answered.pk]


def test_bulk_ignores_other_clients_mentions(brand_a, brand_b, responder):
    foreign = MentionFactory(brand=brand_b)
    with pytest.raises(ValidationError):
        mentions_bulk(actor=responder, client=brand_a.client, mentions=[foreign], action="archive", params={})
    foreign.refresh_from_db()
    assert foreign.archived_at is None


@pytest.mark.django_db(transaction=True)
def test_a_locked_mention_leaves_its_client_and_brand_unlocked(brand_a):
    import threading

    from django.db import connection, transaction

    from apps.mentions.locks import mention_locked
    from apps.tenants.models import Brand, Client

    mention = MentionFactory(brand=brand_a)
    outcome = {}

    def another_worker():
        try:
            with transaction.atomic():
                Client.objects.unscoped().select_for_update(nowait=True).get(pk=brand_a.client_id)
                Brand.objects.unscoped().select_for_update(nowait=True).get(pk=brand_a.pk)
                outcome["client and brand"] = "free"
                Mention.objects.unscoped().select_for_update(nowait=True).get(pk=mention.pk)
                outcome["mention"] = "free"
        except Exception as error:  # the mention's lock refuses NOWAIT at once
            outcome["refused"] = type(error).__name__
        finally:
            connection.close()

    with transaction.atomic():
        locked = mention_locked(mention)
        assert locked.client == brand_a.client  # read along, not locked
        thread = threading.Thread(target=another_worker)
        thread.start()
        thread.join(10)
    assert outcome == {"client and brand": "free", "refused": "OperationalError"}
