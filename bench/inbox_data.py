"""A million mentions over twenty clients for the inbox benchmark, built once and kept.

The workspace is what an agency's looks like: twenty clients of very unequal size, two
to four brands each with aliases and languages, five to eight agency people per client
(an account lead, responders, sometimes an analyst) plus client people, sources per
brand (one of them the brand's own page), topics (two sensitive), business hours and
holidays. Mentions come from the replay generator (da, nb, pl, de, en; cross-posts
included), spread over a year with growth, a daily rhythm and a few crises, and go
through the same enrichment and risk scoring as ingested ones: sentiment, kind, topics,
content hash, a 0-100 score with its factors and level under the default thresholds, and
the SLA clock the level sets. Their life follows the lifecycle: most are answered,
resolved, taken private or need no response; about one in eight is still open, more so
the younger it is; some old ones are archived; most are assigned to a responder.

Rows are generated on every core and COPYed (FREEZE) into the emptied table inside one
transaction, with the secondary indexes and constraints dropped and recreated from their
own definitions afterwards; then VACUUM ANALYZE. A database comment marks the dataset
complete, so later runs reuse it (BENCH_INBOX_REBUILD=1 forces a new one).
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import random
import sys
import time
import zlib
from array import array
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

# Imported once Django is set up (bench_inbox.py does that first).
from apps.listening.pipeline import COLUMNS

DATASET_VERSION = 2
MARKER_SLUG = "bench-inbox-{:02d}"
SEED = 20_261_121
SPAN_DAYS = 365
CHUNK_ROWS = 10_000
WORKERS = max(1, os.cpu_count() or 1)

# name, slug stem, time zone, business hours (weekday blocks), brands: (name, aliases, handles, languages)
# Languages repeat to weigh them: the replay takes language n % len for mention n.
CLIENTS = [
    (
        "Havbris Bryggeri",
        "Europe/Copenhagen",
        [
            ("Havbris Pilsner", ["Havbris", "Havbrís"], ["@havbris"], ["da", "da", "da", "de", "en"]),
            ("Havbris 0,0", ["Havbris alkoholfri"], ["@havbris00"], ["da", "da", "en"]),
            ("Havbris Kaffe", ["Havbris Kaffebar"], ["@havbriskaffe"], ["da", "da", "da", "en"]),
        ],
    ),
    (
        "Nordkyst Ferjer AS",
        "Europe/Oslo",
        [
            ("Nordkyst Ferjer", ["Nordkyst", "Nordkystferja"], ["@nordkystferjer"], ["nb", "nb", "nb", "en"]),
            ("Fjordpass", ["Fjordpass-appen", "Fjord pass"], ["@fjordpass"], ["nb", "nb", "en", "de"]),
        ],
    ),
    (
        "Zielna Apteka",
        "Europe/Warsaw",
        [
            ("Zielna Apteka", ["Zielnej Apteki"], ["@zielnaapteka"], ["pl", "pl", "pl", "pl", "en"]),
            ("Zielna Apteka Online", ["ZA Online", "zielna.online"], ["@zielnaonline"], ["pl", "pl", "de", "en"]),
        ],
    ),
    (
        "Northgate Telecom",
        "Europe/London",
        [
            ("Northgate Mobile", ["Northgate", "NG Mobile"], ["@northgate"], ["en"]),
            ("Northgate Broadband", ["Northgate Fibre"], ["@northgatehelp"], ["en"]),
            ("Northgate TV", ["NGTV"], ["@northgatetv"], ["en", "en", "en", "pl"]),
        ],
    ),
    (
        "Elbtal Bahn",
        "Europe/Berlin",
        [
            ("Elbtal Bahn", ["Elbtalbahn", "Elbtal-Bahn"], ["@elbtalbahn"], ["de", "de", "de", "de", "en"]),
            ("Elbtal Ticket", ["Elbtal Ticket App"], ["@elbtalticket"], ["de", "de", "en", "pl"]),
        ],
    ),
    (
        "Kronborg Kaffe",
        "Europe/Copenhagen",
        [
            ("Kronborg Kaffe", ["Kronborg"], ["@kronborgkaffe"], ["da", "da", "da", "nb", "en"]),
            ("Kronborg Espresso", ["Kronborg Crema"], ["@kronborgespresso"], ["da", "de", "en"]),
        ],
    ),
    (
        "Bølgen Energi",
        "Europe/Oslo",
        [
            ("Bølgen Strøm", ["Bølgen", "Bolgen Strom"], ["@bolgenstrom"], ["nb", "nb", "nb", "en"]),
            ("Bølgen Lading", ["Bølgen Ladenett"], ["@bolgenlading"], ["nb", "nb", "en"]),
        ],
    ),
    (
        "Wisła Kurier",
        "Europe/Warsaw",
        [
            ("Wisła Kurier", ["Wisla Kurier", "WisłaKurier"], ["@wislakurier"], ["pl", "pl", "pl", "de", "en"]),
            ("Wisła Express", ["Wisla Express"], ["@wislaexpress"], ["pl", "pl", "en"]),
            ("Wisła Paczka", ["Wisła Paczkomaty"], ["@wislapaczka"], ["pl", "pl", "pl", "en"]),
        ],
    ),
    (
        "Rheinfeld Versicherung",
        "Europe/Berlin",
        [
            ("Rheinfeld Versicherung", ["Rheinfeld"], ["@rheinfeld"], ["de", "de", "de", "en"]),
            ("Rheinfeld Kfz", ["Rheinfeld Auto"], ["@rheinfeldkfz"], ["de", "de", "pl"]),
        ],
    ),
    (
        "Hollow Oak Foods",
        "Europe/London",
        [
            ("Hollow Oak Crisps", ["Hollow Oak"], ["@hollowoak"], ["en", "en", "en", "de"]),
            ("Hollow Oak Oat Drink", ["Hollow Oak Oat"], ["@hollowoakoat"], ["en", "en", "da", "nb"]),
        ],
    ),
    (
        "Fjeldstue Hotels",
        "Europe/Oslo",
        [
            ("Fjeldstue Hotel", ["Fjeldstue"], ["@fjeldstue"], ["nb", "nb", "de", "en", "da"]),
            ("Fjeldstue Spa", ["Fjeldstue Bad"], ["@fjeldstuespa"], ["nb", "en"]),
        ],
    ),
    (
        "Solsikke Bank",
        "Europe/Copenhagen",
        [
            ("Solsikke Bank", ["Solsikke", "Solsikkebanken"], ["@solsikkebank"], ["da", "da", "da", "en"]),
            ("Solsikke App", ["Solsikke Mobilbank"], ["@solsikkeapp"], ["da", "da", "en"]),
        ],
    ),
    (
        "Bałtyk Air",
        "Europe/Warsaw",
        [
            ("Bałtyk Air", ["Baltyk Air", "BałtykAir"], ["@baltykair"], ["pl", "pl", "en", "de", "nb", "da"]),
            ("Bałtyk Air Cargo", ["Baltyk Cargo"], ["@baltykcargo"], ["pl", "en"]),
        ],
    ),
    (
        "Morgentau Kosmetik",
        "Europe/Berlin",
        [
            ("Morgentau", ["Morgentau Kosmetik"], ["@morgentau"], ["de", "de", "de", "en", "pl"]),
            ("Morgentau Naturals", ["Morgentau Natur"], ["@morgentaunaturals"], ["de", "en"]),
        ],
    ),
    (
        "Greenbridge Energy",
        "Europe/London",
        [
            ("Greenbridge Energy", ["Greenbridge"], ["@greenbridge"], ["en"]),
            ("Greenbridge EV", ["Greenbridge Charging"], ["@greenbridgeev"], ["en", "en", "de"]),
        ],
    ),
    (
        "Tindra Mote",
        "Europe/Oslo",
        [
            ("Tindra", ["Tindra Mote"], ["@tindra"], ["nb", "nb", "da", "en"]),
            ("Tindra Outlet", ["Tindra Outlet Online"], ["@tindraoutlet"], ["nb", "en"]),
        ],
    ),
    (
        "Lindholm Møbler",
        "Europe/Copenhagen",
        [
            ("Lindholm Møbler", ["Lindholm", "Lindholm Mobler"], ["@lindholm"], ["da", "da", "de", "nb", "en"]),
            ("Lindholm Outlet", ["Lindholm Udsalg"], ["@lindholmoutlet"], ["da", "da", "en"]),
            ("Lindholm Kids", ["Lindholm Børn"], ["@lindholmkids"], ["da", "en"]),
        ],
    ),
    (
        "Smaki Kraków",
        "Europe/Warsaw",
        [
            ("Smaki Kraków", ["Smaki Krakow", "Smaki"], ["@smakikrakow"], ["pl", "pl", "pl", "en"]),
            ("Smaki Express", ["Smaki Dostawa"], ["@smakiexpress"], ["pl", "pl", "en", "de"]),
        ],
    ),
    (
        "Alpenrad",
        "Europe/Berlin",
        [
            ("Alpenrad", ["Alpen Rad"], ["@alpenrad"], ["de", "de", "de", "en", "da"]),
            ("Alpenrad E-Bike", ["Alpenrad eBike", "Alpenrad E-Bikes"], ["@alpenradebike"], ["de", "de", "nb", "en"]),
        ],
    ),
    (
        "Castle & Crane Bank",
        "Europe/London",
        [
            ("Castle & Crane", ["Castle and Crane", "C&C Bank"], ["@castlecrane"], ["en"]),
            ("Castle & Crane Mobile", ["C&C app"], ["@castlecraneapp"], ["en", "en", "pl"]),
            ("Castle & Crane Business", ["C&C Business"], ["@castlecranebiz"], ["en"]),
            ("Castle & Crane Savings", ["C&C Savings"], ["@castlecranesave"], ["en", "en", "de"]),
        ],
    ),
]
# Share of all mentions per client, in the order above: a few big clients, a long tail.
# fmt: off
CLIENT_SHARES = [.16, .115, .095, .085, .07, .06, .052, .046, .04, .036, .032, .028, .024, .021, .018, .015, .012, .01,
                 .008, .006]
# Mentions per hour of the day (UTC, roughly local): quiet nights, busy days and evenings.
HOUR_WEIGHTS = [1, .6, .4, .3, .3, .5, 1.2, 2.5, 3.5, 4, 4, 4, 4.2, 4, 3.8, 3.6, 3.5, 3.6, 4, 4.2, 4, 3.4, 2.5, 1.6]
# fmt: on
# Opening hours per time zone: (weekdays, opens, closes); medium and low clocks count only these.
HOURS = {
    "Europe/London": [(range(5), clock(9), clock(17, 30))],
    "Europe/Copenhagen": [(range(5), clock(8), clock(16)), ([5], clock(10), clock(14))],
    "Europe/Oslo": [(range(5), clock(8), clock(16))],
    "Europe/Warsaw": [(range(5), clock(8), clock(18))],
    "Europe/Berlin": [(range(5), clock(8), clock(17))],
}
# topic name, keywords (prefixes, any of the five languages), sensitive
TOPICS = [
    ("delivery", ["levering", "ordre", "forsink", "zamówien", "dostaw", "bestellung", "lieferung", "order"], False),
    ("app", ["app", "appen", "aplikacj"], False),
    (
        "customer service",
        ["kundeservice", "telefonkø", "infolinia", "obsług", "kundenservice", "customer service"],
        False,
    ),
    ("quality", ["kvalitet", "jakość", "qualität", "quality", "smager", "schmeckt", "tastes"], False),
    ("boycott", ["boykot", "bojkot", "boykott", "boycott"], True),
    ("abuse of staff", ["idiot", "klovn", "klown", "kłamc", "inkompetent", "niekompetent", "incompetent"], True),
]
FIRST_NAMES = ["Mette", "Lars", "Ingrid", "Ola", "Kasia", "Piotr", "Anna", "Jonas", "Sophie", "Tom", "Freja", "Emil"]
LAST_NAMES = ["Hansen", "Nilsen", "Kowalska", "Nowak", "Müller", "Schmidt", "Smith", "Jensen", "Berg", "Lund"]
NO_RESPONSE_REASONS = {
    "praise": ["Praise: liked and thanked in bulk", "Positive, nothing to answer"],
    "trolling": ["Trolling: do not feed", "Provocation, hidden per policy"],
    "personal_attack": ["Abusive, reported to the platform", "Attack on staff, hidden per policy"],
    "": ["News item, no question", "Press coverage, logged for the report"],
}
NO_RESPONSE_DEFAULT = ["Already answered in another thread", "Not about the client", "Spam"]
# Closed statuses by kind: (status, weight).
CLOSED_BY_KIND = {
    "praise": [("answered", 45), ("resolved", 15), ("no_response_needed", 40)],
    "": [("no_response_needed", 85), ("resolved", 15)],
    "trolling": [("no_response_needed", 75), ("resolved", 15), ("answered", 10)],
    "personal_attack": [("no_response_needed", 40), ("resolved", 40), ("taken_private", 10), ("answered", 10)],
    "service_failure": [("resolved", 50), ("answered", 20), ("taken_private", 25), ("no_response_needed", 5)],
    "product_criticism": [("resolved", 50), ("answered", 30), ("taken_private", 12), ("no_response_needed", 8)],
    "question": [("answered", 55), ("resolved", 35), ("taken_private", 8), ("no_response_needed", 2)],
    "constructive_feedback": [("answered", 50), ("resolved", 35), ("no_response_needed", 15)],
    "general_dissatisfaction": [
        ("resolved", 45),
        ("answered", 30),
        ("no_response_needed", 15),
        ("taken_private", 10),
    ],
}
PRIVATE_CHANNELS = [("dm", 60), ("email", 25), ("phone", 15)]
OPEN_STATUSES = [("new", 35), ("triaged", 25), ("in_progress", 28), ("awaiting_approval", 12)]
# (younger than days, share still open)
OPEN_BY_AGE = [(1, 0.85), (3, 0.6), (14, 0.35), (60, 0.18), (math.inf, 0.1)]
# Past the first days, risky mentions rarely stay open and low ones linger.
OPEN_BY_LEVEL = {"critical": 0.2, "high": 0.5, "medium": 1.0, "low": 1.4}
# A closing sentence some authors add; with the replay's own variety it keeps unrelated posts from
# having the same words (the pipeline would link those as cross-posts).
FOLLOW_UPS = {
    "da": [
        "Nogen andre der har oplevet det?",
        "Første gang jeg skriver om det.",
        "Jeg er kunde gennem mange år.",
        "Det er bare min mening.",
        "Del gerne.",
        "Jeg håber nogen læser med.",
        "Godt at vide.",
        "Har skrevet til dem før.",
        "Vil gerne høre fra jer.",
    ],
    "nb": [
        "Noen andre som har opplevd det samme?",
        "Første gang jeg skriver om dette.",
        "Har vært kunde i mange år.",
        "Bare min mening.",
        "Del gjerne.",
        "Håper noen leser dette.",
        "Greit å vite.",
        "Har skrevet til dem før.",
        "Vil gjerne høre fra dere.",
    ],
    "pl": [
        "Ktoś jeszcze miał tak samo?",
        "Piszę o tym pierwszy raz.",
        "Jestem klientem od lat.",
        "To tylko moja opinia.",
        "Udostępnijcie.",
        "Mam nadzieję, że ktoś to przeczyta.",
        "Dobrze wiedzieć.",
        "Pisałem do nich już wcześniej.",
        "Czekam na odpowiedź.",
    ],
    "de": [
        "Hat das noch jemand erlebt?",
        "Schreibe zum ersten Mal darüber.",
        "Bin seit Jahren Kunde.",
        "Nur meine Meinung.",
        "Gerne teilen.",
        "Hoffe, das liest jemand.",
        "Gut zu wissen.",
        "Habe ihnen schon mal geschrieben.",
        "Bitte um Rückmeldung.",
    ],
    "en": [
        "Anyone else had this?",
        "First time posting about this.",
        "Been a customer for years.",
        "Just my opinion.",
        "Please share.",
        "Hope someone reads this.",
        "Good to know.",
        "Already wrote to them before.",
        "Waiting for a reply.",
    ],
}
FOLLOW_UP_NONE = 5  # out of len(list) + this: no closing sentence
# platform -> source role of the brand; facebook and instagram partly come from the brand's own page.
SOURCE_KINDS = [
    # role, kind, name, platforms, own channel
    ("push", "webhook", "Listening tool push", ("facebook", "instagram", "x", "trustpilot"), False),
    ("own", "webhook", "Own Facebook and Instagram pages", ("facebook", "instagram"), True),
    ("mastodon", "mastodon", "Mastodon search", ("mastodon",), False),
    ("bluesky", "bluesky", "Bluesky search", ("bluesky",), False),
    ("reddit", "reddit", "Reddit search", ("reddit",), False),
    ("youtube", "youtube", "YouTube comments", ("youtube",), False),
]
POLLED = {"mastodon", "bluesky", "reddit", "youtube"}
REVIEW_TITLES = {
    "positive": {
        "da": "Super oplevelse",
        "nb": "Veldig fornøyd",
        "pl": "Polecam",
        "de": "Sehr zufrieden",
        "en": "Great experience",
    },
    "negative": {
        "da": "Skuffende",
        "nb": "Skuffende",
        "pl": "Rozczarowanie",
        "de": "Enttäuschend",
        "en": "Disappointing",
    },
    "neutral": {"da": "Blandet", "nb": "Helt ok", "pl": "Tak sobie", "de": "Geht so", "en": "Mixed feelings"},
}
# The pipeline's columns, plus what only a mention's later life fills in.
COPY_COLUMNS = (
    "id",
    *COLUMNS,
    "status_changed_at",
    "status_reason",
    "private_channel",
    "archived_at",
    "first_response_at",
)


@dataclass
class Dataset:
    """What a benchmark needs to know about the dataset."""

    total: int
    clients: list  # Client objects, biggest first, each with .mention_count
    admin: object  # an agency admin (superuser, TOTP enrolled)
    responders: dict  # client id -> a responder there
    build_seconds: float | None = None  # None: reused from an earlier run
    phases: dict = field(default_factory=dict)


def ensure_inbox_dataset(total: int = 1_000_000, clients: int = 20, *, rebuild: bool | None = None) -> Dataset:
    """The dataset in the current database (setup_inbox_database()), built only when missing or incomplete."""
    if rebuild is None:
        rebuild = os.environ.get("BENCH_INBOX_REBUILD") == "1"
    if not 1 <= clients <= len(CLIENTS):
        raise ValueError(f"between 1 and {len(CLIENTS)} clients")
    if not rebuild and _is_complete(total, clients):
        return _describe(total, clients)
    began = time.perf_counter()
    phases = {}
    _say(f"building the inbox dataset: {total:,} mentions over {clients} clients")
    _wipe()
    phases["workspace"] = _timed(lambda: _create_workspace(clients))
    phases.update(_load_mentions(total, clients))
    _mark_complete(total, clients)
    dataset = _describe(total, clients)
    dataset.build_seconds = time.perf_counter() - began
    dataset.phases = {name: round(seconds, 1) for name, seconds in phases.items()}
    _say(f"dataset built in {dataset.build_seconds:.0f} s: {dataset.phases}")
    return dataset


# Completeness -------------------------------------------------------------------------------


def _marker(total: int, clients: int) -> str:
    return f"varde inbox bench dataset v{DATASET_VERSION} total={total} clients={clients}"


def _is_complete(total: int, clients: int) -> bool:
    from django.db import connection

    from apps.mentions.models import Mention
    from apps.tenants.models import Client

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        (comment,) = cursor.fetchone()
    if comment != _marker(total, clients):
        return False
    if not Client.objects.unscoped().filter(slug=MARKER_SLUG.format(clients - 1)).exists():
        return False
    return Mention.objects.unscoped().count() == total


def _mark_complete(total: int, clients: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"COMMENT ON DATABASE {name} IS %s", [_marker(total, clients)])


def _wipe() -> None:
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"COMMENT ON DATABASE {name} IS NULL")
    call_command("flush", interactive=False, verbosity=0)


def _describe(total: int, clients: int) -> Dataset:
    from django.db.models import Count

    from apps.accounts.models import User
    from apps.mentions.models import Mention
    from apps.tenants.models import Client, Membership
    from apps.tenants.roles import Role

    counts = dict(Mention.objects.unscoped().values_list("client_id").annotate(n=Count("id")).order_by())
    workspace = list(Client.objects.unscoped().filter(slug__startswith="bench-inbox-"))
    for client in workspace:
        client.mention_count = counts.get(client.pk, 0)
    workspace.sort(key=lambda client: -client.mention_count)
    responders = {}
    for membership in Membership.objects.unscoped().filter(role=Role.RESPONDER).order_by("pk"):
        responders.setdefault(membership.client_id, membership.user)
    admin = User.objects.get(email="bench-admin@varde.bench")
    return Dataset(total=total, clients=workspace, admin=admin, responders=responders)


# The workspace -------------------------------------------------------------------------------


def _create_workspace(clients: int) -> None:
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import transaction

    from apps.accounts.models import User
    from apps.listening.models import Source
    from apps.mentions.models import Topic
    from apps.tenants.models import Brand, BusinessHoursBlock, Client, Holiday, Membership
    from apps.tenants.roles import Role
    from apps.tenants.services import apply_role_permissions

    rng = random.Random(SEED)

    def person(email: str, name: str, **fields) -> User:
        user = User(email=email, full_name=name, **fields)
        user.set_unusable_password()
        user.save()
        return user

    def name_of(k: int) -> str:
        return f"{FIRST_NAMES[k % len(FIRST_NAMES)]} {LAST_NAMES[(k * 7 + k // len(FIRST_NAMES)) % len(LAST_NAMES)]}"

    with transaction.atomic():
        admin = person("bench-admin@varde.bench", "Astrid Admin", is_agency_admin=True)
        TOTP.activate(admin, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        person("bench-admin2@varde.bench", "Bo Admin", is_agency_admin=True)
        leads = [person(f"lead{k}@varde.bench", name_of(k)) for k in range(8)]
        for lead in leads:
            TOTP.activate(lead, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        responders = [person(f"responder{k}@varde.bench", name_of(k + 11)) for k in range(45)]
        analysts = [person(f"analyst{k}@varde.bench", name_of(k + 5)) for k in range(6)]
        years = {date.today().year - 1, date.today().year}
        for index, (name, tz, brands) in enumerate(CLIENTS[:clients]):
            client = Client.objects.create(name=name, slug=MARKER_SLUG.format(index), timezone=tz)
            staff = [(leads[index % len(leads)], Role.ACCOUNT_LEAD)]
            staff += [(responders[(index * 3 + k) % len(responders)], Role.RESPONDER) for k in range(4 + index % 3)]
            if index % 2 == 0:
                staff.append((analysts[index // 2 % len(analysts)], Role.ANALYST))
            stem = client.slug.replace("bench-inbox-", "c")
            staff.append((person(f"viewer@{stem}.client.bench", f"Viewer of {name}"), Role.CLIENT_VIEWER))
            if index % 2:
                staff.append((person(f"approver@{stem}.client.bench", f"Approver at {name}"), Role.CLIENT_APPROVER))
            for user, role in staff:
                membership = Membership.objects.create(user=user, client=client, role=role, granted_by=admin)
                apply_role_permissions(membership=membership, old_role=None)
            for weekdays, opens, closes in HOURS[tz]:
                BusinessHoursBlock.objects.bulk_create(
                    BusinessHoursBlock(client=client, weekday=day, opens=opens, closes=closes) for day in weekdays
                )
            Holiday.objects.bulk_create(
                Holiday(client=client, date=date(year, month, day), name=label)
                for year in years
                for month, day, label in ((1, 1, "New Year"), (12, 25, "Christmas Day"), (12, 26, "Boxing Day"))
            )
            for topic_name, keywords, sensitive in TOPICS:
                Topic.objects.create(client=client, name=topic_name, keywords=keywords, sensitive=sensitive)
            for position, (brand_name, aliases, handles, languages) in enumerate(brands):
                brand = Brand.objects.create(
                    client=client,
                    name=brand_name,
                    slug=f"{stem}-brand-{position}",
                    aliases=aliases,
                    handles=handles,
                    languages=sorted(set(languages)),
                    tone_of_voice="Friendly, plain words, no jargon.",
                )
                for role, kind, source_name, platforms, own in SOURCE_KINDS:
                    token = hashlib.sha256(f"{SEED}-{brand.pk}-{role}".encode()).hexdigest()[:43]
                    Source.objects.create(
                        client=client,
                        brand=brand,
                        name=f"{source_name}: {brand_name}",
                        kind=kind,
                        config={"platform": platforms[0], "query": brand_name}
                        if kind == "webhook"
                        else {"query": brand_name},
                        own_channel=own,
                        webhook_token=token if kind == "webhook" else None,
                        poll_interval=300 + rng.randrange(0, 300, 60),
                        last_success_at=datetime.now(UTC),
                    )


# The mentions --------------------------------------------------------------------------------


@dataclass
class _Brand:
    """All one worker needs about a brand: generator plan, enrichment, risk setup, people."""

    pk: int
    client_id: int
    seed: int
    plan: object
    context: object  # listening.pipeline.BrandContext
    risk: object  # risk.pipeline.BrandRiskSetup
    sources: dict  # role -> source id
    responders: list
    lead: int


@dataclass
class _State:
    anchor: float
    brands: list
    brand_of: array
    n_of: array
    posted: array


_STATE: _State | None = None


def _load_mentions(total: int, clients: int) -> dict:
    """Generate and COPY `total` mentions; returns seconds per phase."""
    global _STATE  # read by the forked workers
    from django.db import connection, transaction

    phases = {}
    began = time.perf_counter()
    brands = _brand_setups(clients)
    anchor = datetime.now(UTC).replace(second=0, microsecond=0).timestamp()
    _STATE = _State(anchor, brands, *_timeline(total, brands, anchor))
    phases["plan"] = time.perf_counter() - began
    connection.close()  # the workers are forked now: none of them may inherit the socket
    table = "mentions_mention"
    try:
        with (
            multiprocessing.get_context("fork").Pool(WORKERS) as pool,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            # Truncated in this transaction: COPY may write the rows frozen, as VACUUM would.
            cursor.execute(f"TRUNCATE {table} CASCADE")
            indexes, constraints = _drop_secondary(cursor, table)
            began = time.perf_counter()
            _copy_rows(cursor, pool, table, total)
            phases["copy"] = time.perf_counter() - began
            began = time.perf_counter()
            _link_copies(cursor, table)
            phases["link_cross_posts"] = time.perf_counter() - began
            began = time.perf_counter()
            _restore_secondary(cursor, table, indexes, constraints)
            phases["indexes"] = time.perf_counter() - began
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    finally:
        _STATE = None
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("ANALYZE")
    phases["vacuum_analyze"] = time.perf_counter() - began
    return phases


def _brand_setups(clients: int) -> list[_Brand]:
    from apps.listening.enrichment.sentiment import get_analyser
    from apps.listening.models import Source
    from apps.listening.pipeline import BrandContext
    from apps.listening.replay_data import ReplayPlan
    from apps.risk.pipeline import BrandRiskSetup
    from apps.tenants.models import Brand, Client, Membership
    from apps.tenants.roles import Role

    get_analyser().analyse("warm up", "en")  # lexicons loaded once, before the workers fork
    setups = []
    for index, (_name, _tz, specs) in enumerate(CLIENTS[:clients]):
        client = Client.objects.unscoped().get(slug=MARKER_SLUG.format(index))
        people = Membership.objects.unscoped().filter(client=client).order_by("pk")
        responders = [m.user_id for m in people if m.role == Role.RESPONDER]
        lead = next(m.user_id for m in people if m.role == Role.ACCOUNT_LEAD)
        for position, brand in enumerate(Brand.objects.unscoped().filter(client=client).order_by("slug")):
            languages = tuple(specs[position][3])
            seed = SEED + brand.pk
            sources = {}
            for source in Source.objects.unscoped().filter(brand=brand):
                role = next(r for r, _k, name, _p, _o in SOURCE_KINDS if source.name.startswith(name))
                sources[role] = source.pk
            setups.append(
                _Brand(
                    pk=brand.pk,
                    client_id=client.pk,
                    seed=seed,
                    plan=ReplayPlan(brand_names=(brand.name, *brand.aliases), languages=languages, seed=seed),
                    context=BrandContext.load(brand),
                    risk=BrandRiskSetup(brand),
                    sources=sources,
                    responders=responders,
                    lead=lead,
                )
            )
    return setups


def _timeline(total: int, brands: list[_Brand], anchor: float) -> tuple[array, array, array]:
    """Brand, per-brand number and posting time of each mention, in posting order (ids follow it)."""
    rng = random.Random(SEED)
    client_ids = sorted({brand.client_id for brand in brands})
    shares = CLIENT_SHARES[: len(client_ids)]
    weights = []
    for brand in brands:
        siblings = [b for b in brands if b.client_id == brand.client_id]
        first = siblings[0] is brand
        brand_share = 0.6 if first and len(siblings) > 1 else (0.4 / (len(siblings) - 1) if len(siblings) > 1 else 1)
        weights.append(shares[client_ids.index(brand.client_id)] * brand_share)
    picks = rng.choices(range(len(brands)), weights=weights, k=total)
    # Each client has two crisis days; 4% of its mentions fall into them.
    crises = {cid: [rng.uniform(10, SPAN_DAYS - 2) for _ in range(2)] for cid in client_ids}
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=total)
    start = anchor - SPAN_DAYS * 86400
    stamps = []
    for k in range(total):
        client_id = brands[picks[k]].client_id
        if rng.random() < 0.04:
            moment = start + (rng.choice(crises[client_id]) + rng.random() * 1.5) * 86400
        else:
            # Growing volume: density 0.6 -> 1.4 over the year (inverse of its distribution function).
            x = (-0.6 + math.sqrt(0.36 + 1.6 * rng.random())) / 0.8
            day = min(int(x * SPAN_DAYS), SPAN_DAYS - 1)
            moment = start + day * 86400 + (hours[k] + rng.random()) * 3600 - 3600
        stamps.append(min(moment, anchor - 60))
    order = sorted(range(total), key=stamps.__getitem__)
    brand_of, n_of, posted = array("H"), array("I"), array("d")
    counters = [0] * len(brands)
    for k in order:
        b = picks[k]
        brand_of.append(b)
        n_of.append(counters[b])
        counters[b] += 1
        posted.append(stamps[k])
    return brand_of, n_of, posted


def _secondary(cursor, table: str) -> tuple[list, list]:
    """Every index but the primary key, and the unique and foreign-key constraints, as
    PostgreSQL states their definitions."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
        [table, table],
    )
    return cursor.fetchall(), constraints


