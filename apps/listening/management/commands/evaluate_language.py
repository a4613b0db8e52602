"""Measure language detection on a labelled CSV (columns text, lang; an optional hint column).

Detection runs as for a brand that lists all five of our languages. Prints one JSON object:
accuracy per language, the share of other-language texts called "other" (any language that
is not one of ours; per_language says whether it was the right one), the share of our
languages' texts wrongly called other, and texts per second.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.listening.enrichment.language import SUPPORTED, detect_languages, is_other_language, normalise_hint
from apps.listening.management.labelled_csv import read_labelled_rows

REQUIRED_COLUMNS = ("text", "lang")


def read_examples(path: Path) -> list[tuple[str, str, str]]:
    """(text, language, platform hint) per row; "no" and "nn" read as Norwegian."""
    examples = []
    for line, row in read_labelled_rows(path, REQUIRED_COLUMNS):
        language = normalise_hint(row["lang"])
        if not language:
            raise CommandError(f"{path}, line {line}: {row['lang']!r} is not a language code")
        examples.append((row["text"] or "", language, row.get("hint") or ""))
    return examples


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def evaluate(examples: list[tuple[str, str, str]]) -> dict:
    started = time.perf_counter()
    detected = detect_languages([text for text, _, _ in examples], SUPPORTED, [hint for _, _, hint in examples])
    elapsed = time.perf_counter() - started
    pairs = [(gold, guess) for (_, gold, _), (guess, _) in zip(examples, detected, strict=True)]
    per_language = {}
    for language in sorted({gold for gold, _ in pairs}):
        guesses = [guess for gold, guess in pairs if gold == language]
        per_language[language] = {"n": len(guesses), "accuracy": _share(guesses.count(language), len(guesses))}
    others = [guess for gold, guess in pairs if is_other_language(gold)]
    ours = [guess for gold, guess in pairs if not is_other_language(gold)]
    return {
        "overall": {"n": len(pairs), "accuracy": _share(sum(gold == guess for gold, guess in pairs), len(pairs))},
        "per_language": per_language,
        "other_called_other": _share(sum(is_other_language(guess) for guess in others), len(others)),
        "ours_called_other": _share(sum(is_other_language(guess) for guess in ours), len(ours)),
        "texts_per_second": round(len(pairs) / elapsed) if elapsed > 0 else None,
    }


class Command(BaseCommand):
    help = "Evaluate language detection on a CSV with columns text, lang (optional hint); prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with columns text, lang (other columns are ignored)")

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(evaluate(read_examples(Path(options["file"])))))
