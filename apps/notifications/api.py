"""API: the caller's own notifications and settings; a client's webhook endpoints and their delivery log."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm

from . import services
from .models import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationEvent,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
)
from .selectors import notification_settings_of, notifications_for, webhook_deliveries_of, webhook_endpoints_of

WRITABLE_ENDPOINT_FIELDS = ("name", "url", "events", "enabled")


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "client",
            "event",
            "critical",
            "title",
            "body",
            "url",
            "mention",
            "created_at",
            "read_at",
            "email_state",
            "emailed_at",
        ]
        read_only_fields = fields


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread (true)")
    # Plain numbers: a choice list of all clients would answer differently for foreign and missing ids.
    client = django_filters.NumberFilter(field_name="client_id")

    class Meta:
        model = Notification
        fields = ["client", "event", "critical", "unread"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first. POST .../read/ marks one read, POST read-all/ all of them."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    # Numeric only, so notifications/settings/ is never taken for a notification id.
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notifications_for(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        notification = services.notification_mark_read(actor=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None, responses=inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request, *args, **kwargs):
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})


class NotificationSettingsSerializer(serializers.ModelSerializer):
    channels = serializers.DictField(
        child=serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices)),
        help_text=f"Per event ({', '.join(NotificationEvent.values)}): the channels wanted. Events left out keep "
        "their current choice.",
    )
    time_zone = serializers.CharField(max_length=64, help_text="An IANA name, e.g. Europe/Copenhagen.")

    class Meta:
        model = NotificationSettings
        fields = ["channels", "quiet_hours_start", "quiet_hours_end", "time_zone", "digest_minutes", "last_email_at"]
        read_only_fields = ["last_email_at"]
        extra_kwargs = {"quiet_hours_start": {"required": True}, "quiet_hours_end": {"required": True}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Every known event with its effective channels, defaults included.
        data["channels"] = {
            event: sorted(instance.channels_for(event)) for event in [*NotificationEvent.values, *instance.channels]
        }
        return data


class NotificationSettingsView(APIView):
    """The caller's own notification settings (defaults until first changed)."""

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request):
        return Response(NotificationSettingsSerializer(notification_settings_of(user=request.user)).data)

    @extend_schema(request=NotificationSettingsSerializer, responses=NotificationSettingsSerializer)
    def put(self, request):
        serializer = NotificationSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        preferences = services.notification_settings_update(
            actor=request.user,
            channels=data["channels"],
            quiet_hours_start=data["quiet_hours_start"],
            quiet_hours_end=data["quiet_hours_end"],
            time_zone=data["time_zone"],
            digest_minutes=data["digest_minutes"]
            if "digest_minutes" in data
            else notification_settings_of(user=request.user).digest_minutes,
            request=request,
        )
        return Response(NotificationSettingsSerializer(preferences).data)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationEvent.choices),
        required=False,
        help_text="Events to send; empty: every event.",
    )
    failing = serializers.BooleanField(read_only=True, help_text="A delivery gave up after its last attempt.")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "client",
            "name",
            "url",
            "events",
            "enabled",
            "consecutive_failures",
            "failing",
            "failing_since",
            "last_success_at",
            "last_error",
            "created_at",
        ]
        read_only_fields = [f for f in fields if f not in WRITABLE_ENDPOINT_FIELDS]
        extra_kwargs = {"url": {"help_text": "https address; shown in full to those who manage the client only."}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        view = self.context.get("view")
        if view is not None and not user_has_client_perm(view.request.user, instance.client, ClientPerm.MANAGE):
            data["url"] = instance.masked_url  # chat webhook addresses are credentials
        return data


class NewWebhookEndpointSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret: in this answer only, never again.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class WebhookEndpointViewSet(
    ClientScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Where the client's events are POSTed. DELETE switches off and hides; POST .../test/ sends a test event."""

    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE
    action_permissions = {"test": ClientPerm.MANAGE}

    def scoped_queryset(self):
        return webhook_endpoints_of(user=self.request.user, client=self.client).select_related("client")

    @extend_schema(request=WebhookEndpointSerializer, responses={201: NewWebhookEndpointSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint, secret = services.webhook_endpoint_create(
            actor=request.user,
            client=self.client,
            name=data["name"],
            url=data["url"],
            events=data.get("events", []),
            enabled=data.get("enabled", True),
            request=request,
        )
        body = self.get_serializer(endpoint).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.webhook_endpoint_update(
            actor=self.request.user,
            endpoint=serializer.instance,
            name=data.get("name"),
            url=data.get("url"),
            events=data.get("events"),
            enabled=data.get("enabled"),
            request=self.request,
        )

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(actor=self.request.user, endpoint=instance, request=self.request)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        delivery = services.webhook_endpoint_send_test(actor=request.user, endpoint=self.get_object(), request=request)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    endpoint = django_filters.NumberFilter(field_name="endpoint_id")

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "event", "status"]


class WebhookDeliveryViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The delivery log of the client's webhook endpoints, newest first (deleted endpoints' too)."""

    model = WebhookDelivery
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    read_permission = ClientPerm.READ_WORK

    def scoped_queryset(self):
        return webhook_deliveries_of(user=self.request.user, client=self.client)