def _drop_secondary(cursor, table: str) -> tuple[list, list]:
    """Drop them for the load (a million rows are indexed faster at once than one by one)."""
    indexes, constraints = _secondary(cursor, table)
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return indexes, constraints


def _restore_secondary(cursor, table: str, indexes: list, constraints: list) -> None:
    """Recreate them from their own definitions, then prove they are the migrations' again."""
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    if (after := _secondary(cursor, table)) != (indexes, constraints):
        changed = sorted(set(after[0] + after[1]) ^ set(indexes + constraints))
        raise RuntimeError(f"indexes or constraints differ from the migrations' after the load: {changed}")


def _copy_rows(cursor, pool, table: str, total: int) -> None:
    """One COPY; the workers make text-format chunks in id order while PostgreSQL takes them."""
    chunks = [(lo, min(lo + CHUNK_ROWS, total)) for lo in range(0, total, CHUNK_ROWS)]
    done, began = 0, time.perf_counter()
    with cursor.cursor.copy(f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FREEZE)") as copy:
        for (_lo, hi), data in zip(chunks, pool.imap(_chunk, chunks), strict=True):
            copy.write(data)
            if hi // 100_000 > done // 100_000 or hi == total:
                elapsed = time.perf_counter() - began
                _say(f"  {hi:,} rows in {elapsed:.0f} s ({hi / elapsed:,.0f} rows/s)")
            done = hi


