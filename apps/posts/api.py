"""API of scheduled posts and crisis mode: posts (compose, change, send for approval,
cancel), the calendar's days, holds (set, lift) and the queue of held posts (release, drop)."""

from datetime import date

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.incidents.models import Incident
from apps.responses.api import MAX_ID
from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm

from . import selectors, services
from .models import Hold, ScheduledPost

MOST_AT_ONCE = 500


class PostSerializer(serializers.ModelSerializer):
    text = serializers.CharField(source="answer.current_version.text", read_only=True)
    language = serializers.CharField(source="answer.current_version.language", read_only=True)
    version = serializers.IntegerField(source="answer.current_version.number", read_only=True)
    answer = serializers.IntegerField(source="answer_id", read_only=True, help_text="Its approval: the answers API.")
    approval = serializers.CharField(source="answer.state", read_only=True)
    channels = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledPost
        fields = [
            "id",
            "brand",
            "due_at",
            "state",
            "text",
            "language",
            "version",
            "answer",
            "approval",
            "media_links",
            "channels",
            "held_reason",
            "held_at",
            "error",
            "published_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_channels(self, post) -> list[dict]:
        return [
            {"source": c.source_id, "published_at": c.published_at, "url": c.url, "error": c.error}
            for c in post.channels.all()
        ]


class PostWriteSerializer(serializers.Serializer):
    brand = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    text = serializers.CharField(max_length=5000)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField()
    channels = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=10)
    media_links = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, default=list, max_length=10
    )
    confirm_hold = serializers.BooleanField(required=False, default=False)
    base_version = serializers.IntegerField(min_value=1, required=False, help_text="Changing a post: the version read.")
    submit = serializers.BooleanField(required=False, default=False, help_text="Send it for approval at once.")


class PostViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The client's scheduled posts. POST composes one; PATCH .../<id>/ changes it (it needs
    approval again); .../submit/ sends it for approval; .../cancel/ drops it; .../calendar/?first=
    &last= gives the days."""

    model = ScheduledPost
    serializer_class = PostSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS
    filterset_fields = ["state", "brand"]
    http_method_names = ["get", "post", "patch"]

    def scoped_queryset(self):
        return (
            ScheduledPost.objects.select_related("answer__current_version")
            .prefetch_related("channels")
            .order_by("due_at", "pk")
        )

    def _brand(self, pk):
        brand = Brand.objects.visible_to(self.request.user).filter(client=self.client, pk=pk or 0).first()
        if brand is None:
            raise serializers.ValidationError({"brand": ["Choose one of the client's brands."]})
        return brand

    def _shown(self, post, code=200):
        return Response(PostSerializer(self.get_queryset().get(pk=post.pk)).data, status=code)

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer})
    def create(self, request, *args, **kwargs):
        data = PostWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        post = services.post_compose(
            actor=request.user,
            brand=self._brand(values.get("brand")),
            text=values["text"],
            language=values["language"],
            due_at=values["due_at"],
            source_ids=values["channels"],
            media_links=values["media_links"],
            confirm_hold=values["confirm_hold"],
            request=request,
        )
        if values["submit"]:
            services.post_submit(actor=request.user, post=post, request=request)
        return self._shown(post, 201)

    @extend_schema(request=PostWriteSerializer, responses={200: PostSerializer})
    def partial_update(self, request, *args, **kwargs):
        post = self.get_object()
        data = PostWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "base_version" not in values:
            raise serializers.ValidationError({"base_version": ["Say which version you changed."]})
        services.post_edit(
            actor=request.user,
            post=post,
            text=values["text"],
            due_at=values["due_at"],
            source_ids=values["channels"],
            base_version=values["base_version"],
            media_links=values["media_links"],
            confirm_hold=values["confirm_hold"],
            request=request,
        )
        return self._shown(post)

    @extend_schema(request=None, responses={200: PostSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        post = self.get_object()
        services.post_submit(actor=request.user, post=post, request=request)
        return self._shown(post)

    @extend_schema(request=None, responses={200: PostSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        post = self.get_object()
        services.post_cancel(actor=request.user, post=post, request=request)
        return self._shown(post)

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def calendar(self, request, *args, **kwargs):
        """Days from ?first= to ?last= (at most 42), each with its number of posts and the first four."""
        try:
            first = date.fromisoformat(request.query_params.get("first", ""))
            last = date.fromisoformat(request.query_params.get("last", ""))
        except ValueError:
            raise serializers.ValidationError({"first": ["Give first and last as YYYY-MM-DD."]}) from None
        if not 0 <= (last - first).days <= 41:
            raise serializers.ValidationError({"last": ["At most six weeks from first."]})
        grid = selectors.calendar_of(user=request.user, client=self.client, first=first, last=last)
        return Response(
            [
                {
                    "day": day.day,
                    "count": day.count,
                    "posts": [
                        {"id": p.pk, "due_at": p.due_at, "state": p.state, "flagged": p.flagged} for p in day.posts
                    ],
                }
                for day in grid["days"]
            ]
        )


class HoldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hold
        fields = ["id", "brand", "source_ids", "reason", "incident", "set_by", "starts_at", "ends_at", "lifted_at"]
        read_only_fields = ["id", "set_by", "starts_at", "lifted_at"]


class HoldWriteSerializer(serializers.Serializer):
    brand = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    source_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=50
    )
    reason = serializers.CharField(max_length=500)
    incident = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)


class ReleaseSerializer(serializers.Serializer):
    posts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=MOST_AT_ONCE
    )
    start_at = serializers.DateTimeField(required=False, allow_null=True)
    every_minutes = serializers.IntegerField(min_value=0, max_value=1440, required=False, default=0)


class HoldViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Crisis mode: the client's holds. POST sets one; .../lift/ ends it; .../held/ (GET) is the
    queue of held posts, .../release/ and .../drop/ (POST {posts}) work it."""

    model = Hold
    serializer_class = HoldSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS

    def scoped_queryset(self):
        return Hold.objects.order_by("-starts_at", "-pk")

    @extend_schema(request=HoldWriteSerializer, responses={201: HoldSerializer})
    def create(self, request, *args, **kwargs):
        data = HoldWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        brand = None
        if values.get("brand"):
            brand = Brand.objects.visible_to(request.user).filter(client=self.client, pk=values["brand"]).first()
            if brand is None:
                raise serializers.ValidationError({"brand": ["Choose one of the client's brands."]})
        incident = None
        if values.get("incident"):
            incident = (
                Incident.objects.visible_to(request.user).filter(client=self.client, pk=values["incident"]).first()
            )
            if incident is None:
                raise serializers.ValidationError({"incident": ["Choose one of the client's incidents."]})
        hold = services.hold_set(
            actor=request.user,
            client=self.client,
            brand=brand,
            source_ids=values["source_ids"],
            reason=values["reason"],
            incident=incident,
            ends_at=values.get("ends_at"),
            request=request,
        )
        return Response(HoldSerializer(hold).data, status=201)

    @extend_schema(request=None, responses={200: HoldSerializer})
    @action(detail=True, methods=["post"])
    def lift(self, request, *args, **kwargs):
        hold = services.hold_lift(actor=request.user, hold=self.get_object(), request=request)
        return Response(HoldSerializer(hold).data)

    @extend_schema(responses={200: PostSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def held(self, request, *args, **kwargs):
        return Response(PostSerializer(selectors.held_queue(user=request.user, client=self.client), many=True).data)

    @extend_schema(request=ReleaseSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def release(self, request, *args, **kwargs):
        data = ReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        n = services.posts_release(
            actor=request.user,
            client=self.client,
            post_ids=values["posts"],
            start_at=values.get("start_at"),
            every_minutes=values["every_minutes"],
            request=request,
        )
        return Response({"released": n})

    @extend_schema(request=ReleaseSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def drop(self, request, *args, **kwargs):
        data = ReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        n = services.posts_drop(
            actor=request.user, client=self.client, post_ids=data.validated_data["posts"], request=request
        )
        return Response({"dropped": n})
