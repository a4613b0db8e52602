"""The built-in crisis vocabulary (crisis.tsv) per language: what a post says happened.

A post about deaths, injuries or a fire at the plant is a crisis whoever wrote it; the
vocabulary lets such posts rate high without reach or engagement data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from apps.listening.enrichment.query import fold

CLASSES = ("harm", "serious", "call")
_FILE = Path(__file__).with_name("crisis.tsv")
EVERY_LANGUAGE = "*"


@dataclass(frozen=True, slots=True)
class Found:
    harm: tuple[str, ...] = ()
    serious: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()


NOTHING = Found()


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in _FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            language, kind, term = line.split("\t")
            if kind not in CLASSES:
                raise ValueError(f"{_FILE.name}: {kind!r} is not one of {CLASSES}")
            rows.append((language, kind, term))
    return rows


_WORD = re.compile(r"\w+(?:'\w+)?")


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """Terms as dictionary lookups: one per word, more only where a word may begin a phrase.

    One regular alternation of the ~200 term patterns cost 0.6 ms a post; this costs ~5 us.
    """

    whole: dict[str, tuple[str, str]]  # "killed" -> (class, term); phrases with their spaces
    stems: dict[str, tuple[tuple[str, tuple[str, str]], ...]]  # first letters -> (stem, entry)
    head: int  # how many first letters key `stems`: the shortest stem's length
    phrase_starts: frozenset[str]
    longest: int  # words in the longest phrase

    def _entry(self, run: str) -> tuple[str, str] | None:
        hit = self.whole.get(run)
        if hit is None:
            for stem, entry in self.stems.get(run[: self.head], ()):
                if run.startswith(stem):
                    return entry
        return hit

    def find(self, text: str) -> Found:
        words = _WORD.findall(fold(text))
        hits = []
        for index, word in enumerate(words):
            if (hit := self._entry(word)) is not None:
                hits.append(hit)
            if word in self.phrase_starts:
                for size in range(2, self.longest + 1):
                    if (hit := self._entry(" ".join(words[index : index + size]))) is not None:
                        hits.append(hit)
        if not hits:
            return NOTHING
        found: dict[str, list[str]] = {kind: [] for kind in CLASSES}
        for kind, term in hits:
            if term not in found[kind]:
                found[kind].append(term)
        return Found(tuple(found["harm"]), tuple(found["serious"]), tuple(found["call"]))


@lru_cache(maxsize=16)
def _vocabulary(language: str) -> _Vocabulary:
    """A language's own terms and the shared ones; "" stands for every language's."""
    whole, stems = {}, []
    for row_language, kind, term in _rows():
        if row_language not in (language, EVERY_LANGUAGE) and language:
            continue
        words = _WORD.findall(fold(term.rstrip("*")))
        if term.endswith("*"):
            stems.append((" ".join(words), (kind, term)))
        else:
            whole[" ".join(words)] = (kind, term)
    head = min(len(stem) for stem, _ in stems)
    by_head: dict[str, list] = {}
    for stem, entry in sorted(stems, key=lambda pair: -len(pair[0])):  # the longest stem wins
        by_head.setdefault(stem[:head], []).append((stem, entry))
    phrases = [phrase.split() for phrase in [*whole, *(stem for stem, _ in stems)] if " " in phrase]
    return _Vocabulary(
        whole,
        {key: tuple(value) for key, value in by_head.items()},
        head,
        frozenset(words[0] for words in phrases),
        max((len(words) for words in phrases), default=1),
    )


def crisis_words(text: str, language: str) -> Found:
    """The crisis terms a text uses, by class, each once, in the vocabulary of its language.

    A text in another or an unknown language is read with every language's terms.
    """
    if not text:
        return NOTHING
    return _vocabulary(language if language in _languages() else "").find(text)


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    return frozenset(language for language, _, _ in _rows() if language != EVERY_LANGUAGE)
