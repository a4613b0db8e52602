"""Risk without reach: crisis words per language, calls to boycott or answer, copies, the brand's volume."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from apps.mentions.ratings import explain
from apps.risk.vocabulary import crisis_words
from tests.factories import BrandFactory, MentionFactory

pytestmark = pytest.mark.django_db

# Imported or pushed posts: no followers, no likes, no replies.
CRISIS_POSTS = {
    "en": "Explosion at the Havbris bottling plant this morning, two workers killed and five injured.",
    "da": "Eksplosion på Havbris' tapperi i nat: to medarbejdere er omkommet og flere kom til skade.",
    "nb": "Eksplosjon ved Havbris-fabrikken i natt, to arbeidere omkom og fem er skadd.",
    "pl": "Wybuch gazu w zakładzie Havbris, dwie osoby zginęły, a pięć jest rannych.",
    "de": "Explosion im Havbris-Werk: zwei Arbeiter tot, fünf Verletzte, die Feuerwehr ist vor Ort.",
}


@pytest.fixture
def brand(client_a):
    return BrandFactory(client=client_a, name="Havbris", languages=["da", "nb", "pl", "de", "en"])


def post(external_id, text, **extra):
    return RawMention(
        platform="webhook", external_id=external_id, text=text, posted_at=extra.pop("posted_at", None), **extra
    )


@pytest.mark.parametrize("language", sorted(CRISIS_POSTS))
def test_a_crisis_post_without_reach_rates_at_least_high(brand, language):
    ingest([post(language, CRISIS_POSTS[language])], brand=brand)
    mention = Mention.objects.get()
    assert mention.language == language
    assert mention.author_followers is None and mention.likes == mention.reposts == mention.replies == 0
    assert mention.risk_level in ("high", "critical"), mention.risk_factors
    crisis = next(f for f in mention.risk_factors if f["factor"] == "crisis_words")
    assert crisis["detail"]["harm"] is True and len(crisis["detail"]["terms"]) >= 2
    assert "people harmed or a disaster" in explain(mention.risk_level, mention.risk_score, mention.risk_factors)


def test_ordinary_complaints_and_one_serious_word_stay_below_high(brand):
    ingest(
        [
            post("1", "Havbris, my delivery is late again and the app keeps crashing. Not impressed."),
            post("2", "Heard Havbris has a recall on the summer beer, anyone know which batches?"),
            post("3", "This new Havbris pilsner is fire, best beer of the summer"),
        ],
        brand=brand,
    )
    levels = dict(Mention.objects.values_list("external_id", "risk_level"))
    assert levels["1"] in ("low", "medium") and levels["2"] in ("low", "medium")
    assert levels["3"] == "low"


def test_crisis_words_follow_the_language_and_read_other_languages_with_all():
    # Danish "brand" is not a fire, and an English word of harm counts in every language.
    assert crisis_words("Sikke et flot brand Havbris har bygget", "da").harm == ()
    assert crisis_words("Großbrand bei Havbris, zwei Tote", "de").harm == ("großbrand*", "tote")
    assert crisis_words("Havbris: 3 killed, la police enquête", "fr").harm == ("killed",)
    # Another language gets every language's words: a Swedish post about deaths is read.
    assert crisis_words("Två döda och flera skadade efter explosionen hos Havbris", "sv").harm == ("explosion*",)
    assert crisis_words("#BoycottHavbris until they answer us", "en").calls == ("boycott*", "answer us")


def test_calls_to_boycott_or_answer_add_points_and_say_so(brand):
    ingest(
        [
            post("calm", "Havbris changed the bottle design"),
            post("call", "Havbris changed the bottle design. #BoycottHavbris"),
        ],
        brand=brand,
    )
    calm, call = (Mention.objects.get(external_id=i) for i in ("calm", "call"))
    assert call.risk_score > calm.risk_score
    factor = next(f for f in call.risk_factors if f["factor"] == "call_to_action")
    assert factor["detail"]["terms"] == ["boycott*"]
    assert "it calls on others or on the brand: \u201cboycott\u201d" in explain(
        call.risk_level, call.risk_score, call.risk_factors
    )


def test_copies_of_the_same_words_in_a_day_count(brand):
    text = "Havbris poisoned the river behind the plant and says nothing about it to anyone"
    ingest([post("a1", text)], brand=brand)
    ingest([post("a2", text + " http://x.example/1"), post("a3", text.upper())], brand=brand)
    first, last = Mention.objects.get(external_id="a1"), Mention.objects.get(external_id="a3")
    assert not [f for f in first.risk_factors if f["factor"] == "copies"]
    copies = next(f for f in last.risk_factors if f["factor"] == "copies")
    assert copies["detail"] == {"count": 3}
    assert last.risk_score > first.risk_score


def test_a_surge_in_the_brands_volume_counts(brand):
    now = datetime.now(UTC)
    for hour in range(2, 170, 2):  # a quiet week: one mention every two hours
        MentionFactory(brand=brand, posted_at=now - timedelta(hours=hour))
    for minute in range(30):  # and thirty in the last hour
        MentionFactory(brand=brand, posted_at=now - timedelta(minutes=minute))
    ingest([post("new", "Havbris what is going on today?", posted_at=now)], brand=brand)
    mention = Mention.objects.get(external_id="new")
    volume = next(f for f in mention.risk_factors if f["factor"] == "volume")
    # Half a mention an hour is counted as one: a near-silent brand needs ten in an hour.
    assert volume["detail"] == {"count": 30, "ratio": 30.0}
    assert "times its usual mentions an hour" in explain(mention.risk_level, mention.risk_score, mention.risk_factors)


def test_a_quiet_brand_gets_no_volume_points(brand):
    now = datetime.now(UTC)
    for hour in range(1, 160, 3):
        MentionFactory(brand=brand, posted_at=now - timedelta(hours=hour))
    ingest([post("new", "Havbris what is going on today?", posted_at=now)], brand=brand)
    assert not [f for f in Mention.objects.get(external_id="new").risk_factors if f["factor"] == "volume"]
