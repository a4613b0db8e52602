"""The inbox pages: filters, search per language, keyset pages, saved views, live poll, presence, query counts."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.mentions import presence
from apps.mentions.models import SavedView
from apps.mentions.services import mention_transition
from tests.factories import BrandFactory, MentionFactory, SavedViewFactory, TopicFactory

pytestmark = pytest.mark.django_db


def shown(response) -> list[int]:
    return [mention.pk for mention in response.context["mentions"]]


@pytest.fixture
def inbox(client_a):
    return reverse("inbox", args=[client_a.slug])


def test_the_default_is_open_work_by_risk_and_not_archived(web, responder, brand_a, inbox):
    low = MentionFactory(brand=brand_a, risk_score=10, risk_level="low")
    high = MentionFactory(brand=brand_a, risk_score=80, risk_level="critical")
    MentionFactory(brand=brand_a, status="resolved", risk_score=99)
    MentionFactory(brand=brand_a, archived_at=timezone.now(), risk_score=99)
    MentionFactory(brand=BrandFactory(), risk_score=100)  # another client's
    response = web(responder).get(inbox)
    assert response.status_code == 200
    assert shown(response) == [high.pk, low.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("risk=high", ["high"]),
        ("channel=reddit", ["reddit"]),
        ("language=de", ["german"]),
        ("language=unknown", ["unknown"]),
        ("language=other", ["french"]),
        ("language=other&language=de", ["french", "german"]),
        ("sentiment=negative", ["high"]),
        ("kind=praise", ["german"]),
        ("status=all&status=resolved", ["high", "reddit", "german", "unknown", "french", "resolved"]),
        ("status=resolved", ["resolved"]),
        ("archived=on&status=all", ["high", "reddit", "german", "unknown", "french", "resolved", "archived"]),
    ],
)
def test_each_filter_narrows_the_list(web, responder, brand_a, inbox, query, expected):
    made = {
        "high": MentionFactory(brand=brand_a, risk_level="high", sentiment="negative", language="da"),
        "reddit": MentionFactory(brand=brand_a, platform="reddit", language="en"),
        "german": MentionFactory(brand=brand_a, language="de", kind="praise"),
        "unknown": MentionFactory(brand=brand_a, language=""),
        "french": MentionFactory(brand=brand_a, language="fr"),
        "resolved": MentionFactory(brand=brand_a, status="resolved", language="en"),
        "archived": MentionFactory(brand=brand_a, archived_at=timezone.now(), language="en"),
    }
    response = web(responder).get(f"{inbox}?{query}")
    assert response.status_code == 200
    assert sorted(shown(response)) == sorted(made[name].pk for name in expected)


def test_assignee_topic_brand_and_dates(web, responder, account_lead, brand_a, inbox):
    other_brand = BrandFactory(client=brand_a.client)
    TopicFactory(client=brand_a.client, brand=brand_a, name="recall")
    mine = MentionFactory(brand=brand_a, assignee=responder, topics=["recall"])
    theirs = MentionFactory(brand=other_brand, assignee=account_lead, posted_at=timezone.now() - timedelta(days=10))
    nobody = MentionFactory(brand=brand_a)
    http = web(responder)
    assert shown(http.get(f"{inbox}?assignee=me")) == [mine.pk]
    assert shown(http.get(f"{inbox}?assignee=none")) == [nobody.pk]
    assert shown(http.get(f"{inbox}?assignee={account_lead.pk}")) == [theirs.pk]
    assert shown(http.get(f"{inbox}?topic=recall")) == [mine.pk]
    assert shown(http.get(f"{inbox}?brand={other_brand.pk}")) == [theirs.pk]
    day = (timezone.now() - timedelta(days=10)).date().isoformat()
    assert shown(http.get(f"{inbox}?since={day}&until={day}")) == [theirs.pk]


@pytest.mark.parametrize(
    ("language", "text", "query"),
    [
        ("da", "Leveringen var tre dage forsinket", "levering"),
        ("nb", "Bestillingene kom aldri frem", "bestilling"),
        ("de", "Die Lieferungen kamen zu spät", "Lieferung"),
        ("en", "Three deliveries went missing", "delivery"),
        ("pl", "Dostawy nie dotarły na czas", "dostawy"),
    ],
)
def test_search_stems_each_language_its_own_way(web, responder, brand_a, inbox, language, text, query):
    hit = MentionFactory(brand=brand_a, language=language, text=text)
    MentionFactory(brand=brand_a, language=language, text="Noget helt andet om vejret")
    response = web(responder).get(f"{inbox}?q={query}")
    assert shown(response) == [hit.pk]
    assert response.context["page"].sort == "relevance"


def test_search_ranks_the_closer_match_first_and_understands_phrases(web, responder, brand_a, inbox):
    once = MentionFactory(brand=brand_a, language="en", text="A refund was promised for the broken kettle")
    twice = MentionFactory(brand=brand_a, language="en", text="Refund! Still no refund for my broken kettle refund")
    assert shown(web(responder).get(f"{inbox}?q=refund")) == [twice.pk, once.pk]
    assert shown(web(responder).get(f'{inbox}?q="refund was promised"')) == [once.pk]
    assert shown(web(responder).get(f"{inbox}?q=kettle -promised")) == [twice.pk]


@pytest.mark.parametrize("sort", ["risk", "due", "newest"])
def test_keyset_pages_cover_everything_once(web, responder, brand_a, inbox, sort):
    now = timezone.now()
    made = [
        MentionFactory(
            brand=brand_a,
            risk_score=n % 4 * 20 if n % 5 else None,
            response_due_at=now + timedelta(minutes=n % 3) if n % 4 else None,
            posted_at=now - timedelta(minutes=n % 6),
        )
        for n in range(23)
    ]
    http, seen, url = web(responder), [], f"{inbox}?sort={sort}&size=5"
    while url:
        response = http.get(url)
        seen += shown(response)
        page = response.context["page"]
        url = f"{inbox}?sort={sort}&size=5&after={page.next_cursor}" if page.next_cursor else ""
    assert sorted(seen) == sorted(m.pk for m in made)
    assert len(seen) == len(set(seen))


def test_a_bad_page_link_or_filter_is_a_400_with_a_message(web, responder, inbox):
    http = web(responder)
    response = http.get(f"{inbox}?after=not-a-cursor")
    assert response.status_code == 400
    assert "after" in response.context["form"].errors
    response = http.get(f"{inbox}?risk=apocalyptic&since=2026-02-01&until=2026-01-01")
    assert response.status_code == 400
    assert {"risk", "until"} <= set(response.context["form"].errors)


def test_the_page_costs_the_same_queries_whatever_its_size(
    web, responder, brand_a, inbox, django_assert_max_num_queries
):
    for _ in range(60):
        MentionFactory(brand=brand_a, assignee=responder)
    SavedViewFactory(client=brand_a.client, owner=responder)
    http = web(responder)
    http.get(inbox)  # session and caches warm
    # one more than the rows need: the open incidents the bulk bar links a selection to
    with django_assert_max_num_queries(13):
        small = http.get(f"{inbox}?size=5")
    with django_assert_max_num_queries(13):
        large = http.get(f"{inbox}?size=60")
    assert (len(shown(small)), len(shown(large))) == (5, 60)


def test_saved_views_are_personal_or_shared_with_counts(web, responder, account_lead, brand_a, inbox):
    MentionFactory(brand=brand_a, risk_level="critical")
    MentionFactory(brand=brand_a, risk_level="low")
    http = web(responder)
    response = http.post(
        reverse("saved_view_create", args=[brand_a.client.slug]),
        {"name": "Critical", "shared": "on", "query": "risk=critical&status=open"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert (view.owner, view.shared, view.filters) == (responder, True, {"risk": ["critical"], "status": ["open"]})
    http.post(reverse("saved_view_create", args=[brand_a.client.slug]), {"name": "Mine", "query": "risk=low"})

    lead_views = [v.name for v in web(account_lead).get(inbox).context["saved_views"]]
    assert lead_views == ["Critical"]  # the personal one stays personal
    counts = http.get(reverse("saved_view_counts", args=[brand_a.client.slug])).content.decode()
    assert f'id="view-count-{view.pk}" hx-swap-oob="true">1<' in counts


def test_the_poll_counts_new_mentions_and_returns_changed_rows(web, responder, brand_a, inbox):
    shown_mention = MentionFactory(brand=brand_a)
    http = web(responder)
    page = http.get(inbox)
    since = page.context["now"].isoformat()
    newest = page.context["newest_id"]
    MentionFactory(brand=brand_a)
    MentionFactory(brand=brand_a)
    mention_transition(actor=responder, mention=shown_mention, status="triaged")
    poll = http.get(
        reverse("inbox_poll", args=[brand_a.client.slug]),
        {"newest": newest, "seen_at": since, "shown": [shown_mention.pk]},
    )
    body = poll.content.decode()
    assert poll.status_code == 200, body
    assert "2 new" in body
    assert f'id="m-{shown_mention.pk}"' in body and "Triaged" in body
    assert http.get(reverse("inbox_poll", args=[brand_a.client.slug]), {"newest": "x"}).status_code == 400


def test_my_work_gathers_my_mentions_from_every_client_i_work_for(web, responder, brand_a, client_b):
    from apps.tenants.roles import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=responder, client=client_b, role=Role.RESPONDER)
    here = MentionFactory(brand=brand_a, assignee=responder)
    there = MentionFactory(brand=BrandFactory(client=client_b), assignee=responder)
    MentionFactory(brand=brand_a)  # not mine
    response = web(responder).get(reverse("my_work") + "?assignee=none")  # the assignee is fixed to me
    assert sorted(shown(response)) == sorted([here.pk, there.pk])
    assert web(responder).get(reverse("my_work")).status_code == 200


def test_client_people_have_no_inbox(web, client_viewer, brand_a, inbox):
    assert web(client_viewer).get(inbox).status_code == 403
    assert web(client_viewer).get(reverse("my_work")).status_code == 403


def test_presence_shows_who_else_views_or_answers(web, responder, account_lead, brand_a):
    mention = MentionFactory(brand=brand_a)
    url = reverse("mention_presence", args=[brand_a.client.slug, mention.pk])
    web(account_lead).get(mention.get_absolute_url())
    body = web(responder).post(url, {"state": "drafting"}).content.decode()
    assert "is viewing" in body and account_lead.display_name in body
    seen_by_lead = web(account_lead).post(url, {"state": "viewing"}).content.decode()
    assert f"{responder.display_name} is drafting a reply" in seen_by_lead
    web(responder).post(url, {"state": "gone"})
    assert presence.present_on(mention.pk, exclude_user_id=account_lead.pk) == []


def test_a_row_escapes_every_value_and_clips_long_ones(web, responder, brand_a, inbox):
    MentionFactory(
        brand=brand_a,
        title="",
        text="<script>alert(1)</script>" + "x" * 300,
        author_name='<img src=x onerror="alert(2)">',
        topics=["<b>recall</b>"],
        risk_level="high",
        risk_score=71,
    )
    body = web(responder).get(inbox).content.decode()
    row = body[body.index('<tr id="m-') : body.index("</tr>", body.index('<tr id="m-'))]
    assert "<script>" not in row and "&lt;script&gt;alert(1)&lt;/script&gt;" in row
    assert "<img" not in row and "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in row
    assert "&lt;b&gt;recall&lt;/b&gt;" in row
    assert "x" * 300 not in row and "…" in row
    assert '<span class="badge risk-high">' in row and " 71</span>" in row


def test_hostile_text_is_escaped_and_links_are_safe(web, responder, brand_a):
    mention = MentionFactory(
        brand=brand_a,
        text='<script>alert(1)</script> see https://evil.example/x?a=1&b="2" and javascript:alert(1)',
    )
    body = web(responder).get(mention.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert 'href="https://evil.example/x?a=1&amp;b=&quot;2&quot;"' not in body  # the quote ends the link
    assert 'href="https://evil.example/x?a=1&amp;b=" rel="noopener noreferrer nofollow ugc"' in body
    assert 'href="javascript' not in body


def test_the_mention_page_shows_notes_timeline_conversation_and_related(web, responder, brand_a):
    parent = MentionFactory(brand=brand_a, external_id="p1", author_handle="@anna")
    mention = MentionFactory(brand=brand_a, parent_external_id="p1", author_handle="@anna", topics=["recall"])
    reply = MentionFactory(brand=brand_a, parent_external_id=mention.external_id)
    http = web(responder)
    http.post(reverse("mention_note", args=[brand_a.client.slug, mention.pk]), {"text": "Check the batch number"})
    http.post(reverse("mention_transition", args=[brand_a.client.slug, mention.pk]), {"status": "triaged"})
    response = http.get(mention.get_absolute_url())
    context = response.context
    assert [note.text for note in context["notes"]] == ["Check the batch number"]
    assert [event.action for event in context["timeline"]] == ["mention.status_changed", "mention.note_added"]
    assert (context["parent"], context["replies"]) == (parent, [reply])
    assert context["related"]["author"] == [parent]


def test_the_mention_page_reads_its_neighbours_in_a_fixed_number_of_queries(web, responder, brand_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mention = MentionFactory(brand=brand_a, author_handle="@anna", topics=["recall"])
    http = web(responder)

    def neighbours(n):
        for _ in range(n):
            MentionFactory(brand=brand_a, parent_external_id=mention.external_id)  # replies
            MentionFactory(brand=brand_a, author_handle="@anna", topics=["recall"])  # same author and topic

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert http.get(mention.get_absolute_url()).status_code == 200
        return len(queries)

    neighbours(1)
    few = page_queries()
    neighbours(4)
    assert page_queries() == few


def test_related_by_topic_are_those_two_weeks_either_side(responder, brand_a):
    from apps.mentions.selectors import related_of

    posted = timezone.now() - timedelta(days=60)
    mention = MentionFactory(brand=brand_a, topics=["recall"], posted_at=posted)
    before = MentionFactory(brand=brand_a, topics=["recall", "price"], posted_at=posted - timedelta(days=13))
    after = MentionFactory(brand=brand_a, topics=["recall"], posted_at=posted + timedelta(days=13))
    MentionFactory(brand=brand_a, topics=["recall"], posted_at=posted + timedelta(days=15))
    MentionFactory(brand=brand_a, topics=["recall"], posted_at=posted - timedelta(days=15))
    MentionFactory(brand=brand_a, topics=["price"], posted_at=posted)
    assert related_of(user=responder, mention=mention)["topic"] == [after, before]


def test_an_invalid_transition_from_the_inbox_answers_400_naming_the_allowed(web, responder, brand_a):
    mention = MentionFactory(brand=brand_a)
    url = reverse("mention_transition", args=[brand_a.client.slug, mention.pk])
    response = web(responder).post(url, {"status": "resolved"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "triaged" in response.content.decode()
    ok = web(responder).post(url, {"status": "triaged"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and f'data-mention="{mention.pk}"' in ok.content.decode()


def test_answered_cannot_be_chosen_by_hand_in_the_pages_or_the_api(web, api, responder, brand_a, inbox):
    """Issue 16, point 1: the mention page, the bulk bar and the API refuse "answered" and
    "awaiting approval"; the menus do not offer them; the SLA clock keeps running."""
    high = [MentionFactory(brand=brand_a, risk_level="high") for _ in range(3)]
    http = web(responder)

    page = http.get(reverse("mention_detail", args=[brand_a.client.slug, high[0].pk])).content.decode()
    status_menu = page.split('id="t-status"', 1)[1].split("</select>", 1)[0]
    assert 'value="answered"' not in status_menu and 'value="awaiting_approval"' not in status_menu
    assert 'value="answered_elsewhere"' in status_menu
    bulk_menu = http.get(inbox).content.decode().split('data-for="status">', 1)[1].split("</select>", 1)[0]
    assert 'value="answered"' not in bulk_menu and 'value="awaiting_approval"' not in bulk_menu

    refused = http.post(reverse("mention_transition", args=[brand_a.client.slug, high[0].pk]), {"status": "answered"})
    assert refused.status_code == 400 and "follow the mention&#x27;s answer" in refused.content.decode()
    bulk = http.post(
        reverse("inbox_bulk", args=[brand_a.client.slug]),
        {"ids": [high[1].pk], "action": "status", "status": "answered", "next": inbox},
        follow=True,
    )
    assert "follow the mention" in bulk.content.decode()
    by_api = api(responder).post(
        f"/api/v1/clients/{brand_a.client.pk}/mentions/{high[2].pk}/transition/",
        {"status": "awaiting_approval"},
        format="json",
    )
    assert by_api.status_code == 400 and "follow the mention's answer" in by_api.json()["errors"]["status"][0]
    assert by_api.json()["allowed"] == [
        "triaged",
        "in_progress",
        "no_response_needed",
        "taken_private",
        "answered_elsewhere",
    ]
    for mention in high:
        mention.refresh_from_db()
        assert (mention.status, mention.first_response_at) == ("new", None)


def test_bulk_assign_from_the_inbox(web, responder, account_lead, brand_a, inbox):
    mentions = [MentionFactory(brand=brand_a) for _ in range(3)]
    response = web(responder).post(
        reverse("inbox_bulk", args=[brand_a.client.slug]),
        {"ids": [m.pk for m in mentions], "action": "assign", "assignee": account_lead.pk, "next": inbox},
    )
    assert response.status_code == 302 and response.url == inbox
    assert {m.assignee_id for m in type(mentions[0]).objects.filter(pk__in=[m.pk for m in mentions])} == {
        account_lead.pk
    }


def test_a_bulk_action_missing_its_parameter_is_refused_once(web, responder, brand_a, inbox):
    from apps.core.models import AuditEvent

    mentions = [MentionFactory(brand=brand_a) for _ in range(3)]
    response = web(responder).post(
        reverse("inbox_bulk", args=[brand_a.client.slug]),
        {"ids": [m.pk for m in mentions], "action": "status", "status": "", "next": inbox},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 400 and body.count("This field is required for this action.") == 1
    assert "Not done" not in body and not AuditEvent.objects.filter(action__startswith="mention.").exists()


def test_the_next_link_keeps_the_filters(web, responder, brand_a, inbox):
    for _ in range(3):
        MentionFactory(brand=brand_a, risk_level="high")
    body = web(responder).get(f"{inbox}?risk=high&size=2").content.decode()
    start = body.index('rel="next"')
    href = body[body.rfind('href="', 0, start) + 6 : body.index('"', body.rfind('href="', 0, start) + 6)]
    query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
    assert query["risk"] == ["high"] and query["after"]


def test_the_first_page_without_filters_links_to_the_next(web, responder, brand_a, inbox):
    MentionFactory.create_batch(51, brand=brand_a)
    body = web(responder).get(inbox).content.decode()
    assert 'href="?after=' in body and 'rel="next"' in body


def test_search_keeps_to_the_clients_the_person_may_see(responder, agency_admin, brand_a, brand_b):
    from django.contrib.auth.models import AnonymousUser

    from apps.mentions.selectors import filtered_mentions

    ours = MentionFactory(brand=brand_a, language="en", text="The kettle leaks")
    theirs = MentionFactory(brand=brand_b, language="en", text="The kettle leaks")
    search = {"q": "kettle"}
    assert list(filtered_mentions(user=responder, filters=search, clients=[brand_b.client])) == []
    assert list(filtered_mentions(user=responder, filters=search, clients=None)) == [ours]
    assert list(filtered_mentions(user=responder, filters=search, clients=[brand_a.client, brand_b.client])) == [ours]
    assert set(filtered_mentions(user=agency_admin, filters=search, clients=None)) == {ours, theirs}
    assert list(filtered_mentions(user=AnonymousUser(), filters=search, clients=None)) == []


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_bulk_goes_back_only_within_the_site(web, responder, brand_a, back):
    mention = MentionFactory(brand=brand_a)
    response = web(responder).post(
        reverse("inbox_bulk", args=[brand_a.client.slug]), {"ids": [mention.pk], "action": "archive", "next": back}
    )
    assert response.status_code == 302 and response.url == reverse("home")


def test_bulk_refuses_a_malformed_assignee_with_400(web, responder, brand_a):
    mention = MentionFactory(brand=brand_a)
    response = web(responder).post(
        reverse("inbox_bulk", args=[brand_a.client.slug]),
        {"ids": [mention.pk], "action": "assign", "assignee": "abc"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    mention.refresh_from_db()
    assert mention.assignee_id is None


def test_menus_left_at_any_filter_nothing(web, brand_a, account_lead):
    """The filter form as a browser sends it with every menu at "Any": empty values, no 400."""
    MentionFactory(brand=brand_a, text="shown")
    query = "q=&sort=risk&status=open&risk=&channel=&language=&sentiment=&kind=&topic=&assignee=&brand=&since=&until="
    page = web(account_lead).get(reverse("inbox", args=[brand_a.client.slug]) + "?" + query)
    assert page.status_code == 200 and "shown" in page.content.decode()
