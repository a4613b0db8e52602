"""Writes of an incident's statements and of the client's holding-statement library.

A statement is an answer with no mention (apps.responses): its versions, the approval by an
account lead and then a client approver, and publishing are the answer workflow's, so the rule
that nothing goes out unapproved is kept in one place. What this module adds: the channel and
the brand's account to post from, the library's texts with their variables, the approval in
advance that a library text still holds, and the incident's side of it (timeline, the moment
of the first public acknowledgement, the playbook step that ticks itself).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.listening.models import Source
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.responses import sending
from apps.responses import services as answers
from apps.responses.models import Answer, AnswerState
from apps.responses.publishing import can_post_from
from apps.tenants.models import Client, Membership
from apps.tenants.roles import ClientPerm, Role
from apps.tenants.services import require_client_perm

from . import events
from .models import (
    POSTED_CHANNELS,
    CrisisType,
    Incident,
    IncidentStatus,
    LibraryStatement,
    SelfCheck,
    Statement,
    StatementChannel,
    StatementKind,
)
from .services import _entry, tick_self_checks

VARIABLE = re.compile(r"\{([a-z_]+)\}")
# Not the incident's title: it is the agency's own words (and a private incident's is secret);
# a library text the client approved must not take any wording as a variable.
VARIABLES = ("brand", "client", "date", "time", "next_update")
LIBRARY_TEXT_MAX = LibraryStatement._meta.get_field("text").max_length
APPROVAL_MAX_DAYS = 2 * 366
CLOSED = (IncidentStatus.CLOSED, IncidentStatus.CANCELLED)


def variables_of(*, incident: Incident, language: str = "") -> dict[str, str]:
    """What a library text's variables say in this incident, now, as `language` writes dates
    and times ("4. december 2026", "kl. 21:13" in Danish)."""
    with translation.override(language or None):
        return _variables(incident)


def _variables(incident: Incident) -> dict[str, str]:
    now = timezone.localtime()
    nxt = incident.next_update_at
    return {
        "brand": ", ".join(brand.name for brand in incident.brands.all()) or incident.client.name,
        "client": incident.client.name,
        "date": formats.date_format(now, "DATE_FORMAT"),
        "time": formats.time_format(now, "TIME_FORMAT"),
        "next_update": formats.time_format(timezone.localtime(nxt), "TIME_FORMAT") if nxt else "",
    }


def fill_variables(*, text: str, incident: Incident, language: str = "") -> str:
    """The text with {brand}, {client}, {date}, {time} and {next_update} filled in;
    other braces are left for the writer (and stop the statement until they are)."""
    values = variables_of(incident=incident, language=language)
    return VARIABLE.sub(lambda match: values.get(match.group(1)) or match.group(0), text)


def account_for(*, incident: Incident, channel: str) -> Source | None:
    """The brand's account the app posts a statement from on `channel`: one of the incident's
    brands' sources on that platform that can post, the brand's own channel first."""
    sources = (
        Source.objects.unscoped()
        .filter(client_id=incident.client_id, brand__in=incident.brands.all(), kind=channel)
        .order_by("-own_channel", "pk")
    )
    return next((source for source in sources if can_post_from(source)), None)


def _subject(incident: Incident, kind: str) -> str:
    label = StatementKind(kind).label
    if incident.private:  # the approvers may not be its members: no title
        return str(_("%(kind)s of a private incident") % {"kind": label})
    return f"{label}: {incident.title}"


@transaction.atomic
def statement_draft(
    *,
    actor: User,
    incident: Incident,
    kind: str,
    channel: str,
    language: str,
    text: str = "",
    from_library: LibraryStatement | None = None,
    request: HttpRequest | None = None,
) -> Statement:
    """A statement written in the incident, as version 1. From a library text approved until
    today and left as filled in, it is approved at once; any other goes to approval."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    errors: dict[str, list[str]] = {}
    if incident.status in CLOSED:
        raise ValidationError(_("The incident is %(status)s: no more statements.") % {"status": incident.status})
    if kind not in StatementKind.values:
        errors["kind"] = [_("Choose a holding or a formal statement.")]
    if channel and channel not in StatementChannel.values:
        errors["channel"] = [_("Choose where the statement goes.")]
    if from_library is not None and from_library.client_id != incident.client_id:
        errors["from_library"] = [_("Choose one of this client's statements.")]
    if from_library is not None and not channel and not errors:
        channel = from_library.channel  # the library text's own, unless another is chosen
    if not channel:
        errors["channel"] = [_("Choose where the statement goes.")]
    filled = (
        fill_variables(text=from_library.text, incident=incident, language=language or from_library.language)
        if from_library and not errors
        else ""
    )
    text = (text or "").strip() or filled
    if not text and "from_library" not in errors:
        errors["text"] = [_("Write the statement, or start from one in the library.")]
    source = None
    if channel in POSTED_CHANNELS and not errors:
        source = account_for(incident=incident, channel=channel)
        if source is None:
            errors["channel"] = [
                _(
                    "No account of the brand on %(channel)s can post: give one of its sources credentials, "
                    "or choose a channel the statement is sent on by hand."
                )
                % {"channel": StatementChannel(channel).label}
            ]
    if errors:
        raise ValidationError(errors)
    answers.require_filled(text=text)
    answer = answers.statement_start(
        actor=actor,
        client=incident.client,
        subject=_subject(incident, kind),
        subject_url=incident.get_absolute_url() + "#statements",
        text=text,
        language=language or (from_library.language if from_library else ""),
        source=source,
        request=request,
    )
    statement = Statement.objects.create(
        client_id=incident.client_id,
        incident=incident,
        answer=answer,
        kind=kind,
        channel=channel,
        from_library=from_library,
    )
    _entry(
        incident,
        "statement",
        _("%(kind)s drafted for %(channel)s.")
        % {"kind": statement.get_kind_display(), "channel": statement.get_channel_display()},
        actor=actor,
    )
    if _covered_in_advance(
        from_library, text=text, filled=filled, channel=channel, language=answer.current_version.language
    ):
        statement.answer = answers.answer_approve_in_advance(
            actor=actor,
            answer=answer,
            reason=_("approved in advance: %(name)s, until %(until)s")
            % {"name": from_library.name, "until": from_library.approved_until.isoformat()},
            approved_by=from_library.approved_by,
            request=request,
        )
    return statement


