"""Property-based checks of the doors: pushed items, import records, ids and inbox query strings
(issue 15). Strategies include Unicode digits, lone surrogates, huge and non-finite numbers and
deep nesting; whatever comes, the answer is an accepted mention or a refusal with a reason."""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.numbers import parse_id
from apps.listening.mapping import BadRecord, flatten, record_to_mention

# Text as hostile senders write it: any code point, lone surrogates included.
HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1),
    st.sampled_from(["\u00b2", "\u0663", "\uff11", "inf", "-inf", "nan", "1e999", "9" * 400, "\x00"]),
)
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.just(2**80))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, HOSTILE_TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(HOSTILE_TEXT, inner, max_size=4)),
    max_leaves=30,
)
FIELDS = st.sampled_from(["id", "text", "title", "url", "likes", "author_followers", "posted_at", "author", "extra"])
RECORDS = st.dictionaries(FIELDS, VALUES, max_size=9)
INBOX_PARAMETERS = ["assignee", "brand", "since", "until", "size", "after", "q", "sort", "risk", "status", "page"]
QUICK = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


@QUICK
@given(RECORDS)
def test_a_record_becomes_a_storable_mention_or_a_named_refusal(record):
    try:
        mention = record_to_mention(flatten(record), default_platform="webhook")
    except BadRecord as refusal:
        assert str(refusal)  # a reason a person can read
        return
    # What is accepted can be stored: valid UTF-8, finite JSON, counts in range.
    json.dumps(mention.raw, allow_nan=False, default=str).encode("utf-8")
    mention.text.encode("utf-8")
    assert all(count >= 0 for count in (mention.likes, mention.reposts, mention.replies))
    assert mention.author_followers is None or mention.author_followers >= 0


@QUICK
@given(st.integers(min_value=17, max_value=400))
def test_deep_records_are_refused_at_any_depth(depth):
    with pytest.raises(BadRecord, match="nested more than"):
        record_to_mention({"id": "1", "text": "Alpha", "extra": _nested(depth)}, default_platform="webhook")


@QUICK
@given(HOSTILE_TEXT)
def test_an_id_is_ascii_digits_within_a_bigint_or_nothing(text):
    value = parse_id(text)
    assert value is None or (text.isascii() and text.isdigit() and 1 <= value < 2**63)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(
            ["assignee", "brand", "since", "until", "size", "after", "q", "sort", "risk", "status", "page"]
        ),
        HOSTILE_TEXT.filter(lambda text: "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)),
        max_size=5,
    )
)
def test_inbox_query_strings_answer_200_or_400(web, responder, client_a, params):
    response = web(responder).get(reverse("inbox", args=[client_a.slug]), params)
    assert response.status_code in (200, 400), (params, response.status_code)
