"""Every route, enumerated: one client's people never reach another client's data.

New routes are covered automatically. A route that takes a client in its URL
is probed with the outsider client's objects; a route without a client must be
listed in NOT_CLIENT_SCOPED with the reason it is safe, or this test fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.core.models import AuditEvent
from apps.detection.models import DetectionSettings, KnownEvent, SpikeAlert
from apps.incidents.models import Incident, IncidentMember, LibraryStatement, Statement, TimelineEntry
from apps.listening.models import Source
from apps.mentions.models import Mention, MentionLink, MentionNote, SavedView
from apps.notifications.models import WebhookDelivery, WebhookEndpoint
from apps.posts.models import Hold, ScheduledPost
from apps.responses.models import Answer, ApprovalDecision, ApprovalRule, SavedReply
from apps.risk.models import RiskPolicy
from apps.routing.models import OnCallShift, RoutingPolicy
from apps.tenants.models import Brand, BusinessHoursBlock, Membership
from apps.tenants.roles import Role
from tests.factories import (
    AnswerFactory,
    ApprovalRuleFactory,
    AuditEventFactory,
    BrandFactory,
    HoldFactory,
    ImportJobFactory,
    IncidentFactory,
    InvitationFactory,
    KnownEventFactory,
    LibraryStatementFactory,
    MembershipFactory,
    MentionFactory,
    OnCallShiftFactory,
    SavedReplyFactory,
    SavedViewFactory,
    ScheduledPostFactory,
    SourceFactory,
    SpikeAlertFactory,
    UserFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)

UNSAFE_METHODS = ("post", "put", "patch", "delete")
# Routes where a client approver may write: decisions on answers waiting for them.
APPROVER_WRITES = {"approval_detail", "api:answer-decide", "api:draft-decide"}
# Where a client approver may write anything of the client's: approving a library statement in
# advance. An empty body there is refused as bad input (400), and changes nothing either.
APPROVER_APPROVES = {"api:library-statement-approve"}
ALL_METHODS = ("get", *UNSAFE_METHODS)

# Routes that take no client from the URL, and why that is safe.
NOT_CLIENT_SCOPED = {
    "home": "lists only the caller's own clients",
    "client_switch": "redirects to a client URL, which is then checked",
    "invitation_accept": "opened by a secret key, not by a client",
    "api_tokens": "the caller's own tokens",
    "api_token_revoke": "the caller's own tokens (agency admins: anyone's)",
    "people": "agency admins only",
    "user_access": "agency admins only",
    "agency_audit": "agency admins only",
    "incident_settings": "agency admins only",
    "dead_letters": "agency admins only",
    "dead_letter_run_again": "agency admins only",
    "healthz": "reports service health, no data",
    "set_language": "sets the caller's language",
    "api-schema": "the API description",
    "api-docs": "the API description",
    "api:api-me": "the caller's own account",
    "api:client-list": "lists only the caller's own clients",
    "api:api-token-list": "the caller's own tokens",
    "api:api-token-detail": "the caller's own tokens",
    "webhook_receive": "opened by a secret token and an HMAC signature, not by a signed-in person",
    "notification_list": "the caller's own notifications, of clients they can still see",
    "notification_badge": "the caller's own unread count",
    "notification_read_all": "marks the caller's own notifications read",
    "notification_open": "the caller's own notification (another's answers 404)",
    "notification_settings": "the caller's own notification settings",
    "api:notification-list": "the caller's own notifications, of clients they can still see",
    "api:notification-detail": "the caller's own notification (another's answers 404)",
    "api:notification-read": "the caller's own notification (another's answers 404)",
    "api:notification-read-all": "marks the caller's own notifications read",
    "api:notification-settings": "the caller's own notification settings",
    "my_work": "the caller's own assigned mentions, only at clients where they work mentions",
    "my_work_poll": "the caller's own assigned mentions, only at clients where they work mentions",
}
NOT_CLIENT_SCOPED_PREFIXES = {
    "admin:": "Django admin: agency admins only (staff)",
    "account_": "allauth sign-in, password and e-mail pages of the caller",
    "mfa_": "allauth two-factor pages of the caller",
}


@dataclass
class Route:
    name: str
    pattern: str
    kwargs: tuple[str, ...]
    callback: object


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            kwargs = tuple(entry.pattern.regex.groupindex) + tuple(
                k for k in getattr(entry.pattern, "converters", {}) if k not in entry.pattern.regex.groupindex
            )
            yield Route(name, prefix + str(entry.pattern), tuple(dict.fromkeys(kwargs)), entry.callback)


def all_routes() -> list[Route]:
    routes = [r for r in _walk(get_resolver().url_patterns) if r.name and "format" not in r.kwargs]
    return routes


def is_client_scoped(route: Route) -> bool:
    return "client_slug" in route.kwargs or "client_pk" in route.kwargs or route.name == "api:client-detail"


def supported_methods(route: Route) -> set[str]:
    actions = getattr(route.callback, "actions", None)
    if actions:
        return set(actions) & set(route.callback.cls.http_method_names)
    view_class = getattr(route.callback, "view_class", None) or getattr(route.callback, "cls", None)
    if view_class is None:
        return {"get"}
    return {m for m in ALL_METHODS if m in view_class.http_method_names and hasattr(view_class, m)}


# Builders of an object of `client` for each object kwarg a client-scoped route takes.
OBJECT_BUILDERS = {
    "brand_pk": lambda client: BrandFactory(client=client).pk,
    "membership_pk": lambda client: MembershipFactory(client=client, role=Role.RESPONDER).pk,
    "invitation_pk": lambda client: InvitationFactory(client=client).pk,
    "source_pk": lambda client: SourceFactory(brand=BrandFactory(client=client)).pk,
    "job_pk": lambda client: ImportJobFactory(source__brand=BrandFactory(client=client)).pk,
    "endpoint_pk": lambda client: WebhookEndpointFactory(client=client).pk,
    "mention_pk": lambda client: MentionFactory(brand=BrandFactory(client=client)).pk,
    "shift_pk": lambda client: OnCallShiftFactory(client=client).pk,
    "view_pk": lambda client: SavedViewFactory(client=client, shared=True).pk,
    "answer_pk": lambda client: AnswerFactory(mention__brand=BrandFactory(client=client)).pk,
    "reply_pk": lambda client: SavedReplyFactory(client=client).pk,
    "rule_pk": lambda client: ApprovalRuleFactory(policy__client=client).pk,
    "alert_pk": lambda client: SpikeAlertFactory(brand=BrandFactory(client=client)).pk,
    "event_pk": lambda client: KnownEventFactory(brand=BrandFactory(client=client)).pk,
    "incident_pk": lambda client: IncidentFactory(client=client).pk,
    "statement_pk": lambda client: LibraryStatementFactory(client=client).pk,
    "post_pk": lambda client: ScheduledPostFactory(brand=BrandFactory(client=client)).pk,
    "hold_pk": lambda client: HoldFactory(client=client).pk,
    "action": lambda client: "handover",
}
API_DETAIL_BUILDERS = {
    "api:client-detail": lambda client: client.pk,
    "api:brand-detail": OBJECT_BUILDERS["brand_pk"],
    "api:membership-detail": OBJECT_BUILDERS["membership_pk"],
    "api:invitation-detail": OBJECT_BUILDERS["invitation_pk"],
    "api:audit-event-detail": lambda client: AuditEventFactory(client=client).pk,
    "api:source-detail": OBJECT_BUILDERS["source_pk"],
    "api:source-poll": OBJECT_BUILDERS["source_pk"],
    "api:source-test": OBJECT_BUILDERS["source_pk"],
    "api:mention-detail": lambda client: MentionFactory(brand=BrandFactory(client=client)).pk,
    "api:mention-transition": OBJECT_BUILDERS["mention_pk"],
    "api:mention-archive": OBJECT_BUILDERS["mention_pk"],
    "api:mention-notes": OBJECT_BUILDERS["mention_pk"],
    "api:saved-view-detail": OBJECT_BUILDERS["view_pk"],
    "api:webhook-endpoint-detail": OBJECT_BUILDERS["endpoint_pk"],
    "api:webhook-endpoint-test": OBJECT_BUILDERS["endpoint_pk"],
    "api:on-call-shift-detail": OBJECT_BUILDERS["shift_pk"],
    "api:on-call-shift-hand-over": OBJECT_BUILDERS["shift_pk"],
    "api:webhook-delivery-detail": lambda client: WebhookDeliveryFactory(endpoint__client=client).pk,
    "api:answer-detail": OBJECT_BUILDERS["answer_pk"],
    "api:answer-save": OBJECT_BUILDERS["answer_pk"],
    "api:answer-submit": OBJECT_BUILDERS["answer_pk"],
    "api:answer-decide": OBJECT_BUILDERS["answer_pk"],
    "api:answer-publish": OBJECT_BUILDERS["answer_pk"],
    "api:answer-mark-sent": OBJECT_BUILDERS["answer_pk"],
    "api:answer-diff": OBJECT_BUILDERS["answer_pk"],
    "api:saved-reply-detail": OBJECT_BUILDERS["reply_pk"],
    "api:approval-rule-detail": OBJECT_BUILDERS["rule_pk"],
    "api:spike-alert-detail": lambda client: SpikeAlertFactory(brand=BrandFactory(client=client)).pk,
    "api:spike-alert-acknowledge": lambda client: SpikeAlertFactory(brand=BrandFactory(client=client)).pk,
    "api:spike-alert-dismiss": lambda client: SpikeAlertFactory(brand=BrandFactory(client=client)).pk,
    "api:detection-settings-detail": OBJECT_BUILDERS["brand_pk"],
    "api:detection-settings-known-events": OBJECT_BUILDERS["brand_pk"],
    "api:detection-settings-known-event": OBJECT_BUILDERS["brand_pk"],
    "api:incident-detail": OBJECT_BUILDERS["incident_pk"],
    "api:incident-status": OBJECT_BUILDERS["incident_pk"],
    "api:incident-roles": OBJECT_BUILDERS["incident_pk"],
    "api:incident-timeline": OBJECT_BUILDERS["incident_pk"],
    "api:incident-playbook": OBJECT_BUILDERS["incident_pk"],
    "api:incident-updates": OBJECT_BUILDERS["incident_pk"],
    "api:incident-statements": OBJECT_BUILDERS["incident_pk"],
    "api:library-statement-detail": OBJECT_BUILDERS["statement_pk"],
    "api:library-statement-approve": OBJECT_BUILDERS["statement_pk"],
    "api:post-detail": OBJECT_BUILDERS["post_pk"],
    "api:post-submit": OBJECT_BUILDERS["post_pk"],
    "api:post-cancel": OBJECT_BUILDERS["post_pk"],
    "api:hold-detail": OBJECT_BUILDERS["hold_pk"],
    "api:hold-lift": OBJECT_BUILDERS["hold_pk"],
}
# The answers' old path (.../drafts/, kept for one release) takes the same objects.
API_DETAIL_BUILDERS.update(
    {name.replace("api:answer-", "api:draft-"): build for name, build in API_DETAIL_BUILDERS.copy().items()}
)


def url_for(route: Route, client, object_client=None) -> str:
    """The route's URL naming `client`, with objects belonging to `object_client`."""
    object_client = object_client or client
    kwargs = {}
    for name in route.kwargs:
        if name == "client_slug":
            kwargs[name] = client.slug
        elif name == "client_pk":
            kwargs[name] = client.pk
        elif name == "pk" and route.name in API_DETAIL_BUILDERS:
            kwargs[name] = API_DETAIL_BUILDERS[route.name](object_client)
            if route.name == "api:client-detail":
                kwargs[name] = client.pk
        elif name in OBJECT_BUILDERS:
            kwargs[name] = OBJECT_BUILDERS[name](object_client)
        else:
            raise AssertionError(f"{route.name}: add a builder for URL argument '{name}' to this test")
    return reverse(route.name, kwargs=kwargs)


