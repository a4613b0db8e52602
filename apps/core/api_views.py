"""API for the audit trail: per client, for those who may read it."""

import django_filters
from rest_framework import mixins, serializers

from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.roles import ClientPerm

from .models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_label",
            "client",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "ip_address",
        ]
        read_only_fields = fields


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="istartswith")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    target_type = django_filters.CharFilter()
    target_id = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "target_type", "target_id", "since", "until"]


class AuditEventViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = AuditEvent
    serializer_class = AuditEventSerializer
    read_permission = ClientPerm.VIEW_AUDIT
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-occurred_at", "-id")
