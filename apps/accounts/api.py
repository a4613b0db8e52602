"""API for the caller's own account and personal API tokens."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.roles import ClientPerm, Role
from apps.tenants.selectors import roles_of

from . import services
from .models import ApiToken, Invitation, User


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "is_agency_admin", "preferred_language", "roles"]
        read_only_fields = fields

    def get_roles(self, user) -> dict[str, str]:
        return {str(client_id): role for client_id, role in roles_of(user=user).items()}


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """Who the caller is and their role at each client."""
    return Response(MeSerializer(request.user).data)


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)

    class Meta:
        model = ApiToken
        fields = ["id", "user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret. Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Personal API tokens. Agency admins see and manage everyone's; DELETE revokes."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        tokens = ApiToken.objects.select_related("user").order_by("-created_at")
        if getattr(self, "swagger_fake_view", False):
            return tokens.none()
        if self.request.user.is_agency_admin:
            return tokens
        return tokens.filter(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        # Refused before the id is looked up, so the answer says nothing about which users exist.
        requested = request.data.get("user") if hasattr(request.data, "get") else None
        if requested not in (None, "") and str(requested) != str(request.user.pk) and not request.user.is_agency_admin:
            raise PermissionDenied(_("Only the person or an agency admin may manage these tokens."))
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, raw = services.api_token_create(
            actor=request.user,
            user=data.get("user", request.user),
            name=data["name"],
            expires_at=data.get("expires_at"),
            request=request,
        )
        body = NewApiTokenSerializer(token).data
        body["token"] = raw
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.api_token_revoke(actor=self.request.user, token=instance, request=self.request)


class InvitationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "client", "email", "role", "status", "invited_by", "created_at", "expires_at"]
        read_only_fields = ["id", "client", "status", "invited_by", "created_at", "expires_at"]


class InvitationViewSet(
    ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin
):
    """Invite people by e-mail; DELETE revokes a pending invitation."""

    model = Invitation
    serializer_class = InvitationSerializer
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS

    @extend_schema(request=InvitationSerializer, responses={201: InvitationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, _key = services.invitation_create(
            actor=request.user, client=self.client, request=request, **serializer.validated_data
        )
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.invitation_revoke(actor=self.request.user, invitation=instance, request=self.request)
