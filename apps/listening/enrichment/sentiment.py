"""Sentiment of a mention: a fast lexicon-and-rules analyser for da, nb, pl, de and en.

The interface is deliberately small (``Sentiment``, ``SentimentAnalyser``, ``get_analyser``)
so that a better analyser can replace this one without touching the ingestion pipeline.

How a text is scored: it is split into words, emoji, emoticons and punctuation; every word
is looked up in the language's polarity lexicon (exact form, then stem + inflection ending,
then "un-"/"nie-"/"u-" negated forms and compound heads); negators flip and dampen the
polarity word after them (and, in da/nb/de, one just before them in the same clause),
boosters scale the next polarity word, "but" gives the second half more weight, ALL-CAPS
words and exclamation marks add emphasis. The sum is squashed into -1..1.

Speed: the whole classification of a token is cached per language, so the common path is
one regex pass and one dict lookup per token (well over 30,000 short texts/second).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from .sentiment_model import load_model

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
LANGUAGES = ("da", "nb", "pl", "de", "en")
UNKNOWN = ""

# Untrusted input: only the head of a huge text is read; sentiment of a mention is decided early.
MAX_TEXT_CHARS = 4_000
MAX_TOKENS = 1_000
MAX_WORD_CHARS = 40
TOKEN_CACHE_LIMIT = 20_000  # per language: ~5 MB each; common words (Zipf) stay cached

NEGATION_FACTOR = -0.7  # "not good" is negative, but less so than "bad"
NEGATION_SCOPE = 3  # words after a negator it can reach
BOOSTER_SCOPE = 2
CAPS_FACTOR = 1.3
CONTRAST_BEFORE = 0.5
CONTRAST_AFTER = 1.5
EXCLAIM_STEP = 0.1
EXCLAIM_MAX = 3
SQUASH = 4.0  # total / sqrt(total^2 + SQUASH): a single clear word ("good") lands near 0.7
NEUTRAL_BAND = 0.35  # |score| below this is neutral: weak or cancelling evidence
# Polarity scales differ by source; everything is brought to VADER's -4..4.
AFINN_SCALE = 0.8
EMOJI_RANKING_SCALE = 3.0
EMOJI_RANKING_PRIOR = 10  # pseudo-count shrinking rarely seen emoji towards neutral
EMOJI_ASENT_SCALE = 0.6

# Token kinds, the first field of every cached entry.
NONE, POLAR, NEGATOR, BOOSTER, CONTRAST, LIMITER, PHRASE, BREAK, EXCLAIM = range(9)
SYMBOL = 1.0  # third field of a POLAR entry for an emoji or emoticon
_NO_ENTRY = (NONE, 0.0, 0.0)
_BREAK = (BREAK, 0.0, 0.0)
_EXCLAIM = (EXCLAIM, 0.0, 0.0)

_LANGUAGE_ALIASES = {
    "no": "nb",
    "nn": "nb",
    "nob": "nb",
    "nno": "nb",
    "dan": "da",
    "pol": "pl",
    "deu": "de",
    "eng": "en",
}

# Zero-width characters, bidi controls, soft hyphens, variation selectors and skin tones carry no
# sentiment and are used to dodge word matching; they are dropped before tokenising.
_INVISIBLE = re.compile(
    r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufe0e\ufe0f\ufeff\U0001f3fb-\U0001f3ff]"
)
# Words first: they are most tokens, and the alternatives are tried in order at every position.
_TOKEN = re.compile(
    r"[@#]?\w+(?:['\u2019]\w+)*"
    # emoticons such as :) ;-( :D <3, not the colon in 10:30 or "Re: Dinner"
    r"|(?<!\d)[:;=][-o'^]?[()\[\]{}dDpP/\\|*3oO@$<>]+(?!\w)"
    r"|(?<!\S)[)(\]\[][-o'^]?[:;=](?!\w)"
    r"|</?3+"
    r"|[^\w\s]"
)
_URL = re.compile(r"(?:https?://|www\.)\S+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_POLISH_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")

# Inflection endings tried when a word is not in the lexicon as written (stem + ending).
_SUFFIXES = {
    language: tuple(endings.split())
    for language, endings in {
        "en": "s es ed d ing ly er ers est",
        "da": "e t en et er ene ere erne es s r te de ede est este ende",
        "nb": "e t en et er ene ere est este s te de ende",
        "de": "e en em er es n s st est ste sten ster stes stem t et te ten tes ter tem",
        "pl": """
            a ą e ę i y o u em ej ie ich ym ymi ych imi im ego emu iego iemu iej ami ach om ów owi owie ii ia ią ię iu
            am asz amy acie ają aj ał ała ało ali ały ałam ałem ać ić eć yć esz emy ecie ił iła iło ili iły iłam iłem
            ył yła yło yli yły yłam yłem uje ują ujesz ujemy ować ował any ana ane anej anego anym anych ani ony ona
            one onej onego onym onych eni ny na ne nego nej nym nych ni nie no anie ania aniem aniu enie enia eniem
            eniu ący ąca ące ącego ącej ącym ących ąco ąc łem łam ła ło li ły ł iam
        """,
    }.items()
}
# Prefixes that negate the word they are glued to (unfreundlich, niemiły, uhøflig) with the
# shortest remainder that is trusted to be a word of its own.
_NEGATING_PREFIXES = {
    "en": (("un", 4),),
    "da": (("u", 5),),
    "nb": (("u", 5),),
    "de": (("un", 4),),
    "pl": (("nie", 3),),
    UNKNOWN: (("un", 4), ("nie", 3)),
}
# Languages that write compounds as one word; the last part carries the polarity (Zugausfall).
_COMPOUNDING = frozenset({"da", "nb", "de"})
# Languages where the negator usually follows the verb it negates (gefällt mir nicht).
_POST_NEGATING = frozenset({"da", "nb", "de"})
# Words that are modifiers in one language and ordinary words in another ("men" in English,
# "for" in Danish); left out when the language is unknown.
_AMBIGUOUS_ACROSS_LANGUAGES = frozenset({"men", "ale", "so", "for", "dog", "total", "super", "mega", "bare", "nie"})


@dataclass(frozen=True)
class Sentiment:
    label: str  # "negative" | "neutral" | "positive"
    score: float  # -1.0 (most negative) .. 1.0 (most positive)


NEUTRAL = Sentiment("neutral", 0.0)


class SentimentAnalyser(Protocol):
    def analyse(self, text: str, language: str) -> Sentiment: ...


def normalise_language(language: str | None) -> str:
    code = str(language or "").split("-")[0].split("_")[0].strip().lower()
    code = _LANGUAGE_ALIASES.get(code, code)
    return code if code in LANGUAGES else UNKNOWN


def clean_text(text: str) -> str:
    """The head of the text with entities decoded and links and invisible characters dropped."""
    text = text[:MAX_TEXT_CHARS]
    if "&" in text:  # platforms deliver "&amp;", "&gt;" ...; "gt" must not be read as a word
        text = html.unescape(text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return text


def tokenise(text: str) -> list[str]:
    """Words, hashtags, handles, emoticons, emoji and punctuation of a cleaned text, as written."""
    return _TOKEN.findall(text)[:MAX_TOKENS]


def label_for(score: float) -> str:
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


# --- lexicon files ---------------------------------------------------------------------------


def _read_rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _read_valences(name: str, scale: float = 1.0) -> dict[str, float]:
    return {term.lower(): float(value) * scale for term, value, *_ in _read_rows(LEXICON_DIR / name)}


def _read_emoji(directory: Path) -> dict[str, float]:
    """Emoji from the Emoji Sentiment Ranking (observed in labelled tweets), asent's ratings for newer ones."""
    emoji = {symbol: float(value) * EMOJI_ASENT_SCALE for symbol, value in _read_rows(directory / "emoji_asent.tsv")}
    for symbol, occurrences, negative, _neutral, positive in _read_rows(directory / "emoji_ranking.tsv"):
        balance = (int(positive) - int(negative)) / (int(occurrences) + EMOJI_RANKING_PRIOR)
        emoji[symbol] = balance * EMOJI_RANKING_SCALE
    # Flags are split into their regional-indicator letters by the tokeniser; neither carries sentiment.
    return {
        _INVISIBLE.sub("", symbol): value
        for symbol, value in emoji.items()
        if not any("\U0001f1e6" <= char <= "\U0001f1ff" for char in symbol)
    }


