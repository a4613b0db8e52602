"""API for answers to mentions: answers with their versions and approvals, saved replies, and the
client's approval policy.

Who reads answers: the team (who work the client's mentions) reads all of the client's; a client
approver reads only the answers whose current step waits for them, and of their mention only the
text, the author and the address. Saved replies and the policy are the team's; the policy's
settings and rules are changed by those who manage the client.
"""

from __future__ import annotations

from dataclasses import asdict

import django_filters
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.mentions.models import Mention, MentionKind, RiskLevel
from apps.tenants.mixins import ClientScopedViewSet, StaffOnlyFieldsMixin
from apps.tenants.roles import ClientPerm

from . import sending, services
from .models import (
    Answer,
    AnswerState,
    AnswerVersion,
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRule,
    ApprovalStep,
    ApproverRole,
    Decision,
    ReplyType,
    SavedReply,
    StepMode,
)
from .policy import approval_policy_of
from .publishing import publish_unavailable
from .selectors import answers_in_approval, approval_rules_of, approver_names, names_of, versions_to_compare
from .writing import diff_words

# Bounds on numbers sent: a larger id or version is refused as input rather than overflowing a lookup.
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1


@extend_schema_field(OpenApiTypes.STR)
class PlainChoiceField(serializers.ChoiceField):
    """A choice described as a string listing its values. The schema's enum names "role", "mode"
    and "kind" belong to other choice sets (membership roles, routing modes, source kinds): an enum
    here would rename those."""

    def __init__(self, *, choices, help_text: str = "", **kwargs):
        values = ", ".join(str(value) for value, _label in choices)
        super().__init__(choices=choices, help_text=f"{help_text} One of: {values}.".strip(), **kwargs)


# --- Answers -------------------------------------------------------------------------------------


class MentionSummarySerializer(serializers.ModelSerializer):
    """What a client approver may see of the mention answered: no risk, status or notes."""

    class Meta:
        model = Mention
        fields = ["id", "url", "author_name", "author_handle", "text"]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = AnswerVersion
        fields = ["number", "text", "language", "author", "comment", "created_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    version = serializers.SlugRelatedField(slug_field="number", read_only=True)
    approver = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = ApprovalDecision
        fields = ["id", "version", "step", "approver", "decision", "comment", "decided_at"]
        read_only_fields = fields


class DecisionMadeSerializer(DecisionSerializer):
    answer_state = serializers.CharField(
        source="answer.state", read_only=True, help_text="The answer's state after it."
    )

    class Meta(DecisionSerializer.Meta):
        fields = [*DecisionSerializer.Meta.fields, "answer_state"]
        read_only_fields = fields


class ApproverSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# How the agency routes and publishes an answer: client approvers never receive these.
ANSWER_STAFF_FIELDS = ("rule_name", "steps", "publish_error", "cannot_publish")


class AnswerSerializer(StaffOnlyFieldsMixin, serializers.ModelSerializer):
    """An answer in lists: its current text and where it stands. Client approvers do not receive
    ANSWER_STAFF_FIELDS."""

    staff_only_fields = ANSWER_STAFF_FIELDS

    mention = MentionSummarySerializer(read_only=True, allow_null=True, help_text="None: a statement of the brand's.")
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)
    version = serializers.IntegerField(source="current_version.number", read_only=True)
    text = serializers.CharField(source="current_version.text", read_only=True)
    language = serializers.CharField(source="current_version.language", read_only=True)
    approved_version = serializers.SlugRelatedField(slug_field="number", read_only=True)
    steps = serializers.JSONField(read_only=True, help_text='Chosen at submission: [{"role", "mode", "approvers"}].')
    current_approvers = serializers.SerializerMethodField()
    cleared_to_publish = serializers.SerializerMethodField()
    cannot_publish = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = [
            "id",
            "client",
            "mention",
            "subject",
            "author",
            "reply_type",
            "state",
            "version",
            "text",
            "language",
            "approved_version",
            "rule_name",
            "steps",
            "step",
            "current_approvers",
            "expires_at",
            "cleared_to_publish",
            "cannot_publish",
            "published_at",
            "published_url",
            "sent_by_hand",
            "publish_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ApproverSerializer(many=True))
    def get_current_approvers(self, answer) -> list[dict]:
        """Who the current step waits for. Names come from the context when a page gives them."""
        waiting = services.current_approvers(answer=answer)
        names = self.context.get("names")
        if names is None:
            names = names_of(user_ids=waiting)
        return [{"id": pk, "name": names.get(pk, "?")} for pk in waiting]

    def get_cleared_to_publish(self, answer) -> bool:
        """Approved for the text it has now: it may go out."""
        return services.is_cleared_to_publish(answer=answer)

    def get_cannot_publish(self, answer) -> str:
        """Why the app cannot post this answer on the platform ("" when it can): then it is sent by hand
        and marked sent."""
        return publish_unavailable(answer)


class AnswerDetailSerializer(AnswerSerializer):
    """One answer with every version and every decision, oldest first."""

    versions = VersionSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta(AnswerSerializer.Meta):
        fields = [*AnswerSerializer.Meta.fields, "versions", "decisions"]
        read_only_fields = fields


class AnswerStartSerializer(serializers.Serializer):
    mention = serializers.PrimaryKeyRelatedField(
        queryset=Mention.objects.none(), pk_field=serializers.IntegerField(min_value=1, max_value=MAX_ID)
    )
    text = serializers.CharField(max_length=services.MAX_TEXT)
    reply_type = serializers.ChoiceField(choices=ReplyType.choices, default=ReplyType.PUBLIC)
    language = serializers.CharField(
        max_length=8, required=False, allow_blank=True, default="", help_text="Empty: the mention's language."
    )

    def __init__(self, *args, user=None, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        if client is not None:  # this client's mentions only: any other id answers like an unknown one
            self.fields["mention"].queryset = Mention.objects.visible_to(user).filter(client=client)


class AnswerSaveSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.MAX_TEXT)
    language = serializers.CharField(
        max_length=8, required=False, allow_blank=True, help_text="Left out: the language stays."
    )
    base_version = serializers.IntegerField(
        min_value=1, max_value=MAX_VERSION, help_text="The version the editor started from."
    )


class AnswerSubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="For the approvers."
    )
    text = serializers.CharField(
        max_length=services.MAX_TEXT,
        required=False,
        help_text="The text to submit: saved as a new version first when it differs (needs base_version).",
    )
    language = serializers.CharField(max_length=8, required=False)
    base_version = serializers.IntegerField(
        min_value=1, max_value=MAX_VERSION, required=False, help_text="The version the text was written from."
    )


class AnswerDecideSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION, help_text="The version decided on.")
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Needed to request changes or reject."
    )


class AnswerMarkSentSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Where the answer lives, if known."
    )
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Default: now.")


class DiffQuerySerializer(serializers.Serializer):
    a = serializers.IntegerField(min_value=1, max_value=MAX_VERSION, required=False)
    b = serializers.IntegerField(min_value=1, max_value=MAX_VERSION, required=False)


class PieceSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["=", "-", "+"], help_text="= kept, - removed, + added")
    text = serializers.CharField()


class AnswerFilter(django_filters.FilterSet):
    # Plain numbers: a choice list of mentions would answer differently for foreign and missing ids.
    mention = django_filters.NumberFilter(field_name="mention_id")
    state = django_filters.ChoiceFilter(choices=AnswerState.choices)

    class Meta:
        model = Answer
        fields = ["mention", "state"]


class AnswerViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Answers to the client's mentions, newest first.

    POST creates one; .../save/, .../submit/, .../publish/ and .../mark-sent/ move it along;
    .../decide/ is the approver's; .../diff/?a=1&b=2 shows what changed between two versions.
    """

    model = Answer
    serializer_class = AnswerDetailSerializer
    filterset_class = AnswerFilter
    read_permission = (ClientPerm.READ_WORK, ClientPerm.APPROVE_RESPONSES)
    write_permission = ClientPerm.WORK_MENTIONS
    action_permissions = {"decide": ClientPerm.APPROVE_RESPONSES}
    lookup_value_regex = "[0-9]+"

    def scoped_queryset(self):
        # A client approver reaches only the answers waiting for them, as on the approval page.
        answers = answers_in_approval(user=self.request.user, client=self.client).select_related(
            "mention__source", "author", "current_version", "approved_version"
        )
        if self.action != "list":
            answers = answers.prefetch_related(
                Prefetch("versions", queryset=AnswerVersion.objects.select_related("author").order_by("number")),
                Prefetch(
                    "decisions",
                    queryset=ApprovalDecision.objects.select_related("approver", "version").order_by(
                        "decided_at", "pk"
                    ),
                ),
            )
        return answers.order_by("-pk")

    def _answer(self, answer: Answer, code: int = status.HTTP_200_OK) -> Response:
        """The answer as it is now, read again with its history."""
        return Response(
            AnswerDetailSerializer(self.get_queryset().get(pk=answer.pk), context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(responses={200: AnswerSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        names = approver_names(answers=page)
        return self.get_paginated_response(
            AnswerSerializer(page, many=True, context={**self.get_serializer_context(), "names": names}).data
        )

    @extend_schema(request=AnswerStartSerializer, responses={201: AnswerDetailSerializer})
    def create(self, request, *args, **kwargs):
        """A new answer to one of the client's mentions, with its first version."""
        data = AnswerStartSerializer(data=request.data, user=request.user, client=self.client)
        data.is_valid(raise_exception=True)
        answer = services.answer_start(actor=request.user, request=request, **data.validated_data)
        return self._answer(answer, status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSaveSerializer, responses={200: AnswerDetailSerializer})
    @action(detail=True, methods=["post"])
    def save(self, request, *args, **kwargs):
        """Save a new version; one saved meanwhile over `base_version` is refused (400), not overwritten."""
        answer = self.get_object()  # a foreign or missing answer is 404 before the body is judged
        data = AnswerSaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        answer = services.answer_save(
            actor=request.user,
            answer=answer,
            text=fields["text"],
            language=fields.get("language"),
            base_version=fields["base_version"],
            request=request,
        )
        return self._answer(answer)

    @extend_schema(request=AnswerSubmitSerializer, responses={200: AnswerDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Ask for the approvals the client's policy requires (approved at once where it needs none)."""
        answer = self.get_object()
        data = AnswerSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_submit(actor=request.user, answer=answer, request=request, **data.validated_data)
        return self._answer(answer)

    @extend_schema(request=AnswerDecideSerializer, responses={201: DecisionMadeSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        """An approver's decision on the version they read: approve, request changes or reject."""
        answer = self.get_object()
        data = AnswerDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.answer_decide(actor=request.user, answer=answer, request=request, **data.validated_data)
        return Response(DecisionMadeSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: AnswerDetailSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        """Post the approved answer on the mention's platform; a worker does it (state "publishing").
        Where the app cannot post there, 400 says why: send it by hand and mark it sent."""
        answer = sending.answer_publish(actor=request.user, answer=self.get_object(), request=request)
        return self._answer(answer, status.HTTP_202_ACCEPTED)

    @extend_schema(request=AnswerMarkSentSerializer, responses={200: AnswerDetailSerializer})
    @action(detail=True, methods=["post"], url_path="mark-sent", url_name="mark-sent")
    def mark_sent(self, request, *args, **kwargs):
        """Record that the approved answer was posted by hand, where and when."""
        answer = self.get_object()
        data = AnswerMarkSentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = sending.answer_mark_sent(actor=request.user, answer=answer, request=request, **data.validated_data)
        return self._answer(answer)

    @extend_schema(
        parameters=[
            OpenApiParameter("a", int, description="The older version's number; default: the one before `b`."),
            OpenApiParameter("b", int, description="The newer version's number; default: the current one."),
        ],
        responses={200: PieceSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, *args, **kwargs):
        """What changed from version a to version b, word by word (spaces kept)."""
        answer = self.get_object()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        older, newer = versions_to_compare(
            answer=answer, a=query.validated_data.get("a"), b=query.validated_data.get("b")
        )
        pieces = diff_words(older.text, newer.text)
        return Response([asdict(piece) for piece in pieces])


# --- Saved replies ------------------------------------------------------------------------------


@extend_schema(exclude=True)
class LegacyDraftViewSet(AnswerViewSet):
    """The answers under their old path, .../drafts/, kept working for one release (README).

    Every answer there says it is deprecated and names its successor path; a decision keeps its
    old field `draft_state` beside `answer_state`.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(getattr(response, "data", None), dict) and "answer_state" in response.data:
            response.data["draft_state"] = response.data["answer_state"]
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Deprecation"] = "true"
        successor = request.path.replace("/drafts/", "/answers/", 1)
        response["Link"] = f'<{successor}>; rel="successor-version"'
        return response


class SavedReplySerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    kind = PlainChoiceField(
        choices=MentionKind.choices, required=False, allow_blank=True, default="", help_text="Empty: any kind."
    )

    class Meta:
        model = SavedReply
        fields = ["id", "name", "language", "kind", "text", "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]
        extra_kwargs = {"text": {"help_text": "{author}, {brand} and {link} are filled in for the mention."}}


REPLY_FIELDS = ("name", "language", "kind", "text")


class SavedReplyViewSet(
    ClientScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Replies the client's team reuses, per language and kind of mention."""

    model = SavedReply
    serializer_class = SavedReplySerializer
    filterset_fields = ["language", "kind"]
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS
    lookup_value_regex = "[0-9]+"

    def scoped_queryset(self):
        return SavedReply.objects.select_related("created_by").order_by("name", "language")

    def create(self, request, *args, **kwargs):
        data = SavedReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.saved_reply_save(
            actor=request.user, client=self.client, request=request, **data.validated_data
        )
        return Response(SavedReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        reply = self.get_object()
        data = SavedReplySerializer(reply, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        # PATCH keeps what it leaves out.
        fields = {name: getattr(reply, name) for name in REPLY_FIELDS} | data.validated_data
        reply = services.saved_reply_save(
            actor=request.user, client=self.client, reply=reply, request=request, **fields
        )
        return Response(SavedReplySerializer(reply).data)

    def perform_destroy(self, instance):
        services.saved_reply_delete(actor=self.request.user, reply=instance, request=self.request)


# --- Approval policy and rules ------------------------------------------------------------------


class ApprovalStepSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="approver_role", read_only=True)
    mode = serializers.CharField(read_only=True)
    people = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ApprovalStep
        fields = ["role", "mode", "people"]
        read_only_fields = fields


class ApprovalRuleSerializer(serializers.ModelSerializer):
    steps = ApprovalStepSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRule
        fields = [
            "id",
            "name",
            "position",
            "risk_levels",
            "kinds",
            "channels",
            "reply_types",
            "needs_approval",
            "steps",
        ]
        read_only_fields = fields


class StepInputSerializer(serializers.Serializer):
    role = PlainChoiceField(choices=ApproverRole.choices)
    mode = PlainChoiceField(choices=StepMode.choices, default=StepMode.ANY)
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        help_text='User ids, for the role "people"; each must be able to approve at this client.',
    )


class RuleInputSerializer(serializers.Serializer):
    """A rule matches an answer when each non-empty list holds the answer's value."""

    name = serializers.CharField(max_length=80)
    position = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, allow_null=True, help_text="Default: last (or unchanged)."
    )
    risk_levels = serializers.ListField(child=serializers.ChoiceField(choices=RiskLevel.choices), default=list)
    kinds = serializers.ListField(child=PlainChoiceField(choices=MentionKind.choices), default=list)
    channels = serializers.ListField(
        child=serializers.CharField(max_length=32), default=list, help_text="Platform names: mastodon, bluesky, ..."
    )
    reply_types = serializers.ListField(child=PlainChoiceField(choices=ReplyType.choices), default=list)
    needs_approval = serializers.BooleanField(default=True, help_text="false: matching answers go out unapproved.")
    steps = StepInputSerializer(many=True, required=False, default=list)


class ApprovalRuleViewSet(
    ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin
):
    """The client's approval rules in order: the first that matches an answer chooses its steps.

    PUT replaces a rule with its steps.
    """

    model = ApprovalRule
    serializer_class = ApprovalRuleSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE
    lookup_value_regex = "[0-9]+"
    filter_backends = []

    def scoped_queryset(self):
        return approval_rules_of(user=self.request.user, client=self.client)

    def _save(self, request, rule: ApprovalRule | None) -> ApprovalRule:
        data = RuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.approval_rule_save(
            actor=request.user, client=self.client, rule=rule, request=request, **data.validated_data
        )
        return self.get_queryset().get(pk=rule.pk)

    @extend_schema(request=RuleInputSerializer, responses={201: ApprovalRuleSerializer})
    def create(self, request, *args, **kwargs):
        rule = self._save(request, None)
        return Response(ApprovalRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleInputSerializer, responses={200: ApprovalRuleSerializer})
    def update(self, request, *args, **kwargs):
        rule = self._save(request, self.get_object())  # a foreign or missing rule is 404 before the body
        return Response(ApprovalRuleSerializer(rule).data)

    def perform_destroy(self, instance):
        services.approval_rule_delete(actor=self.request.user, rule=instance, request=self.request)


class ApprovalSettingsSerializer(serializers.Serializer):
    allow_self_approval = serializers.BooleanField(help_text="Authors may approve their own answers.")
    remind_after_minutes = serializers.IntegerField(
        help_text=f"0 (never) to {services.REMIND_MAX_MINUTES}: remind approvers after this long."
    )
    expire_after_hours = serializers.IntegerField(
        help_text=f"0 (never) to {services.EXPIRE_MAX_HOURS}: approval requests expire after this long."
    )


class ApprovalPolicySerializer(ApprovalSettingsSerializer):
    rules = ApprovalRuleSerializer(many=True, read_only=True)


class ApprovalPolicyViewSet(ClientScopedViewSet):
    """The client's approval settings (defaults until saved) with its rules; PUT replaces the settings.

    Rules are changed at approval-rules/.
    """

    model = ApprovalPolicy
    serializer_class = ApprovalPolicySerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE

    def retrieve(self, request, *args, **kwargs):
        body = ApprovalSettingsSerializer(approval_policy_of(self.client)).data
        body["rules"] = ApprovalRuleSerializer(approval_rules_of(user=request.user, client=self.client), many=True).data
        return Response(body)

    @extend_schema(request=ApprovalSettingsSerializer, responses={200: ApprovalPolicySerializer})
    def update(self, request, *args, **kwargs):
        data = ApprovalSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.approval_policy_save(actor=request.user, client=self.client, request=request, **data.validated_data)
        return self.retrieve(request)