def _link_copies(cursor, table: str) -> None:
    """Cross-posted copies point at the first mention with their text, as the pipeline links them."""
    cursor.execute(
        f"""
        UPDATE {table} m SET duplicate_of_id = f.first_id
        FROM (
            SELECT id, min(id) OVER (PARTITION BY client_id, content_hash) AS first_id
            FROM {table} WHERE content_hash <> ''
        ) f
        WHERE m.id = f.id AND f.first_id <> f.id
        """
    )


# One chunk of rows, in a worker ------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    return value.translate(_ESCAPES) if ("\\" in value or "\t" in value or "\n" in value or "\r" in value) else value


def _moment(value: datetime | None) -> str:
    return "\\N" if value is None else value.isoformat()


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _json(value) -> str:
    return _text(_JSON(value))


def _text_array(values: list[str]) -> str:
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return _text("{" + ",".join(quoted) + "}")


def _chunk(bounds: tuple[int, int]) -> bytes:
    from apps.listening.enrichment.kinds import classify_kind, match_topics
    from apps.listening.enrichment.query import fold
    from apps.listening.enrichment.sentiment import get_analyser
    from apps.listening.enrichment.text import content_hash
    from apps.listening.replay_data import mention_number
    from apps.mentions.models import RiskLevel
    from apps.risk.pipeline import signals_of
    from apps.risk.policy import deadlines
    from apps.risk.scoring import score

    state = _STATE
    lo, hi = bounds
    rng = random.Random(SEED * 31 + lo)
    analyser = get_analyser()
    anchor = datetime.fromtimestamp(state.anchor, UTC)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    levels = RiskLevel.values
    lines = []
    for i in range(lo, hi):
        brand = state.brands[state.brand_of[i]]
        item = mention_number(state.n_of[i], brand.plan, epoch, prefix="post")
        posted = datetime.fromtimestamp(state.posted[i], UTC)
        language = item.raw["language"]
        platform = item.platform
        if platform in ("facebook", "instagram") and rng.random() < 0.35:
            role = "own"
        else:
            role = platform if platform in POLLED else "push"
        source_id = brand.sources[role]
        delay = rng.uniform(30, 400) if role in POLLED else rng.uniform(2, 40)
        ingested = min(posted + timedelta(seconds=delay), anchor)
        text = _with_follow_up(item.text, item.author_handle, language)
        sentiment = analyser.analyse(brand.context.names.sub(" ", text), language)
        title = ""
        if platform in ("trustpilot", "reddit") and rng.random() < 0.7:
            title = REVIEW_TITLES[sentiment.label or "neutral"][language]
        full = text if not title else f"{title}\n{text}"
        folded = fold(f"{title}\n{text}")
        kind = classify_kind(full, sentiment.label, folded)
        row = {
            "sentiment": sentiment.label,
            "sentiment_score": round(sentiment.score, 4),
            "author_followers": item.author_followers,
            "likes": item.likes,
            "reposts": item.reposts,
            "replies": item.replies,
            "posted_at": posted,
            "posted_at_known": True,
            "kind": kind,
            "topics": match_topics(folded, brand.context.topics),
            "source_id": source_id,
            "text": full,
            "language": language,
        }
        rating = score(signals_of(row, brand.risk), brand.risk.rules, ingested)
        level, rated = rating.level, ingested
        overridden = rng.random() < 0.01
        if overridden:  # a person moved it one level, with a reason; the score stays the system's
            rank = levels.index(level) + (1 if rng.random() < 0.7 else -1)
            level = levels[min(max(rank, 0), len(levels) - 1)]
            rated = min(ingested + timedelta(minutes=rng.uniform(5, 90)), anchor)
        due, warn = deadlines(brand.risk.rules, brand.risk.schedule, level, ingested)
        life = _life(rng, anchor, ingested, due, kind, level, brand)
        values = {
            "id": str(i + 1),
            "client_id": str(brand.client_id),
            "brand_id": str(brand.pk),
            "source_id": str(source_id),
            "platform": platform,
            "external_id": _text(item.external_id),
            "url": _text(item.url),
            "parent_external_id": (
                f"post-{brand.seed}-page-{state.n_of[i] // 40}" if role == "own" and rng.random() < 0.6 else ""
            ),
            "author_name": _text(item.author_name),
            "author_handle": _text(item.author_handle),
            "author_url": _text(f"https://example.invalid/{platform}/{item.author_handle.lstrip('@')}"),
            "author_followers": str(item.author_followers),
            "title": _text(title),
            "text": _text(text),
            "posted_at": posted.isoformat(),
            "posted_at_known": "t",
            "ingested_at": ingested.isoformat(),
            "language": language,
            "language_confidence": f"{rng.uniform(0.72, 0.995):.3f}",
            "sentiment": sentiment.label,
            "sentiment_score": str(row["sentiment_score"]),
            "kind": kind,
            "topics": _text_array(row["topics"]),
            "likes": str(item.likes),
            "reposts": str(item.reposts),
            "replies": str(item.replies),
            "content_hash": content_hash(full),
            "status": life["status"],
            "status_changed_at": _moment(life["status_changed_at"]),
            "status_reason": _text(life["status_reason"]),
            "private_channel": life["private_channel"],
            "archived_at": _moment(life["archived_at"]),
            "raw": _json(item.raw),
            "risk_score": str(rating.score),
            "risk_level": level,
            "risk_factors": _json(rating.factors),
            "risk_overridden": "t" if overridden else "f",
            "rated_at": rated.isoformat(),
            "response_due_at": due.isoformat(),
            "response_warn_at": warn.isoformat(),
            "first_response_at": _moment(life["first_response_at"]),
            "assignee_id": "\\N" if life["assignee"] is None else str(life["assignee"]),
            "assigned_at": _moment(life["assigned_at"]),
        }
        lines.append("\t".join(values[column] for column in COPY_COLUMNS))
        lines.append("\n")
    return "".join(lines).encode()


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    """A weighted choice from one of the module's constant tables."""
    values, cumulative = _CUMULATIVE.get(id(weighted)) or _cumulate(weighted)
    return rng.choices(values, cum_weights=cumulative)[0]