def client_routes() -> list[Route]:
    return [r for r in all_routes() if is_client_scoped(r)]


def _ids(routes):
    return [r.name for r in routes]


def test_every_route_is_scoped_or_explained():
    unexplained = [
        r.name
        for r in all_routes()
        if not is_client_scoped(r)
        and r.name not in NOT_CLIENT_SCOPED
        and not r.name.startswith(tuple(NOT_CLIENT_SCOPED_PREFIXES))
    ]
    assert unexplained == [], "routes with no client in the URL must be explained in NOT_CLIENT_SCOPED"
    assert len(client_routes()) >= 10


def _send(http, method, url, is_api):
    if is_api:
        return getattr(http, method)(url, {}, format="json")
    return getattr(http, method)(url)


def _snapshot(client):
    return (
        AuditEvent.objects.filter(client=client).count(),
        sorted(Brand.objects.filter(client=client).values_list("pk", "name", "slug")),
        sorted(Membership.objects.filter(client=client).values_list("pk", "role")),
        sorted(Source.objects.filter(client=client).values_list("pk", "name", "enabled", "next_poll_at")),
        sorted(
            Mention.objects.filter(client=client).values_list(
                "pk", "risk_level", "assignee_id", "status", "archived_at", "topics"
            )
        ),
        MentionNote.objects.filter(client=client).count(),
        MentionLink.objects.filter(client=client).count(),
        sorted(SavedView.objects.filter(client=client).values_list("pk", "name", "filters", "shared")),
        sorted(RiskPolicy.objects.filter(client=client).values_list("pk", "updated_at")),
        sorted(BusinessHoursBlock.objects.filter(client=client).values_list("pk", "weekday", "opens", "closes")),
        sorted(RoutingPolicy.objects.filter(client=client).values_list("pk", "mode", "default_capacity")),
        sorted(OnCallShift.objects.filter(client=client).values_list("pk", "user_id", "handover_note")),
        sorted(WebhookEndpoint.objects.filter(client=client).values_list("pk", "name", "url", "enabled", "deleted_at")),
        WebhookDelivery.objects.filter(client=client).count(),
        sorted(Answer.objects.filter(client=client).values_list("pk", "state", "current_version_id", "step")),
        ApprovalDecision.objects.filter(client=client).count(),
        sorted(SavedReply.objects.filter(client=client).values_list("pk", "name", "text")),
        sorted(ApprovalRule.objects.filter(client=client).values_list("pk", "name", "position", "needs_approval")),
        sorted(SpikeAlert.objects.filter(client=client).values_list("pk", "status")),
        sorted(DetectionSettings.objects.filter(brand__client=client).values_list("pk", "sensitivity", "muted_until")),
        sorted(KnownEvent.objects.filter(brand__client=client).values_list("pk", "name")),
        sorted(Incident.objects.filter(client=client).values_list("pk", "status", "title")),
        TimelineEntry.objects.filter(client=client).count(),
        IncidentMember.objects.filter(client=client).count(),
        sorted(LibraryStatement.objects.filter(client=client).values_list("pk", "text", "approved_until")),
        Statement.objects.filter(client=client).count(),
        sorted(ScheduledPost.objects.filter(client=client).values_list("pk", "state", "due_at")),
        sorted(Hold.objects.filter(client=client).values_list("pk", "lifted_at", "reason")),
    )


