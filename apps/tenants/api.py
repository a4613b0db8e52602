"""API for clients, brands, memberships and the audit trail (all client-scoped)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from apps.core.models import AuditEvent
from apps.core.numbers import as_utc

from . import services
from .mixins import ClientScopedViewSet, holds
from .models import BRAND_LANGUAGES, Brand, Client, Membership
from .roles import ClientPerm


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "slug", "timezone", "is_active", "created_at"]
        read_only_fields = fields


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    """Clients the caller may see."""

    serializer_class = ClientSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Resolve the client before method checks, so any method on a foreign client answers 404.
        if "pk" in self.kwargs:
            self.get_object()

    def get_queryset(self):
        return Client.objects.visible_to(self.request.user).order_by("name")


class BrandSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField(max_length=120), required=False)
    handles = serializers.ListField(child=serializers.CharField(max_length=120), required=False)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=BRAND_LANGUAGES), required=False)

    class Meta:
        model = Brand
        fields = [
            "id",
            "client",
            "name",
            "slug",
            "aliases",
            "handles",
            "languages",
            "tone_of_voice",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "client", "created_at", "updated_at"]

    def validate_slug(self, slug):
        client = self.context["view"].client
        clash = Brand.objects.unscoped().filter(client=client, slug=slug)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("Another brand of this client has this short name."))
        return slug


class BrandViewSet(
    ClientScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    model = Brand
    serializer_class = BrandSerializer
    write_permission = ClientPerm.MANAGE

    def perform_create(self, serializer):
        serializer.instance = services.brand_create(
            actor=self.request.user, client=self.client, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.brand_update(
            actor=self.request.user, brand=serializer.instance, request=self.request, **serializer.validated_data
        )


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "client", "user", "email", "full_name", "role", "created_at"]
        read_only_fields = ["id", "client", "user", "email", "full_name", "created_at"]


class MembershipViewSet(
    ClientScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Who has which role at the client. Change the role with PATCH; revoke access with DELETE."""

    model = Membership
    serializer_class = MembershipSerializer
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        return Membership.objects.select_related("user")

    def perform_update(self, serializer):
        serializer.instance = services.membership_change_role(
            actor=self.request.user,
            membership=serializer.instance,
            request=self.request,
            role=serializer.validated_data.get("role", serializer.instance.role),
        )

    def perform_destroy(self, instance):
        services.membership_revoke(actor=self.request.user, membership=instance, request=self.request)


class AuditEventSerializer(serializers.ModelSerializer):
    """An audit event. Where the actor was (their IP address) is for those who manage the
    client's people, not for every colleague who reads the trail."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        view = self.context.get("view")
        request = self.context.get("request")
        client = getattr(view, "client", None)
        if request is None or client is None or not holds(request.user, client, ClientPerm.MANAGE_MEMBERS):
            data.pop("ip_address", None)
        return data

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


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time with any offset Python reads, asked of the database in UTC."""

    def filter(self, qs, value):
        return super().filter(qs, as_utc(value))


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="istartswith")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    target_type = django_filters.CharFilter()
    target_id = django_filters.CharFilter()
    since = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "target_type", "target_id", "since", "until"]


class AuditEventViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = AuditEvent
    serializer_class = AuditEventSerializer
    read_permission = ClientPerm.VIEW_AUDIT
    filterset_class = AuditEventFilter

    def scoped_queryset(self):
        return AuditEvent.objects.order_by("-occurred_at", "-id")
