"""API for mentions: the inbox list (the inbox's filters, search and keyset pages), one mention,
its lifecycle moves, archive and notes, bulk actions, and saved views.

Reading mentions needs only the client view right (client people read them too); notes, saved
views and every change need the right to work the client's mentions.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from apps.accounts.models import User
from apps.mentions.models import RiskLevel
from apps.tenants.mixins import ClientScopedViewSet, StaffOnlyFieldsMixin
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm

from . import selectors, services
from .forms import ChannelsField, InboxFilterForm
from .models import Mention, MentionNote, MentionStatus, PrivateChannel, SavedView

# Query parameters the list takes besides the inbox filters (content negotiation).
OTHER_LIST_PARAMS = frozenset({"format"})


# The agency's own record of its work on a mention: client people never receive these.
MENTION_STAFF_FIELDS = ("status_reason", "private_channel", "answered_elsewhere_url", "assignee", "assigned_at")


class MentionSerializer(StaffOnlyFieldsMixin, serializers.ModelSerializer):
    """A mention. Client people do not receive MENTION_STAFF_FIELDS."""

    staff_only_fields = MENTION_STAFF_FIELDS

    class Meta:
        model = Mention
        fields = [
            "id",
            "client",
            "brand",
            "source",
            "platform",
            "external_id",
            "url",
            "parent_external_id",
            "author_name",
            "author_handle",
            "author_url",
            "author_followers",
            "title",
            "text",
            "posted_at",
            "posted_at_known",
            "ingested_at",
            "language",
            "language_confidence",
            "sentiment",
            "sentiment_score",
            "kind",
            "topics",
            "likes",
            "reposts",
            "replies",
            "duplicate_of",
            "status",
            "status_reason",
            "private_channel",
            "answered_elsewhere_url",
            "status_changed_at",
            "archived_at",
            "risk_score",
            "risk_level",
            "risk_explanation",
            "risk_factors",
            "risk_overridden",
            "rated_at",
            "response_due_at",
            "first_response_at",
            "assignee",
            "assigned_at",
        ]
        read_only_fields = fields

    risk_explanation = serializers.SerializerMethodField(help_text='The rating in words: "critical (82) because ...".')

    def get_risk_explanation(self, mention) -> str:
        from apps.mentions.ratings import explain

        return explain(mention.risk_level, mention.risk_score, mention.risk_factors) if mention.risk_level else ""


MentionPageSerializer = inline_serializer(
    "MentionPage",
    {
        "results": MentionSerializer(many=True),
        "next": serializers.URLField(allow_null=True, help_text="The next page (same filters, after=...), or null."),
        "sort": serializers.CharField(help_text="The order used: risk, due, newest or relevance."),
    },
)

PARAM_HELP = {
    "q": "Full-text search; each language is stemmed (Danish, Norwegian, German, English), "
    "so 'leveringer' finds 'leveringen'. Sorts by relevance unless `sort` is given.",
    "sort": "risk (default; highest first), due (first answer due soonest), newest, or relevance (with `q`).",
    "status": "Repeat for several. Default `open` (new, triaged, in progress, awaiting approval); `all` for any.",
    "risk": "Risk level; repeat for several.",
    "channel": "Platform name (mastodon, reddit, ...); repeat for several.",
    "language": "Language code, `unknown` for undetected; repeat for several.",
    "sentiment": "Repeat for several.",
    "kind": "Kind of mention; repeat for several.",
    "topic": "Mentions tagged with this topic.",
    "assignee": "A user id, `me` or `none`.",
    "brand": "A brand id of this client.",
    "since": "Posted on or after this day.",
    "until": "Posted on or before this day.",
    "archived": "Include archived mentions (left out by default).",
    "after": "The page link value from `next`; it belongs to one sort order.",
    "size": "Mentions per page, 1 to 200 (default 50); `page_size` is accepted too.",
}


def _inbox_parameters() -> list[OpenApiParameter]:
    """The list's query parameters, read off the inbox's filter form so the two never drift."""
    parameters = []
    for name, field in InboxFilterForm.base_fields.items():
        many = isinstance(field, forms.MultipleChoiceField)
        if isinstance(field, forms.IntegerField):
            kind = OpenApiTypes.INT
        elif isinstance(field, forms.DateField):
            kind = OpenApiTypes.DATE
        elif isinstance(field, forms.BooleanField):
            kind = OpenApiTypes.BOOL
        else:
            kind = OpenApiTypes.STR
        closed = isinstance(field, forms.ChoiceField) and not isinstance(field, ChannelsField)
        parameters.append(
            OpenApiParameter(
                name,
                kind,
                OpenApiParameter.QUERY,
                description=PARAM_HELP.get(name, ""),
                enum=[value for value, _label in field.choices] if closed else None,
                many=many or None,
                explode=True if many else None,
            )
        )
    return parameters


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {field: [str(message) for message in messages] for field, messages in form.errors.items()}


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MentionStatus.choices)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    private_channel = serializers.ChoiceField(
        choices=PrivateChannel.choices, required=False, allow_blank=True, default=""
    )
    answer_url = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text='For "answered_elsewhere": the web address of the answer given outside the app.',
    )


class ArchiveSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True, help_text="false brings the mention back to the inbox.")


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = MentionNote
        fields = ["id", "mention", "author", "text", "created_at"]
        read_only_fields = ["id", "mention", "author", "created_at"]


class BulkSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=services.MAX_BULK,
    )
    action = serializers.ChoiceField(choices=())  # the registered actions, set in __init__
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), allow_null=True, required=False, help_text="assign: a user id, or null."
    )
    status = serializers.ChoiceField(choices=MentionStatus.choices, required=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    private_channel = serializers.ChoiceField(
        choices=PrivateChannel.choices, required=False, allow_blank=True, default=""
    )
    topic = serializers.CharField(max_length=80, required=False)
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    incident = serializers.IntegerField(min_value=1, required=False, help_text="incident: an open incident's id.")

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = services.bulk_actions.keys()
        if client is not None:
            self.fields["assignee"].queryset = selectors.workers_of(client=client)


BulkOutcomeSerializer = inline_serializer(
    "BulkOutcome",
    {
        "done": serializers.ListField(child=serializers.IntegerField()),
        "failed": serializers.DictField(child=serializers.CharField(), help_text="mention id -> why not"),
    },
)


class MentionViewSet(ClientScopedViewSet, mixins.RetrieveModelMixin):
    """Mentions of the client's brands, in the inbox's order and with its filters.

    POST .../transition/, .../archive/ and .../notes/ work on one mention; .../bulk/ on many.
    """

    model = Mention
    serializer_class = MentionSerializer
    write_permission = ClientPerm.WORK_MENTIONS
    # Notes are internal to the agency: agency people read them, those who work mentions add them.
    action_permissions = {"notes": {"read": ClientPerm.READ_WORK, "write": ClientPerm.WORK_MENTIONS}}
    lookup_value_regex = "[0-9]+"
    filter_backends = []
    pagination_class = None

    @extend_schema(parameters=_inbox_parameters(), responses={200: MentionPageSerializer})
    def list(self, request, *args, **kwargs):
        """One page of the inbox: open mentions that are not archived unless the filters say otherwise.

        Pages follow a cursor (`next`, or `after=`), not page numbers: new mentions arriving
        between two requests shift no row. `page_size` is another name for `size`."""
        params = request.query_params.copy()
        if "page_size" in params:
            if "size" in params:
                raise exceptions.ValidationError({"page_size": [_("Give size or page_size, not both.")]})
            params.setlist("size", params.pop("page_size"))
        unknown = sorted(set(params) - set(InboxFilterForm.base_fields) - OTHER_LIST_PARAMS)
        if "assignee" in params and not user_has_client_perm(request.user, self.client, ClientPerm.READ_WORK):
            unknown.append("assignee")  # who works on what is the agency's: no filter tells it either
        if unknown:
            raise exceptions.ValidationError({name: [_("Not a filter of this list.")] for name in unknown})
        form = InboxFilterForm(params)
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        filters = form.cleaned_data
        try:
            page = selectors.inbox_page(
                user=request.user,
                filters=filters,
                clients=[self.client],
                after=filters.get("after") or "",
                size=filters.get("size") or selectors.PAGE_SIZE,
            )
        except selectors.BadCursor as error:
            raise exceptions.ValidationError({"after": [str(error.message)]}) from error
        # The page's rows leave the text out; the API answers whole mentions, in one more query.
        whole = {
            m.pk: m
            for m in selectors.mentions_of(user=request.user, client=self.client, ids=[m.pk for m in page.mentions])
        }
        mentions = [whole[m.pk] for m in page.mentions if m.pk in whole]
        following = None
        if page.next_cursor:
            following = replace_query_param(request.build_absolute_uri(), "after", page.next_cursor)
        return Response(
            {
                "results": MentionSerializer(mentions, many=True, context=self.get_serializer_context()).data,
                "next": following,
                "sort": page.sort,
            }
        )

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: MentionSerializer,
            400: OpenApiResponse(
                description="Refused. errors.status names the statuses the mention may move to; "
                "`allowed` lists them as values."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        """Move the mention along its lifecycle by hand (a reason for "no response needed", a channel for
        "taken private", a reason and answer_url for "answered elsewhere"). "awaiting_approval" and
        "answered" follow the mention's answer (see /answers/) and are refused here."""
        mention = self.get_object()  # a foreign or missing mention is 404 before the body is judged
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            mention = services.mention_transition(
                actor=request.user, mention=mention, request=request, **data.validated_data
            )
        except DjangoValidationError as error:
            allowed = _allowed_statuses(error)
            if allowed is None:
                raise
            response = self.get_exception_handler()(error, self.get_exception_handler_context())
            response.data["allowed"] = allowed
            return response
        return Response(MentionSerializer(mention, context=self.get_serializer_context()).data)

    @extend_schema(request=ArchiveSerializer, responses={200: MentionSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        """Take the mention out of the inbox, or bring it back with {"archived": false}."""
        mention = self.get_object()
        data = ArchiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mention = services.mention_archive(
            actor=request.user, mention=mention, archived=data.validated_data["archived"], request=request
        )
        return Response(MentionSerializer(mention, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], request=None, responses={200: NoteSerializer(many=True)})
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request, *args, **kwargs):
        """The mention's internal notes, oldest first; POST {"text"} adds one and tells the people it @mentions."""
        mention = self.get_object()
        if request.method == "GET":
            return Response(NoteSerializer(selectors.notes_of(mention=mention), many=True).data)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_add(actor=request.user, mention=mention, text=data.validated_data["text"], request=request)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BulkSerializer, responses={200: BulkOutcomeSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """One action on many mentions. A refusal for one mention stops no other: it is listed under `failed`."""
        data = BulkSerializer(data=request.data, client=self.client)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        ids = list(dict.fromkeys(fields["ids"]))
        mentions = selectors.mentions_of(user=request.user, client=self.client, ids=ids)
        names = ("assignee", "status", "reason", "private_channel", "topic", "level", "incident")
        params = {key: fields[key] for key in names if key in fields}
        try:
            outcome = services.mentions_bulk(
                actor=request.user,
                client=self.client,
                mentions=mentions,
                action=fields["action"],
                params=params,
                request=request,
            )
        except DjangoValidationError as error:
            # The service speaks of "mentions"; here they are the ids sent.
            if hasattr(error, "error_dict") and "mentions" in error.error_dict:
                raise exceptions.ValidationError({"ids": error.message_dict["mentions"]}) from error
            raise
        found = {mention.pk for mention in mentions}
        failed = {str(pk): _("No such mention.") for pk in ids if pk not in found}
        failed.update({str(pk): why for pk, why in outcome.failed.items()})
        return Response({"done": outcome.done, "failed": failed})


def _allowed_statuses(error: DjangoValidationError) -> list[str] | None:
    """The statuses a refused transition names, when the refusal is about the lifecycle."""
    for refusal in getattr(error, "error_dict", {}).get("status", []):
        if refusal.code == "transition_not_allowed":
            return list(refusal.params["allowed"])
    return None


class SavedViewSerializer(serializers.ModelSerializer):
    filters = serializers.DictField(
        required=False, default=dict, help_text="Inbox filters, named as the mention list's query parameters."
    )

    class Meta:
        model = SavedView
        fields = ["id", "name", "filters", "shared", "owner", "created_at"]
        read_only_fields = ["id", "owner", "created_at"]

    def validate_filters(self, value: dict) -> dict:
        fields = InboxFilterForm.base_fields
        errors = {}
        for name, item in value.items():
            if name not in fields or name in ("after", "size"):
                errors[name] = [_("Not a filter of the inbox.")]
            elif isinstance(fields[name], forms.MultipleChoiceField):
                if not isinstance(item, list) or not all(isinstance(part, str) for part in item):
                    errors[name] = [_("Give a list of values.")]
            elif not isinstance(item, str | int | bool):
                errors[name] = [_("Give one value.")]
        if errors:
            raise serializers.ValidationError(errors)
        form = InboxFilterForm(value)
        if not form.is_valid():
            raise serializers.ValidationError(_form_errors(form))
        return form.filters()


class SavedViewViewSet(ClientScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin):
    """Named inbox filters: the caller's own and those shared with the client team.

    Only the person who made a view (or the account lead) removes it.
    """

    model = SavedView
    serializer_class = SavedViewSerializer
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS
    lookup_value_regex = "[0-9]+"
    filter_backends = []

    def scoped_queryset(self):
        return selectors.saved_views_of(user=self.request.user, client=self.client)

    def create(self, request, *args, **kwargs):
        data = SavedViewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        view = services.saved_view_create(
            actor=request.user,
            client=self.client,
            name=fields["name"],
            filters=fields["filters"],
            shared=fields.get("shared", False),
            request=request,
        )
        return Response(SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.saved_view_delete(actor=self.request.user, view=instance, request=self.request)
