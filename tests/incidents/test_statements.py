"""An incident's statements: drafted in the incident, approved by an account lead and then the
client's approver, posted from the brand's own account (local Mastodon and Bluesky servers) or
recorded as sent by hand; the library's texts approved in advance go out at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.core.sentences import sentence_of
from apps.incidents import statements
from apps.incidents.models import IncidentRole, LibraryStatement, SelfCheck, StatementChannel, StatementKind
from apps.incidents.services import incident_declare
from apps.notifications.models import Notification, NotificationEvent
from apps.responses.models import AnswerState
from apps.responses.services import answer_decide
from tests.factories import CrisisTypeFactory, LibraryStatementFactory, SourceFactory

pytestmark = pytest.mark.django_db
STATUSES = "/api/v1/statuses"
DID = "did:plc:brandaccount000000000000"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def running(brand, actor, **extra):
    values = {"title": "Leaking cans", "crisis_type": CrisisTypeFactory(), "severity": 1, "brands": [brand], **extra}
    return incident_declare(actor=actor, client=brand.client, **values)


def mastodon_account(brand, httpserver, **credentials):
    source = SourceFactory(
        brand=brand,
        kind="mastodon",
        own_channel=True,
        config={"base_url": httpserver.url_for("/"), "mode": "hashtag", "hashtag": "x"},
    )
    source.set_credentials(credentials or {"access_token": "brand-token"})
    source.save()
    return source


def approve(person, statement):
    answer = statement.answer
    answer.refresh_from_db()
    answer_decide(actor=person, answer=answer, version=answer.current_version.number, decision="approve")
    answer.refresh_from_db()
    return answer


def approve_in_advance(person, item, *, until):
    """As the library page does: the approver approves the text they read."""
    item.refresh_from_db()
    statements.library_statement_approve(
        actor=person, statement=item, until=until, seen=statements.text_seal(text=item.text)
    )
    item.refresh_from_db()


def holding_step(incident):
    return incident.playbook.get(self_check=SelfCheck.HOLDING_STATEMENT)


def test_a_holding_statement_goes_out_on_mastodon_only_after_the_lead_and_the_client_approved(
    brand_a, responder, account_lead, client_approver, client_viewer, httpserver, run_on_commit, web
):
    mastodon_account(brand_a, httpserver)
    incident = running(brand_a, account_lead)
    statement = statements.statement_draft(
        actor=responder,
        incident=incident,
        kind=StatementKind.HOLDING,
        channel=StatementChannel.MASTODON,
        language="da",
        text="Vi ved, at dåserne lækker. Vi undersøger det og vender tilbage inden kl. 14.",
    )
    answer = statement.answer
    statements.statement_submit(
        actor=responder, statement=statement, text=answer.current_version.text, base_version=1, comment="Urgent"
    )
    answer.refresh_from_db()
    assert answer.state == AnswerState.PENDING and [step["role"] for step in answer.steps] == [
        "account_lead",
        "client_approver",
    ]
    asked = Notification.objects.filter(event=NotificationEvent.APPROVAL_REQUESTED, user=account_lead).get()
    assert "Leaking cans" in asked.title
    with pytest.raises(PermissionDenied):  # the client's turn comes second
        answer_decide(actor=client_approver, answer=answer, version=1, decision="approve")
    answer = approve(account_lead, statement)
    assert answer.state == AnswerState.PENDING and answer.step == 1
    with pytest.raises(ValidationError, match="approved"):
        statements.statement_send(actor=responder, statement=statement)  # the client has not approved yet
    approver_page = web(client_approver).get(reverse("approvals", args=[brand_a.client.slug])).content.decode()
    assert "Holding statement: Leaking cans" in approver_page
    answer = approve(client_approver, statement)
    assert answer.state == AnswerState.APPROVED

    httpserver.expect_oneshot_request(STATUSES, method="POST").respond_with_json(
        {"id": "1", "uri": "https://brand.example/statuses/1", "url": "https://brand.example/@brand/1"}
    )
    run_on_commit(lambda: statements.statement_send(actor=responder, statement=statement))

    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == "Bearer brand-token"
    assert request.get_json() == {"status": answer.current_version.text, "visibility": "public", "language": "da"}
    answer.refresh_from_db()
    assert answer.state == AnswerState.PUBLISHED and answer.published_url == "https://brand.example/@brand/1"
    incident.refresh_from_db()
    assert incident.acknowledged_at == answer.published_at
    assert holding_step(incident).done_at is not None
    shared = incident.timeline.filter(client_visible=True, kind="statement").get()
    assert "dåserne lækker" in shared.text and shared.at == answer.published_at
    assert incident.timeline.filter(client_visible=False, kind="statement", text__contains="approved by").count() == 2
    page = web(client_viewer).get(reverse("crisis_detail", args=[brand_a.client.slug, incident.pk])).content.decode()
    assert "dåserne lækker" in page and "sent for approval" not in page
    sentence = sentence_of(AuditEvent.objects.filter(action="answer.published").get(), {})
    assert "statement" in sentence


def test_a_statement_on_bluesky_is_a_post_of_its_own_not_a_reply(
    brand_a, responder, account_lead, client_approver, httpserver, run_on_commit
):
    source = SourceFactory(
        brand=brand_a,
        kind="bluesky",
        config={"base_url": httpserver.url_for("/appview"), "pds_url": httpserver.url_for("/pds"), "query": "x"},
    )
    source.set_credentials({"identifier": "brand.bsky.social", "app_password": "app-pass-word"})
    source.save()
    incident = running(brand_a, account_lead)
    statement = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="bluesky", language="en", text="We know. On it."
    )
    statements.statement_submit(actor=responder, statement=statement, text="We know. On it.", base_version=1)
    approve(account_lead, statement)
    approve(client_approver, statement)
    httpserver.expect_oneshot_request("/pds/xrpc/com.atproto.server.createSession", method="POST").respond_with_json(
        {"accessJwt": "jwt-1", "did": DID}
    )
    httpserver.expect_oneshot_request("/pds/xrpc/com.atproto.repo.getRecord").respond_with_json(
        {"error": "RecordNotFound", "message": "Could not locate record"}, status=400
    )
    httpserver.expect_oneshot_request("/pds/xrpc/com.atproto.repo.createRecord", method="POST").respond_with_json(
        {"uri": f"at://{DID}/app.bsky.feed.post/3lnew", "cid": "bafynew"}
    )
    run_on_commit(lambda: statements.statement_send(actor=responder, statement=statement))
    record = httpserver.log[2][0].get_json()["record"]
    assert record["text"] == "We know. On it." and "reply" not in record
    statement.answer.refresh_from_db()
    assert statement.answer.state == AnswerState.PUBLISHED


def test_a_library_text_approved_in_advance_goes_out_at_once_and_an_edit_needs_approval(
    brand_a, responder, account_lead, client_approver, web
):
    brand_a.name = "Fizz"
    brand_a.save()
    item = LibraryStatementFactory(
        client=brand_a.client, channel="press_release", text="{brand} knows. More at {time}."
    )
    approve_in_advance(client_approver, item, until=timezone.localdate() + timedelta(days=30))
    incident = running(brand_a, account_lead)
    statement = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="press_release", language="", from_library=item
    )
    answer = statement.answer
    assert answer.current_version.text.startswith("Fizz knows. More at ") and "{" not in answer.current_version.text
    assert answer.state == AnswerState.APPROVED and answer.current_version.language == "da"
    assert not Notification.objects.filter(event=NotificationEvent.APPROVAL_REQUESTED).exists()
    assert "approved in advance" in incident.timeline.filter(kind="statement").first().text

    edited = statements.statement_save(actor=responder, statement=statement, text="Fizz knows. Sorry.", base_version=1)
    assert edited.state == AnswerState.DRAFT  # its own words now: the advance approval does not cover them
    with pytest.raises(ValidationError):
        statements.statement_mark_sent(actor=responder, statement=statement, url="https://fizz.example/press")

    # Sent by hand once approved: the moment and the step, and the client sees it.
    again = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="press_release", language="", from_library=item
    )
    statements.statement_mark_sent(actor=responder, statement=again, url="https://fizz.example/press")
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None and holding_step(incident).done_at is not None
    shared = incident.timeline.get(client_visible=True)
    assert "out by hand (Press release)" in shared.text


def test_a_lapsed_or_changed_library_text_goes_through_approval(brand_a, responder, account_lead, client_approver):
    item = LibraryStatementFactory(client=brand_a.client, channel="website", text="{brand} is on it.")
    approve_in_advance(client_approver, item, until=timezone.localdate())
    item.approved_until = timezone.localdate() - timedelta(days=1)  # it lapsed yesterday
    item.save()
    incident = running(brand_a, account_lead)
    lapsed = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="website", language="en", from_library=item
    )
    assert lapsed.answer.state == AnswerState.DRAFT
    approve_in_advance(client_approver, item, until=timezone.localdate())
    changed = statements.library_statement_save(
        actor=responder,
        client=brand_a.client,
        statement=item,
        name=item.name,
        language="en",
        channel="website",
        text="{brand} is working on it.",
    )
    assert changed.approved_until is None and changed.approved_by is None
    asked = Notification.objects.filter(event=NotificationEvent.APPROVAL_REQUESTED, user=client_approver)
    assert asked.count() == 1 and "in advance" in asked.first().title  # its words changed: asked again
    events = AuditEvent.objects.filter(action__startswith="library_statement.").order_by("pk")
    assert [event.action for event in events] == [
        "library_statement.approved",
        "library_statement.approved",
        "library_statement.changed",
    ]
    assert "approved the holding statement" in sentence_of(events[0], {})


def test_bad_statements_are_refused_with_field_messages(brand_a, responder, account_lead, client_approver):
    incident = running(brand_a, account_lead)
    with pytest.raises(ValidationError) as refused:  # no account of the brand can post on Mastodon
        statements.statement_draft(
            actor=responder, incident=incident, kind="holding", channel="mastodon", language="en", text="We know."
        )
    assert "channel" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        statements.statement_draft(
            actor=responder, incident=incident, kind="holding", channel="website", language="en", text="At {hour}."
        )
    assert refused.value.message_dict == {"text": ["Fill in {hour} first."]}
    with pytest.raises(ValidationError) as refused:
        statements.statement_draft(actor=responder, incident=incident, kind="nope", channel="fax", language="en")
    assert set(refused.value.message_dict) == {"kind", "channel", "text"}
    with pytest.raises(ValidationError) as refused:
        statements.library_statement_save(
            actor=responder, client=brand_a.client, name="X", language="en", channel="website", text="{ceo} says"
        )
    assert "Unknown variables: ceo" in refused.value.message_dict["text"][0]
    item = LibraryStatementFactory(client=brand_a.client)
    with pytest.raises(ValidationError) as refused:
        approve_in_advance(client_approver, item, until=timezone.localdate() - timedelta(days=1))
    assert "until" in refused.value.message_dict
    with pytest.raises(PermissionDenied):  # approving in advance is the approver's
        approve_in_advance(responder, item, until=timezone.localdate())


def test_a_formal_statement_does_not_acknowledge_nor_tick_the_holding_step(
    brand_a, responder, account_lead, client_approver
):
    incident = running(brand_a, account_lead)
    statement = statements.statement_draft(
        actor=responder, incident=incident, kind="formal", channel="video", language="en", text="Our CEO explains."
    )
    statements.statement_submit(actor=responder, statement=statement, text="Our CEO explains.", base_version=1)
    approve(account_lead, statement)
    approve(client_approver, statement)
    statements.statement_mark_sent(actor=responder, statement=statement, url="https://video.example/ceo")
    assert "Formal statement out by hand (Video)" in incident.timeline.get(client_visible=True).text
    incident.refresh_from_db()
    assert incident.acknowledged_at is None and holding_step(incident).done_at is None


def test_a_private_incidents_statement_keeps_its_title_from_the_approvers(
    brand_a, responder, account_lead, client_approver, web
):
    incident = running(brand_a, account_lead, private=True, title="Secret recall")
    incident.members.create(client=brand_a.client, role=IncidentRole.ENGAGEMENT, user=responder)
    statement = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="website", language="en", text="We know."
    )
    statements.statement_submit(actor=responder, statement=statement, text="We know.", base_version=1)
    approve(account_lead, statement)
    page = web(client_approver).get(reverse("approval_detail", args=[brand_a.client.slug, statement.answer.pk]))
    assert page.status_code == 200
    assert "Secret recall" not in page.content.decode() and "private incident" in page.content.decode()


def test_the_incident_page_drafts_submits_and_keeps_refused_text(
    brand_a, responder, account_lead, client_approver, web
):
    incident = running(brand_a, account_lead)
    http, url = web(responder), reverse("incident_detail", args=[brand_a.client.slug, incident.pk])
    refused = http.post(url, {"section": "statement", "kind": "holding", "channel": "website", "text": "At {hour}"})
    assert refused.status_code == 400 and "Fill in {hour} first." in refused.content.decode()
    assert "At {hour}" in refused.content.decode()
    made = http.post(url, {"section": "statement", "kind": "holding", "channel": "website", "text": "We know <b>"})
    assert made.status_code == 302
    page = http.get(url).content.decode()
    assert "We know &lt;b&gt;" in page and "Draft" in page
    statement = incident.statements.get()
    sent = http.post(
        url,
        {"section": "statement_edit", "statement": statement.pk, "text": "We know.", "base_version": 1, "submit": "on"},
    )
    assert sent.status_code == 302
    statement.answer.refresh_from_db()
    assert statement.answer.state == AnswerState.PENDING and statement.answer.current_version.number == 2
    diff = http.get(reverse("answer_diff", args=[brand_a.client.slug, statement.answer.pk])).content.decode()
    assert "<ins>" in diff and "#statements" in diff
    stale = http.post(url, {"section": "statement_edit", "statement": statement.pk, "text": "x", "base_version": 1})
    assert stale.status_code == 400 and "saved meanwhile" in stale.content.decode()
    foreign = http.post(url, {"section": "statement_send", "statement": 987654})
    assert foreign.status_code == 400


def test_the_library_pages(brand_a, responder, client_approver, client_viewer, web):
    slug = brand_a.client.slug
    http = web(responder)
    added = http.post(
        reverse("statement_library", args=[slug]),
        {"name": "Outage", "language": "da", "channel": "mastodon", "text": "{brand} er nede. Vi arbejder på det."},
    )
    assert added.status_code == 302
    item = LibraryStatement.objects.get(client=brand_a.client)
    bad = http.post(
        reverse("statement_library", args=[slug]), {"name": "", "language": "da", "channel": "mastodon", "text": "x"}
    )
    assert bad.status_code == 400
    item_url = reverse("statement_library_item", args=[slug, item.pk])
    until = (timezone.localdate() + timedelta(days=90)).isoformat()
    seen = web(client_approver).get(item_url).context["approval_form"].initial["seen"]
    assert web(client_approver).post(item_url, {"section": "approve", "until": until}).status_code == 400  # unread
    assert web(client_approver).post(item_url, {"section": "approve", "until": until, "seen": seen}).status_code == 302
    item.refresh_from_db()
    assert item.approved_by == client_approver and item.approved_until.isoformat() == until
    assert web(client_approver).post(item_url, {"section": "delete"}).status_code == 403  # the team's
    assert http.post(item_url, {"section": "approve", "until": until}).status_code == 403
    assert web(client_viewer).get(item_url).status_code == 403
    listing = http.get(reverse("statement_library", args=[slug])).content.decode()
    assert "Outage" in listing and "until" in listing


def test_statements_and_the_library_through_the_api(api, brand_a, responder, account_lead, client_approver):
    base = f"/api/v1/clients/{brand_a.client.pk}"
    team, approver = api(responder), api(client_approver)
    made = team.post(
        f"{base}/statement-library/",
        {"name": "Outage", "language": "en", "channel": "website", "text": "{brand} is on it."},
        format="json",
    )
    assert made.status_code == 201, made.json()
    item = made.json()["id"]
    wrong = team.post(
        f"{base}/statement-library/", {"name": "X", "language": "en", "channel": "fax", "text": "x"}, format="json"
    )
    assert wrong.status_code == 400 and "channel" in wrong.json()["errors"]
    assert team.post(f"{base}/statement-library/{item}/approve/", {"until": None}, format="json").status_code == 403
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    seal = made.json()["seal"]
    approved = approver.post(f"{base}/statement-library/{item}/approve/", {"until": until, "seen": seal}, format="json")
    assert approved.status_code == 200 and approved.json()["approved_until"] == until
    changed = team.patch(f"{base}/statement-library/{item}/", {"text": "{brand} is working on it."}, format="json")
    assert changed.status_code == 200 and changed.json()["approved_until"] is None

    incident = running(brand_a, account_lead)
    url = f"{base}/incidents/{incident.pk}/statements/"
    refused = team.post(url, {"channel": "website", "text": "At {hour}"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"]["text"] == ["Fill in {hour} first."]
    foreign = team.post(url, {"channel": "website", "from_library": 987654}, format="json")
    assert foreign.status_code == 400 and "from_library" in foreign.json()["errors"]
    drafted = team.post(url, {"channel": "website", "from_library": item, "language": "en"}, format="json")
    assert drafted.status_code == 201, drafted.json()
    statement = drafted.json()
    assert statement["state"] == "draft" and statement["text"] == f"{brand_a.name} is working on it."
    answer_url = f"{base}/answers/{statement['answer']}/"
    listed = team.get(f"{base}/answers/").json()["results"]
    assert [row["mention"] for row in listed if row["id"] == statement["answer"]] == [None]
    assert team.post(answer_url + "submit/", {}, format="json").status_code == 200
    for person in (account_lead, client_approver):
        decided = api(person).post(answer_url + "decide/", {"version": 1, "decision": "approve"}, format="json")
        assert decided.status_code == 201, decided.json()
    sent = team.post(answer_url + "mark-sent/", {"url": "https://alpha.example/news"}, format="json")
    assert sent.status_code == 200, sent.json()
    shown = team.get(url).json()
    assert shown[0]["state"] == "published" and shown[0]["published_url"] == "https://alpha.example/news"


def test_only_the_clients_approver_approves_in_advance_and_only_what_they_read(
    brand_a, account_lead, agency_admin, client_approver, responder
):
    item = LibraryStatementFactory(client=brand_a.client, channel="website", language="en", text="{brand} is on it.")
    seal = statements.text_seal(text=item.text)
    until = timezone.localdate() + timedelta(days=5)
    for agency_person in (account_lead, agency_admin):  # the agency does not approve for the client
        with pytest.raises(PermissionDenied):
            statements.library_statement_approve(actor=agency_person, statement=item, until=until, seen=seal)
    statements.library_statement_save(
        actor=responder,
        client=brand_a.client,
        statement=item,
        name=item.name,
        language="en",
        channel="website",
        text="{brand} is on it, really.",
    )
    with pytest.raises(ValidationError, match="changed while you read it"):
        statements.library_statement_approve(actor=client_approver, statement=item, until=until, seen=seal)
    approve_in_advance(client_approver, item, until=until)
    assert item.approved_by == client_approver
    moved = statements.library_statement_save(
        actor=responder,
        client=brand_a.client,
        statement=item,
        name=item.name,
        language="en",
        channel="press_release",
        text=item.text,
    )
    assert moved.approved_until is None  # approved for the website, not for a press release


def test_an_advance_approval_holds_for_its_own_channel_and_language_only(
    brand_a, account_lead, client_approver, responder
):
    item = LibraryStatementFactory(client=brand_a.client, channel="website", language="en", text="{brand} is on it.")
    approve_in_advance(client_approver, item, until=timezone.localdate() + timedelta(days=5))
    incident = running(brand_a, account_lead)

    def drafted(channel, language):
        return statements.statement_draft(
            actor=responder, incident=incident, kind="holding", channel=channel, language=language, from_library=item
        ).answer.state

    assert drafted("press_release", "en") == AnswerState.DRAFT
    assert drafted("website", "da") == AnswerState.DRAFT
    assert drafted("website", "en") == AnswerState.APPROVED
    used = AuditEvent.objects.filter(action="answer.approved").get()
    names = {client_approver.pk: client_approver.display_name, responder.pk: responder.display_name}
    assert sentence_of(used, names).startswith(
        f"{responder.display_name} used a text {client_approver.display_name} approved"
    )


def test_a_statement_is_not_worked_through_the_answer_pages_of_mentions(brand_a, responder, account_lead, web):
    incident = running(brand_a, account_lead)
    statement = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="website", language="en", text="We know."
    )
    http, slug = web(responder), brand_a.client.slug
    for name in ("answer_save", "answer_submit", "answer_publish", "answer_mark_sent"):
        assert http.post(reverse(name, args=[slug, statement.answer.pk]), {"text": "x"}).status_code == 404


def test_a_private_incidents_statement_is_its_members_and_approvers_only_and_stays_off_webhooks(
    brand_a, responder, account_lead, analyst, client_approver, api, web
):
    from apps.notifications.models import WebhookDelivery
    from tests.factories import WebhookEndpointFactory

    WebhookEndpointFactory(client=brand_a.client)
    incident = running(brand_a, account_lead, private=True, title="Secret recall")
    incident.members.create(client=brand_a.client, role=IncidentRole.PUBLISHING, user=responder)
    statement = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="website", language="en", text="We recall batch 7."
    )
    statements.statement_submit(actor=responder, statement=statement, text="We recall batch 7.", base_version=1)
    assert not WebhookDelivery.objects.exists()  # the approval request went to the lead, not to the client's Slack
    base, slug = f"/api/v1/clients/{brand_a.client.pk}/answers/", brand_a.client.slug
    assert api(analyst).get(base + f"{statement.answer.pk}/").status_code == 404  # not in it
    assert "batch 7" not in web(analyst).get(reverse("approvals", args=[slug])).content.decode()
    assert api(responder).get(base + f"{statement.answer.pk}/").status_code == 200  # a member
    assert "batch 7" in web(account_lead).get(reverse("approvals", args=[slug])).content.decode()  # in it: declared it
    public = running(brand_a, account_lead, title="Open")
    other = statements.statement_draft(
        actor=responder, incident=public, kind="holding", channel="website", language="en", text="We know."
    )
    statements.statement_submit(actor=responder, statement=other, text="We know.", base_version=1)
    assert WebhookDelivery.objects.exists()


def test_library_variables_are_filled_in_the_texts_language_and_stray_braces_are_refused(
    brand_a, account_lead, client_approver, responder
):
    incident = running(brand_a, account_lead)
    filled = statements.fill_variables(text="i dag {date} kl. {time}", incident=incident, language="da")
    month = timezone.localdate().month
    danish = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ][month - 1]
    assert danish in filled and "a.m." not in filled and "p.m." not in filled
    for broken in ("{brand har problemer", "{brand!r} is on it", "We {} know"):
        with pytest.raises(ValidationError) as refused:
            statements.library_statement_save(
                actor=responder, client=brand_a.client, name="X", language="da", channel="website", text=broken
            )
        assert "text" in refused.value.message_dict, broken
    item = LibraryStatementFactory(client=brand_a.client, channel="website", language="en", text="{brand} knows.")
    approve_in_advance(client_approver, item, until=timezone.localdate() + timedelta(days=3))
    same = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="", language="", from_library=item
    )
    assert same.channel == "website" and same.answer.state == AnswerState.APPROVED  # its own channel by default
    assert statements.not_in_advance(statement=same) == ""
    other = statements.statement_draft(
        actor=responder, incident=incident, kind="holding", channel="video", language="", from_library=item
    )
    assert "for Website in en only" in statements.not_in_advance(statement=other)
    with pytest.raises(ValidationError) as refused:  # a typed placeholder of any shape stops it
        statements.statement_draft(
            actor=responder, incident=incident, kind="holding", channel="website", language="en", text="Hi {brand!r}"
        )
    assert "text" in refused.value.message_dict
