"""Language detection: our five languages, another language by its code, the platform's tag as evidence."""

import csv
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.listening.enrichment.language import SUPPORTED, detect_languages, normalise_hint
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from apps.tenants.models import BRAND_LANGUAGES
from tests.factories import BrandFactory
from tests.listening.platform_fixtures import load_sample
from tests.listening.test_pipeline import raw
from tests.shared_data import SHARED, require_shared

SEEDS = SHARED / "seeds"


def detect(text, languages, hint=""):
    return detect_languages([text], frozenset(languages), [hint])[0][0]


def test_every_language_a_brand_can_list_is_detected():
    assert {code for code, _ in BRAND_LANGUAGES} == SUPPORTED


@pytest.mark.parametrize(
    ("text", "brand_languages", "expected"),
    [
        # Each once forced into one of ours with near-certainty.
        ("O pacote chegou danificado e eles não querem trocar. Nunca mais compro aqui.", ["de"], "pt"),
        ("Balík dorazil poškozený a nechtějí ho vyměnit. Už nikdy víc od nich nekoupím.", ["da"], "cs"),
        ("Varför svarar ingen på kundtjänst? Jag har väntat i tre veckor på min beställning.", ["nb"], "sv"),
        # A brand with one language used to skip detection altogether.
        ("Le colis est arrivé abîmé et ils refusent de le reprendre. Plus jamais chez eux.", ["en"], "fr"),
        ("Pourquoi personne ne répond au service client ? J'attends depuis trois semaines.", [], "fr"),
        ("なぜカスタマーサービスは誰も答えてくれないのですか？三週間も注文を待っています。", ["da"], "ja"),  # noqa: RUF001
        # One letter of a name does not make a language.
        ("I met Özge Yılmaz at the store and she said the delivery would take three more weeks.", ["de"], "en"),  # noqa: RUF001
        ("Just had lunch at Café Ødegård in the old town and the service was fantastic.", ["da"], "en"),
        # Ours stay ours, also about a brand that lists another language.
        ("Czekam na paczkę od trzech tygodni i nikt z obsługi klienta nie odpowiada.", ["da"], "pl"),
        ("Ich habe das Paket vor drei Wochen bestellt und bis heute keine Antwort bekommen.", ["nb"], "de"),
        ("Jeg har ventet i tre uger på min pakke og ingen i kundeservice svarer mig.", ["da"], "da"),
    ],
)
def test_other_languages_are_named_and_ours_kept(text, brand_languages, expected):
    assert detect(text, {*brand_languages, "en"}, "") == expected


def test_the_platform_tag_is_strong_evidence_at_any_length():
    text = "Super Service von der Bahn today, thanks for nothing, really great job guys, the train was late again"
    assert len(text) > 40
    assert detect(text, {"de", "en"}) == "en"  # the words alone lean English...
    assert detect(text, {"de", "en"}, hint="de") == "de"  # ...the author said German
    # A client's default tag loses where the text all but rules it out.
    assert detect("Jeg har ventet i tre uger på min pakke og ingen svarer mig overhovedet", {"da", "en"}, "en") == "da"
    # Short texts follow the tag, whichever language it names.
    assert detect("Obrigado!", {"da", "en"}, "pt-BR") == "pt"
    assert detect("kiitos paljon", {"da", "en"}, "fi") == "fi"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("no", "nb"), ("nn", "nb"), ("en-US", "en"), ("und", ""), ("zxx", ""), ("1", ""), ("x" * 9, "")],
)
def test_tags_that_name_no_language_are_ignored(hint, expected):
    assert normalise_hint(hint) == expected


def test_links_and_handles_are_not_read_as_words():
    text = "@SouthwestAir Just landed in PHL, thanks for taking care of us! http://t.co/WQZZtKq3 #travel"
    assert detect(text, {"da", "nb", "pl", "de", "en"}) == "en"


