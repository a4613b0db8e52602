"""Saved replies, placeholders, the strategy per kind and word diffs between versions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.responses.models import SavedReply
from apps.responses.services import saved_reply_delete, saved_reply_save
from apps.responses.writing import Piece, diff_words, fill_placeholders, strategy_for
from tests.factories import MentionFactory, SavedReplyFactory


def test_placeholders_are_filled_and_other_braces_kept(db, brand_a):
    mention = MentionFactory(brand=brand_a, author_handle="@anna{brand}", url="https://social.example/@anna/1")
    filled = fill_placeholders("Hi {author}, {brand} is on it: {link} {unknown} {0}", mention)
    # The author's own braces are not read as a placeholder a second time.
    assert filled == f"Hi @anna{{brand}}, {brand_a.name} is on it: https://social.example/@anna/1 {{unknown}} {{0}}"


def test_each_kind_has_its_strategy_and_unknown_kinds_a_general_one():
    assert "replacement" in strategy_for("product_criticism")
    assert "bait" in strategy_for("trolling")
    assert strategy_for("") == strategy_for("no such kind")
    assert strategy_for("praise") != strategy_for("")


def test_diff_names_the_words_removed_and_added():
    pieces = diff_words("We are sorry about the delay.", "We are very sorry about the late delivery.")
    assert [piece.text.strip() for piece in pieces if piece.op == "-"] == ["delay."]
    assert [piece.text.strip() for piece in pieces if piece.op == "+"] == ["very", "late delivery."]
    assert pieces[0] == Piece("=", "We are")
    assert "".join(piece.text for piece in pieces if piece.op != "-") == "We are very sorry about the late delivery."
    assert "".join(piece.text for piece in pieces if piece.op != "+") == "We are sorry about the delay."


@pytest.mark.django_db
def test_saved_replies_are_checked_audited_and_kept_to_their_client(responder, client_a, client_b, client_viewer):
    reply = saved_reply_save(actor=responder, client=client_a, name="Delay", text="Sorry, {author}!", language="da")
    with pytest.raises(ValidationError) as clash:
        saved_reply_save(actor=responder, client=client_a, name="delay", text="Again", language="da")
    assert "name" in clash.value.message_dict
    saved_reply_save(actor=responder, client=client_a, name="Delay", text="Sorry!", language="en")  # other language
    with pytest.raises(ValidationError) as empty:
        saved_reply_save(actor=responder, client=client_a, name="", text="", kind="nonsense")
    assert set(empty.value.message_dict) == {"name", "text", "kind"}
    with pytest.raises(PermissionDenied):
        saved_reply_save(actor=client_viewer, client=client_a, name="Mine", text="x")
    with pytest.raises(PermissionDenied):
        saved_reply_save(actor=responder, client=client_b, name="Theirs", text="x")
    with pytest.raises(PermissionDenied):  # a reply of another client, named through this one
        saved_reply_save(actor=responder, client=client_a, name="x", text="y", reply=SavedReplyFactory(client=client_b))
    saved_reply_save(
        actor=responder, client=client_a, name="Delay", text="Sorry, we are late.", language="da", reply=reply
    )
    saved_reply_delete(actor=responder, reply=reply)
    assert not SavedReply.objects.filter(pk=reply.pk).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="saved_reply.").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["saved_reply.created", "saved_reply.created", "saved_reply.changed", "saved_reply.deleted"]