def not_in_advance(*, statement: Statement) -> str:
    """Why a statement drafted from an approved library text still needs approval ("" when it
    was approved at once, or came from no approved text)."""
    library, answer = statement.from_library, statement.answer
    if library is None or answer.state == AnswerState.APPROVED or not library.approved_on(timezone.localdate()):
        return ""
    if statement.channel != library.channel or answer.current_version.language != library.language:
        return _(
            "The client approved %(name)s for %(channel)s in %(language)s only: this one goes through approval."
        ) % {
            "name": library.name,
            "channel": library.get_channel_display(),
            "language": library.language,
        }
    return _("The text differs from the one the client approved: it goes through approval.")


def _covered_in_advance(
    library: LibraryStatement | None, *, text: str, filled: str, channel: str, language: str
) -> bool:
    """The client approved exactly this: the library text as filled in, unchanged, for this
    channel and language, and its approval still runs today."""
    return (
        library is not None
        and text == filled
        and channel == library.channel
        and language == library.language
        and library.approved_on(timezone.localdate())
    )


def statement_save(
    *, actor: User, statement: Statement, text: str, base_version: int, request: HttpRequest | None = None
) -> Answer:
    """A new version of the statement's text (approval given to an earlier one is void)."""
    answers.require_filled(text=text or "")
    return answers.answer_save(
        actor=actor, answer=statement.answer, text=text, base_version=base_version, request=request
    )


def statement_submit(
    *,
    actor: User,
    statement: Statement,
    text: str,
    base_version: int,
    comment: str = "",
    request: HttpRequest | None = None,
) -> Answer:
    """Ask an account lead, then a client approver, to approve the text as it is in the editor
    (answer_submit refuses one with a {variable} left)."""
    return answers.answer_submit(
        actor=actor, answer=statement.answer, text=text, base_version=base_version, comment=comment, request=request
    )


def statement_send(*, actor: User, statement: Statement, request: HttpRequest | None = None) -> Answer:
    """Post the approved statement from the brand's account (a worker does it after the commit)."""
    return sending.answer_publish(actor=actor, answer=statement.answer, request=request)


def statement_mark_sent(
    *, actor: User, statement: Statement, url: str = "", sent_at=None, request: HttpRequest | None = None
) -> Answer:
    """Record that the approved statement went out by hand (press release, website, video...)."""
    return sending.answer_mark_sent(actor=actor, answer=statement.answer, url=url, sent_at=sent_at, request=request)