def _language_lexicon(language: str) -> dict[str, float]:
    if language == "en":
        lexicon = _read_valences("vader_en.tsv")
    elif language in ("da", "nb"):
        lexicon = _read_valences(f"afinn_{language}.tsv", AFINN_SCALE)
    else:
        lexicon = {}
    lexicon.update(_read_valences(f"own_{language}.tsv"))
    return lexicon


def _merge_lexicons(lexicons: list[dict[str, float]]) -> dict[str, float]:
    """For text of unknown language: average the languages that agree, drop words they disagree on."""
    seen: dict[str, list[float]] = {}
    for lexicon in lexicons:
        for term, value in lexicon.items():
            seen.setdefault(term, []).append(value)
    merged = {}
    for term, values in seen.items():
        if all(value > 0 for value in values) or all(value < 0 for value in values):
            merged[term] = sum(values) / len(values)
    return merged


def _read_modifiers() -> dict[str, dict[str, tuple]]:
    kinds = {"negator": NEGATOR, "booster": BOOSTER, "contrast": CONTRAST, "limiter": LIMITER}
    by_language: dict[str, dict[str, tuple]] = {language: {} for language in LANGUAGES}
    for language, kind, term, value in _read_rows(LEXICON_DIR / "modifiers.tsv"):
        by_language[language][term.lower()] = (kinds[kind], float(value), 0.0)
    unknown: dict[str, tuple] = {}
    for language in LANGUAGES:
        for term, entry in by_language[language].items():
            if term not in _AMBIGUOUS_ACROSS_LANGUAGES:
                unknown.setdefault(term, entry)
    by_language[UNKNOWN] = unknown
    return by_language


