"""Approval rules and saved replies as the services store them."""

import pytest
from django.core.exceptions import ValidationError

from apps.responses.services import approval_rule_save, saved_reply_save
from tests.factories import MentionFactory

pytestmark = pytest.mark.django_db
LEAD_STEP = [{"role": "account_lead", "mode": "any", "people": []}]


def test_channels_are_stored_as_mentions_name_them(account_lead, client_a, brand_a):
    from apps.responses.policy import choose_steps

    rule = approval_rule_save(
        actor=account_lead, client=client_a, name="Mastodon", channels=[" Mastodon "], needs_approval=False, steps=[]
    )
    assert rule.channels == ["mastodon"]
    assert choose_steps(MentionFactory(brand=brand_a, platform="mastodon"), "public").rule_name == "Mastodon"
    with pytest.raises(ValidationError) as refused:
        approval_rule_save(actor=account_lead, client=client_a, name="Bad", channels=["no spaces"], steps=LEAD_STEP)
    assert "channels" in refused.value.message_dict


def test_a_far_position_is_kept_in_range(account_lead, client_a):
    rule = approval_rule_save(actor=account_lead, client=client_a, name="Last", position=99_999, steps=LEAD_STEP)
    assert rule.position == 1000


def test_saved_reply_languages_are_one_case(responder, client_a):
    saved_reply_save(actor=responder, client=client_a, name="Tak", language="DA", text="Tak!")
    with pytest.raises(ValidationError) as refused:
        saved_reply_save(actor=responder, client=client_a, name="tak", language="da", text="Tak igen")
    assert "name" in refused.value.message_dict
