"""Factories for every model. Memberships get their role's permissions, as in the service."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from apps.accounts.models import ApiToken, Invitation, User, hash_secret
from apps.core.models import AuditEvent
from apps.detection.models import KnownEvent, SpikeAlert
from apps.incidents.models import CrisisType, Incident, LibraryStatement
from apps.listening.models import BrandQuery, ImportJob, Source, SourceKind
from apps.mentions.models import Mention, MentionNote, SavedView, Topic
from apps.notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from apps.posts.models import Hold, ScheduledPost
from apps.responses.models import Answer, AnswerVersion, ApprovalPolicy, ApprovalRule, ApprovalStep, SavedReply
from apps.risk.models import RiskPolicy, RiskRating
from apps.routing.models import OnCallShift, RoutingPolicy
from apps.tenants.models import Brand, BusinessHoursBlock, Client, Holiday, Membership
from apps.tenants.roles import Role
from apps.tenants.services import apply_role_permissions

TEST_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def with_totp(self, create, extracted, **kwargs):
        if create and extracted:
            TOTP.activate(self, TEST_TOTP_SECRET)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    aliases = factory.LazyFunction(lambda: ["Alias"])
    handles = factory.LazyFunction(lambda: ["@brand"])
    languages = factory.LazyFunction(lambda: ["da", "en"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    role = Role.RESPONDER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        membership = super()._create(model_class, *args, **kwargs)
        apply_role_permissions(membership=membership, old_role=None)
        return membership


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    client = factory.SubFactory(ClientFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.RESPONDER
    invited_by = factory.SubFactory(UserFactory)
    key_hash = factory.Sequence(lambda n: hash_secret(f"invitation-key-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "integration"
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    key_hash = factory.Sequence(lambda n: hash_secret(f"token-{n}"))
    created_by = factory.SelfAttribute("user")


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor_label = "system"
    client = factory.SubFactory(ClientFactory)
    action = "brand.updated"


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """A TOTP enrolment with the test secret."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return TOTP.activate(kwargs["user"], TEST_TOTP_SECRET).instance


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    brand = factory.SubFactory(BrandFactory)
    client = factory.SelfAttribute("brand.client")
    name = factory.Sequence(lambda n: f"Feed {n}")
    kind = SourceKind.RSS
    config = factory.LazyFunction(lambda: {"url": "https://feeds.example.test/feed.xml"})


class SpikeAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpikeAlert

    brand = factory.SubFactory(BrandFactory)
    client = factory.SelfAttribute("brand.client")
    metric = "volume"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=16))
    detected_at = factory.Sequence(lambda n: timezone.now() - timedelta(minutes=1, seconds=n))
    baseline = 60.0
    observed = 150.0
    score = 5.2


class CrisisTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrisisType
        django_get_or_create = ("name",)

    name = "Product failure"
    key = factory.LazyAttribute(lambda kind: kind.name.lower().replace(" ", "_").replace("-", "_"))


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    client = factory.SubFactory(ClientFactory)
    title = factory.Sequence(lambda n: f"Leaking cans {n}")
    crisis_type = factory.SubFactory(CrisisTypeFactory)
    severity = 2
    declared_at = factory.LazyFunction(timezone.now)


class LibraryStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LibraryStatement

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Outage {n}")
    language = "da"
    channel = "mastodon"
    text = "Vi ved, at {brand} har problemer lige nu, og arbejder på det. Næste opdatering kl. {next_update}."


class KnownEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnownEvent

    brand = factory.SubFactory(BrandFactory)
    name = "Spring launch"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    expected_factor = 4.0


class BrandQueryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandQuery

    brand = factory.SubFactory(BrandFactory)
    client = factory.SelfAttribute("brand.client")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    brand = factory.SubFactory(BrandFactory)
    client = factory.SelfAttribute("brand.client")
    name = factory.Sequence(lambda n: f"topic {n}")
    keywords = factory.LazyFunction(lambda: ["refund"])


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mention

    brand = factory.SubFactory(BrandFactory)
    client = factory.SelfAttribute("brand.client")
    platform = "mastodon"
    external_id = factory.Sequence(lambda n: f"status-{n}")
    text = factory.Faker("sentence")
    posted_at = factory.LazyFunction(timezone.now)


class MentionNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentionNote

    mention = factory.SubFactory(MentionFactory)
    client = factory.SelfAttribute("mention.client")
    author = factory.SubFactory(UserFactory)
    text = factory.Faker("sentence")


class SavedViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedView

    client = factory.SubFactory(ClientFactory)
    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"View {n}")
    filters = factory.LazyFunction(lambda: {"risk": ["critical"]})
    shared = False


class RiskPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskPolicy

    client = factory.SubFactory(ClientFactory)
    brand = None
    weights = factory.LazyFunction(dict)
    medium_from, high_from, critical_from = 30, 55, 75
    low_target_minutes, medium_target_minutes, high_target_minutes, critical_target_minutes = 1440, 180, 60, 30
    business_hours_levels = factory.LazyFunction(lambda: ["medium", "low"])


class BusinessHoursBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessHoursBlock

    client = factory.SubFactory(ClientFactory)
    weekday = 0
    opens = factory.LazyFunction(lambda: timezone.datetime(2026, 1, 1, 9).time())
    closes = factory.LazyFunction(lambda: timezone.datetime(2026, 1, 1, 17).time())


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    client = factory.SubFactory(ClientFactory)
    date = factory.LazyFunction(lambda: timezone.now().date())
    name = "Holiday"


class RiskRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskRating

    mention = factory.SubFactory("tests.factories.MentionFactory")
    client = factory.SelfAttribute("mention.client")
    score = 40
    level = "medium"
    rated_at = factory.LazyFunction(timezone.now)


class RoutingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingPolicy

    client = factory.SubFactory(ClientFactory)


class OnCallShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnCallShift

    client = factory.SubFactory(ClientFactory)
    user = factory.SubFactory(UserFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=8))


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    source = factory.SubFactory(SourceFactory, kind=SourceKind.FILE_IMPORT, config={"platform": "import"})
    client = factory.SelfAttribute("source.client")
    created_by = factory.SubFactory(UserFactory)
    file = factory.django.FileField(filename="export.csv", data=b"id,text\n1,hello\n")
    file_name = "export.csv"
    file_format = "csv"
    mapping = factory.LazyFunction(lambda: {"id": "id", "text": "text"})


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    event = "mention.assigned"
    title = factory.Sequence(lambda n: f"Mention {n} assigned to you")
    url = "/"


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """The secret is "test-secret" unless given."""

    class Meta:
        model = WebhookEndpoint
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Slack {n}")
    url = "https://hooks.example.test/services/T0/B0/xyz"

    @factory.post_generation
    def secret(self, create, extracted, **kwargs):
        self.set_secret(extracted or "test-secret")
        if create:
            self.save(update_fields=["secret_encrypted"])


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    client = factory.SelfAttribute("endpoint.client")
    event = "mention.critical"
    payload = factory.LazyFunction(lambda: {"text": "Critical mention", "event": "mention.critical"})
    next_attempt_at = factory.LazyFunction(timezone.now)


class ApprovalPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalPolicy
        django_get_or_create = ("client",)

    client = factory.SubFactory(ClientFactory)


class ApprovalRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalRule

    policy = factory.SubFactory(ApprovalPolicyFactory)
    client = factory.SelfAttribute("policy.client")
    name = factory.Sequence(lambda n: f"rule {n}")


class ApprovalStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalStep

    rule = factory.SubFactory(ApprovalRuleFactory)
    client = factory.SelfAttribute("rule.client")
    approver_role = "account_lead"
    mode = "any"


class SavedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedReply

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"reply {n}")
    text = "Hi {author}, thank you for writing to {brand}."


class AnswerFactory(factory.django.DjangoModelFactory):
    """A answer answer with its first version."""

    class Meta:
        model = Answer
        skip_postgeneration_save = True

    mention = factory.SubFactory(MentionFactory)
    client = factory.SelfAttribute("mention.client")
    author = factory.SubFactory(UserFactory)

    @factory.post_generation
    def text(answer, create, extracted, **kwargs):
        if not create:
            return
        answer.current_version = AnswerVersion.objects.create(
            client=answer.client,
            answer=answer,
            number=1,
            text=extracted or "Thank you, we are on it.",
            author=answer.author,
        )
        answer.save(update_fields=["current_version"])


class ScheduledPostFactory(factory.django.DjangoModelFactory):
    """A post of a brand, its text an answer with no mention, due tomorrow."""

    class Meta:
        model = ScheduledPost

    brand = factory.SubFactory(BrandFactory)
    client = factory.SelfAttribute("brand.client")
    answer = factory.SubFactory(
        AnswerFactory, mention=None, client=factory.SelfAttribute("..client"), reply_type="post"
    )
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class HoldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hold

    client = factory.SubFactory(ClientFactory)
    reason = "Incident: leaking cans"
    starts_at = factory.LazyFunction(timezone.now)
