"""The trained per-language sentiment models behind the default analyser."""

from __future__ import annotations

import pytest

from apps.listening.enrichment.sentiment import LANGUAGES, LexiconSentimentAnalyser, get_analyser
from apps.listening.enrichment.sentiment_model import LABELS, features, load_model, write_model
from tests.listening.test_sentiment import HOSTILE, NEGATIVE, NEUTRAL_FACTS, POSITIVE

MODELLED = ("pl", "de", "en")


def test_models_ship_for_pl_de_en_and_the_lexicon_decides_elsewhere():
    assert {language for language in LANGUAGES if load_model(language)} == set(MODELLED)
    analyser = get_analyser()
    lexicon = LexiconSentimentAnalyser()
    for text in (POSITIVE["da"], NEGATIVE["nb"], "Ikke så god som sidst"):
        assert analyser.analyse(text, "da") == lexicon.analyse(text, "da")


@pytest.mark.parametrize("language", MODELLED)
def test_each_model_records_its_training_data_licence_and_measurement(language):
    header = load_model(language).header
    assert header["trained on"] and header["licence"]
    assert float(header["macro-F1"].split()[0]) > 0.5


@pytest.mark.parametrize("language", LANGUAGES)
def test_default_analyser_gets_clear_texts_right(language):
    analyser = get_analyser()
    positive = analyser.analyse(POSITIVE[language], language)
    negative = analyser.analyse(NEGATIVE[language], language)
    assert positive.label == "positive" and positive.score > 0
    assert negative.label == "negative" and negative.score < 0
    assert analyser.analyse(NEUTRAL_FACTS[language], language).label != "positive"


@pytest.mark.parametrize(
    ("language", "text", "label"),
    [
        # in the lexicon's blind spot: no listed word, but the model has seen the pieces
        ("pl", "Lekarz w ogóle nie słuchał, wizyta trwała dwie minuty i wyszłam bez diagnozy.", "negative"),
        ("en", "My bag never arrived and nobody answers the phone", "negative"),
    ],
)
def test_model_reads_tone_from_words_the_lexicon_does_not_list(language, text, label):
    assert LexiconSentimentAnalyser().analyse(text, language).label == "neutral"
    assert get_analyser().analyse(text, language).label == label


def test_features_hold_words_pairs_word_pieces_and_the_lexicon_verdict():
    found = features(["Nie", "polecam", "go", "!"], polarity=-2.0)
    assert {"w:nie", "w:polecam", "w:!", "b:nie polecam", "b:go !", "c: ni", "c: po", "c:ecam "} <= set(found)
    assert "c: go" not in found  # words under three letters are not cut into pieces
    assert found["lexicon:negative"] == 1.0
    assert found["lexicon"] < 0
    assert features([], polarity=0.0)["lexicon:silent"] == 1.0


def test_model_file_round_trip_and_prediction(tmp_path, monkeypatch):
    import apps.listening.enrichment.sentiment_model as sentiment_model

    monkeypatch.setattr(sentiment_model, "MODEL_DIR", tmp_path)
    load_model.cache_clear()
    try:
        write_model(
            tmp_path / "xx.tsv.gz",
            {"trained on": "two words", "licence": "ours", "macro-F1": "1.0 (by hand)"},
            (0.0, 0.5, 0.0),
            {"w:fine": (-1.0, 0.0, 2.0), "w:awful": (2.0, 0.0, -1.0)},
        )
        model = load_model("xx")
        assert model.header["licence"] == "ours"
        assert model.predict({"w:fine": 1.0})[0] == "positive"
        label, score = model.predict({"w:awful": 1.0, "w:unknown": 1.0})
        assert label == "negative" and -1.0 < score < 0
        assert model.predict({})[0] == "neutral"
        assert load_model("zz") is None
    finally:
        load_model.cache_clear()


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("language", MODELLED)
def test_models_take_hostile_input(text, language):
    result = get_analyser().analyse(text, language)
    assert result.label in LABELS
    assert -1.0 <= result.score <= 1.0


@pytest.mark.parametrize("language", MODELLED)
def test_cached_word_sums_decide_as_the_trained_features_do(language):
    from apps.listening.enrichment.sentiment import clean_text, tokenise

    model, lexicon = load_model(language), LexiconSentimentAnalyser()
    texts = [POSITIVE[language], NEGATIVE[language], NEUTRAL_FACTS[language], f"{NEGATIVE[language]} " * 3]
    for text in texts * 2:  # the second round is served from the word cache
        tokens = tokenise(clean_text(text))
        polarity = lexicon.polarity(text, language)
        label, score = model.analyse(tokens, polarity)
        expected_label, expected_score = model.predict(features(tokens, polarity))
        assert label == expected_label
        assert score == pytest.approx(expected_score, abs=1e-9)


def test_a_model_trained_on_reviews_does_not_turn_crisis_news_positive():
    text = "Explosion at the Havbris bottling plant this morning, two workers killed and five injured."
    assert get_analyser().analyse(text, "en").label != "positive"
    assert get_analyser().analyse("Havbris recall: two workers killed and five injured", "en").label != "positive"


@pytest.mark.parametrize(("overturns", "label"), [("no", "neutral"), ("yes", "positive")])
def test_only_a_model_trained_in_its_domain_overturns_the_lexicon(overturns, label):
    from apps.listening.enrichment.sentiment_model import LinearModel

    model = LinearModel("xx", (0.0, 0.0, 0.0), {"w:workers": (0.0, 0.0, 9.0)}, {"overturns lexicon": overturns})
    assert model.analyse(["workers", "killed"], polarity=-3.0)[0] == label
    assert model.predict(features(["workers", "killed"], polarity=-3.0))[0] == label
