"""Language detection on labelled text: `evaluate_language` on a file built from ../shared.

The file holds the platform-tagged posts of the shared samples (Mastodon's language, Bluesky's
langs, passed as the hint the connectors pass), the paragraphs of the seed articles, the
labelled development texts (our five languages, no hint) and bench/data/language_cases.csv:
other-language posts and names with foreign letters, written here.
"""

import csv
import json
import re
import sys
import tempfile
from io import StringIO
from pathlib import Path

from common import ROOT, report

SHARED = ROOT.parent / "shared"
# The seed articles' languages, read by a person: the files do not say.
SEED_LANGUAGES = {"000": "da", "001": "nb", "002": "pl", "003": "de", "004": "nb"}


def _sample_posts():
    from apps.listening.enrichment.text import clean_text

    for path in sorted((SHARED / "data" / "samples").glob("*/*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and "response" in document:
            document = document["response"]
        if path.parent.name == "mastodon":
            for status in document:
                if status.get("language"):
                    yield clean_text(status.get("content") or "", is_html=True), status["language"]
        elif path.parent.name == "bluesky":
            for post in document.get("posts") or []:
                record = post.get("record") or {}
                if record.get("langs"):
                    yield record.get("text") or "", record["langs"][0]


def _seed_paragraphs():
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        language = SEED_LANGUAGES[path.name[:3]]
        for paragraph in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            if len(paragraph.split()) >= 8:  # sentences, not bylines and menu items
                yield " ".join(paragraph.split()), language


def build(path: Path) -> int:
    rows = [{"text": text, "lang": lang, "hint": lang} for text, lang in _sample_posts() if text.strip()]
    rows += [{"text": text, "lang": lang, "hint": ""} for text, lang in _seed_paragraphs()]
    with (SHARED / "data" / "sentiment-dev.csv").open(encoding="utf-8") as handle:
        rows += [{"text": row["text"], "lang": row["lang"], "hint": ""} for row in csv.DictReader(handle)]
    with (ROOT / "bench" / "data" / "language_cases.csv").open(encoding="utf-8") as handle:
        rows += list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=("text", "lang", "hint"))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "languages.csv"
        n = build(path)
        out = StringIO()
        call_command("evaluate_language", str(path), stdout=out)
    result = json.loads(out.getvalue())
    for language, figures in result["per_language"].items():
        report(f"language_accuracy_{language}", figures["accuracy"], "share", n=figures["n"])
    report("language_other_called_other", result["other_called_other"], "share")
    report("language_ours_called_other", result["ours_called_other"], "share")
    report("language_texts_per_second", result["texts_per_second"], "texts/s", n=n)
    if "--verbose" in sys.argv:
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