def follow_statement(*, actor: User | None, answer: Answer, action: str, after: dict) -> None:
    """An answer event (responses.events.answer_listeners): when it is one of an incident's
    statements, its timeline hears of it; the first holding statement out acknowledges the
    incident publicly and ticks its playbook step."""
    if not answer.is_statement:
        return
    statement = Statement.objects.unscoped().select_related("incident").filter(answer_id=answer.pk).first()
    if statement is None:
        return
    incident, kind = statement.incident, statement.get_kind_display()
    version = after.get("version")
    if action == "submitted":
        _entry(
            incident,
            "statement",
            _("%(kind)s sent for approval (version %(n)s).") % {"kind": kind, "n": version},
            actor=actor,
        )
    elif action == "decided":
        words = {
            "approve": _("%(kind)s: version %(n)s approved by %(who)s."),
            "request_changes": _("%(kind)s: %(who)s asked for changes to version %(n)s."),
            "reject": _("%(kind)s: version %(n)s rejected by %(who)s."),
        }[after.get("decision", "approve")]
        _entry(incident, "statement", words % {"kind": kind, "n": version, "who": actor or "?"}, actor=actor)
        if after.get("state") == AnswerState.APPROVED:
            _entry(incident, "statement", _("%(kind)s approved: it can go out.") % {"kind": kind}, actor=actor)
    elif action == "approved":
        why = after.get("in_advance") or _("no approval needed")
        _entry(incident, "statement", _("%(kind)s approved (%(why)s).") % {"kind": kind, "why": why}, actor=actor)
    elif action == "publish_failed":
        _entry(
            incident,
            "statement",
            _("%(kind)s could not be published: %(error)s") % {"kind": kind, "error": after.get("error", "")},
            actor=None,
        )
    elif action in ("published", "published_late", "sent_by_hand"):
        # published_late: a worker's post landed after the answer moved on; it is out all the same.
        _went_out(statement, answer, actor, by_hand=action == "sent_by_hand")


def _went_out(statement: Statement, answer: Answer, actor: User | None, *, by_hand: bool) -> None:
    incident, at = statement.incident, answer.published_at or timezone.now()
    words = (
        _("%(kind)s out by hand (%(channel)s): %(text)s")
        if by_hand
        else _("%(kind)s published on %(channel)s: %(text)s")
    )
    text = words % {
        "kind": statement.get_kind_display(),
        "channel": statement.get_channel_display(),
        "text": answer.current_version.text,
    }
    if answer.published_url:
        text += f"\n{answer.published_url}"
    _entry(incident, "statement", text, actor=actor, client_visible=True, at=at)
    if statement.kind != StatementKind.HOLDING:
        return
    if Incident.objects.unscoped().filter(pk=incident.pk, acknowledged_at__isnull=True).update(acknowledged_at=at):
        incident.acknowledged_at = at
        events.incident_acknowledged_event(actor=actor, incident=incident)
    tick_self_checks(incident=incident, check=SelfCheck.HOLDING_STATEMENT, actor=actor)


# The library


