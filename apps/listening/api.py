"""API for sources, with poll now and test. The mentions they bring in: apps.mentions.api."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.http import FetchError
from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm
from apps.tenants.selectors import brands_of

from . import services
from .models import Source, SourceKind

WRITABLE_SOURCE_FIELDS = (
    "brand",
    "name",
    "kind",
    "config",
    "credentials",
    "poll_interval",
    "enabled",
    "own_channel",
    "webhook_secret",
)


class SourceSerializer(serializers.ModelSerializer):
    brand = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.none())
    kind = serializers.ChoiceField(choices=[k for k in SourceKind.choices if k[0] != SourceKind.FILE_IMPORT])
    credentials = serializers.DictField(
        child=serializers.CharField(), write_only=True, required=False, help_text="Stored encrypted; never returned."
    )
    webhook_secret = serializers.CharField(read_only=True, help_text="Webhooks only, in the create answer only.")
    config = serializers.DictField(required=False, help_text="The platform's settings, an object (see the kinds).")

    class Meta:
        model = Source
        fields = [
            "id",
            "client",
            "brand",
            "name",
            "kind",
            "config",
            "credentials",
            "poll_interval",
            "enabled",
            "own_channel",
            "webhook_token",
            "webhook_secret",
            "next_poll_at",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
            "disabled_reason",
            "last_fetched_count",
            "last_created_count",
            "created_at",
        ]
        # Everything but what a person sets is the source's own record of itself.
        read_only_fields = [f for f in fields if f not in WRITABLE_SOURCE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        view = self.context.get("view")
        if view is not None and hasattr(view, "client"):
            self.fields["brand"].queryset = brands_of(user=view.request.user, client=view.client)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["kind"].read_only = True


class SourceViewSet(
    ClientScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Channels watched for a client's brands, with their health. POST .../poll/ polls now."""

    model = Source
    serializer_class = SourceSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE
    action_permissions = {"poll": ClientPerm.WORK_MENTIONS, "test": ClientPerm.MANAGE}
    filterset_fields = ["brand", "kind", "enabled"]

    def scoped_queryset(self):
        return Source.objects.select_related("brand").order_by("brand__name", "name")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        source, secret = services.source_create(
            actor=request.user,
            client=self.client,
            brand=data["brand"],
            kind=data["kind"],
            name=data["name"],
            config=data.get("config", {}),
            credentials=data.get("credentials"),
            poll_interval=data.get("poll_interval", 300),
            enabled=data.get("enabled", True),
            own_channel=data.get("own_channel", False),
            request=request,
        )
        body = self.get_serializer(source).data
        if secret:
            body["webhook_secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.source_update(
            actor=self.request.user,
            source=serializer.instance,
            request=self.request,
            name=data.get("name"),
            brand=data.get("brand"),
            config=data.get("config"),
            credentials=data.get("credentials"),
            poll_interval=data.get("poll_interval"),
            enabled=data.get("enabled"),
            own_channel=data.get("own_channel"),
        )

    @extend_schema(request=None, responses={202: SourceSerializer})
    @action(detail=True, methods=["post"])
    def poll(self, request, *args, **kwargs):
        source = services.source_poll_now(actor=request.user, source=self.get_object(), request=request)
        return Response(self.get_serializer(source).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "SourceTest",
                {
                    "ok": serializers.BooleanField(),
                    "count": serializers.IntegerField(),
                    "error": serializers.CharField(),
                },
            )
        },
    )
    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        """Fetch once without storing anything: does the configuration work?"""
        try:
            result = services.source_test_connection(actor=request.user, source=self.get_object())
        except (FetchError, ValidationError) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return Response({"ok": False, "count": 0, "error": error})
        return Response({"ok": True, "count": len(result.mentions), "error": ""})
