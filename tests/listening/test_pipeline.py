from datetime import UTC, datetime, timedelta

import pytest

from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from tests.factories import BrandFactory, BrandQueryFactory, TopicFactory


def raw(external_id, text, **extra):
    return RawMention(platform=extra.pop("platform", "mastodon"), external_id=external_id, text=text, **extra)


@pytest.fixture
def brand(client_a):
    return BrandFactory(
        client=client_a,
        name="Havbris",
        aliases=["Havbrís", "Havbris Pilsner"],
        handles=["@havbris"],
        languages=["da", "de"],
    )


@pytest.mark.django_db
def test_html_is_turned_into_plain_text_and_raw_is_kept(brand):
    html = "<p>Havbris &amp; venner<br>er  <b>top</b></p><script>alert(1)</script><style>p{}</style>"
    ingest([raw("1", html, is_html=True, raw={"content": html})], brand=brand)
    mention = Mention.objects.get()
    assert mention.text == "Havbris & venner\ner top"
    assert mention.raw == {"content": html}


@pytest.mark.django_db
def test_only_mentions_of_the_brand_are_kept_and_excluded_words_win(brand):
    BrandQueryFactory(brand=brand, keywords=["pilsner*"], excluded_words=["vejret", "havbrisen"])
    result = ingest(
        [
            raw("1", "HAVBRÍS er min yndlingsøl"),
            raw("2", "Pilsnerne fra Skagen er gode"),
            raw("3", "Havbris og vejret i dag"),
            raw("4", "Dejlig havbrisen ved stranden"),
            raw("5", "tak @havbris!"),
        ],
        brand=brand,
    )
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["1", "2", "5"]
    assert result.filtered == 2


@pytest.mark.django_db
def test_advanced_query_decides_when_set(brand):
    BrandQueryFactory(brand=brand, expression='("havbris pilsner" OR havbris) AND NOT reklame')
    ingest([raw("1", "Havbris Pilsner er god"), raw("2", "Havbris reklame igen"), raw("3", "pilsner")], brand=brand)
    assert list(Mention.objects.values_list("external_id", flat=True)) == ["1"]


@pytest.mark.django_db
def test_enrichment_language_sentiment_kind_topics_and_reach(brand):
    TopicFactory(brand=brand, name="levering", keywords=["levering", "Lieferung"], sensitive=True)
    ingest(
        [
            raw(
                "da",
                "Havbris levering er forsinket igen og kundeservice svarer ikke 😡",
                author_followers=52000,
                likes=12,
                reposts=3,
                replies=7,
            ),
            raw("de", "Vielen Dank an Havbris, die Lieferung war super schnell! 😍"),
            raw("en", "Does anyone know when Havbris will be back in stock?"),
        ],
        brand=brand,
    )
    da, de, en = (Mention.objects.get(external_id=i) for i in ("da", "de", "en"))
    assert (da.language, de.language, en.language) == ("da", "de", "en")
    assert da.sentiment == "negative" and de.sentiment == "positive"
    assert da.kind == "service_failure" and de.kind == "praise" and en.kind == "question"
    assert da.topics == ["levering"] and de.topics == ["levering"] and en.topics == []
    assert (da.author_followers, da.likes, da.reposts, da.replies) == (52000, 12, 3, 7)
    assert 0 < da.language_confidence <= 1


@pytest.mark.django_db
def test_language_is_chosen_among_the_brand_languages_and_english(brand):
    ingest(
        [raw("nb", "Havbris er helt fantastisk, jeg elsker ølet deres og anbefaler det til alle venner")], brand=brand
    )
    assert Mention.objects.get().language in ("da", "de", "en")  # Norwegian is not a language of this brand


@pytest.mark.django_db
def test_repolls_and_replays_create_nothing_new(brand):
    items = [raw(str(n), f"Havbris nummer {n}") for n in range(5)]
    first = ingest(items, brand=brand)
    second = ingest([*items, raw("1", "Havbris nummer 1")], brand=brand)
    assert first.created == 5 and second.created == 0 and second.duplicates == 6
    assert Mention.objects.count() == 5


@pytest.mark.django_db
def test_same_id_on_another_platform_or_client_is_another_mention(brand, client_b):
    other_brand = BrandFactory(client=client_b, name="Havbris")
    ingest([raw("1", "Havbris", platform="mastodon"), raw("1", "Havbris", platform="bluesky")], brand=brand)
    ingest([raw("1", "Havbris", platform="mastodon")], brand=other_brand)
    assert Mention.objects.count() == 3


