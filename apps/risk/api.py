"""API for risk: a mention's rating history and override, a client's policy and business hours."""

from datetime import time

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from apps.mentions.models import Mention, RiskLevel
from apps.mentions.ratings import explain
from apps.mentions.selectors import mention_of
from apps.risk.selectors import ratings_of
from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.models import BusinessHoursBlock, Holiday
from apps.tenants.roles import ClientPerm
from apps.tenants.services import business_hours_save

from . import services
from .models import RiskPolicy, RiskRating


class RiskRatingSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Empty for an arrival rating that nothing has replaced yet."
    )
    explanation = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = RiskRating
        fields = ["id", "score", "level", "factors", "explanation", "actor", "is_override", "reason", "rated_at"]
        read_only_fields = fields

    def get_explanation(self, rating) -> str:
        return explain(rating.level, rating.score, rating.factors)


class RiskOverrideSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    reason = serializers.CharField(max_length=1000)


class MentionRatingViewSet(ClientScopedViewSet, mixins.ListModelMixin):
    """A mention's ratings, newest first; POST a level with a reason to override the system."""

    model = RiskRating
    serializer_class = RiskRatingSerializer
    write_permission = ClientPerm.WORK_MENTIONS

    def mention(self) -> Mention:
        mention = mention_of(user=self.request.user, client=self.client, pk=self.kwargs["mention_pk"])
        if mention is None:
            raise Http404
        return mention

    def list(self, request, *args, **kwargs):
        # The mention page's history, of a mention scoped first: it includes the arrival rating,
        # which lives on the mention until another replaces it (ratings_of), so no queryset here.
        ratings = self.paginate_queryset(ratings_of(mention=self.mention()))
        return self.get_paginated_response(self.get_serializer(ratings, many=True).data)

    @extend_schema(request=RiskOverrideSerializer, responses={201: RiskRatingSerializer})
    def create(self, request, *args, **kwargs):
        mention = self.mention()  # a foreign or missing mention is 404 before the body is judged
        data = RiskOverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.mention_override_risk(
            actor=request.user, mention=mention, request=request, **data.validated_data
        )
        return Response(RiskRatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class RiskPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskPolicy
        fields = [
            "brand",
            "weights",
            "medium_from",
            "high_from",
            "critical_from",
            "low_target_minutes",
            "medium_target_minutes",
            "high_target_minutes",
            "critical_target_minutes",
            "business_hours_levels",
            "warn_percent",
        ]
        read_only_fields = ["brand"]


class RiskPolicyViewSet(ClientScopedViewSet):
    """The client's own risk policy (404 while it follows the agency defaults); PUT creates or replaces it."""

    model = RiskPolicy
    serializer_class = RiskPolicySerializer
    write_permission = ClientPerm.MANAGE

    def retrieve(self, request, *args, **kwargs):
        policy = self.get_queryset().filter(brand=None).first()
        if policy is None:
            raise Http404
        return Response(RiskPolicySerializer(policy).data)

    def update(self, request, *args, **kwargs):
        data = RiskPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.risk_policy_save(
            actor=request.user, client=self.client, data=data.validated_data, request=request
        )
        return Response(RiskPolicySerializer(policy).data)


class BlockSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday")
    opens = serializers.TimeField()
    closes = serializers.TimeField(help_text="00:00 closes at midnight")


class HolidaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class BusinessHoursSerializer(serializers.Serializer):
    timezone = serializers.CharField(max_length=64)
    blocks = BlockSerializer(many=True)
    holidays = HolidaySerializer(many=True, required=False, default=list)


class BusinessHoursViewSet(ClientScopedViewSet):
    """The client's time zone, opening blocks and holidays; PUT replaces them all."""

    model = BusinessHoursBlock
    serializer_class = BusinessHoursSerializer
    write_permission = ClientPerm.MANAGE

    def retrieve(self, request, *args, **kwargs):
        user = request.user
        return Response(
            BusinessHoursSerializer(
                {
                    "timezone": self.client.timezone,
                    "blocks": BusinessHoursBlock.objects.visible_to(user).filter(client=self.client),
                    "holidays": Holiday.objects.visible_to(user).filter(client=self.client),
                }
            ).data
        )

    def update(self, request, *args, **kwargs):
        data = BusinessHoursSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hours = data.validated_data
        business_hours_save(
            actor=request.user,
            client=self.client,
            timezone_name=hours["timezone"],
            blocks=[(b["weekday"], b["opens"], b["closes"] or time(0)) for b in hours["blocks"]],
            holidays=[(h["date"], h["name"]) for h in hours["holidays"]],
            request=request,
        )
        return self.retrieve(request)