def _missing_object_url(route: Route, client) -> str:
    kwargs = {
        name: (client.slug if name == "client_slug" else client.pk if name == "client_pk" else 987654321)
        for name in route.kwargs
    }
    return reverse(route.name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("route", client_routes(), ids=_ids(client_routes()))
def test_other_clients_objects_answer_404(route, web, api, client_a, client_b, account_lead):
    """A lead of A, with every right at A, gets 404 for anything of B, by any method.

    Through A's own URL, B's object answers exactly as a missing object does
    (404, or 405 for a method the route never takes), so nothing leaks.
    """
    is_api = route.name.startswith("api:")
    http = api(account_lead) if is_api else web(account_lead)
    url = url_for(route, client_b)
    has_object = set(route.kwargs) - {"client_slug", "client_pk"} and route.name != "api:client-detail"
    if has_object:
        foreign = url_for(route, client_a, object_client=client_b)
        missing = _missing_object_url(route, client_a)
    before = _snapshot(client_b)
    for method in ALL_METHODS:
        response = _send(http, method, url, is_api)
        assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}"
        assert b"Bravo" not in response.content
    if has_object:
        for method in ALL_METHODS:
            response = _send(http, method, foreign, is_api)
            expected = 404 if method in supported_methods(route) else _send(http, method, missing, is_api).status_code
            assert response.status_code == expected, f"{method.upper()} {foreign} -> {response.status_code}"
            assert b"Bravo" not in response.content
    assert _snapshot(client_b) == before


