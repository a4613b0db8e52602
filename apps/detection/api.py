"""API for spike alerts: list, detail, acknowledge, dismiss as noise (agency staff)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.roles import ClientPerm

from . import services
from .models import AlertStatus, SpikeAlert


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