@pytest.mark.django_db
def test_cross_posted_copies_are_linked_not_duplicated(brand):
    text = "Havbris har ødelagt min weekend, øllen var flad og dyr!!"
    ingest([raw("m1", text, platform="mastodon")], brand=brand)
    ingest(
        [
            raw("b1", text.upper() + " https://t.example/x", platform="bluesky"),
            raw("r1", "Havbris er fin", platform="reddit"),
        ],
        brand=brand,
    )
    first, copy, other = (Mention.objects.get(external_id=i) for i in ("m1", "b1", "r1"))
    assert copy.duplicate_of == first and first.duplicate_of is None and other.duplicate_of is None


@pytest.mark.django_db
def test_hostile_input_is_stored_harmlessly(brand):
    wall = "Havbris " + "ha" * 25_000
    ingest(
        [
            raw("nul\x00id", "Havbris \x00 nul", raw={"k\x00": "v\x00", "nested": ["\x00"]}, author_name="A\x00"),
            raw("wall", wall),
            raw("zw", "Havbris\u200b\u202e evil \u202c"),
            raw("", "Havbris without id"),
            raw("empty", "   "),
            raw("future", "Havbris from the future", posted_at=datetime(2999, 1, 1, tzinfo=UTC)),
        ],
        brand=brand,
    )
    assert Mention.objects.count() == 4
    nul = Mention.objects.get(external_id="nulid")
    assert "\x00" not in nul.text and nul.raw == {"k": "v", "nested": [""]}
    assert len(Mention.objects.get(external_id="wall").text) == len(wall)
    assert Mention.objects.get(external_id="future").posted_at.year < 2999