def _clean_library(client: Client, name, language, channel, text, crisis_type, errors: dict) -> dict:
    name, text, language = (name or "").strip(), (text or "").strip(), (language or "").strip().lower()
    if not name:
        errors["name"] = [_("Give the statement a name.")]
    if not language or len(language) > 8:
        errors["language"] = [_("Enter a language code such as da or nb.")]
    if channel not in StatementChannel.values:
        errors["channel"] = [_("Choose the channel it is written for.")]
    if not text:
        errors["text"] = [_("Write the statement.")]
    elif len(text) > LIBRARY_TEXT_MAX:
        errors["text"] = [_("Keep it under %(max)d characters.") % {"max": LIBRARY_TEXT_MAX}]
    unknown = sorted({match.group(1) for match in VARIABLE.finditer(text)} - set(VARIABLES))
    if not unknown and ("{" in VARIABLE.sub("", text) or "}" in VARIABLE.sub("", text)):
        errors["text"] = [
            _("A brace that is no variable: write variables as %(known)s, nothing else in braces.")
            % {"known": ", ".join(f"{{{name}}}" for name in VARIABLES)}
        ]
    if unknown:
        errors["text"] = [
            _("Unknown variables: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(f"{{{name}}}" for name in VARIABLES)}
        ]
    if crisis_type is not None and not isinstance(crisis_type, CrisisType):
        errors["crisis_type"] = [_("Choose a kind of crisis, or any.")]
    return {"name": name[:80], "language": language, "channel": channel, "text": text, "crisis_type": crisis_type}


@transaction.atomic
def library_statement_save(
    *,
    actor: User,
    client: Client,
    name: str,
    language: str,
    channel: str,
    text: str,
    crisis_type: CrisisType | None = None,
    statement: LibraryStatement | None = None,
    request: HttpRequest | None = None,
) -> LibraryStatement:
    """Create or change one of the client's prepared holding statements. A changed text is no
    longer the one approved: its approval in advance ends."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    if statement is not None and statement.client_id != client.pk:
        raise ValidationError(_("Choose one of this client's statements."))
    errors: dict = {}
    fields = _clean_library(client, name, language, channel, text, crisis_type, errors)
    if errors:
        raise ValidationError(errors)
    before = None if statement is None else _library_snapshot(statement)
    if statement is None:
        statement = LibraryStatement(client=client, created_by=actor)
    # What the client approved is the text for a channel, a language and a kind of crisis.
    approved_as = (statement.text, statement.channel, statement.language, statement.crisis_type_id)
    for field, value in fields.items():
        setattr(statement, field, value)
    if approved_as != (statement.text, statement.channel, statement.language, statement.crisis_type_id):
        statement.approved_until = statement.approved_by = statement.approved_at = None
    try:
        with transaction.atomic():
            statement.save()
    except IntegrityError:
        raise ValidationError(
            {"name": [_("A statement with this name, language and channel exists already.")]}
        ) from None
    events.library_statement_event(
        actor=actor,
        statement=statement,
        action="created" if before is None else "changed",
        before=before,
        after=_library_snapshot(statement),
        request=request,
    )
    if statement.approved_until is None:
        _ask_client_approvers(statement)
    return statement


def _ask_client_approvers(statement: LibraryStatement) -> None:
    """A new or changed library text: the client's approvers hear that it waits for them."""
    approvers = Membership.objects.filter(client_id=statement.client_id, role=Role.CLIENT_APPROVER)
    notify(
        event=NotificationEvent.APPROVAL_REQUESTED,
        client=statement.client,
        recipients=list(approvers.values_list("user_id", flat=True)),
        title=_("Approve a holding statement in advance: %(name)s") % {"name": str(statement)},
        body=statement.text[:500],
        url=reverse(
            "statement_library_item", kwargs={"client_slug": statement.client.slug, "statement_pk": statement.pk}
        ),
        webhooks=False,
    )


def approves_in_advance(*, user: User, client: Client) -> bool:
    """A client approver of this client: the agency's people do not approve for the client."""
    return Membership.objects.filter(user_id=user.pk, client=client, role=Role.CLIENT_APPROVER).exists()


def text_seal(*, text: str) -> str:
    """What an approver's form carries of the text they read: a change meanwhile is not approved."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@transaction.atomic
def library_statement_approve(
    *,
    actor: User,
    statement: LibraryStatement,
    until: date | None,
    seen: str,
    request: HttpRequest | None = None,
) -> LibraryStatement:
    """The client's approver approves the text in advance until `until` (None: withdraws it).
    Only a client approver of this client may: the agency does not approve for the client.
    `seen` is text_seal of the text on the approver's page."""
    require_client_perm(actor=actor, client=statement.client, codename=ClientPerm.APPROVE_RESPONSES)
    if not approves_in_advance(user=actor, client=statement.client):
        raise PermissionDenied(_("Only the client's approvers approve its statements in advance."))
    statement = LibraryStatement.objects.unscoped().select_for_update().get(pk=statement.pk)
    if until is not None and seen != text_seal(text=statement.text):
        raise ValidationError(_("The text changed while you read it: read it again before you approve it."))
    today = timezone.localdate()
    if until is not None and not today <= until <= today + timedelta(days=APPROVAL_MAX_DAYS):
        raise ValidationError(
            {"until": [_("Between today and %(last)s.") % {"last": today + timedelta(days=APPROVAL_MAX_DAYS)}]}
        )
    before = _library_snapshot(statement)
    statement.approved_until = until
    statement.approved_by, statement.approved_at = (actor, timezone.now()) if until else (None, None)
    statement.save(update_fields=["approved_until", "approved_by", "approved_at", "updated_at"])
    events.library_statement_event(
        actor=actor,
        statement=statement,
        action="approved" if until else "withdrawn",
        before=before,
        after=_library_snapshot(statement),
        request=request,
    )
    return statement


@transaction.atomic
def library_statement_delete(*, actor: User, statement: LibraryStatement, request: HttpRequest | None = None) -> None:
    require_client_perm(actor=actor, client=statement.client, codename=ClientPerm.WORK_MENTIONS)
    events.library_statement_event(
        actor=actor, statement=statement, action="deleted", before=_library_snapshot(statement), request=request
    )
    statement.delete()


def _library_snapshot(statement: LibraryStatement) -> dict:
    return {
        "name": statement.name,
        "text": text_seal(text=statement.text),
        "language": statement.language,
        "channel": statement.channel,
        "crisis_type": statement.crisis_type_id,
        "approved_until": statement.approved_until.isoformat() if statement.approved_until else None,
    }
