"""/api/v1/: client-scoped resources live under clients/<client_pk>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.accounts.api import ApiTokenViewSet, InvitationViewSet, me
from apps.detection.api import DetectionSettingsViewSet, SpikeAlertViewSet
from apps.incidents.api import IncidentViewSet, LibraryStatementViewSet
from apps.listening.api import SourceViewSet
from apps.mentions.api import MentionViewSet, SavedViewViewSet
from apps.notifications.api import (
    NotificationSettingsView,
    NotificationViewSet,
    WebhookDeliveryViewSet,
    WebhookEndpointViewSet,
)
from apps.posts.api import HoldViewSet, PostViewSet
from apps.responses.api import (
    AnswerViewSet,
    ApprovalPolicyViewSet,
    ApprovalRuleViewSet,
    LegacyDraftViewSet,
    SavedReplyViewSet,
)
from apps.risk.api import BusinessHoursViewSet, MentionRatingViewSet, RiskPolicyViewSet
from apps.routing.api import MentionAssignmentViewSet, OnCallShiftViewSet, RoutingPolicyViewSet
from apps.tenants.api import AuditEventViewSet, BrandViewSet, ClientViewSet, MembershipViewSet

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="client")
router.register(r"clients/(?P<client_pk>[0-9]+)/brands", BrandViewSet, basename="brand")
router.register(r"clients/(?P<client_pk>[0-9]+)/memberships", MembershipViewSet, basename="membership")
router.register(r"clients/(?P<client_pk>[0-9]+)/invitations", InvitationViewSet, basename="invitation")
router.register(r"clients/(?P<client_pk>[0-9]+)/audit-events", AuditEventViewSet, basename="audit-event")
router.register(r"clients/(?P<client_pk>[0-9]+)/sources", SourceViewSet, basename="source")
router.register(r"clients/(?P<client_pk>[0-9]+)/mentions", MentionViewSet, basename="mention")
router.register(r"clients/(?P<client_pk>[0-9]+)/saved-views", SavedViewViewSet, basename="saved-view")
router.register(r"clients/(?P<client_pk>[0-9]+)/webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register(
    r"clients/(?P<client_pk>[0-9]+)/webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery"
)
router.register(r"clients/(?P<client_pk>[0-9]+)/spike-alerts", SpikeAlertViewSet, basename="spike-alert")
router.register(
    r"clients/(?P<client_pk>[0-9]+)/detection-settings", DetectionSettingsViewSet, basename="detection-settings"
)
router.register(r"clients/(?P<client_pk>[0-9]+)/incidents", IncidentViewSet, basename="incident")
router.register(
    r"clients/(?P<client_pk>[0-9]+)/statement-library", LibraryStatementViewSet, basename="library-statement"
)
router.register(r"clients/(?P<client_pk>[0-9]+)/posts", PostViewSet, basename="post")
router.register(r"clients/(?P<client_pk>[0-9]+)/holds", HoldViewSet, basename="hold")
router.register("tokens", ApiTokenViewSet, basename="api-token")
router.register("notifications", NotificationViewSet, basename="notification")

router.register(r"clients/(?P<client_pk>[0-9]+)/on-call-shifts", OnCallShiftViewSet, basename="on-call-shift")
router.register(
    r"clients/(?P<client_pk>[0-9]+)/mentions/(?P<mention_pk>[0-9]+)/ratings", MentionRatingViewSet, basename="rating"
)
router.register(r"clients/(?P<client_pk>[0-9]+)/answers", AnswerViewSet, basename="answer")
# The old path of the answers, until the next release.
router.register(r"clients/(?P<client_pk>[0-9]+)/drafts", LegacyDraftViewSet, basename="draft")
router.register(r"clients/(?P<client_pk>[0-9]+)/saved-replies", SavedReplyViewSet, basename="saved-reply")
router.register(r"clients/(?P<client_pk>[0-9]+)/approval-rules", ApprovalRuleViewSet, basename="approval-rule")

# One object per client (or per mention): GET to read, PUT to replace.
SINGLETONS = [
    ("risk-policy/", RiskPolicyViewSet, "risk-policy"),
    ("business-hours/", BusinessHoursViewSet, "business-hours"),
    ("routing-policy/", RoutingPolicyViewSet, "routing-policy"),
    ("approval-policy/", ApprovalPolicyViewSet, "approval-policy"),
]

urlpatterns = [
    path("me/", me, name="api-me"),
    path("notifications/settings/", NotificationSettingsView.as_view(), name="notification-settings"),
    *router.urls,
    *(
        path(f"clients/<int:client_pk>/{route}", viewset.as_view({"get": "retrieve", "put": "update"}), name=name)
        for route, viewset, name in SINGLETONS
    ),
    path(
        "clients/<int:client_pk>/mentions/<int:mention_pk>/assignment/",
        MentionAssignmentViewSet.as_view({"put": "update"}),
        name="mention-assignment",
    ),
]
