"""Which of the eight kinds a mention is, from multilingual cue words and its tone.

Cues are matched on folded text (lower case, accents removed) as word prefixes.
The order of KIND_RULES is the order of precedence: an insult with a question
mark is still a personal attack.
"""

from __future__ import annotations

import re

from .query import fold, term_pattern

_CUES = {
    "personal_attack": [
        "idiot",
        "idioter",
        "idioten",
        "idioci",
        "idiota",
        "kretyn",
        "debil",
        "dumme",
        "dummkopf",
        "dumbass",
        "moron",
        "incompetent",
        "inkompetent",
        "niekompetent",
        "liar",
        "liars",
        "lugner",
        "lugnere",
        "lugenpack",
        "klamca",
        "klamcy",
        "klamstw",
        "fire him",
        "fire her",
        "fyr ham",
        "fyr hende",
        "sparken",
        "rausschmeissen",
        "zwolnic",
        "schande uber",
        "pathetic",
        "patetisk",
        "erbarmlich",
        "zalosn",
        "scumbag",
        "svin",
        "schwein",
        "sviner",
        "clown",
        "klovn",
        "hjernedod",
    ],
    "trolling": [
        "lol",
        "lmao",
        "rofl",
        "haha",
        "hahaha",
        "xd",
        "cope",
        "ratio",
        "triggered",
        "snowflake",
        "boycott",
        "boykot",
        "boikot",
        "bojkot",
        "troll",
        "🤡",
        "🖕",
        "😂😂",
        "🙄",
    ],
    "service_failure": [
        "forsink",
        "forsinket",
        "forsinkelse",
        "aflyst",
        "aflys",
        "innstilt",
        "kansellert",
        "ventet",
        "venter",
        "kundeservice",
        "kundenservice",
        "obsluga klienta",
        "infolinia",
        "delayed",
        "delay",
        "cancelled",
        "canceled",
        "outage",
        "down again",
        "not working",
        "doesnt work",
        "doesn't work",
        "virker ikke",
        "fungerer ikke",
        "funker ikke",
        "nie dziala",
        "nie działa",
        "funktioniert nicht",
        "geht nicht",
        "ausgefallen",
        "verspatung",
        "verspätet",
        "verspatet",
        "zug fallt aus",
        "opoznien",
        "opóźnien",
        "odwolan",
        "refund",
        "refusion",
        "tilbakebetal",
        "erstattung",
        "zwrot",
        "reklamac",
        "never arrived",
        "kom aldrig",
        "kom aldri",
        "nie dotarl",
        "nicht angekommen",
        "lost my",
        "no answer",
        "intet svar",
        "ingen svar",
        "keine antwort",
        "brak odpowiedzi",
        "on hold",
        "i kø",
        "i ko",
        "warteschleife",
        "booking",
        "bestilling",
        "zamowien",
        "bestellung",
    ],
    "product_criticism": [
        "smager",
        "smagte",
        "smaker",
        "smakte",
        "smakuje",
        "schmeckt",
        "tastes",
        "taste",
        "kvalitet",
        "quality",
        "qualitat",
        "jakosc",
        "defekt",
        "defective",
        "broken",
        "odstaende",
        "kaputt",
        "zepsut",
        "popsut",
        "uszkodz",
        "gik i stykker",
        "gikk i stykker",
        "bug",
        "buggy",
        "crash",
        "crasher",
        "krasjer",
        "absturz",
        "zawiesza",
        "too expensive",
        "for dyr",
        "for dyrt",
        "zu teuer",
        "za drog",
        "ekkel",
        "ulækker",
        "ulaekker",
        "eklig",
        "obrzydliw",
        "worse than",
        "værre end",
        "verre enn",
        "schlechter als",
        "gorszy",
    ],
    "question": [
        "hvordan",
        "hvorfor",
        "hvornar",
        "hvornår",
        "hvor kan",
        "når",
        "kan i",
        "kan dere",
        "kan man",
        "how do",
        "how can",
        "how to",
        "why is",
        "why does",
        "when will",
        "where can",
        "does anyone know",
        "is it possible",
        "wie kann",
        "warum",
        "wann",
        "wo kann",
        "gibt es",
        "konnen sie",
        "können sie",
        "jak",
        "dlaczego",
        "kiedy",
        "gdzie",
        "czy ",
        "czy moz",
        "czy jest",
    ],
    "constructive_feedback": [
        "suggest",
        "suggestion",
        "it would be",
        "would be nice",
        "would be great",
        "please add",
        "could you add",
        "wish you",
        "forslag",
        "foreslar",
        "foreslår",
        "det ville vaere",
        "det ville være",
        "det hadde vaert",
        "det hadde vært",
        "ønsker",
        "onsker",
        "vorschlag",
        "ware schon",
        "wäre schön",
        "ware toll",
        "wäre toll",
        "bitte fugt",
        "sugestia",
        "propozycja",
        "proponuj",
        "fajnie by",
        "mogliby",
        "warto by",
        "improve",
        "forbedr",
        "verbesser",
        "popraw",
        "ulepsz",
    ],
    "praise": [
        "tak for",
        "tusind tak",
        "takk for",
        "tusen takk",
        "danke",
        "vielen dank",
        "dziekuje",
        "dziękuję",
        "dzieki",
        "thank",
        "thanks",
        "love",
        "elsker",
        "liebe",
        "uwielbiam",
        "kocham",
        "fantastisk",
        "fantastic",
        "amazing",
        "super",
        "toll",
        "genial",
        "swietn",
        "świetn",
        "rewelac",
        "best",
        "bedste",
        "beste",
        "najlepsz",
        "anbefal",
        "empfehl",
        "polecam",
        "❤",
        "😍",
        "🥰",
        "👏",
        "🙏",
    ],
}


