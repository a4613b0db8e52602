"""Measure the default sentiment analyser on a labelled CSV (columns lang, text, label).

Prints one JSON object: overall and per-language n / accuracy / macro-F1 and what decides in
that language (a trained model's line says what it was trained on), and throughput.
Macro-F1 averages the F1 of the labels that occur in the gold labels or the predictions
(as scikit-learn does), so a language without, say, positive examples is not punished for it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.listening.enrichment.sentiment import get_analyser, normalise_language
from apps.listening.enrichment.sentiment_model import load_model
from apps.listening.management.labelled_csv import read_labelled_rows

LABELS = ("negative", "neutral", "positive")
REQUIRED_COLUMNS = ("lang", "text", "label")
# Data sets call Norwegian Bokmål "no"; everything else is passed through as written.
LANGUAGE_CODES = {"no": "nb", "nn": "nb"}


def read_examples(path: Path) -> list[tuple[str, str, str]]:
    examples = []
    for line, row in read_labelled_rows(path, REQUIRED_COLUMNS):
        label = (row["label"] or "").strip().lower()
        if label not in LABELS:
            raise CommandError(f"{path}, line {line}: label {label!r} is not one of {LABELS}")
        language = (row["lang"] or "").strip().lower()
        examples.append((LANGUAGE_CODES.get(language, language), row["text"] or "", label))
    return examples


def scores(gold: list[str], predicted: list[str]) -> dict:
    pairs = Counter(zip(gold, predicted, strict=True))
    f1s = []
    for label in LABELS:
        true_positives = pairs[(label, label)]
        gold_count = sum(count for (truth, _), count in pairs.items() if truth == label)
        predicted_count = sum(count for (_, guess), count in pairs.items() if guess == label)
        if gold_count == 0 and predicted_count == 0:
            continue
        f1s.append(2 * true_positives / (gold_count + predicted_count))
    correct = sum(count for (truth, guess), count in pairs.items() if truth == guess)
    return {
        "n": len(gold),
        "accuracy": round(correct / len(gold), 4),
        "macro_f1": round(sum(f1s) / len(f1s), 4),
    }


def analyser_of(language: str) -> str:
    """What decides in this language; a model's training data and its own honest figure, because
    a file that overlaps the training data scores a model far higher than new text will."""
    model = load_model(normalise_language(language))
    if model is None:
        return "lexicon and rules"
    return f"linear model trained on {model.header.get('trained on')}; macro-F1 {model.header.get('macro-F1')}"


class Command(BaseCommand):
    help = "Evaluate the sentiment analyser on a CSV with columns lang, text, label; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with columns lang, text, label (other columns are ignored)")

    def handle(self, *args, **options):
        examples = read_examples(Path(options["file"]))
        analyser = get_analyser()

        started = time.perf_counter()
        predicted = [analyser.analyse(text, normalise_language(language)).label for language, text, _ in examples]
        elapsed = time.perf_counter() - started

        gold = [label for _, _, label in examples]
        per_language = {}
        for language in sorted({language for language, _, _ in examples}):
            indices = [i for i, (code, _, _) in enumerate(examples) if code == language]
            per_language[language] = scores([gold[i] for i in indices], [predicted[i] for i in indices])
            per_language[language]["analyser"] = analyser_of(language)
        report = {
            "overall": scores(gold, predicted),
            "per_language": per_language,
            "texts_per_second": round(len(examples) / elapsed) if elapsed > 0 else None,
        }
        self.stdout.write(json.dumps(report))