@pytest.mark.django_db
def test_created_ids_are_returned_for_later_steps(brand):
    result = ingest([raw("1", "Havbris"), raw("2", "Havbris")], brand=brand)
    assert sorted(result.created_ids) == sorted(Mention.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_batches_commit_separately(brand):
    result = ingest([raw(str(n), f"Havbris {n}") for n in range(25)], brand=brand, batch_size=10)
    assert result.created == 25


@pytest.mark.django_db
def test_the_brands_own_name_is_not_scored_as_an_opinion(client_a):
    brand = BrandFactory(client=client_a, name="Super Happy Airlines", aliases=["Super Happy"], languages=["en"])
    ingest([raw("1", "Super Happy Airlines flight 22 departs from gate 4 at noon")], brand=brand)
    assert Mention.objects.get().sentiment == "neutral"


CREATED: list[dict] = []


def record_created(cursor, created: dict) -> None:
    """An after-insert step for the test below: which id came with which row."""
    CREATED.append({pk: row["external_id"] for pk, row in created.items()})


@pytest.mark.django_db(transaction=True)
def test_a_key_stored_meanwhile_by_another_writer_falls_back_to_on_conflict(brand):
    import threading
    import time

    from django.db import connection, transaction

    holding = threading.Event()

    def other_writer():
        with transaction.atomic():
            ingest([raw("2", "Havbris number two, from the other writer")], brand=brand)
            holding.set()
            time.sleep(0.5)  # our COPY of the same key waits on this transaction, then fails
        connection.close()

    from apps.listening.pipeline import after_insert

    CREATED.clear()
    thread = threading.Thread(target=other_writer)
    thread.start()
    holding.wait(5)
    with after_insert.replaced({**dict(after_insert.items()), "test": record_created}):
        result = ingest([raw(str(n), f"Havbris number {n}") for n in range(1, 4)], brand=brand)
    thread.join()
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["1", "2", "3"]
    assert result.created == 2 and result.duplicates == 1
    assert Mention.objects.get(external_id="2").text == "Havbris number two, from the other writer"
    # The after-insert steps get each created id with its own row from the fallback too.
    [created] = [seen for seen in CREATED if "2" not in seen.values()]
    assert created == dict(Mention.objects.filter(external_id__in=["1", "3"]).values_list("pk", "external_id"))


@pytest.mark.django_db
def test_large_ingestions_can_keep_only_counts(brand):
    result = ingest([raw(str(n), f"Havbris {n}") for n in range(30)], brand=brand, batch_size=10, keep_ids=False)
    assert result.created == 30 and result.created_ids == []


def test_ingesting_shortens_the_thread_switch_interval_for_the_writer(brand, settings):
    import sys

    default = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    settings.INGEST_SWITCH_INTERVAL = 0.0005
    try:
        ingest([RawMention(platform="x", external_id="1", text="Havbris is fine")], brand=brand)
        assert sys.getswitchinterval() == pytest.approx(0.0005)
    finally:
        sys.setswitchinterval(default)


@pytest.mark.django_db
def test_timestamps_keep_their_instant_through_the_copy(brand):
    from zoneinfo import ZoneInfo

    summer = datetime(2025, 7, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Copenhagen"))
    whole_second = datetime(2025, 11, 2, 23, 59, 59, tzinfo=ZoneInfo("Europe/Warsaw"))
    ingest(
        [
            RawMention(platform="x", external_id="1", text="Havbris in summer", posted_at=summer),
            RawMention(platform="x", external_id="2", text="Havbris at midnight", posted_at=whole_second),
        ],
        brand=brand,
    )
    stored = dict(Mention.objects.values_list("external_id", "posted_at"))
    assert stored == {"1": summer, "2": whole_second}
    mention = Mention.objects.get(external_id="1")
    assert mention.rated_at is not None and mention.response_due_at > mention.ingested_at


@pytest.mark.django_db
def test_the_hour_a_clock_goes_back_keeps_both_of_its_instants(brand):
    from zoneinfo import ZoneInfo

    first = datetime(2025, 10, 26, 2, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))  # +02:00
    second = first.replace(fold=1)  # the same wall time an hour later, +01:00
    ingest(
        [
            RawMention(platform="x", external_id="1", text="Havbris before", posted_at=first),
            RawMention(platform="x", external_id="2", text="Havbris after", posted_at=second),
        ],
        brand=brand,
    )
    stored = dict(Mention.objects.values_list("external_id", "posted_at"))
    assert stored["2"] - stored["1"] == timedelta(hours=1)


@pytest.mark.django_db
def test_an_unknown_posting_time_is_marked_shown_and_gives_no_velocity(brand, web, agency_admin):
    from django.urls import reverse

    result = ingest([raw("old", "Havbris er elendig", posted_at=None, likes=500)], brand=brand)
    [mention] = Mention.objects.filter(pk__in=result.created_ids)
    assert mention.posted_at_known is False  # posted_at holds the arrival, for order only
    assert "velocity" not in {factor["factor"] for factor in mention.risk_factors}
    page = web(agency_admin).get(reverse("mention_detail", args=[brand.client.slug, mention.pk])).content.decode()
    assert "posting time unknown" in page
    inbox = web(agency_admin).get(reverse("inbox", args=[brand.client.slug])).content.decode()
    assert "posting time unknown" in inbox
    known = ingest([raw("new", "Havbris er elendig", likes=500, posted_at=datetime.now(UTC))], brand=brand)
    dated = Mention.objects.get(pk=known.created_ids[0])
    assert dated.posted_at_known is True and "velocity" in {factor["factor"] for factor in dated.risk_factors}


@pytest.mark.django_db
def test_a_huge_raw_payload_is_stored_cut_with_a_note_and_its_short_fields_kept(brand):
    from apps.listening.pipeline import RAW_MAX_CHARS

    huge = {"id": "p-1", "link": "https://x.example/1", "description": "Havbris " * 540_000}  # 4.3 MB
    result = ingest([raw("p-1", "Havbris er god", raw=huge, posted_at=datetime.now(UTC))], brand=brand)
    stored = Mention.objects.get(pk=result.created_ids[0]).raw
    assert stored["id"] == "p-1" and stored["link"] == "https://x.example/1"
    assert len(stored["description"]) < 2100 and "4,320,0" in stored["_cut"]
    assert len(str(stored)) < RAW_MAX_CHARS
    many = {f"field_{n}": "Havbris " * 500 for n in range(400)}  # still too big once each string is cut
    result = ingest([raw("p-2", "Havbris er god", raw=many, posted_at=datetime.now(UTC))], brand=brand)
    stored = Mention.objects.get(pk=result.created_ids[0]).raw
    assert "only its short top-level fields" in stored["_cut"] and len(str(stored)) < RAW_MAX_CHARS