def _compile(words: list[str]) -> re.Pattern:
    """A topic's keywords in the term grammar of brand queries (query.term_pattern)."""
    return re.compile("|".join(f"(?:{term_pattern(word)})" for word in sorted(set(words), key=len, reverse=True)))


def _alternatives(words: list[str]) -> str:
    return "|".join(sorted({re.escape(fold(word)) for word in words}, key=len, reverse=True))


# One pass finds every kind's cues: each kind is a named group of one alternation.
_ALL_CUES = re.compile(
    r"(?<!\w)(?:" + "|".join(f"(?P<{kind}>{_alternatives(words)})" for kind, words in _CUES.items()) + ")"
)


def classify_kind(text: str, sentiment: str, folded: str | None = None) -> str:
    """One of the eight kinds, or "" when nothing points anywhere (e.g. a neutral news item)."""
    folded = fold(text) if folded is None else folded
    hits = {match.lastgroup for match in _ALL_CUES.finditer(folded)}
    negative, positive = sentiment == "negative", sentiment == "positive"
    if "personal_attack" in hits and not positive:
        return "personal_attack"
    if "trolling" in hits and not positive:
        return "trolling"
    if "service_failure" in hits and not positive:
        return "service_failure"
    if "product_criticism" in hits and not positive:
        return "product_criticism"
    if "?" in text and ("question" in hits or not negative):
        return "question"
    if "constructive_feedback" in hits:
        return "constructive_feedback"
    if positive or ("praise" in hits and not negative):
        return "praise"
    if negative:
        return "general_dissatisfaction"
    return "question" if "question" in hits and "?" in text else ""


def compile_topics(topics) -> list[tuple[str, re.Pattern]]:
    """[(topic name, pattern)] for a brand's topic rules."""
    compiled = []
    for topic in topics:
        words = [word for word in topic.keywords if word and word.strip()]
        if words:
            compiled.append((topic.name, _compile(words)))
    return compiled


def match_topics(folded: str, compiled: list[tuple[str, re.Pattern]]) -> list[str]:
    """Topic names whose keywords appear in the folded text."""
    return [name for name, pattern in compiled if pattern.search(folded)]
