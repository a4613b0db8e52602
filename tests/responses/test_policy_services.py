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


def test_the_policy_row_is_on_record_from_the_first_rule_and_no_change_records_nothing(account_lead, client_a):
    from apps.core.models import AuditEvent
    from apps.responses.services import approval_policy_save

    approval_rule_save(actor=account_lead, client=client_a, name="First", steps=LEAD_STEP)
    created = AuditEvent.objects.get(action="approval_policy.changed")
    assert created.before is None and created.after["remind_after_minutes"] == 60
    settings = {"allow_self_approval": False, "remind_after_minutes": 60, "expire_after_hours": 0}
    approval_policy_save(actor=account_lead, client=client_a, **settings)
    assert AuditEvent.objects.filter(action="approval_policy.changed").count() == 1
    approval_policy_save(actor=account_lead, client=client_a, **{**settings, "remind_after_minutes": 30})
    changed = AuditEvent.objects.filter(action="approval_policy.changed").latest("pk")
    assert (changed.before, changed.after) == ({"remind_after_minutes": 60}, {"remind_after_minutes": 30})
