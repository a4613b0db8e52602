"""Train the per-language sentiment models in this folder from labelled text the product may ship.

Not used at run time (the analyser reads the .tsv.gz files; scikit-learn is a development
requirement only). Run it to re-derive or audit the models:

    pip download --no-deps --no-binary :all: -d /tmp/sentiment-sources vaderSentiment==3.3.2
    (cd /tmp/sentiment-sources && npm pack sentiment@5.0.2)
    python apps/listening/enrichment/sentiment_models/train.py ../shared/data/sentiment-dev.csv /tmp/sentiment-sources

Training data, by language (licences in README.md):
- pl: the PolEmo 2.0 rows of the development set (CC BY-SA 4.0);
- de: the GermEval 2017 rows of the development set (CC BY 4.0);
- en: VADER's human-rated sentences (MIT; mean rating >= 0.5 positive, <= -0.5 negative, neutral
  between, a band fixed before any measurement) and the UCI Sentiment Labelled Sentences
  (CC BY 4.0) from the npm package ``sentiment``'s test fixtures.
The development set's non-commercial parts (da, nb and the English airline tweets) are only
measured against, never trained on. pl and de are measured by 5-fold cross-validation of the
whole procedure (a model is only judged on rows it did not see); the figures go into each
model file's header, where ``bench/bench_sentiment.py`` reads them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tarfile
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import numpy as np  # noqa: E402
from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from apps.listening.enrichment.sentiment import LexiconSentimentAnalyser, clean_text, tokenise  # noqa: E402
from apps.listening.enrichment.sentiment_model import LABELS, LinearModel, features, model_path, write_model  # noqa: E402

MIN_COUNT = 2  # a feature seen once is noise, and it would make the file large
PRUNE_BELOW = 0.02  # weights this small change no decision; dropping them keeps the files small
REGULARISATION = 1.0  # scikit-learn's C; 0.3 to 3 measured within 0.01 of each other
VADER_NEUTRAL_BAND = 0.5
SHIPPABLE_SOURCES = {"pl": "polemo2_medicine", "de": "germeval2017_deutsche_bahn"}
VADER_SDIST = "vaderSentiment-3.3.2.tar.gz"
VADER_FILES = ("tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets")
UCI_PACKAGE = "sentiment-5.0.2.tgz"
UCI_FILES = ("amazon", "imdb", "yelp")

LEXICON = LexiconSentimentAnalyser()


def featurise(text: str, language: str) -> dict[str, float]:
    text = clean_text(text)
    tokens = tokenise(text)
    return features(tokens, LEXICON.polarity_of_tokens(tokens, language, shouting=text.isupper()))


def development_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["lang"] = "nb" if row["lang"] == "no" else row["lang"]
    return rows


def vader_sentences(sources: Path) -> list[tuple[str, str]]:
    examples = []
    with tarfile.open(sources / VADER_SDIST) as sdist:
        inner = sdist.extractfile("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz")
        with tarfile.open(fileobj=io.BytesIO(inner.read())) as resources:
            for name in VADER_FILES:
                raw = resources.extractfile(f"hutto_ICWSM_2014/{name}_GroundTruth.txt").read()
                for line in raw.decode("latin-1").splitlines():
                    parts = line.split("\t")
                    if len(parts) < 3:
                        continue
                    rating = float(parts[1])
                    label = (
                        "positive"
                        if rating >= VADER_NEUTRAL_BAND
                        else "negative"
                        if rating <= -VADER_NEUTRAL_BAND
                        else "neutral"
                    )
                    examples.append((parts[2], label))
    return examples


def uci_sentences(sources: Path) -> list[tuple[str, str]]:
    examples = []
    with tarfile.open(sources / UCI_PACKAGE) as package:
        for name in UCI_FILES:
            for item in json.load(package.extractfile(f"package/test/fixtures/{name}.json")):
                examples.append((item["text"], "positive" if item["class"] == 1 else "negative"))
    return examples


def fit(rows: list[dict[str, float]], labels: list[str]):
    """Weights per kept feature (seen at least MIN_COUNT times, not pruned) and the bias."""
    counts: dict[str, int] = {}
    for row in rows:
        for feature in row:
            counts[feature] = counts.get(feature, 0) + 1
    kept = [{f: v for f, v in row.items() if counts[f] >= MIN_COUNT} for row in rows]
    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform(kept)
    model = LogisticRegression(C=REGULARISATION, max_iter=5000, class_weight="balanced").fit(matrix, labels)
    order = [list(model.classes_).index(label) for label in LABELS]
    coefficients = model.coef_[order].T
    weights = {
        feature: tuple(float(w) for w in coefficients[column])
        for feature, column in vectoriser.vocabulary_.items()
        if np.abs(coefficients[column]).max() >= PRUNE_BELOW
    }
    return tuple(float(b) for b in model.intercept_[order]), weights


def predict(bias, weights, row: dict[str, float], overturns: str) -> str:
    """The label the shipped analyser would give (the same decision, the lexicon guard included)."""
    return LinearModel("", bias, weights, {"overturns lexicon": overturns}).predict(row)[0]


def macro_f1(gold: list[str], guessed: list[str]) -> float:
    return round(float(f1_score(gold, guessed, average="macro")), 4)


def cross_validated(rows: list[dict[str, float]], labels: list[str]) -> float:
    gold, guessed = [], []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(rows, labels):
        bias, weights = fit([rows[i] for i in train], [labels[i] for i in train])
        gold += [labels[i] for i in test]
        guessed += [predict(bias, weights, rows[i], "yes") for i in test]
    return macro_f1(gold, guessed)


def main(development: Path, sources: Path) -> None:
    dev = development_rows(development)
    for language, source in SHIPPABLE_SOURCES.items():
        chosen = [row for row in dev if row["lang"] == language and row["source"] == source]
        rows = [featurise(row["text"], language) for row in chosen]
        labels = [row["label"] for row in chosen]
        score = cross_validated(rows, labels)
        bias, weights = fit(rows, labels)
        header = {
            "trained on": f"{source} rows of the development set ({len(rows)})",
            "licence": "CC BY-SA 4.0 (PolEmo 2.0)" if language == "pl" else "CC BY 4.0 (GermEval 2017)",
            "macro-F1": f"{score} (5-fold cross-validation on the training rows)",
            # trained on the very kind of text it judges: it may correct the lexicon
            "overturns lexicon": "yes",
        }
        write_model(model_path(language), header, bias, weights)
        print(language, len(weights), "features, cross-validated macro-F1", score)

    english = vader_sentences(sources) + uci_sentences(sources)
    rows = [featurise(text, "en") for text, _ in english]
    bias, weights = fit(rows, [label for _, label in english])
    airline = [row for row in dev if row["lang"] == "en"]
    score = macro_f1(
        [row["label"] for row in airline],
        [predict(bias, weights, featurise(row["text"], "en"), "no") for row in airline],
    )
    header = {
        "trained on": f"VADER rated sentences and UCI labelled sentences ({len(rows)})",
        "licence": "MIT (VADER) and CC BY 4.0 (UCI Sentiment Labelled Sentences)",
        "macro-F1": f"{score} (the development set's airline tweets, not trained on)",
        # trained on reviews, not posts: it may not turn the lexicon's clear verdict around
        "overturns lexicon": "no",
    }
    write_model(model_path("en"), header, bias, weights)
    print("en", len(weights), "features, macro-F1 on airline tweets", score)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
