"""Per-language linear sentiment models: the lexicon's verdict plus what the words look like.

A model is a table of weights, one per feature and label, trained by
``sentiment_models/train.py`` on labelled text the product may ship (see the README there).
Features are the words, neighbouring word pairs, the 3- to 5-letter pieces of each word
(so inflected and compound forms share evidence: "niezadowolona", "Zugausfälle") and the
lexicon-and-rules score. Inference is plain Python with no numerical library:
a word's features always add the same weights, so each word's sum is cached and a text costs
one lookup per word and per word pair, about as much as the lexicon itself.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parent / "sentiment_models"
LABELS = ("negative", "neutral", "positive")
CHAR_GRAMS = (3, 4, 5)
MAX_FEATURE_TOKENS = 200  # the head of a long text decides, as in the lexicon
LEXICON_SQUASH = 4.0  # the lexicon analyser's own squashing, so the score feature is its score
WORD_CACHE_LIMIT = 50_000  # per language; common words (Zipf) stay cached
LEXICON_FEATURE_SCALE = 3.0  # a strong lexicon verdict outweighs a few unseen words


def word_features(word: str) -> list[str]:
    """The features one lower-cased word brings wherever it stands: itself and its pieces."""
    found = ["w:" + word]
    if len(word) > 2 and word[0].isalpha():
        padded = f" {word} "
        for size in CHAR_GRAMS:
            found += ["c:" + padded[start : start + size] for start in range(len(padded) - size + 1)]
    return found


def word_pairs(words: list[str]) -> set[str]:
    return {f"b:{first} {second}" for first, second in pairwise(words)}


def lexicon_features(polarity: float) -> dict[str, float]:
    score = polarity / math.sqrt(polarity * polarity + LEXICON_SQUASH) if polarity else 0.0
    found = {"lexicon": score * LEXICON_FEATURE_SCALE}
    found["lexicon:positive" if score >= 0.35 else "lexicon:negative" if score <= -0.35 else "lexicon:weak"] = 1.0
    if not polarity:
        found["lexicon:silent"] = 1.0
    return found


def _lexicon_verdict(values: dict[str, float]) -> str:
    return "positive" if "lexicon:positive" in values else "negative" if "lexicon:negative" in values else ""


def features(tokens: list[str], polarity: float) -> dict[str, float]:
    """Features of a tokenised text whose lexicon polarity sum is ``polarity`` (what the model is
    trained on; ``LinearModel.analyse`` computes the same sum faster). Each distinct word and
    word pair counts once; a word piece counts once per distinct word that has it."""
    found: dict[str, float] = {}
    words = []
    for token in tokens[:MAX_FEATURE_TOKENS]:
        words.append(token.lower())
    for word in set(words):
        for feature in word_features(word):
            found[feature] = found.get(feature, 0.0) + 1.0
    for pair in word_pairs(words):
        found[pair] = 1.0
    found.update(lexicon_features(polarity))
    return found


@dataclass(frozen=True)
class LinearModel:
    language: str
    bias: tuple[float, float, float]
    weights: dict[str, tuple[float, float, float]]
    header: dict[str, str]  # what it was trained on and how it measured, from the file's comments
    _word_sums: dict[str, tuple[float, float, float]] = field(default_factory=dict, compare=False, repr=False)

    def predict(self, values: dict[str, float]) -> tuple[str, float]:
        """The label with the highest probability, and P(positive) - P(negative) as a -1..1 score."""
        negative, neutral, positive = self.bias
        weights = self.weights
        for feature, value in values.items():
            weight = weights.get(feature)
            if weight is not None:
                negative += weight[0] * value
                neutral += weight[1] * value
                positive += weight[2] * value
        return _decision(negative, neutral, positive, self._guarded(values))

    def analyse(self, tokens: list[str], polarity: float) -> tuple[str, float]:
        """``predict(features(tokens, polarity))``, with each word's share of the sum cached: a
        text's sum is the sum of its distinct words' sums, its pairs' and the lexicon's."""
        negative, neutral, positive = self.bias
        weights, cached = self.weights, self._word_sums
        words = [token.lower() for token in tokens[:MAX_FEATURE_TOKENS]]
        for word in set(words):
            share = cached.get(word)
            if share is None:
                share = self._word_sum(word)
            negative += share[0]
            neutral += share[1]
            positive += share[2]
        for pair in word_pairs(words):
            weight = weights.get(pair)
            if weight is not None:
                negative += weight[0]
                neutral += weight[1]
                positive += weight[2]
        lexicon = lexicon_features(polarity)
        for feature, value in lexicon.items():
            weight = weights.get(feature)
            if weight is not None:
                negative += weight[0] * value
                neutral += weight[1] * value
                positive += weight[2] * value
        return _decision(negative, neutral, positive, self._guarded(lexicon))

    def _guarded(self, values: dict[str, float]) -> str:
        """The lexicon's clear verdict that this model may not turn into its opposite, if any."""
        return "" if self.header.get("overturns lexicon") == "yes" else _lexicon_verdict(values)

    def _word_sum(self, word: str) -> tuple[float, float, float]:
        rows = [row for feature in word_features(word) if (row := self.weights.get(feature)) is not None]
        share = (sum(row[0] for row in rows), sum(row[1] for row in rows), sum(row[2] for row in rows))
        if len(self._word_sums) >= WORD_CACHE_LIMIT:
            self._word_sums.clear()  # bounded memory on an endless stream of new words
        self._word_sums[word] = share
        return share


def _decision(negative: float, neutral: float, positive: float, lexicon: str) -> tuple[str, float]:
    """The most probable label, except that a model trained on other kinds of text may not turn a
    clear lexicon verdict into its opposite: trained on reviews, the English model read "two
    workers killed" as positive because "workers" and "morning" lean positive there. Such a
    text is neutral. Models trained on their own domain (pl, de) may: there the lexicon's
    errors ("Danke, Deutsche Bahn") are what they learnt to correct."""
    top = max(negative, neutral, positive)
    exps = (math.exp(negative - top), math.exp(neutral - top), math.exp(positive - top))
    label, score = LABELS[exps.index(1.0)], (exps[2] - exps[0]) / sum(exps)
    if lexicon and label != "neutral" and label != lexicon:
        return "neutral", 0.0
    return label, score


def model_path(language: str) -> Path:
    return MODEL_DIR / f"{language}.tsv.gz"


def write_model(path: Path, header: dict[str, str], bias, weights: dict[str, tuple]) -> None:
    lines = [f"# {key}: {value}" for key, value in header.items()]
    lines.append("\t".join(("bias", *(f"{value:.4f}" for value in bias))))
    lines += ["\t".join((feature, *(f"{value:.4f}" for value in row))) for feature, row in sorted(weights.items())]
    # mtime=0: the same weights give the same bytes, so a retrain that changes nothing shows no diff
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))


@cache
def load_model(language: str) -> LinearModel | None:
    """The shipped model for a language, or None where the lexicon alone decides."""
    path = model_path(language)
    if not path.exists():
        return None
    header: dict[str, str] = {}
    bias = (0.0, 0.0, 0.0)
    weights: dict[str, tuple[float, float, float]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.startswith("# "):
                key, _, value = line[2:].partition(": ")
                header[key] = value
                continue
            feature, negative, neutral, positive = line.split("\t")
            row = (float(negative), float(neutral), float(positive))
            if feature == "bias":
                bias = row
            else:
                weights[feature] = row
    return LinearModel(language, bias, weights, header)