@pytest.mark.django_db
@pytest.mark.parametrize("route", client_routes(), ids=_ids(client_routes()))
def test_anonymous_is_refused(route, web, api, client_a):
    is_api = route.name.startswith("api:")
    url = url_for(route, client_a)
    http = api() if is_api else web()
    for method in ALL_METHODS:
        response = _send(http, method, url, is_api)
        if is_api:
            assert response.status_code in (401, 403), f"{method.upper()} {url}"
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], f"{method} {url}"


@pytest.mark.django_db
@pytest.mark.parametrize("route", client_routes(), ids=_ids(client_routes()))
def test_read_only_roles_get_403_on_writes(route, web, api, client_a, client_viewer, client_approver, analyst):
    """Client people and analysts see A but may change none of what these routes change."""
    is_api = route.name.startswith("api:")
    methods = supported_methods(route) & set(UNSAFE_METHODS)
    if not methods:
        pytest.skip("route has no writes")
    url = url_for(route, client_a)
    people = (client_viewer, client_approver, analyst)
    before = _snapshot(client_a)
    for person in people:
        http = api(person) if is_api else web(person)
        for method in methods:
            response = _send(http, method, url, is_api)
            # A client approver decides on answers: on one that does not wait for them, such a
            # route answers as for a missing object.
            refusals = (403, 404) if person == client_approver and route.name in APPROVER_WRITES else (403,)
            if person == client_approver and route.name in APPROVER_APPROVES:
                refusals = (400,)
            assert response.status_code in refusals, f"{person.email} {method.upper()} {url} -> {response.status_code}"
    assert _snapshot(client_a) == before