# --- per-language word classification ----------------------------------------------------------


class _LanguageProfile:
    """Everything needed to classify a token in one language, plus a cache of the results."""

    def __init__(
        self,
        language: str,
        lexicon: dict[str, float],
        modifiers: dict[str, tuple],
        symbols: dict[str, float],
        curated: frozenset[str],
    ):
        self.language = language
        self.symbols = symbols  # emoji and emoticons, shared by all languages
        self.suffixes = frozenset(_SUFFIXES.get(language) or {s for group in _SUFFIXES.values() for s in group})
        self.max_suffix = max(len(suffix) for suffix in self.suffixes)
        self.negating_prefixes = _NEGATING_PREFIXES[language]
        self.compounding = language in _COMPOUNDING
        self.post_negating = language in _POST_NEGATING
        self.fold_diacritics = language == "pl"
        self.cache: dict[str, tuple] = {}

        self.words: dict[str, float] = {}
        self.prefixes: list[tuple[str, float]] = []  # "scheiß*": any word starting with it
        phrases: dict[str, list[tuple[tuple[str, ...], tuple]]] = {}
        for term, value in lexicon.items():
            parts = term.split()
            if len(parts) > 1:
                phrases.setdefault(parts[0], []).append((tuple(parts[1:]), self._polar(value)))
            elif term.endswith("*") and len(term) > 3:
                self.prefixes.append((term[:-1], value))
            elif term:
                self.words[term] = value
        self.modifiers: dict[str, tuple] = {}
        for term, entry in modifiers.items():
            parts = term.split()
            if len(parts) > 1:
                phrases.setdefault(parts[0], []).append((tuple(parts[1:]), entry))
            elif entry[0] == BOOSTER:
                # "super", "pretty", "damn": a booster before a polarity word, a polarity word on its own
                self.modifiers[term] = (BOOSTER, entry[1], self.words.get(term, 0.0))
            else:
                self.modifiers[term] = entry
        # Longest phrase first, so "omijać szerokim łukiem" wins over "omijać".
        self.phrases = {first: sorted(rest, key=lambda item: -len(item[0])) for first, rest in phrases.items()}
        # Compounds are only split against the hand-written lists: the large third-party lists hold
        # many short, loosely rated words that would match the tail of unrelated compounds.
        self.heads: dict[str, float] = {}
        if self.compounding:
            for term, value in self.words.items():
                if term in curated and len(term) >= 4:
                    for suffix in ("", *self.suffixes):
                        self.heads.setdefault(term + suffix, value)
        self.folded: dict[str, float] = {}
        if self.fold_diacritics:
            for term, value in self.words.items():
                self.folded.setdefault(term.translate(_POLISH_FOLD), value)

    @staticmethod
    def _polar(value: float) -> tuple:
        return (POLAR, value, 0.0) if value else _NO_ENTRY

    def classify(self, token: str) -> tuple:
        """The token's cached entry: (kind, value, extra)."""
        entry = self.cache.get(token)
        if entry is None:
            entry = self._classify(token)
            if len(self.cache) >= TOKEN_CACHE_LIMIT:
                self.cache.clear()  # bounded memory on an endless stream of new words
            self.cache[token] = entry
        return entry

    def _classify(self, token: str) -> tuple:
        first = token[0]
        if len(token) == 1 and first in ".,;:?…":
            return _BREAK
        if first == "!":
            return _EXCLAIM
        if first == "@":
            return _NO_ENTRY
        lowered = token.lower()
        if not (first.isalnum() or first in "#_"):
            # Emoji and emoticons speak for themselves: no negator or booster reaches them.
            value = self.symbols.get(token, self.symbols.get(lowered))
            return (POLAR, value, SYMBOL) if value else _NO_ENTRY
        if first == "#":  # hashtags: polarity only, no modifiers (#fail, #usairwayssucks)
            word = lowered[1:]
            value = self._valence(word, compound=True) if word else None
            return self._polar(value) if value else _NO_ENTRY
        if first.isdigit() or len(lowered) > MAX_WORD_CHARS:
            return _NO_ENTRY
        single = self.modifiers.get(lowered)
        if single is None:
            value = self.symbols.get(lowered)
            if value is None:
                value = self._valence(lowered, compound=self.compounding)
            single = self._polar(value) if value else _NO_ENTRY
        phrases = self.phrases.get(lowered)
        return (PHRASE, phrases, single) if phrases else single

    def _valence(self, word: str, compound: bool) -> float | None:
        value = self._stemmed(word)
        if value is None and _REPEATS.search(word):  # "goooood", "suuuper"
            for collapsed in (_REPEATS.sub(r"\1\1", word), _REPEATS.sub(r"\1", word)):
                value = self._stemmed(collapsed)
                if value is not None:
                    break
        if value is None:
            value = self._prefixed(word)
        if value is None:
            value = self._negated_by_prefix(word)
        if value is None and self.fold_diacritics and word.isascii():  # Polish typed without diacritics
            value = self._stemmed(word, self.folded)
        if value is None and compound and self.heads:
            value = self._compound_head(word)
        return value

    def _stemmed(self, word: str, words: dict[str, float] | None = None) -> float | None:
        """The word as written, or a known stem followed by one of the language's endings."""
        words = self.words if words is None else words
        value = words.get(word)
        if value is not None:
            return value
        length = len(word)
        for cut in range(length - 1, max(2, length - self.max_suffix - 1), -1):
            if word[cut:] in self.suffixes:
                value = words.get(word[:cut])
                if value is not None:
                    return value
        return None

    def _prefixed(self, word: str) -> float | None:
        for prefix, value in self.prefixes:
            if word.startswith(prefix):
                return value
        return None

    def _negated_by_prefix(self, word: str) -> float | None:
        for prefix, shortest_rest in self.negating_prefixes:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= shortest_rest:
                value = self._stemmed(rest)
                if value:
                    # "unfriendly" is clearly negative; "unharmful" is only mildly positive
                    return -value * (0.8 if value > 0 else 0.5)
        return None

    def _compound_head(self, word: str) -> float | None:
        heads = self.heads
        for cut in range(3, len(word) - 3):
            value = heads.get(word[cut:])
            if value is not None:
                return value
        return None


