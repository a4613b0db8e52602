"""A realistic, multilingual stream of made-up mentions for demos and benchmarks.

Deterministic: mention number n of a given seed is always the same, so a
replay can be resumed from its cursor and two runs can be compared.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .connectors.base import RawMention

# (kind, text). {b} is the brand, {p} one of PRODUCTS of the language: each language's words are
# chosen to read right wherever {p} stands in its templates (Polish nouns in the one case the
# templates use them in). Danish is only the brewery's, Norwegian the ferries', Polish the herbal
# pharmacy's; English and German are everyone's, so they name nothing only one trade has.
TEMPLATES = {
    "da": [
        ("service_failure", "Har ventet 40 minutter i telefonkø hos {b} og stadig intet svar 😡"),
        ("service_failure", "Min ordre fra {b} er forsinket igen. Tredje gang i år. Hvad sker der?"),
        ("product_criticism", "{b} {p} smager ikke som før, kvaliteten er gået ned ad bakke 👎"),
        ("praise", "Tusind tak til {b} for hurtig hjælp i dag! Super service ❤️"),
        ("praise", "Elsker {p} fra {b} 😍 anbefales varmt"),
        ("question", "Hvornår kommer {b} {p} tilbage på hylderne? Nogen der ved det?"),
        ("constructive_feedback", "Forslag til {b}: sælg {p} i mindre flasker, så man kan smage først"),
        ("general_dissatisfaction", "Ærligt, {b} skuffer mig mere og mere. Ikke okay."),
        ("personal_attack", "Hvem er de idioter der styrer {b}? Fyr dem allesammen"),
        ("trolling", "haha {b} igen igen 🤡🤡 boykot nu"),
        ("", "{b} åbner nyt bryggeri i Aarhus til foråret, skriver lokalavisen."),
    ],
    "nb": [
        ("service_failure", "Ferja til {b} er innstilt igjen og ingen sier noe. Har ventet i to timer 😤"),
        ("service_failure", "Appen til {b} funker ikke, får ikke kjøpt billett. Kundeservice svarer ikke."),
        ("product_criticism", "{p} hos {b} har blitt dårligere enn før, og altfor dyr 👎"),
        ("praise", "Tusen takk til mannskapet på {b} i dag, helt fantastisk service 🙏"),
        ("question", "Hvordan endrer jeg bestillingen min hos {b}? Finner det ikke i appen"),
        ("constructive_feedback", "Det hadde vært fint om {b} viste forsinkelser i sanntid i appen"),
        ("general_dissatisfaction", "Lei av {b}. Skuffende hver eneste gang."),
        ("personal_attack", "Ledelsen i {b} er noen inkompetente klovner"),
        ("trolling", "lol {b} klarer ikke noe 😂😂 ratio"),
        ("", "{b} har nye ruter fra sommeren, ifølge en pressemelding."),
    ],
    "pl": [
        ("service_failure", "Od tygodnia czekam na zamówienie ze sklepu {b}, a infolinia nie odbiera 😡"),
        ("service_failure", "Aplikacja {b} nie działa od rana, nie mogę złożyć zamówienia"),
        ("product_criticism", "{p} ze sklepu {b} przyszedł uszkodzony, jakość coraz gorsza 👎"),
        ("praise", "Dziękuję ekipie {b} za szybką pomoc, polecam z całego serca ❤️"),
        ("question", "Czy {b} ma jeszcze {p} w ofercie? Gdzie mogę go kupić?"),
        ("constructive_feedback", "Fajnie by było, gdyby w sklepie {b} dało się zamówić dostawę na weekend"),
        ("general_dissatisfaction", "Jestem bardzo rozczarowany obsługą w sklepie {b}. Słabo."),
        ("personal_attack", "W firmie {b} pracują sami niekompetentni kłamcy"),
        ("trolling", "xd {b} znowu 🤡 bojkot"),
        ("", "{b} otwiera nową aptekę w Krakowie, podaje lokalny portal."),
    ],
    "de": [
        ("service_failure", "Meine Bestellung bei {b} ist nie angekommen und keine Antwort vom Kundenservice 😠"),
        ("service_failure", "Die {b} App funktioniert seit gestern nicht. Verspätung ohne Info!"),
        ("product_criticism", "{b}: {p} ist nicht mehr wie früher, die Qualität leider schlechter"),
        ("praise", "Vielen Dank an {b}, super schnelle Hilfe heute 👏"),
        ("question", "Wann gibt es {b} wieder im Handel? Weiß das jemand?"),
        ("constructive_feedback", "Vorschlag an {b}: eine kleinere Packung wäre schön"),
        ("general_dissatisfaction", "Ich bin von {b} echt enttäuscht. So nicht."),
        ("personal_attack", "Das sind doch alles Idioten bei {b}, rausschmeißen!"),
        ("trolling", "lol {b} mal wieder 🤡 Boykott"),
        ("", "{b} eröffnet im Herbst eine neue Filiale in Hamburg."),
    ],
    "en": [
        ("service_failure", "Been on hold with {b} for 45 minutes, no answer. Order still delayed 😡"),
        ("service_failure", "{b} app not working again, can't check in. Customer service is a joke"),
        ("product_criticism", "The new {b} {p} is awful and the quality is worse than before 👎"),
        ("praise", "Huge thanks to {b} for sorting this out so fast, amazing service ❤️"),
        ("question", "Does anyone know when {b} will have it back in stock?"),
        ("constructive_feedback", "Suggestion for {b}: a smaller pack would be great for one person"),
        ("general_dissatisfaction", "Really disappointed with {b} lately. Not good enough."),
        ("personal_attack", "Whoever runs {b} is an incompetent clown. Fire him."),
        ("trolling", "lmao {b} again 🤡🤡 ratio"),
        ("", "{b} announces new opening hours from next month, according to a press release."),
    ],
}
PRODUCTS = {
    "da": ["juleøl", "classic", "IPA", "hvede"],
    "nb": ["kafeen om bord", "maten i kafeen", "periodebilletten", "bilbilletten"],
    "pl": ["syrop", "krem", "zestaw ziół", "suplement"],
    "de": ["die App", "die Verpackung", "der Kundenservice", "die Website"],
    "en": ["app", "packaging", "website", "loyalty scheme"],
}
# Small, language-specific additions so two mentions of the same template still read differently.
OPENERS = {
    "da": ["", "", "Okay, ", "Seriøst, ", "Hmm, ", "Lige nu: ", "Igen: "],
    "nb": ["", "", "Altså, ", "Seriøst, ", "Hmm, ", "Akkurat nå: ", "Igjen: "],
    "pl": ["", "", "Serio, ", "No cóż, ", "Hmm, ", "Właśnie teraz: ", "Znowu: "],
    "de": ["", "", "Ehrlich, ", "Also, ", "Hmm, ", "Gerade eben: ", "Schon wieder: "],
    "en": ["", "", "Honestly, ", "So, ", "Hmm, ", "Right now: ", "Again: "],
}
DETAILS = {
    "da": ["(ordre {n})", "i {place}", "i {place} i går", "her til morgen i {place}", "for {d} dage siden", "kl. {h}"],
    "nb": ["(ordre {n})", "i {place}", "i {place} i går", "i morges i {place}", "for {d} dager siden", "kl. {h}"],
    # No {place} in Polish: after "w" a town takes the locative, which the list does not hold.
    "pl": ["(zamówienie {n})", "wczoraj", "dziś rano", "{d} dni temu", "o {h}", ""],
    "de": [
        "(Bestellung {n})",
        "in {place}",
        "gestern in {place}",
        "heute Morgen in {place}",
        "vor {d} Tagen",
        "um {h} Uhr",
    ],
    "en": ["(order {n})", "in {place}", "in {place} yesterday", "this morning in {place}", "{d} days ago", "at {h}"],
}
PLACES = [
    "Aarhus",
    "Bergen",
    "Kraków",
    "Hamburg",
    "Leeds",
    "Odense",
    "Tromsø",
    "Gdańsk",
    "Köln",
    "York",
    "Aalborg",
    "Stavanger",
    "Poznań",
    "Leipzig",
    "Bristol",
    "Esbjerg",
    "Bodø",
    "Lublin",
    "Bremen",
    "Cork",
]
ENDINGS = ["", "", "!", " 🙃", " 👀", " …", " #{tag}", " 🤷", "!!"]
# Share of mentions that are the same author's post copied to another platform.
CROSS_POST_SHARE = 0.03
FIRST_NAMES = ["Mette", "Lars", "Ingrid", "Ola", "Kasia", "Piotr", "Anna", "Jonas", "Sophie", "Tom", "Freja", "Emil"]
LAST_NAMES = ["Hansen", "Nilsen", "Kowalska", "Nowak", "Müller", "Schmidt", "Smith", "Jensen", "Berg", "Lund"]
PLATFORMS = ["facebook", "x", "instagram", "trustpilot", "reddit", "mastodon", "bluesky", "youtube"]


@dataclass(frozen=True)
class ReplayPlan:
    """Rate in mentions per minute; an optional spike multiplies it for a while."""

    brand_names: tuple[str, ...]
    languages: tuple[str, ...]
    rate_per_minute: float = 6.0
    spike_at_minute: float | None = None
    spike_minutes: float = 10.0
    spike_multiplier: float = 10.0
    seed: int = 1

    def count_until(self, minutes: float) -> int:
        """How many mentions the replay has produced after `minutes` of playing."""
        if minutes <= 0:
            return 0
        normal = self.rate_per_minute * minutes
        if self.spike_at_minute is None:
            return int(normal)
        overlap = max(0.0, min(minutes, self.spike_at_minute + self.spike_minutes) - self.spike_at_minute)
        return int(normal + overlap * self.rate_per_minute * (self.spike_multiplier - 1))


def mention_number(n: int, plan: ReplayPlan, started: datetime, prefix: str = "replay") -> RawMention:
    """The n-th mention of the replay, the same every time."""
    # A cross-post repeats the text and author of an earlier mention on another platform.
    copied = n >= 10 and random.Random(plan.seed * 7919 + n).random() < CROSS_POST_SHARE
    rng = random.Random(plan.seed * 1_000_003 + (n - 1 - n % 7 if copied else n))
    language = plan.languages[(n - 1 - n % 7 if copied else n) % len(plan.languages)]
    kind, template = rng.choice(TEMPLATES[language])
    brand = rng.choice(plan.brand_names)
    body = template.format(b=brand, p=rng.choice(PRODUCTS[language]))
    body = body[0].upper() + body[1:]  # a template may open with the product
    opener = rng.choice(OPENERS[language])
    text = opener + (body[0].lower() + body[1:] if opener and not body.startswith(brand) else body)
    detail = rng.choice(DETAILS[language]).format(
        n=rng.randint(10_000, 99_999),
        d=rng.randint(2, 14),
        h=f"{rng.randint(6, 23)}:{rng.randint(0, 59):02d}",
        place=rng.choice(PLACES),
    )
    if detail:
        text = f"{text.rstrip('.!?')} {detail}"
    ending = rng.choice(ENDINGS).format(tag=brand.replace(" ", "").lower())
    if ending[:1] in ".!?…":  # one closing mark, not "portal.!"
        text = text.rstrip(".!?")
    text += ending
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    handle = f"{first.lower()}{last.lower()[:3]}{rng.randint(1, 999)}"
    followers = int(math.exp(rng.gauss(5.5, 2.0)))  # most have a few hundred, a few have very many
    platform = rng.choice(PLATFORMS)
    if copied:
        platform = PLATFORMS[(PLATFORMS.index(platform) + 1 + n % 3) % len(PLATFORMS)]
    offset = timedelta(seconds=n * 60 / max(plan.rate_per_minute, 0.001))
    return RawMention(
        platform=platform,
        external_id=f"{prefix}-{plan.seed}-{n}",
        text=text,
        url=f"https://example.invalid/{platform}/{handle}/{plan.seed}-{n}",
        author_name=f"{first} {last}",
        author_handle="@" + handle,
        author_followers=followers,
        posted_at=started + offset,
        likes=int(rng.expovariate(1 / 8)),
        reposts=int(rng.expovariate(1 / 2)),
        replies=int(rng.expovariate(1 / 3)),
        language_hint=language if rng.random() < 0.5 else "",
        raw={"replay": True, "n": n, "intended_kind": kind, "language": language},
    )
