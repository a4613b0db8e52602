"""API for routing: assignment of a mention, the client's routing settings, the on-call rota."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.models import User
from apps.mentions.models import Mention
from apps.mentions.selectors import mention_of, workers_of
from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.roles import ClientPerm

from . import services
from .models import OnCallShift, RoutingMode, RoutingPolicy
from .selectors import on_call_now, routing_policy_of


class AssignmentSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), allow_null=True)

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        if client is not None:  # only this client's workers: anyone else answers like an unknown id
            self.fields["assignee"].queryset = workers_of(client=client)


class MentionAssignmentViewSet(ClientScopedViewSet):
    """PUT {"assignee": id or null} to give a mention to someone who works this client's mentions."""

    model = Mention
    serializer_class = AssignmentSerializer
    write_permission = ClientPerm.WORK_MENTIONS

    def update(self, request, *args, **kwargs):
        mention = mention_of(user=request.user, client=self.client, pk=self.kwargs["mention_pk"])
        if mention is None:
            raise Http404
        data = AssignmentSerializer(data=request.data, client=self.client)
        data.is_valid(raise_exception=True)
        mention = services.mention_assign(
            actor=request.user, mention=mention, assignee=data.validated_data["assignee"], request=request
        )
        return Response({"assignee": mention.assignee_id, "assigned_at": mention.assigned_at})


class RoutingPolicySerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=RoutingMode.choices)
    default_capacity = serializers.IntegerField(min_value=1, max_value=32767)
    high_risk_reserve = serializers.IntegerField(
        min_value=0,
        max_value=32767,
        required=False,
        help_text="Open mentions per responder kept free for high and critical work (absent: unchanged).",
    )
    reassign_after_minutes = serializers.IntegerField(min_value=1, allow_null=True, required=False, default=None)


class RoutingPolicyViewSet(ClientScopedViewSet):
    """How the client's new mentions find a responder (defaults until saved); PUT replaces it."""

    model = RoutingPolicy
    serializer_class = RoutingPolicySerializer
    write_permission = ClientPerm.MANAGE

    def retrieve(self, request, *args, **kwargs):
        return Response(RoutingPolicySerializer(routing_policy_of(client=self.client)).data)

    def update(self, request, *args, **kwargs):
        data = RoutingPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.routing_policy_save(
            actor=request.user, client=self.client, request=request, **data.validated_data
        )
        return Response(RoutingPolicySerializer(policy).data)


class OnCallShiftSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    agency_wide = serializers.BooleanField(default=False, write_only=True)

    class Meta:
        model = OnCallShift
        fields = ["id", "client", "user", "starts_at", "ends_at", "handover_note", "agency_wide"]
        read_only_fields = ["id", "client", "handover_note"]

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        if client is not None:  # as the shift form: this client's workers; anyone else is an unknown id
            self.fields["user"].queryset = workers_of(client=client)


class HandoverSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class OnCallShiftViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.DestroyModelMixin):
    """Shifts covering this client (its own and agency-wide ones) that have not ended."""

    model = OnCallShift
    serializer_class = OnCallShiftSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE
    action_permissions = {"hand_over": ClientPerm.WORK_MENTIONS}

    include_agency_wide = True  # agency-wide shifts cover this client too

    def scoped_queryset(self):
        return OnCallShift.objects.filter(ends_at__gt=timezone.now()).order_by("starts_at")

    def create(self, request, *args, **kwargs):
        data = OnCallShiftSerializer(data=request.data, client=self.client)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        shift = services.shift_save(
            actor=request.user,
            client=None if fields.pop("agency_wide") else self.client,
            request=request,
            **fields,
        )
        return Response(OnCallShiftSerializer(shift).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.shift_delete(actor=self.request.user, shift=instance, request=self.request)

    @extend_schema(responses={200: OnCallShiftSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def now(self, request, *args, **kwargs):
        """Who is on call for this client right now."""
        now = timezone.now()
        people = {user.pk for user in on_call_now(client=self.client, at=now)}
        current = self.get_queryset().filter(starts_at__lte=now, user_id__in=people)
        return Response(OnCallShiftSerializer(current, many=True).data)

    @extend_schema(request=HandoverSerializer, responses={200: OnCallShiftSerializer})
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, *args, **kwargs):
        """Leave a note for the shift that follows this one; its person is told."""
        shift = self.get_object()  # a foreign or missing shift is 404 before the body is judged
        data = HandoverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        following = services.shift_hand_over(
            actor=request.user, shift=shift, note=data.validated_data["note"], request=request
        )
        return Response(OnCallShiftSerializer(following).data)