def _seed_paragraphs(number: str) -> list[str]:
    [path] = require_shared(SEEDS).glob(f"{number}_*.txt")
    paragraphs = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
    return [" ".join(p.split()) for p in paragraphs if len(p.split()) >= 20][:6]


@pytest.mark.parametrize(("seed", "language"), [("000", "da"), ("001", "nb"), ("002", "pl"), ("003", "de")])
def test_seed_articles_are_their_language_whatever_the_brand_lists(seed, language):
    paragraphs = _seed_paragraphs(seed)
    assert paragraphs
    for brand_languages in ({language, "en"}, {"en"}, SUPPORTED):
        detected = detect_languages(paragraphs, frozenset(brand_languages), [""] * len(paragraphs))
        if language in brand_languages or language not in ("da", "nb"):
            assert {code for code, _ in detected} == {language}, brand_languages
        else:  # Danish and Norwegian read as one of the two, never as English
            assert {code for code, _ in detected} <= {"da", "nb"}


@pytest.mark.django_db
def test_platform_tagged_sample_posts_through_the_pipeline(client_a):
    """The samples' tags as the connectors pass them: a test account tags English toots "ja"."""
    brand = BrandFactory(client=client_a, name="Havbris", languages=["da"])
    statuses = load_sample("mastodon", "mastodonpy_test_public_tl_response_1.json")
    posts = load_sample("bluesky", "bskyr_f_search_response_1.json")["posts"]
    english = next(p for p in posts if (p["record"].get("langs") or [""])[0] == "en" and len(p["record"]["text"]) > 60)
    items = [
        *(raw(s["id"], "Havbris: " + s["content"], is_html=True, language_hint=s["language"]) for s in statuses),
        raw("bsky", "Havbris: " + english["record"]["text"], platform="bluesky", language_hint="en"),
    ]
    ingest(items, brand=brand)
    stored = {" ".join(m.text.split()): m.language for m in Mention.objects.all()}
    assert stored["Havbris: Toot, finally!"] == "ja"  # too short to argue with the tag
    # Long enough to rule Japanese out: the words decide.
    assert stored["Havbris: the best editor? why, of course it is the KDE Advanced Text Editor, Kate"] == "en"
    assert stored["Havbris: I have never stolen a ham in my life."] == "en"
    assert Mention.objects.get(external_id="bsky").language == "en"


def _write(path, rows, header=("text", "lang")):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_evaluate_language_reports_accuracy_per_language_and_other(tmp_path):
    path = _write(
        tmp_path / "languages.csv",
        [
            ("Le colis est arrivé abîmé et ils refusent de le reprendre. Plus jamais chez eux.", "fr"),
            ("Varför svarar ingen på kundtjänst? Jag har väntat i tre veckor på min beställning.", "sv"),
            ("Ich habe das Paket vor drei Wochen bestellt und bis heute keine Antwort bekommen.", "de"),
            ("Czekam na paczkę od trzech tygodni i nikt z obsługi klienta nie odpowiada.", "pl"),
            # Labelled German, but English: a wrong answer the figures must show.
            ("Does anyone know when the new collection will be back in stock at the shop?", "de"),
        ],
    )
    out = StringIO()
    call_command("evaluate_language", str(path), stdout=out)
    report = json.loads(out.getvalue())
    assert report["per_language"]["fr"] == {"n": 1, "accuracy": 1.0}
    assert report["per_language"]["de"] == {"n": 2, "accuracy": 0.5}
    assert report["other_called_other"] == 1.0
    assert report["ours_called_other"] == 0.0
    assert report["overall"] == {"n": 5, "accuracy": 0.8}
    assert report["texts_per_second"] > 0


def test_evaluate_language_rejects_files_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="missing column"):
        call_command("evaluate_language", str(_write(tmp_path / "a.csv", [("x", "da")], header=("text", "language"))))
    with pytest.raises(CommandError, match="not a language code"):
        call_command("evaluate_language", str(_write(tmp_path / "b.csv", [("x", "42")])))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("evaluate_language", str(tmp_path / "absent.csv"))