@pytest.mark.django_db
def test_outsider_client_list_shows_only_own(api, client_a, client_b, account_lead):
    response = api(account_lead).get(reverse("api:client-list"))
    assert [c["slug"] for c in response.json()["results"]] == ["alpha"]


@pytest.mark.django_db
def test_agency_admin_reaches_every_client(web, client_a, client_b, agency_admin):
    for client in (client_a, client_b):
        assert web(agency_admin).get(reverse("client_detail", args=[client.slug])).status_code == 200


@pytest.mark.django_db
def test_user_with_no_membership_sees_nothing(web, api, client_a):
    nobody = UserFactory()
    assert web(nobody).get(reverse("client_detail", args=[client_a.slug])).status_code == 404
    assert api(nobody).get(reverse("api:client-list")).json()["count"] == 0


AGENCY_ADMIN_ROUTES = [r for r in all_routes() if NOT_CLIENT_SCOPED.get(r.name) == "agency admins only"]


@pytest.mark.django_db
@pytest.mark.parametrize("route", AGENCY_ADMIN_ROUTES, ids=_ids(AGENCY_ADMIN_ROUTES))
def test_agency_admin_routes_refuse_everyone_else(route, web, account_lead):
    url = reverse(route.name, kwargs={name: 987654321 for name in route.kwargs})
    http = web(account_lead)
    for method in supported_methods(route):
        assert _send(http, method, url, False).status_code == 403, f"{method.upper()} {url}"


# --- Staff-only fields: client people read a client's rows without the agency's record --------