# --- the analyser --------------------------------------------------------------------------------


class LexiconSentimentAnalyser:
    """Lexicon-and-rules sentiment. Safe to share between threads: the lexicons are read-only and
    the token caches are plain dicts whose single operations are atomic."""

    def __init__(self) -> None:
        modifiers = _read_modifiers()
        symbols = _read_valences("vader_emoticons.tsv")
        symbols.update(_read_emoji(LEXICON_DIR))
        shared = _read_valences("own_shared.tsv")
        symbols.update(shared)
        lexicons = {language: _language_lexicon(language) for language in LANGUAGES}
        lexicons[UNKNOWN] = _merge_lexicons(list(lexicons.values()))
        curated = {language: frozenset(_read_valences(f"own_{language}.tsv")) for language in LANGUAGES}
        self.profiles = {
            language: _LanguageProfile(
                language, {**shared, **lexicon}, modifiers[language], symbols, curated.get(language, frozenset())
            )
            for language, lexicon in lexicons.items()
        }
        # The codes callers actually pass, resolved once.
        self._profiles_by_code = {
            **self.profiles,
            **{alias: self.profiles[code] for alias, code in _LANGUAGE_ALIASES.items()},
        }

    def analyse(self, text: str, language: str) -> Sentiment:
        if not text or not isinstance(text, str):
            return NEUTRAL
        total = self.polarity(text, language)
        if not total:
            return NEUTRAL
        score = total / math.sqrt(total * total + SQUASH)
        return Sentiment(label_for(score), round(score, 4))

    def polarity(self, text: str, language: str) -> float:
        """Unbounded polarity sum on VADER's scale (0.0 when nothing polar was found)."""
        text = clean_text(text)
        return self.polarity_of_tokens(tokenise(text), language, shouting=text.isupper())

    def polarity_of_tokens(self, tokens: list[str], language: str, shouting: bool) -> float:
        """``polarity`` of a text already cleaned and tokenised (``shouting``: the text is all caps)."""
        profile = self._profiles_by_code.get(language) or self.profiles[normalise_language(language)]
        cached = profile.cache.get
        classify = profile.classify
        post_negating = profile.post_negating  # "shouting": all-caps text, where caps carry no emphasis

        total = 0.0
        weight = 1.0  # after "but" the rest of the text counts more
        exclaims = 0
        negation_left = 0  # words a negator still reaches
        negation_looks_back = False  # negator found nothing ahead yet: it may negate the last hit
        boost, boost_left, boost_fallback = 1.0, 0, 0.0
        last_hit, words_since_hit = 0.0, NEGATION_SCOPE + 1

        count = len(tokens)
        index = 0
        while index < count:
            token = tokens[index]
            index += 1
            entry = cached(token) or classify(token)
            kind = entry[0]
            if kind == PHRASE:
                phrases, entry = entry[1], entry[2]
                for rest, phrase_entry in phrases:
                    end = index + len(rest)
                    if end <= count and all(tokens[index + k].lower() == word for k, word in enumerate(rest)):
                        entry, index = phrase_entry, end
                        break
                kind = entry[0]

            if kind in (NONE, LIMITER):
                if kind == LIMITER and negation_left == NEGATION_SCOPE:  # "not only ..."
                    negation_left, negation_looks_back = 0, False
                    continue
                words_since_hit += 1
                if boost_left:
                    boost_left -= 1
                    if not boost_left and boost_fallback:  # "super" on its own
                        total += boost_fallback
                        boost_fallback = 0.0
                if negation_left:
                    negation_left -= 1
                    if not negation_left and negation_looks_back:
                        total += last_hit * (NEGATION_FACTOR - 1)
                        negation_looks_back = False
                continue

            if kind == POLAR:
                value = entry[1] * weight
                if entry[2] == SYMBOL:
                    total += value
                    continue
                if boost_left:
                    value *= boost
                    boost_left, boost_fallback = 0, 0.0
                if negation_left:
                    value *= NEGATION_FACTOR
                    negation_left, negation_looks_back = 0, False
                if not shouting and len(token) > 1 and token.isupper():
                    value *= CAPS_FACTOR
                total += value
                last_hit, words_since_hit = value, 0
                continue

            if kind == NEGATOR:
                negation_left = NEGATION_SCOPE
                negation_looks_back = post_negating and words_since_hit <= NEGATION_SCOPE
                words_since_hit += 1
                continue

            if kind == BOOSTER:
                if boost_fallback:
                    total += boost_fallback
                boost, boost_left, boost_fallback = entry[1], BOOSTER_SCOPE, entry[2] * weight
                words_since_hit += 1
                continue

            # The clause ends here (punctuation, "!", "but"): settle what is pending.
            if negation_looks_back:
                total += last_hit * (NEGATION_FACTOR - 1)
            if boost_fallback:
                total += boost_fallback
            negation_left, negation_looks_back = 0, False
            boost_left, boost_fallback = 0, 0.0
            words_since_hit = NEGATION_SCOPE + 1
            if kind == EXCLAIM:
                exclaims += 1
            elif kind == CONTRAST:
                total *= CONTRAST_BEFORE
                weight = CONTRAST_AFTER

        if negation_looks_back:
            total += last_hit * (NEGATION_FACTOR - 1)
        if boost_fallback:
            total += boost_fallback
        if total and exclaims:
            total *= 1.0 + EXCLAIM_STEP * min(exclaims, EXCLAIM_MAX)
        return total


class TrainedSentimentAnalyser(LexiconSentimentAnalyser):
    """Lexicon and rules, and where a trained model ships for the language (pl, de, en) the model
    decides, with the lexicon's score as one of its features."""

    def __init__(self) -> None:
        super().__init__()
        self.models = {language: model for language in LANGUAGES if (model := load_model(language)) is not None}

    def analyse(self, text: str, language: str) -> Sentiment:
        model = self.models.get(normalise_language(language))
        if model is None or not text or not isinstance(text, str):
            return super().analyse(text, language)
        text = clean_text(text)
        tokens = tokenise(text)
        if not tokens:
            return NEUTRAL
        polarity = self.polarity_of_tokens(tokens, language, shouting=text.isupper())
        label, score = model.analyse(tokens, polarity)
        return Sentiment(label, round(score, 4))


@lru_cache(maxsize=1)
def get_analyser() -> SentimentAnalyser:
    """The process-wide default analyser (lexicons and models are loaded once, on first use)."""
    return TrainedSentimentAnalyser()
