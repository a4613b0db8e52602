"""API of crisis detection: spike alerts (list, detail, acknowledge, dismiss as noise) and each
brand's detection settings with its known events (agency staff)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm

from . import selectors, services
from .models import AlertStatus, KnownEvent, Metric, Sensitivity, SpikeAlert


class SpikeAlertSerializer(serializers.ModelSerializer):
    brand_name = serializers.CharField(source="brand.name", read_only=True)
    summary = serializers.CharField(read_only=True)

    class Meta:
        model = SpikeAlert
        fields = [
            "id",
            "client",
            "brand",
            "brand_name",
            "metric",
            "channel",
            "started_at",
            "detected_at",
            "baseline",
            "observed",
            "score",
            "status",
            "summary",
        ]
        read_only_fields = fields


class SpikeAlertViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The client's spike alerts, newest first; filter by status, metric, brand. POST
    .../acknowledge/ or .../dismiss/ (as noise) to act on one."""

    model = SpikeAlert
    serializer_class = SpikeAlertSerializer
    read_permission = ClientPerm.READ_WORK
    action_permissions = {"acknowledge": ClientPerm.WORK_MENTIONS, "dismiss": ClientPerm.WORK_MENTIONS}
    filterset_fields = ["status", "metric", "brand"]

    def scoped_queryset(self):
        return SpikeAlert.objects.select_related("brand").order_by("-detected_at", "-id")

    def _move(self, request, status):
        alert = services.set_alert_status(actor=request.user, alert=self.get_object(), status=status, request=request)
        return Response(self.get_serializer(alert).data)

    @extend_schema(request=None, responses={200: SpikeAlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        return self._move(request, AlertStatus.ACKNOWLEDGED)

    @extend_schema(request=None, responses={200: SpikeAlertSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        return self._move(request, AlertStatus.DISMISSED)


class KnownEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = KnownEvent
        fields = ["id", "name", "starts_at", "ends_at", "expected_factor"]
        read_only_fields = ["id"]


class DetectionSettingsSerializer(serializers.Serializer):
    brand = serializers.IntegerField(source="brand_id", read_only=True)
    uses_defaults = serializers.SerializerMethodField()
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices)
    minimum_volume = serializers.IntegerField(help_text="Fewest mentions in 15 minutes to alert")
    cooldown_minutes = serializers.IntegerField(help_text="Quiet time after an alert")
    metrics = serializers.ListField(child=serializers.ChoiceField(choices=Metric.choices), help_text="Empty: all")
    muted_until = serializers.DateTimeField(allow_null=True, required=False)
    known_events = serializers.SerializerMethodField()

    def get_uses_defaults(self, settings) -> bool:
        return settings.pk is None

    @extend_schema_field(KnownEventSerializer(many=True))
    def get_known_events(self, settings):
        events = self.context.get("events", {}).get(settings.brand_id)
        if events is None:
            events = selectors.known_events_of(brand=settings.brand)
        return KnownEventSerializer(events, many=True).data

    def to_representation(self, settings):
        data = super().to_representation(settings)
        data["metrics"] = settings.metrics or Metric.values
        return data


class DetectionSettingsViewSet(ClientScopedViewSet, mixins.ListModelMixin):
    """Each brand's spike detection settings, by brand id; PUT or PATCH changes them (MANAGE).
    POST .../known-events/ adds a known event; DELETE .../known-events/<id>/ removes one."""

    model = Brand
    serializer_class = DetectionSettingsSerializer
    write_permission = ClientPerm.MANAGE
    read_permission = ClientPerm.READ_WORK
    action_permissions = {"known_events": ClientPerm.MANAGE, "known_event": ClientPerm.MANAGE}

    def scoped_queryset(self):
        return Brand.objects.order_by("name")

    def list(self, request, *args, **kwargs):
        brands = list(self.get_queryset())
        own = selectors.settings_of_brands(brands=brands)
        serializer = self.get_serializer(
            [own[brand.pk] for brand in brands],
            many=True,
            context={**self.get_serializer_context(), "events": selectors.known_events_of_brands(brands=brands)},
        )
        return Response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(selectors.settings_of(brand=self.get_object())).data)

    def update(self, request, *args, **kwargs):
        brand = self.get_object()
        partial = kwargs.get("partial", False)
        data = self.get_serializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not partial:
            values.setdefault("muted_until", None)  # a PUT without a mute ends the mute
        own = services.detection_settings_save(actor=request.user, brand=brand, data=values, request=request)
        return Response(self.get_serializer(own).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=KnownEventSerializer, responses={201: KnownEventSerializer})
    @action(detail=True, methods=["post"], url_path="known-events")
    def known_events(self, request, *args, **kwargs):
        brand = self.get_object()
        data = KnownEventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.known_event_add(actor=request.user, brand=brand, request=request, **data.validated_data)
        return Response(KnownEventSerializer(event).data, status=201)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"known-events/(?P<event_pk>[0-9]+)")
    def known_event(self, request, *args, event_pk=None, **kwargs):
        event = get_object_or_404(KnownEvent, brand=self.get_object(), pk=event_pk)
        services.known_event_remove(actor=request.user, event=event, request=request)
        return Response(status=204)
