"""API of incidents (agency staff): list, detail, declare; status, roles, notes, timeline."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.models import User
from apps.detection.models import SpikeAlert
from apps.responses.api import MAX_ID
from apps.tenants.mixins import ClientScopedViewSet
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm

from . import selectors, services, statements
from .models import (
    CrisisType,
    Incident,
    IncidentRole,
    IncidentStatus,
    LibraryStatement,
    PlaybookItem,
    Statement,
    StatementChannel,
    StatementKind,
    TimelineEntry,
)

MOST_MENTIONS_AT_ONCE = 500


class MemberSerializer(serializers.Serializer):
    role = serializers.CharField()
    user = serializers.IntegerField(source="user_id")
    name = serializers.SerializerMethodField()

    def get_name(self, member) -> str:
        return member.user.display_name


class IncidentSerializer(serializers.ModelSerializer):
    crisis_type = serializers.SlugRelatedField(slug_field="name", read_only=True)
    brands = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    mentions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "client",
            "title",
            "summary",
            "crisis_type",
            "severity",
            "status",
            "private",
            "brands",
            "spike_alert",
            "started_at",
            "detected_at",
            "declared_at",
            "acknowledged_at",
            "contained_at",
            "resolved_at",
            "closed_at",
            "next_update_at",
            "mentions",
        ]
        read_only_fields = fields

    def get_mentions(self, incident) -> int:
        return incident.links.count()


class DeclareSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    crisis_type = serializers.SlugRelatedField(slug_field="name", queryset=CrisisType.objects.filter(active=True))
    severity = serializers.IntegerField(min_value=1, max_value=3, default=2)
    brands = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    spike_alert = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    mentions = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=MOST_MENTIONS_AT_ONCE
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    private = serializers.BooleanField(required=False, default=False)


class IncidentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    at = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class IncidentRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=IncidentRole.choices)
    user = serializers.IntegerField(min_value=1)


class IncidentNoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    client_visible = serializers.BooleanField(required=False, default=False)


class PlaybookItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaybookItem
        fields = ["id", "position", "title", "owner_role", "due_at", "self_check", "done_at", "done_by"]
        read_only_fields = fields


class TickSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    done = serializers.BooleanField(default=True)


class TimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "text", "actor", "client_visible"]
        read_only_fields = fields


class StatementSerializer(serializers.ModelSerializer):
    """A statement: its text and approvals are the answer `answer` (the answers API moves it on:
    .../answers/{answer}/save/, submit/, decide/, publish/, mark-sent/)."""

    state = serializers.CharField(source="answer.state", read_only=True)
    version = serializers.IntegerField(source="answer.current_version.number", read_only=True)
    text = serializers.CharField(source="answer.current_version.text", read_only=True)
    language = serializers.CharField(source="answer.current_version.language", read_only=True)
    published_at = serializers.DateTimeField(source="answer.published_at", read_only=True)
    published_url = serializers.CharField(source="answer.published_url", read_only=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "answer",
            "kind",
            "channel",
            "from_library",
            "state",
            "version",
            "text",
            "language",
            "published_at",
            "published_url",
            "created_at",
        ]
        read_only_fields = fields


class StatementDraftSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StatementKind.choices, default=StatementKind.HOLDING)
    channel = serializers.ChoiceField(choices=StatementChannel.choices)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    from_library = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)


class IncidentViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The client's incidents (a private one: its members only). POST declares one (from
    `spike_alert`, from `mentions`, or from nothing; twice from one alert gives the first)."""

    model = Incident
    serializer_class = IncidentSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS
    action_permissions = {
        "timeline": {"read": ClientPerm.READ_WORK, "write": ClientPerm.WORK_MENTIONS},
        "playbook": {"read": ClientPerm.READ_WORK, "write": ClientPerm.WORK_MENTIONS},
        "statements": {"read": ClientPerm.READ_WORK, "write": ClientPerm.WORK_MENTIONS},
    }
    filterset_fields = ["status", "severity"]

    def scoped_queryset(self):
        return Incident.objects.select_related("crisis_type").prefetch_related("brands")

    @extend_schema(request=DeclareSerializer, responses={201: IncidentSerializer, 200: IncidentSerializer})
    def create(self, request, *args, **kwargs):
        data = DeclareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        alert = None
        if values.get("spike_alert"):
            alert = get_object_or_404(
                SpikeAlert.objects.visible_to(request.user), client=self.client, pk=values["spike_alert"]
            )
            existing = getattr(alert, "incident", None)
            if existing is not None:  # declared already: that incident, where this user may see it
                if not Incident.objects.visible_to(request.user).filter(pk=existing.pk).exists():
                    raise serializers.ValidationError(
                        {"spike_alert": ["This alert became a private incident; its members have it."]}
                    )
                return Response(IncidentSerializer(existing).data, status=200)
        brands = list(Brand.objects.visible_to(request.user).filter(client=self.client, pk__in=values["brands"]))
        if len(brands) != len(set(values["brands"])):
            raise serializers.ValidationError({"brands": ["Choose the client's own brands."]})
        incident = services.incident_declare(
            actor=request.user,
            client=self.client,
            title=values["title"],
            crisis_type=values["crisis_type"],
            severity=values["severity"],
            brands=brands,
            alert=alert,
            mention_ids=values["mentions"],
            summary=values["summary"],
            private=values["private"],
            request=request,
        )
        return Response(IncidentSerializer(incident).data, status=201)

    @extend_schema(request=IncidentStatusSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, *args, **kwargs):
        incident = self.get_object()  # first: another client's incident is a 404, whatever the body
        data = IncidentStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_set_status(
            actor=request.user, incident=incident, request=request, **data.validated_data
        )
        return Response(IncidentSerializer(incident).data)

    @extend_schema(request=IncidentRoleSerializer, responses={200: MemberSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def roles(self, request, *args, **kwargs):
        incident = self.get_object()
        data = IncidentRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = User.objects.filter(pk=data.validated_data["user"], memberships__client=self.client).first()
        if user is None:
            raise serializers.ValidationError({"user": ["Choose a person of the agency's team at this client."]})
        services.incident_assign_role(
            actor=request.user, incident=incident, role=data.validated_data["role"], user=user, request=request
        )
        return Response(MemberSerializer(selectors.members_of(incident=incident), many=True).data)

    @extend_schema(request=IncidentNoteSerializer, responses={201: TimelineEntrySerializer})
    @action(detail=True, methods=["post"])
    def updates(self, request, *args, **kwargs):
        """The commander's status update (client_visible: also to the client's people)."""
        incident = self.get_object()
        data = IncidentNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.incident_post_update(
            actor=request.user, incident=incident, request=request, **data.validated_data
        )
        return Response(TimelineEntrySerializer(entry).data, status=201)

    @extend_schema(request=TickSerializer, responses={200: PlaybookItemSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def playbook(self, request, *args, **kwargs):
        """The checklist; POST {item, done} ticks a step (done false: unticks it)."""
        incident = self.get_object()
        if request.method == "POST":
            data = TickSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            item = selectors.step_of(incident=incident, item_id=data.validated_data["item"])
            if item is None:
                raise serializers.ValidationError({"item": ["Not a step of this incident."]})
            services.playbook_item_tick(
                actor=request.user, item=item, done=data.validated_data["done"], request=request
            )
        return Response(PlaybookItemSerializer(selectors.playbook_of(incident=incident), many=True).data)

    @extend_schema(request=IncidentNoteSerializer, responses={200: TimelineEntrySerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def timeline(self, request, *args, **kwargs):
        incident = self.get_object()
        if request.method == "POST":
            data = IncidentNoteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.incident_note(actor=request.user, incident=incident, request=request, **data.validated_data)
        entries = selectors.timeline_of(user=request.user, incident=incident)[:500]
        return Response(TimelineEntrySerializer(entries, many=True).data)

    @extend_schema(request=StatementDraftSerializer, responses={200: StatementSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def statements(self, request, *args, **kwargs):
        """The incident's statements; POST drafts one (from_library: a library text, filled in;
        approved in advance and unchanged, it is approved at once)."""
        incident = self.get_object()
        if request.method == "POST":
            data = StatementDraftSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            library_id = values.pop("from_library", None)
            library = None
            if library_id:
                library = LibraryStatement.objects.visible_to(request.user).filter(client=self.client, pk=library_id)
                library = library.first()
                if library is None:
                    raise serializers.ValidationError({"from_library": ["Not a statement of this client's library."]})
            statement = statements.statement_draft(
                actor=request.user, incident=incident, from_library=library, request=request, **values
            )
            return Response(StatementSerializer(statement).data, status=201)
        return Response(
            StatementSerializer(selectors.statements_of(user=request.user, incident=incident), many=True).data
        )


class LibraryStatementSerializer(serializers.ModelSerializer):
    crisis_type = serializers.SlugRelatedField(
        slug_field="name", queryset=CrisisType.objects.all(), required=False, allow_null=True
    )
    seal = serializers.SerializerMethodField(help_text="Send it with .../approve/: what the approver read.")

    class Meta:
        model = LibraryStatement
        fields = [
            "id",
            "name",
            "crisis_type",
            "language",
            "channel",
            "text",
            "seal",
            "approved_until",
            "approved_by",
            "approved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "seal", "approved_until", "approved_by", "approved_at", "created_at", "updated_at"]

    def get_seal(self, item) -> str:
        return statements.text_seal(text=item.text)


class LibraryApprovalSerializer(serializers.Serializer):
    until = serializers.DateField(allow_null=True, help_text="null: withdraw the approval.")
    seen = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        help_text="The `seal` of the text read: a text changed since is not approved.",
    )


class LibraryStatementViewSet(
    ClientScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """The client's holding-statement library. .../approve/ {until} is the client approver's."""

    model = LibraryStatement
    serializer_class = LibraryStatementSerializer
    read_permission = (ClientPerm.WORK_MENTIONS, ClientPerm.APPROVE_RESPONSES)
    write_permission = ClientPerm.WORK_MENTIONS
    action_permissions = {"approve": ClientPerm.APPROVE_RESPONSES}
    filterset_fields = ["language", "channel"]

    def scoped_queryset(self):
        return LibraryStatement.objects.select_related("crisis_type").order_by("name", "language", "channel")

    def perform_create(self, serializer):
        serializer.instance = statements.library_statement_save(
            actor=self.request.user, client=self.client, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        item = serializer.instance
        values = {field: getattr(item, field) for field in ("name", "crisis_type", "language", "channel", "text")}
        serializer.instance = statements.library_statement_save(
            actor=self.request.user,
            client=self.client,
            statement=item,
            request=self.request,
            **{**values, **serializer.validated_data},
        )

    def perform_destroy(self, instance):
        statements.library_statement_delete(actor=self.request.user, statement=instance, request=self.request)

    @extend_schema(request=LibraryApprovalSerializer, responses={200: LibraryStatementSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        item = self.get_object()
        data = LibraryApprovalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = statements.library_statement_approve(
            actor=request.user,
            statement=item,
            until=data.validated_data["until"],
            seen=data.validated_data["seen"],
            request=request,
        )
        return Response(LibraryStatementSerializer(item).data)
