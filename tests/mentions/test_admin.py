"""The Django admin of mentions: agency admins look them up; nobody adds, edits or deletes there."""

import pytest
from django.core.cache import cache

from apps.mentions.admin import PLATFORMS_CACHE_KEY
from apps.mentions.models import Mention
from tests.factories import MentionFactory

CHANGELIST = "/admin/mentions/mention/"


@pytest.fixture
def mentions(brand_a, brand_b):
    return [
        MentionFactory(
            brand=brand_a,
            text="Leveringen er forsinket igen",
            author_name="Mette Hansen",
            author_handle="@mettehan12",
            platform="facebook",
            language="da",
            status="new",
            risk_level="high",
            risk_score=60,
        ),
        MentionFactory(
            brand=brand_a,
            text="Great service today",
            author_name="Tom Smith",
            author_handle="@tomsmi7",
            platform="mastodon",
            language="en",
            status="answered",
            risk_level="low",
            risk_score=5,
        ),
        MentionFactory(
            brand=brand_b,
            text="Zamówienie nie dotarło",
            author_name="Kasia Nowak",
            author_handle="@kasianow3",
            platform="x",
            language="pl",
            status="new",
            risk_level="medium",
            risk_score=40,
        ),
    ]


def _listed(response) -> set[str]:
    return {mention.text for mention in response.context["cl"].result_list}


def test_agency_admin_lists_mentions_newest_first(web, agency_admin, mentions):
    response = web(agency_admin).get(CHANGELIST)
    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert {m.pk for m in listed} == {m.pk for m in mentions}
    assert [m.posted_at for m in listed] == sorted((m.posted_at for m in listed), reverse=True)
    assert b"Alpha Crisps" in response.content and b"Bravo Mobile" in response.content


def test_search_finds_text_author_and_handle(web, agency_admin, mentions):
    http = web(agency_admin)
    assert _listed(http.get(CHANGELIST, {"q": "forsinket"})) == {"Leveringen er forsinket igen"}
    assert _listed(http.get(CHANGELIST, {"q": "Kasia"})) == {"Zamówienie nie dotarło"}
    assert _listed(http.get(CHANGELIST, {"q": "@tomsmi"})) == {"Great service today"}
    assert _listed(http.get(CHANGELIST, {"q": "nothing like this"})) == set()


def test_filters(web, agency_admin, mentions, client_a):
    http = web(agency_admin)
    cache.delete(PLATFORMS_CACHE_KEY)
    assert _listed(http.get(CHANGELIST, {"status__exact": "new", "client__id__exact": client_a.pk})) == {
        "Leveringen er forsinket igen"
    }
    assert _listed(http.get(CHANGELIST, {"language": "pl"})) == {"Zamówienie nie dotarło"}
    assert _listed(http.get(CHANGELIST, {"platform": "mastodon"})) == {"Great service today"}
    assert _listed(http.get(CHANGELIST, {"risk_level__exact": "high"})) == {"Leveringen er forsinket igen"}
    response = http.get(CHANGELIST)
    assert b"?platform=facebook" in response.content  # the platforms offered come from the data


def test_nobody_adds_edits_or_deletes_mentions_here(web, agency_admin, mentions):
    http = web(agency_admin)
    mention = mentions[0]
    change_url = f"{CHANGELIST}{mention.pk}/change/"
    assert http.get(f"{CHANGELIST}add/").status_code == 403
    assert http.get(f"{CHANGELIST}{mention.pk}/delete/").status_code == 403
    response = http.get(change_url)
    assert response.status_code == 200
    assert b"Leveringen er forsinket igen" in response.content
    assert b'name="_save"' not in response.content
    assert http.post(change_url, {"text": "edited"}).status_code == 403
    mention.refresh_from_db()
    assert mention.text == "Leveringen er forsinket igen"
    assert b"delete_selected" not in http.get(CHANGELIST).content
    http.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [mention.pk], "index": 0})
    assert Mention.objects.unscoped().filter(pk=mention.pk).exists()


def test_other_mention_models_are_listed_read_only(web, agency_admin, mentions):
    http = web(agency_admin)
    for model in ("mentionnote", "mentionlink", "savedview"):
        assert http.get(f"/admin/mentions/{model}/").status_code == 200
        assert http.get(f"/admin/mentions/{model}/add/").status_code == 403


def test_account_leads_do_not_reach_the_admin(web, account_lead, mentions):
    response = web(account_lead).get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
