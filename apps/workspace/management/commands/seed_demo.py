"""Demo data: three fictitious clients, two brands each, one person per role.

Idempotent: running it again changes nothing that is already there. For demos
and local development only; the logins are printed by `make run` and listed in
the README.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.detection.models import Metric, SpikeAlert
from apps.detection.services import learn_from_history, run_detector_pass
from apps.incidents.models import CrisisType, Incident, IncidentRole, StatementChannel, StatementKind
from apps.incidents.services import incident_assign_role, incident_declare, incident_note
from apps.incidents.statements import (
    library_statement_approve,
    library_statement_save,
    statement_draft,
    statement_submit,
    text_seal,
)
from apps.listening.connectors.base import RawMention
from apps.listening.models import Source, SourceKind
from apps.listening.pipeline import EVER, ingest
from apps.listening.replay_data import ReplayPlan, mention_number
from apps.listening.services import source_create, topic_save
from apps.mentions.models import Mention, Topic
from apps.posts.services import hold_set, post_compose, post_submit
from apps.responses.models import ApprovalRule, SavedReply
from apps.responses.services import answer_decide, approval_rule_save, saved_reply_save
from apps.tenants import services
from apps.tenants.models import Brand, Client, Membership
from apps.tenants.roles import Role

DEMO_PASSWORD = "varde-demo-2026"  # noqa: S105 (published demo login)
# Fixed, published TOTP secret for the demo admin and lead, so a demo can be
# signed into without a phone: `python manage.py demo_totp` prints the code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (published demo secret)

CLIENTS = [
    {
        "name": "Havbris Bryggeri",
        "slug": "havbris",
        "timezone": "Europe/Copenhagen",
        "brands": [
            {
                "name": "Havbris Pilsner",
                "slug": "havbris-pilsner",
                "aliases": ["Havbris", "Havbrís", "#havbris"],
                "handles": ["@havbris"],
                "languages": ["da", "de", "en"],
                "tone_of_voice": "Warm, dry humour, never preachy. Du-form in Danish, Sie-form avoided in German.",
            },
            {
                "name": "Havbris 0,0",
                "slug": "havbris-nul",
                "aliases": ["Havbris alkoholfri", "Havbris 0.0"],
                "handles": ["@havbris00"],
                "languages": ["da", "en"],
                "tone_of_voice": "Upbeat and inclusive; no jokes about drinking.",
            },
        ],
    },
    {
        "name": "Nordkyst Ferjer AS",
        "slug": "nordkyst",
        "timezone": "Europe/Oslo",
        "brands": [
            {
                "name": "Nordkyst Ferjer",
                "slug": "nordkyst-ferjer",
                "aliases": ["Nordkyst", "Nordkystferja"],
                "handles": ["@nordkystferjer"],
                "languages": ["nb", "en"],
                "tone_of_voice": "Calm, factual, safety first. Apologise plainly for delays.",
            },
            {
                "name": "Fjordpass",
                "slug": "fjordpass",
                "aliases": ["Fjordpass-appen", "Fjord pass"],
                "handles": ["@fjordpass"],
                "languages": ["nb", "en", "de"],
                "tone_of_voice": "Helpful and precise; link to the help centre.",
            },
        ],
    },
    {
        "name": "Zielna Apteka",
        "slug": "zielna",
        "timezone": "Europe/Warsaw",
        "brands": [
            {
                "name": "Zielna Apteka",
                "slug": "zielna-apteka",
                "aliases": ["Zielonej Apteki", "Zielnej Apteki"],
                "handles": ["@zielnaapteka"],
                "languages": ["pl", "en"],
                "tone_of_voice": "Caring and professional; never give medical advice in public replies.",
            },
            {
                "name": "Zielna Apteka Online",
                "slug": "zielna-online",
                "aliases": ["zielna.online", "ZA Online"],
                "handles": ["@zielnaonline"],
                "languages": ["pl", "de", "en"],
                "tone_of_voice": "Quick and friendly; move order questions to private messages.",
            },
        ],
    },
]

# client slug -> [(topic, keywords, sensitive)]
TOPICS = {
    "havbris": [
        ("levering", ["levering", "ordre", "Lieferung", "delivery"], False),
        ("unge og alkohol", ["unge", "mindreårig", "teenager", "Jugendliche", "minors"], True),
    ],
    "nordkyst": [
        ("forsinkelser", ["forsink*", "innstilt", "delay*", "Verspätung"], False),
        ("sikkerhet", ["sikkerhet", "ulykke", "redningsvest", "safety", "accident"], True),
    ],
    "zielna": [
        ("dostawa", ["dostaw*", "zamówien*", "delivery", "Lieferung"], False),
        ("leki na receptę", ["recept*", "lek", "leki", "prescription"], True),
    ],
}
# client slug -> approval rules: (name, risk levels, needs approval, steps)
APPROVAL_RULES = {
    "havbris": [
        ("Low risk goes out unapproved", ["low"], False, []),
        ("High and critical: lead, then the client", ["high", "critical"], True, ["account_lead", "client_approver"]),
    ],
    "nordkyst": [
        ("Critical: lead, then the client", ["critical"], True, ["account_lead", "client_approver"]),
    ],
    "zielna": [
        ("Low risk goes out unapproved", ["low"], False, []),
    ],
}
# client slug -> saved replies: (name, language, kind, text)
SAVED_REPLIES = {
    "havbris": [
        (
            "Tak for beskeden",
            "da",
            "",
            "Hej {author}, tak fordi du skriver til {brand}. Vi ser på det og vender tilbage i dag.",
        ),
        (
            "Levering forsinket",
            "da",
            "service_failure",
            "Hej {author}, det er vi kede af. Send os dit ordrenummer i en privat besked, så finder vi pakken.",
        ),
        (
            "Thanks",
            "en",
            "",
            "Hi {author}, thank you for writing to {brand}. We are looking into it and will be back today.",
        ),
    ],
    "nordkyst": [
        (
            "Beklager forsinkelsen",
            "nb",
            "service_failure",
            "Hei {author}, vi beklager forsinkelsen. Følg med på {link} for oppdateringer.",
        ),
    ],
    "zielna": [
        ("Dziękujemy", "pl", "", "Cześć {author}, dziękujemy za wiadomość do {brand}. Sprawdzimy to jeszcze dziś."),
    ],
}
# Replay sources play the generated stream; the backlog fills the demo at the first poll.
REPLAY_RATE_PER_MINUTE = 1.5
REPLAY_BACKLOG = timedelta(hours=3)
# The demo's spike: copied complaints about Havbris Pilsner cans, in Danish.
SPIKE_MENTIONS = 120
HISTORY_MENTIONS = int(REPLAY_RATE_PER_MINUTE * 24 * 60)
SPIKE_COPY = "Havbris Pilsner dåserne lækker og eksploderer i tasken. Boykot Havbris indtil de tilbagekalder dem!"
SPIKE_TEXTS = [
    "Min Havbris Pilsner dåse sprang i køleskabet i nat, nr. {n}. Er det sikkert at drikke?",
    "Havbris har solgt defekte dåser til hele Jylland? Hvornår kommer en tilbagekaldelse? ({n})",
    "Er der andre der har fået en utæt Havbris dåse? Jeg vil have pengene tilbage. #{n}",
]

# email, full name, agency admin?, {client slug: role}, enrol TOTP?
PEOPLE = [
    ("admin@varde.demo", "Astrid Admin", True, {}, True),
    (
        "lead@varde.demo",
        "Lars Lead",
        False,
        {"havbris": Role.ACCOUNT_LEAD, "nordkyst": Role.ACCOUNT_LEAD, "zielna": Role.ACCOUNT_LEAD},
        True,
    ),
    (
        "responder@varde.demo",
        "Rasmus Responder",
        False,
        {"havbris": Role.RESPONDER, "nordkyst": Role.RESPONDER, "zielna": Role.RESPONDER},
        False,
    ),
    (
        "analyst@varde.demo",
        "Anja Analyst",
        False,
        {"havbris": Role.ANALYST, "nordkyst": Role.ANALYST, "zielna": Role.ANALYST},
        False,
    ),
    ("viewer@havbris.demo", "Vibeke Viewer", False, {"havbris": Role.CLIENT_VIEWER}, False),
    ("approver@havbris.demo", "Anders Approver", False, {"havbris": Role.CLIENT_APPROVER}, False),
    ("approver@nordkyst.demo", "Nora Approver", False, {"nordkyst": Role.CLIENT_APPROVER}, False),
    ("viewer@zielna.demo", "Zofia Viewer", False, {"zielna": Role.CLIENT_VIEWER}, False),
]


class Command(BaseCommand):
    help = "Load the demo clients, brands and people (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        admin = self._person("admin@varde.demo", "Astrid Admin", agency_admin=True, totp=True)
        clients = {}
        for spec in CLIENTS:
            client = Client.objects.unscoped().filter(slug=spec["slug"]).first()
            if client is None:
                client = services.client_create(
                    actor=admin, name=spec["name"], slug=spec["slug"], timezone=spec["timezone"]
                )
            clients[spec["slug"]] = client
            for brand_spec in spec["brands"]:
                brand = Brand.objects.unscoped().filter(client=client, slug=brand_spec["slug"]).first()
                if brand is None:
                    brand = services.brand_create(actor=admin, client=client, **brand_spec)
                self._replay_source(admin, client, brand)
            for name, keywords, sensitive in TOPICS[spec["slug"]]:
                if not Topic.objects.unscoped().filter(client=client, name=name).exists():
                    topic_save(actor=admin, client=client, name=name, keywords=keywords, sensitive=sensitive)
        for email, name, agency_admin, roles, totp in PEOPLE:
            person = self._person(email, name, agency_admin=agency_admin, totp=totp)
            for slug, role in roles.items():
                if not Membership.objects.unscoped().filter(user=person, client=clients[slug]).exists():
                    services.membership_grant(actor=admin, client=clients[slug], user=person, role=role)
        for slug, client in clients.items():
            self._answer_setup(admin, client, slug)
        self._spike_alert(Brand.objects.unscoped().get(client=clients["havbris"], slug="havbris-pilsner"))
        self._live_incident(clients["havbris"])
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(CLIENTS)} clients, {len(PEOPLE)} people."))

    def _answer_setup(self, admin, client, slug: str) -> None:
        if not ApprovalRule.objects.unscoped().filter(client=client).exists():
            for name, levels, needs_approval, roles in APPROVAL_RULES[slug]:
                steps = [{"role": role, "mode": "any", "people": []} for role in roles]
                approval_rule_save(
                    actor=admin,
                    client=client,
                    name=name,
                    risk_levels=levels,
                    needs_approval=needs_approval,
                    steps=steps,
                )
        for name, language, kind, text in SAVED_REPLIES[slug]:
            if not SavedReply.objects.unscoped().filter(client=client, name=name, language=language).exists():
                saved_reply_save(actor=admin, client=client, name=name, language=language, kind=kind, text=text)

    def _spike_alert(self, brand) -> None:
        """A day of the brand's ordinary mentions and a week of its usual level learnt, then, in
        the minute before now, a burst of copied complaints that the detector itself alerts on
        (its page, notification and audit event are the real ones)."""
        if SpikeAlert.objects.unscoped().filter(brand=brand).exists():
            return
        minute = timezone.now().replace(second=0, microsecond=0)
        usual = REPLAY_RATE_PER_MINUTE * 15
        week = [(minute - timedelta(minutes=15 * k), usual) for k in range(7 * 96, 1, -1)]
        learn_from_history(brand=brand, metric=Metric.VOLUME, windows=week)
        # The day before the replay's own three hours, as if it had arrived when posted.
        plan = ReplayPlan(
            brand_names=(brand.name, *brand.aliases),
            languages=tuple(brand.languages),
            rate_per_minute=REPLAY_RATE_PER_MINUTE,
            seed=brand.pk,
        )
        began = minute - REPLAY_BACKLOG - timedelta(days=1)
        history = (mention_number(n, plan, began, prefix="demo-history") for n in range(1, HISTORY_MENTIONS + 1))
        ingest(history, brand=brand, catching_up_since=EVER)
        arrived = Mention.objects.unscoped().filter(brand=brand, external_id__startswith="demo-history-")
        arrived.update(ingested_at=F("posted_at"))
        # The burst came in the minute just ended, which the detector's check of this minute reads.
        minute = timezone.now().replace(second=0, microsecond=0)
        last = minute - timedelta(minutes=1)
        burst = (self._burst_mention(brand, n, last) for n in range(SPIKE_MENTIONS))
        ingest(burst, brand=brand, catching_up_since=last)
        arrived = Mention.objects.unscoped().filter(brand=brand, external_id__startswith="demo-spike-")
        arrived.update(ingested_at=F("posted_at"))
        run_detector_pass(now=minute)

    def _live_incident(self, client) -> None:
        """The spike declared an incident, staffed, with a note the client sees."""
        alert = SpikeAlert.objects.unscoped().filter(client=client).order_by("detected_at").first()
        if alert is None or Incident.objects.unscoped().filter(client=client).exists():
            return
        lead = User.objects.get(email="lead@varde.demo")
        kind, _ = CrisisType.objects.get_or_create(name="Product failure")
        incident = incident_declare(
            actor=lead,
            client=client,
            alert=alert,
            title="Havbris Pilsner cans leaking and bursting",
            crisis_type=kind,
            severity=1,
            summary="Copied complaints about leaking cans on TikTok, X and Instagram, with calls for a boycott.",
        )
        for role, email in (
            (IncidentRole.ENGAGEMENT, "responder@varde.demo"),
            (IncidentRole.RESEARCH, "analyst@varde.demo"),
        ):
            incident_assign_role(actor=lead, incident=incident, role=role, user=User.objects.get(email=email))
        incident_note(
            actor=lead,
            incident=incident,
            text="Havbris quality team informed; batch numbers requested from the first posts.",
            client_visible=True,
        )
        self._statements(client, incident, lead)
        self._held_posts(client, incident, lead)

    @staticmethod
    def _held_posts(client, incident, lead) -> None:
        """The brand's cheerful posts of the coming days, approved, then held by the incident's
        hold (its account is posted from, not listened to: a demo address that goes nowhere)."""
        admin = User.objects.get(email="admin@varde.demo")
        responder = User.objects.get(email="responder@varde.demo")
        brand = Brand.objects.unscoped().get(client=client, slug="havbris-pilsner")
        account, _secret = source_create(
            actor=admin,
            client=client,
            brand=brand,
            kind=SourceKind.MASTODON,
            name="Havbris Pilsner on Mastodon",
            config={"base_url": "https://mastodon.example", "mode": "hashtag", "hashtag": "havbris"},
            credentials={"access_token": "demo-token"},
            enabled=False,
            own_channel=True,
        )
        now = timezone.now()
        for hours, text in (
            (3, "Fredagsbar! Kom forbi bryggeriet i aften og smag vores nye vinterpilsner. 🍻"),
            (27, "Konkurrence: del dit bedste Havbris-billede og vind en kasse pilsner!"),
            (50, "Vidste du, at vores pilsner brygges med dansk byg fra Lolland?"),
        ):
            post = post_compose(
                actor=responder, brand=brand, text=text, due_at=now + timedelta(hours=hours), source_ids=[account.pk]
            )
            post_submit(actor=responder, post=post)
            post.answer.refresh_from_db()
            answer_decide(
                actor=lead, answer=post.answer, version=post.answer.current_version.number, decision="approve"
            )
        hold_set(
            actor=lead,
            client=client,
            brand=brand,
            reason="Incident: Havbris Pilsner cans leaking and bursting",
            incident=incident,
        )

    @staticmethod
    def _statements(client, incident, lead) -> None:
        """The library (one text approved in advance, one not) and a holding statement the lead
        approved that waits for the client's approver."""
        approver, responder = (
            User.objects.get(email=email) for email in ("approver@havbris.demo", "responder@varde.demo")
        )
        website = library_statement_save(
            actor=responder,
            client=client,
            name="Product problem",
            language="da",
            channel=StatementChannel.WEBSITE,
            text="Vi ved, at nogle kunder har problemer med {brand}. Vi undersøger det nu og skriver igen kl. "
            "{next_update}. Tak for jeres tålmodighed.",
        )
        library_statement_approve(
            actor=approver,
            statement=website,
            until=timezone.localdate() + timedelta(days=180),
            seen=text_seal(text=website.text),
        )
        library_statement_save(
            actor=responder,
            client=client,
            name="Product problem",
            language="en",
            channel=StatementChannel.PRESS_RELEASE,
            text="{client} is aware of reports about {brand} and is looking into them as a priority. "
            "We will share more by {time} on {date}.",
        )
        statement = statement_draft(
            actor=responder,
            incident=incident,
            kind=StatementKind.HOLDING,
            channel=StatementChannel.OTHER,
            language="da",
            text="Vi har set billederne af utætte dåser. Vi tager det alvorligt, har stoppet salget af de berørte "
            "partier og vender tilbage i dag kl. 16.",
        )
        answer = statement_submit(
            actor=responder,
            statement=statement,
            text=statement.answer.current_version.text,
            base_version=1,
            comment="For TikTok and Instagram (posted by hand); the website text follows.",
        )
        answer_decide(actor=lead, answer=answer, version=answer.current_version.number, decision="approve")

    @staticmethod
    def _burst_mention(brand, n: int, minute) -> RawMention:
        copied = n % 3 != 0  # two in three are the same text, from a few accounts: bot-like
        text = SPIKE_COPY if copied else SPIKE_TEXTS[n % len(SPIKE_TEXTS)].format(n=n)
        author = f"@kaptajn{n % 12}" if copied else f"@gaest{n}"
        return RawMention(
            platform=("tiktok", "x", "instagram")[n % 3],
            external_id=f"demo-spike-{brand.pk}-{n}",
            text=text,
            author_name=author[1:].capitalize(),
            author_handle=author,
            author_followers=200 + 37 * n,
            posted_at=minute + timedelta(seconds=n % 50),
            language_hint="da",
        )

    def _replay_source(self, admin, client, brand) -> None:
        if Source.objects.unscoped().filter(brand=brand, kind=SourceKind.REPLAY).exists():
            return
        source, _secret = source_create(
            actor=admin,
            client=client,
            brand=brand,
            kind=SourceKind.REPLAY,
            name=f"Demo stream: {brand.name}",
            config={"rate_per_minute": REPLAY_RATE_PER_MINUTE, "languages": brand.languages, "seed": brand.pk},
            poll_interval=60,
        )
        started = timezone.now() - REPLAY_BACKLOG
        Source.objects.unscoped().filter(pk=source.pk).update(cursor={"started": started.isoformat(), "emitted": 0})

    def _person(self, email: str, name: str, *, agency_admin: bool, totp: bool) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, is_agency_admin=agency_admin)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if totp and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        return user