_CUMULATIVE: dict[int, tuple] = {}


def _cumulate(weighted: list[tuple[str, int]]) -> tuple:
    total, cumulative = 0, []
    for _value, weight in weighted:
        total += weight
        cumulative.append(total)
    _CUMULATIVE[id(weighted)] = entry = ([value for value, _w in weighted], cumulative)
    return entry


def _with_follow_up(text: str, handle: str, language: str) -> str:
    """The text, perhaps with a closing sentence: the same for a cross-post (same author, same
    text), mostly different for two authors who happened to write the same words."""
    choices = FOLLOW_UPS[language]
    pick = zlib.crc32(f"{handle}|{text}".encode()) % (len(choices) + FOLLOW_UP_NONE)
    return f"{text} {choices[pick]}" if pick < len(choices) else text


def _life(
    rng: random.Random, anchor: datetime, ingested: datetime, due: datetime, kind: str, level: str, brand: _Brand
) -> dict:
    """Status, its times and the assignee: a plausible history given the mention's age, kind and risk."""
    age_days = (anchor - ingested).total_seconds() / 86400
    open_share = next(share for younger, share in OPEN_BY_AGE if age_days < younger)
    if age_days > 3:
        open_share *= OPEN_BY_LEVEL[level]
    life = {
        "status_changed_at": None,
        "status_reason": "",
        "private_channel": "",
        "archived_at": None,
        "first_response_at": None,
    }
    target = due - ingested
    if rng.random() >= open_share:
        status = _pick(rng, CLOSED_BY_KIND.get(kind, CLOSED_BY_KIND[""]))
        if status == "no_response_needed":
            life["status_changed_at"] = min(ingested + timedelta(minutes=rng.uniform(2, 480)), anchor)
            life["status_reason"] = rng.choice(NO_RESPONSE_REASONS.get(kind, NO_RESPONSE_DEFAULT))
        else:
            # Most first answers come within the target, some late.
            share = rng.uniform(0.05, 0.95) if rng.random() < 0.82 else rng.uniform(1.0, 3.0)
            first = ingested + target * share
            if first >= anchor:
                status = "in_progress"
                life["status_changed_at"] = ingested + (anchor - ingested) * rng.random()
            else:
                life["first_response_at"] = first
                life["status_changed_at"] = first
                if status == "taken_private":
                    life["private_channel"] = _pick(rng, PRIVATE_CHANNELS)
                elif status == "resolved":
                    life["status_changed_at"] = min(first + timedelta(hours=rng.expovariate(1 / 6)), anchor)
        if status != "in_progress" and age_days > 90 and rng.random() < 0.05:  # archived after a while
            archived = life["status_changed_at"] + timedelta(days=rng.uniform(30, 80))
            life["archived_at"] = min(archived, anchor)
    else:
        status = "new" if age_days * 1440 < 30 and rng.random() < 0.8 else _pick(rng, OPEN_STATUSES)
        if status != "new":
            life["status_changed_at"] = ingested + (anchor - ingested) * rng.uniform(0.05, 0.9)
            if status == "in_progress" and rng.random() < 0.05:  # reopened for a follow-up after an answer
                life["first_response_at"] = ingested + (life["status_changed_at"] - ingested) * rng.random()
    life["status"] = status
    unassigned = {"new": 0.4, "triaged": 0.15, "no_response_needed": 0.5}.get(status, 0.03)
    if rng.random() < unassigned:
        life["assignee"], life["assigned_at"] = None, None
    else:
        life["assignee"] = brand.lead if rng.random() < 0.05 else rng.choice(brand.responders)
        life["assigned_at"] = min(ingested + timedelta(seconds=rng.uniform(0.5, 5)), anchor)
    return life


def _timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
