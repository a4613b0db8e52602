"""The mentions API: the inbox list (filters, search, keyset pages), one mention, lifecycle moves,
archive, notes, bulk actions and saved views."""

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.mentions.models import Mention, MentionLink, MentionNote, SavedView
from apps.notifications.models import Notification
from apps.tenants.roles import Role
from tests.factories import (
    BrandFactory,
    MembershipFactory,
    MentionFactory,
    SavedViewFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def base(client) -> str:
    return f"/api/v1/clients/{client.pk}"


def cursor(value) -> str:
    """A page link value made by hand, as an edited link would be."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [mention["id"] for mention in response.json()["results"]]


def walk(session, url, params) -> list[list[int]]:
    """Every page, following `next` until it is null."""
    pages = []
    response = session.get(url, params)
    while True:
        pages.append(ids(response))
        following = response.json()["next"]
        if following is None:
            return pages
        assert following.startswith("http://testserver/api/v1/") and "after=" in following
        response = session.get(following)


# --- The list ---------------------------------------------------------------------------------


def test_the_list_defaults_to_open_unarchived_mentions_by_risk(api, client_viewer, brand_a, brand_b, client_a):
    low = MentionFactory(brand=brand_a, risk_score=10, risk_level="low")
    high = MentionFactory(brand=brand_a, risk_score=80, risk_level="critical")
    MentionFactory(brand=brand_a, status="resolved", risk_score=99)
    MentionFactory(brand=brand_a, archived_at=timezone.now(), risk_score=99)
    MentionFactory(brand=brand_b, risk_score=100)
    response = api(client_viewer).get(f"{base(client_a)}/mentions/")
    assert ids(response) == [high.pk, low.pk]
    assert response.json()["sort"] == "risk" and response.json()["next"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"risk": "high"}, ["high"]),
        ({"channel": "reddit"}, ["reddit"]),
        ({"language": ["de", "unknown"]}, ["german", "unknown"]),
        ({"sentiment": "negative"}, ["high"]),
        ({"kind": "praise"}, ["german"]),
        ({"topic": "delivery"}, ["reddit"]),
        ({"assignee": "me"}, ["german"]),
        ({"assignee": "none", "language": "da"}, ["high"]),
        ({"status": "resolved"}, ["resolved"]),
        ({"status": ["open", "resolved"], "language": "en"}, ["reddit", "resolved"]),
        ({"archived": "true", "status": "all", "language": "en"}, ["reddit", "resolved", "archived"]),
        ({"brand": "other"}, ["other brand"]),
        ({"since": "today"}, ["high", "reddit", "german", "unknown", "other brand"]),
        ({"until": "last week"}, ["old"]),
    ],
)
def test_each_filter_narrows_the_list(api, responder, client_a, brand_a, params, expected):
    other_brand = BrandFactory(client=client_a)
    long_ago = timezone.now() - timedelta(days=30)
    made = {
        "high": MentionFactory(brand=brand_a, risk_level="high", sentiment="negative", language="da"),
        "reddit": MentionFactory(brand=brand_a, platform="reddit", language="en", topics=["delivery"]),
        "german": MentionFactory(brand=brand_a, language="de", kind="praise", assignee=responder),
        "unknown": MentionFactory(brand=brand_a, language=""),
        "resolved": MentionFactory(brand=brand_a, status="resolved", language="en"),
        "archived": MentionFactory(brand=brand_a, archived_at=timezone.now(), language="en"),
        "other brand": MentionFactory(brand=other_brand, language="pl"),
        "old": MentionFactory(brand=brand_a, language="nb", posted_at=long_ago),
    }
    days = {"today": timezone.localdate().isoformat(), "last week": (timezone.localdate() - timedelta(7)).isoformat()}
    query = {key: days.get(value, value) if isinstance(value, str) else value for key, value in params.items()}
    if query.get("brand") == "other":
        query["brand"] = other_brand.pk
    response = api(responder).get(f"{base(client_a)}/mentions/", query)
    names = {mention.pk: name for name, mention in made.items()}
    assert sorted(names[pk] for pk in ids(response)) == sorted(expected)


def test_search_finds_danish_and_german_words_by_their_stem(api, responder, client_a, brand_a):
    """PostgreSQL's danish stemmer makes "leveringen" and "leveringer" both 'levering';
    the german one makes "Lieferungen" and "Lieferung" both 'liefer'."""
    danish = MentionFactory(brand=brand_a, language="da", text="Leveringen var forsinket igen")
    german = MentionFactory(brand=brand_a, language="de", text="Die Lieferungen kamen verspätet")
    # The same words without their language are not stemmed, so other forms do not find them.
    MentionFactory(brand=brand_a, language="", text="Leveringen var forsinket igen")
    MentionFactory(brand=brand_a, language="en", text="Die Lieferungen kamen verspätet")
    MentionFactory(brand=brand_a, language="da", text="Alt var fint")
    url = f"{base(client_a)}/mentions/"
    found = api(responder).get(url, {"q": "leveringer"})
    assert ids(found) == [danish.pk] and found.json()["sort"] == "relevance"
    assert ids(api(responder).get(url, {"q": "Lieferung"})) == [german.pk]
    assert ids(api(responder).get(url, {"q": "verspätete Lieferung"})) == [german.pk]
    assert ids(api(responder).get(url, {"q": "leveringer", "sort": "newest", "language": "de"})) == []


@pytest.mark.parametrize("sort", ["risk", "due", "newest", "relevance"])
def test_the_next_link_walks_every_page_once_in_order(api, responder, client_a, brand_a, sort):
    now = timezone.now()
    made = []
    for index in range(23):
        # Ties on every sort key, and unrated mentions with no clock, to test the id tie-breaker.
        rated = index % 4 != 0
        made.append(
            MentionFactory(
                brand=brand_a,
                text="refund please" if index % 2 else "refund refund refund now",
                language="en",
                risk_score=(index % 3) * 20 if rated else None,
                risk_level="medium" if rated else "",
                response_due_at=now + timedelta(minutes=index % 5) if rated else None,
                posted_at=now - timedelta(hours=index % 6),
            )
        )
    MentionFactory(brand=brand_a, text="refund please", language="en", status="resolved")  # not open
    params = {"sort": sort, "size": 5, **({"q": "refund"} if sort == "relevance" else {})}
    session = api(responder)
    pages = walk(session, f"{base(client_a)}/mentions/", params)
    walked = [pk for page in pages for pk in page]
    assert len(walked) == len(set(walked)) == 23
    assert set(walked) == {mention.pk for mention in made}
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    # In one request the order is the same as walking page by page.
    assert ids(session.get(f"{base(client_a)}/mentions/", {**params, "size": 100})) == walked
    rows = {mention.pk: mention for mention in made}
    if sort == "risk":
        keys = [(-1 if rows[pk].risk_score is None else rows[pk].risk_score, pk) for pk in walked]
        assert keys == sorted(keys, reverse=True)
    elif sort == "newest":
        keys = [(rows[pk].posted_at, pk) for pk in walked]
        assert keys == sorted(keys, reverse=True)
    elif sort == "due":
        far = now + timedelta(days=36500)
        keys = [(rows[pk].response_due_at or far, pk) for pk in walked]
        assert keys == sorted(keys)
    else:
        assert set(walked[:12]) == {mention.pk for mention in made[::2]}  # three hits rank above one


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"risk": "extreme"}, "risk"),
        ({"status": "deleted"}, "status"),
        ({"sort": "random"}, "sort"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "until"),
        ({"size": 0}, "size"),
        ({"size": 201}, "size"),
        ({"size": "ten"}, "size"),
        ({"assignee": "bob"}, "assignee"),
        ({"brand": "-3"}, "brand"),
        ({"channel": "Not A Platform"}, "channel"),
        ({"q": "x" * 201}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"after": "not a page link"}, "after"),
        ({"page": 2}, "page"),
        ({"platform": "x"}, "platform"),
    ],
)
def test_bad_params_answer_400_with_field_messages(api, responder, client_a, brand_a, params, field):
    MentionFactory(brand=brand_a)
    response = api(responder).get(f"{base(client_a)}/mentions/", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field]
    assert all(isinstance(message, str) and message for message in body["errors"][field])


def test_a_page_link_of_another_sort_is_refused(api, responder, client_a, brand_a):
    for _ in range(3):
        MentionFactory(brand=brand_a)
    session = api(responder)
    following = session.get(f"{base(client_a)}/mentions/", {"sort": "risk", "size": 1}).json()["next"]
    after = following.split("after=")[1]
    refused = session.get(f"{base(client_a)}/mentions/", {"sort": "newest", "size": 1, "after": after})
    assert refused.status_code == 400 and "after" in refused.json()["errors"]


@pytest.mark.parametrize(
    ("params", "status", "found"),
    [
        ({"until": "9999-12-31"}, 200, True),
        ({"since": "0001-01-01"}, 200, True),
        ({"brand": 10**15}, 200, False),
        ({"assignee": "999999999999"}, 200, False),
        ({"after": cursor(["risk", 10**30, 10**30])}, 200, True),
        ({"after": cursor(["risk", -(10**30), 1])}, 200, False),
        ({"after": cursor(["newest", "9999-12-31T23:59:59-14:00", 1]), "sort": "newest"}, 200, True),
        ({"after": cursor(["due", "0001-01-01T00:00:00+14:00", 1]), "sort": "due"}, 200, True),
        ({"after": cursor(["relevance", 1e308, 10**30]), "q": "refund"}, 200, True),
        ({"after": cursor(["relevance", "NaN", 1]), "q": "refund"}, 400, False),
        ({"after": cursor(["newest", "2026-01-01T00:00:00", 1]), "sort": "newest"}, 400, False),
        ({"after": cursor(["risk", 1, True])}, 400, False),
    ],
)
def test_extreme_but_well_formed_params_never_crash(api, responder, client_a, brand_a, params, status, found):
    mention = MentionFactory(brand=brand_a, posted_at=timezone.now(), text="refund now", language="en")
    response = api(responder).get(f"{base(client_a)}/mentions/", params)
    assert response.status_code == status, response.content
    if status == 200:
        assert ids(response) == ([mention.pk] if found else [])
    else:
        assert list(response.json()["errors"]) == ["after"]


def test_the_list_costs_the_same_queries_for_any_page_size(api, responder, client_a, brand_a):
    for index in range(30):
        MentionFactory(
            brand=BrandFactory(client=client_a),
            source=SourceFactory(brand=brand_a),
            assignee=responder,
            duplicate_of=None,
            risk_level="high",
            risk_score=60 + index,
            risk_factors=[{"factor": "reach", "points": 12.0, "detail": {"followers": 5000}}],
        )
    session = api(responder)
    url = f"{base(client_a)}/mentions/"
    session.get(url, {"size": 1})
    counts = []
    for size in (2, 30):
        with CaptureQueriesContext(connection) as queries:
            assert len(ids(session.get(url, {"size": size}))) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_list_query_count_is_bounded(api, responder, client_a, brand_a, django_assert_max_num_queries):
    for index in range(40):
        MentionFactory(brand=BrandFactory(client=client_a), assignee=responder, risk_score=index, risk_level="low")
    session = api(responder)
    session.get(f"{base(client_a)}/mentions/")  # the caller's rights are cached from here on
    # The client, the page, its whole rows; one spare.
    with django_assert_max_num_queries(4):
        assert len(ids(session.get(f"{base(client_a)}/mentions/", {"size": 40, "q": "", "assignee": "me"}))) == 40


def test_one_mention_carries_its_lifecycle_fields(api, analyst, client_viewer, client_a, brand_a):
    mention = MentionFactory(
        brand=brand_a, status="taken_private", private_channel="dm", status_reason="Moved to DM", risk_level=""
    )
    body = api(analyst).get(f"{base(client_a)}/mentions/{mention.pk}/").json()
    assert (body["status"], body["private_channel"], body["status_reason"]) == ("taken_private", "dm", "Moved to DM")
    assert body["archived_at"] is None and "status_changed_at" in body and body["risk_explanation"] == ""
    assert body["text"] == mention.text
    # The client's people read the mention, not the agency's record of its work on it.
    theirs = api(client_viewer).get(f"{base(client_a)}/mentions/{mention.pk}/").json()
    assert theirs["status"] == "taken_private" and theirs["text"] == mention.text
    assert "private_channel" not in theirs and "status_reason" not in theirs


# --- One mention's actions --------------------------------------------------------------------


def test_a_transition_moves_the_mention_and_is_audited(api, responder, client_a, brand_a):
    mention = MentionFactory(brand=brand_a)
    response = api(responder).post(
        f"{base(client_a)}/mentions/{mention.pk}/transition/", {"status": "triaged"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "triaged" and response.json()["status_changed_at"]
    mention.refresh_from_db()
    assert mention.status == "triaged"
    event = AuditEvent.objects.get(action="mention.status_changed")
    assert (event.actor, event.target_id) == (responder, str(mention.pk))
    assert (event.before["status"], event.after["status"]) == ("new", "triaged")


def test_a_refused_transition_names_the_allowed_ones(api, responder, client_a, brand_a):
    mention = MentionFactory(brand=brand_a, status="triaged")
    response = api(responder).post(
        f"{base(client_a)}/mentions/{mention.pk}/transition/", {"status": "resolved"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["allowed"] == ["in_progress", "no_response_needed", "taken_private", "answered_elsewhere"]
    (message,) = body["errors"]["status"]
    assert "triaged" in message and "in progress" in message and "taken private" in message
    assert "resolved" not in message.split(":", 1)[1]
    mention.refresh_from_db()
    assert mention.status == "triaged"
    assert not AuditEvent.objects.filter(action="mention.status_changed").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "no_response_needed"}, "reason"),
        ({"status": "taken_private"}, "private_channel"),
        ({"status": "taken_private", "private_channel": "pigeon"}, "private_channel"),
        ({"status": "gone"}, "status"),
        ({}, "status"),
        ({"status": "no_response_needed", "reason": "x" * 1001}, "reason"),
    ],
)
def test_a_transition_with_bad_input_is_400_by_field(api, responder, client_a, brand_a, payload, field):
    mention = MentionFactory(brand=brand_a)
    response = api(responder).post(f"{base(client_a)}/mentions/{mention.pk}/transition/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field] and "allowed" not in response.json()
    assert Mention.objects.get().status == "new"


def test_taken_private_keeps_the_channel(api, responder, client_a, brand_a):
    mention = MentionFactory(brand=brand_a)
    body = (
        api(responder)
        .post(
            f"{base(client_a)}/mentions/{mention.pk}/transition/",
            {"status": "taken_private", "private_channel": "email", "reason": "Asked for an order number"},
            format="json",
        )
        .json()
    )
    assert (body["status"], body["private_channel"], body["status_reason"]) == (
        "taken_private",
        "email",
        "Asked for an order number",
    )
    # By hand, with no answer through the app: no first response of ours (counted apart).
    assert Mention.objects.get().first_response_at is None


def test_readers_who_do_not_work_mentions_may_not_move_them(api, client_viewer, analyst, client_a, brand_a):
    mention = MentionFactory(brand=brand_a)
    notes = f"{base(client_a)}/mentions/{mention.pk}/notes/"
    for person in (client_viewer, analyst):
        url = f"{base(client_a)}/mentions/{mention.pk}/transition/"
        assert api(person).post(url, {"status": "triaged"}, format="json").status_code == 403
        assert api(person).post(notes, {"text": "mine"}, format="json").status_code == 403
    # Notes are the agency's: its analysts read them, client people do not.
    assert api(analyst).get(notes).status_code == 200
    assert api(client_viewer).get(notes).status_code == 403
    assert Mention.objects.get().status == "new"


def test_archive_takes_the_mention_out_of_the_list_and_back(api, responder, client_a, brand_a):
    mention = MentionFactory(brand=brand_a)
    session = api(responder)
    url = f"{base(client_a)}/mentions/{mention.pk}/archive/"
    archived = session.post(url, {}, format="json")
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert ids(session.get(f"{base(client_a)}/mentions/")) == []
    assert ids(session.get(f"{base(client_a)}/mentions/", {"archived": "true"})) == [mention.pk]
    assert session.post(url, {"archived": "maybe"}, format="json").status_code == 400
    back = session.post(url, {"archived": False}, format="json")
    assert back.status_code == 200 and back.json()["archived_at"] is None
    assert ids(session.get(f"{base(client_a)}/mentions/")) == [mention.pk]
    assert list(
        AuditEvent.objects.filter(target_id=str(mention.pk)).order_by("id").values_list("action", flat=True)
    ) == ["mention.archived", "mention.unarchived"]


def test_notes_are_listed_and_an_at_mention_tells_the_colleague(api, responder, analyst, client_a, brand_a):
    colleague = UserFactory(email="kim@example.test")
    MembershipFactory(user=colleague, client=client_a, role=Role.RESPONDER)
    mention = MentionFactory(brand=brand_a)
    session = api(responder)
    url = f"{base(client_a)}/mentions/{mention.pk}/notes/"
    made = session.post(url, {"text": "@kim can you call them? @analyst FYI @responder"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["author"] == responder.email and made.json()["mention"] == mention.pk
    told = Notification.objects.filter(event="note.mentioned")
    # The analyst does not work this client's mentions; the author is not told of their own note.
    assert list(told.values_list("user", flat=True)) == [colleague.pk]
    assert told.get().mention_id == mention.pk
    api(colleague).post(url, {"text": "Called, they are happy now."}, format="json")
    listed = session.get(url)
    assert listed.status_code == 200
    assert [(note["author"], note["text"][:6]) for note in listed.json()] == [
        (responder.email, "@kim c"),
        (colleague.email, "Called"),
    ]


@pytest.mark.parametrize(("text", "status"), [("", 400), ("   ", 400), ("x" * 5001, 400)])
def test_a_note_must_have_text(api, responder, client_a, brand_a, text, status):
    mention = MentionFactory(brand=brand_a)
    response = api(responder).post(f"{base(client_a)}/mentions/{mention.pk}/notes/", {"text": text}, format="json")
    assert response.status_code == status and list(response.json()["errors"]) == ["text"]
    assert not MentionNote.objects.exists()


# --- Bulk -------------------------------------------------------------------------------------


def test_bulk_does_what_it_can_and_lists_the_refusals(api, responder, client_a, brand_a, brand_b):
    fresh = [MentionFactory(brand=brand_a) for _ in range(2)]
    resolved = MentionFactory(brand=brand_a, status="resolved")
    foreign = MentionFactory(brand=brand_b)
    response = api(responder).post(
        f"{base(client_a)}/mentions/bulk/",
        {"ids": [*(m.pk for m in fresh), resolved.pk, foreign.pk, 987654321], "action": "status", "status": "triaged"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(body["done"]) == sorted(m.pk for m in fresh)
    assert set(body["failed"]) == {str(resolved.pk), str(foreign.pk), "987654321"}
    assert "in progress" in body["failed"][str(resolved.pk)]
    assert body["failed"][str(foreign.pk)] == body["failed"]["987654321"]  # foreign reads as missing
    assert sorted(Mention.objects.filter(status="triaged").values_list("pk", flat=True)) == sorted(m.pk for m in fresh)
    foreign.refresh_from_db()
    assert foreign.status == "new"
    assert AuditEvent.objects.filter(action="mention.status_changed").count() == 2


def test_bulk_assign_topic_risk_archive_and_link(api, responder, account_lead, client_a, brand_a):
    mentions = [MentionFactory(brand=brand_a) for _ in range(3)]
    TopicFactory(brand=brand_a, name="delivery")
    every = [m.pk for m in mentions]
    session = api(responder)
    url = f"{base(client_a)}/mentions/bulk/"

    def bulk(**payload):
        response = session.post(url, {"ids": every, **payload}, format="json")
        assert response.status_code == 200, response.content
        assert sorted(response.json()["done"]) == sorted(every) and response.json()["failed"] == {}

    bulk(action="assign", assignee=account_lead.pk)
    assert set(Mention.objects.values_list("assignee", flat=True)) == {account_lead.pk}
    bulk(action="assign", assignee=None)
    assert set(Mention.objects.values_list("assignee", flat=True)) == {None}
    bulk(action="add_topic", topic="delivery")
    assert all(topics == ["delivery"] for topics in Mention.objects.values_list("topics", flat=True))
    bulk(action="risk", level="critical", reason="A TV crew is outside")
    assert set(Mention.objects.values_list("risk_level", "risk_overridden")) == {("critical", True)}
    bulk(action="link")
    assert MentionLink.objects.count() == 3
    bulk(action="archive")
    assert not Mention.objects.filter(archived_at=None).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ids": None, "action": "status", "status": "triaged"}, "ids"),
        ({"ids": [], "action": "status", "status": "triaged"}, "ids"),
        ({"ids": ["one"], "action": "archive"}, "ids"),
        ({"ids": list(range(1, 502)), "action": "archive"}, "ids"),
        ({"ids": [987654321], "action": "archive"}, "ids"),
        ({"ids": "MINE", "action": "archive"}, "ids"),
        ({"action": "explode"}, "action"),
        ({"action": "status"}, "status"),
        ({"action": "status", "status": "gone"}, "status"),
        ({"action": "assign"}, "assignee"),
        ({"action": "assign", "assignee": "analyst"}, "assignee"),
        ({"action": "assign", "assignee": 987654321}, "assignee"),
        ({"action": "add_topic"}, "topic"),
        ({"action": "risk", "level": "high"}, "reason"),
        ({"action": "risk", "level": "apocalyptic", "reason": "x"}, "level"),
    ],
)
def test_bulk_with_bad_input_is_400_by_field(api, responder, analyst, client_a, brand_a, payload, field):
    mention = MentionFactory(brand=brand_a)
    payload = {"ids": [mention.pk], **payload}
    if payload.get("assignee") == "analyst":
        payload["assignee"] = analyst.pk  # may see the client, but works no mentions there
    response = api(responder).post(f"{base(client_a)}/mentions/bulk/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Mention.objects.get().status == "new" and Mention.objects.get().archived_at is None


def test_bulk_link_needs_two(api, responder, client_a, brand_a):
    mention = MentionFactory(brand=brand_a)
    response = api(responder).post(
        f"{base(client_a)}/mentions/bulk/", {"ids": [mention.pk], "action": "link"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["ids"]


# --- Saved views ------------------------------------------------------------------------------


def test_saved_views_show_my_own_and_the_shared_ones(api, responder, client_a, client_b):
    colleague = UserFactory()
    MembershipFactory(user=colleague, client=client_a, role=Role.RESPONDER)
    mine = SavedViewFactory(client=client_a, owner=responder, name="Mine")
    shared = SavedViewFactory(client=client_a, owner=colleague, name="Team", shared=True)
    private = SavedViewFactory(client=client_a, owner=colleague, name="Kim's own")
    SavedViewFactory(client=client_b, owner=responder, name="Elsewhere", shared=True)
    session = api(responder)
    url = f"{base(client_a)}/saved-views/"
    listed = session.get(url)
    assert listed.status_code == 200
    assert [view["id"] for view in listed.json()["results"]] == [mine.pk, shared.pk]
    assert session.get(f"{url}{private.pk}/").status_code == 404
    assert session.delete(f"{url}{private.pk}/").status_code == 404
    assert session.delete(f"{url}{shared.pk}/").status_code == 403  # only its maker or the lead
    assert session.delete(f"{url}{mine.pk}/").status_code == 204
    assert set(SavedView.objects.values_list("name", flat=True)) == {"Team", "Kim's own", "Elsewhere"}
    assert AuditEvent.objects.filter(action__startswith="saved_view.").count() == 1


def test_a_saved_view_stores_cleaned_inbox_filters(api, responder, client_a, brand_a):
    session = api(responder)
    url = f"{base(client_a)}/saved-views/"
    filters = {"risk": ["critical", "high"], "q": " levering ", "since": "2026-03-01", "after": None}
    refused = session.post(url, {"name": "Hot", "filters": filters}, format="json")
    assert refused.status_code == 400 and list(refused.json()["errors"]["filters"]) == ["after"]
    del filters["after"]
    made = session.post(url, {"name": "Hot", "shared": True, "filters": filters}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["filters"] == {"risk": ["critical", "high"], "q": "levering", "since": "2026-03-01"}
    assert made.json()["owner"] == responder.pk and made.json()["shared"] is True
    again = session.post(url, {"name": "Hot", "filters": {}}, format="json")
    assert again.status_code == 400 and list(again.json()["errors"]) == ["name"]


@pytest.mark.parametrize(
    "filters",
    [
        {"risk": ["extreme"]},
        {"risk": "critical"},
        {"q": ["a", "b"]},
        {"since": "soon"},
        {"colour": "red"},
        "risk=critical",
    ],
)
def test_a_saved_view_with_bad_filters_is_400(api, responder, client_a, filters):
    response = api(responder).post(f"{base(client_a)}/saved-views/", {"name": "Bad", "filters": filters}, format="json")
    assert response.status_code == 400 and "filters" in response.json()["errors"]
    assert not SavedView.objects.exists()


def test_saved_views_are_for_people_who_work_mentions(api, client_viewer, client_a):
    url = f"{base(client_a)}/saved-views/"
    assert api(client_viewer).get(url).status_code == 403
    assert api(client_viewer).post(url, {"name": "x"}, format="json").status_code == 403


# --- Other clients ----------------------------------------------------------------------------


def test_another_clients_mentions_answer_404_and_stay_as_they_are(api, responder, client_a, client_b, brand_b):
    foreign = MentionFactory(brand=brand_b)
    session = api(responder)
    assert session.get(f"{base(client_b)}/mentions/").status_code == 404
    assert session.get(f"{base(client_a)}/mentions/{foreign.pk}/").status_code == 404
    for action, payload in [("transition", {"status": "triaged"}), ("archive", {}), ("notes", {"text": "hi"})]:
        url = f"{base(client_a)}/mentions/{foreign.pk}/{action}/"
        assert session.post(url, payload, format="json").status_code == 404
    assert session.get(f"{base(client_a)}/mentions/{foreign.pk}/notes/").status_code == 404
    assert ids(session.get(f"{base(client_a)}/mentions/", {"status": "all", "archived": "true"})) == []
    foreign.refresh_from_db()
    assert (foreign.status, foreign.archived_at) == ("new", None)
    assert not MentionNote.objects.exists()