# Every API read whose serializer has staff-only fields, with a builder of one object of client A
# that fills them (and an answer waiting for the client approver, so they may read it).
def _filled_mention(client):
    from apps.mentions.models import Mention as MentionModel

    mention = MentionFactory(
        brand=BrandFactory(client=client),
        status="taken_private",
        status_reason="Angry; the lead asked to move it to DM",
        private_channel="dm",
        answered_elsewhere_url="https://example.test/answer",
    )
    lead = MembershipFactory(client=client, role=Role.ACCOUNT_LEAD).user
    MentionModel.objects.filter(pk=mention.pk).update(assignee=lead)
    return mention


def _waiting_answer(client):
    from apps.responses.models import AnswerState

    approver = Membership.objects.get(client=client, role=Role.CLIENT_APPROVER).user
    answer = AnswerFactory(mention=_filled_mention(client))
    Answer.objects.filter(pk=answer.pk).update(
        state=AnswerState.PENDING,
        rule_name="High risk: lead, then client",
        steps=[{"role": "client_approver", "mode": "any", "approvers": [approver.pk], "fallback": ""}],
        step=0,
        publish_error="Mastodon said 422",
    )
    return answer


STAFF_FIELD_READS = {
    "api:mention-list": _filled_mention,
    "api:mention-detail": _filled_mention,
    "api:answer-list": _waiting_answer,
    "api:answer-detail": _waiting_answer,
    "api:draft-list": _waiting_answer,
    "api:draft-detail": _waiting_answer,
}
# Written out here, not read from the serializers: dropping one there must fail a test.
MENTION_STAFF_ONLY = ("status_reason", "private_channel", "answered_elsewhere_url", "assignee", "assigned_at")
ANSWER_STAFF_ONLY = ("rule_name", "steps", "publish_error", "cannot_publish")
STAFF_ONLY = {name: MENTION_STAFF_ONLY if "mention" in name else ANSWER_STAFF_ONLY for name in STAFF_FIELD_READS}


def _staff_fields_of(route: Route) -> tuple[str, ...]:
    serializer = getattr(getattr(route.callback, "cls", None), "serializer_class", None)
    return getattr(serializer, "staff_only_fields", ())


def test_every_read_with_staff_only_fields_is_checked():
    reads = {r.name: set(_staff_fields_of(r)) for r in all_routes() if r.name.endswith(("-list", "-detail"))}
    assert {name for name, fields in reads.items() if fields} == set(STAFF_FIELD_READS)
    assert {name: set(fields) for name, fields in STAFF_ONLY.items()} == {name: reads[name] for name in STAFF_ONLY}


STAFF_FIELD_CASES = [(name, field) for name, fields in STAFF_ONLY.items() for field in fields]


def _read(api, person, name, client):
    obj = STAFF_FIELD_READS[name](client)
    kwargs = {"client_pk": client.pk} | ({"pk": obj.pk} if name.endswith("-detail") else {})
    response = api(person).get(reverse(name, kwargs=kwargs), {"status": "all"} if "mention-list" in name else {})
    body = response.json()
    rows = body.get("results", body) if name.endswith("-list") else [body]
    return response.status_code, rows if isinstance(rows, list) else [rows]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), STAFF_FIELD_CASES, ids=[f"{n}:{f}" for n, f in STAFF_FIELD_CASES])
@pytest.mark.parametrize("role", ["client_viewer", "client_approver"])
def test_client_people_never_receive_staff_only_fields(name, field, role, request, api, client_a, client_approver):
    person = request.getfixturevalue(role)
    status, rows = _read(api, person, name, client_a)
    if status in (403, 404):  # what they may not read at all leaks nothing either
        return
    assert status == 200 and rows, f"{role} read nothing from {name}: the check proves nothing"
    assert all(field not in row for row in rows), f"{role} received {field} from {name}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), STAFF_FIELD_CASES, ids=[f"{n}:{f}" for n, f in STAFF_FIELD_CASES])
@pytest.mark.parametrize("role", ["account_lead", "responder", "analyst"])
def test_agency_people_receive_staff_only_fields(name, field, role, request, api, client_a, client_approver):
    person = request.getfixturevalue(role)
    status, rows = _read(api, person, name, client_a)
    assert status == 200 and rows and all(field in row for row in rows), f"{role} lacks {field} in {name}"
