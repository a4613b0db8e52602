"""Posting an approved answer on the mention's platform, in reply to the mention; a statement
is posted on its own (no reply) from the brand's account it names.

Each platform adapter takes the source the mention came from (its instance address and the
account's credentials) and returns where the answer now lives. Adapters only talk HTTP; the
services decide whether anything may go out and record what happened.

A retry must not post twice: Mastodon keeps an Idempotency-Key for an hour and answers the
same status again; on Bluesky the record key is derived from the answer and version, so every
attempt first looks whether an earlier one created the record already.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.http import FetchError, SafeHttpClient, raise_for_status
from apps.integrations import bluesky
from apps.integrations.payload import as_mapping, as_text

from .models import Answer, AnswerVersion, ReplyType

BLUESKY_MAX_GRAPHEMES = 300  # the lexicon's limit for a post's text
CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
GET_RECORD = "/xrpc/com.atproto.repo.getRecord"
POST_COLLECTION = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# Statuses that will not change by asking again: the platform refuses this post.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class PublishRefused(Exception):
    """The platform refused the answer, or cannot take it: retrying will not help."""


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str


def is_retryable(error: FetchError) -> bool:
    """A timeout, a dropped connection, a rate limit or a server error may pass; a 4xx will not."""
    return error.status is None or error.status in RETRY_STATUSES


def _mastodon_ready(source) -> bool:
    token = source.credentials.get("access_token")
    return bool(source.config.get("base_url")) and isinstance(token, str) and bool(token.strip())


def _bluesky_ready(source) -> bool:
    return bluesky.app_password_of(source.credentials) is not None


def source_of(answer: Answer):
    """The account the answer is posted from: its mention's source, or a statement's own."""
    return answer.source if answer.is_statement else answer.mention.source


def publish_unavailable(answer: Answer) -> str:
    """Why this answer cannot be posted by the app ("" when it can): it is then sent by hand."""
    source = source_of(answer)
    if answer.is_statement and source is None:
        return _("This statement goes out by hand: record where and when once it is out.")
    if source is None or source.kind not in ADAPTERS:
        return _("The app cannot post on %(platform)s: send the answer there and mark it sent by hand.") % {
            "platform": answer.mention.platform or _("this platform")
        }
    if source.kind == "bluesky" and answer.reply_type == ReplyType.PRIVATE:
        return _("Private messages on Bluesky are sent by hand.")
    ready, needs = ADAPTERS[source.kind][1:]
    if not ready(source):
        return _("The source %(source)s has no %(needs)s to post with: add one, or send by hand.") % {
            "source": source.name,
            "needs": needs,
        }
    return ""


def publish(answer: Answer, version: AnswerVersion, *, http: SafeHttpClient, source=None) -> Published:
    """Post `version` from `source` (default: the answer's own account: its mention's source, or
    a statement's); a scheduled post names each of its channels in turn."""
    source = source or source_of(answer)
    return ADAPTERS[source.kind][0](answer, version, http=http, source=source)


def _mastodon_reply(answer: Answer, version: AnswerVersion) -> dict:
    raw = as_mapping(answer.mention.raw)
    status_id = as_text(raw.get("id"))
    if not status_id:
        raise PublishRefused(_("The mention carries no Mastodon status id to reply to."))
    private = answer.reply_type == ReplyType.PRIVATE
    # Mastodon tells only the accounts a status names, and a direct one reaches only them.
    acct = as_text(as_mapping(raw.get("account")).get("acct"))
    if private and not acct:
        raise PublishRefused(_("The mention carries no account to write to privately."))
    text = version.text if not acct or _names(version.text, acct) else f"@{acct} {version.text}"
    return {"status": text, "in_reply_to_id": status_id, "visibility": "direct" if private else "public"}


def _mastodon(answer: Answer, version: AnswerVersion, *, http: SafeHttpClient, source) -> Published:
    # A statement is the brand's own post; an answer replies to its mention.
    body = {"status": version.text, "visibility": "public"} if answer.is_statement else _mastodon_reply(answer, version)
    if version.language:
        body["language"] = version.language.split("-")[0]
    base_url = str(source.config["base_url"]).rstrip("/")
    response = http.post(
        f"{base_url}/api/v1/statuses",
        json_body=body,
        headers={
            "Accept": "application/json",
            "Authorization": f"Bearer {source.credentials['access_token'].strip()}",
            "Idempotency-Key": f"varde-answer-{answer.pk}-v{version.number}",
        },
    )
    status = response.json()
    status = status if isinstance(status, dict) else {}
    external_id = as_text(status.get("uri")) or as_text(status.get("id"))
    if not external_id:
        raise PublishRefused(_("The instance answered without the new status."))
    return Published(external_id=external_id, url=_web_address(status.get("url")))


def _names(text: str, acct: str) -> bool:
    """Whether the text addresses @acct itself (not @acctfoo or @acct@elsewhere)."""
    return bool(re.search(rf"(?<![\w@])@{re.escape(acct)}(?![\w@.-]*[\w@])", text, re.IGNORECASE))


def _web_address(value) -> str:
    """The platform's link to the answer, shown as a link: http(s) only, whatever it sends."""
    url = as_text(value)
    return url if url.lower().startswith(("https://", "http://")) and len(url) <= 2000 else ""


def _bluesky_reply(mention) -> dict:
    """The reply reference of a post answering `mention`: its thread's root and the mention."""
    raw = as_mapping(mention.raw)
    parent = {"uri": mention.external_id, "cid": as_text(raw.get("cid"))}
    if not parent["uri"].startswith("at://") or not parent["cid"]:
        raise PublishRefused(_("The mention carries no Bluesky post reference (uri and cid) to reply to."))
    root = as_mapping(as_mapping(as_mapping(raw.get("record")).get("reply")).get("root"))
    root = {"uri": as_text(root.get("uri")), "cid": as_text(root.get("cid"))}
    if not (root["uri"] and root["cid"]):
        root = parent  # the mention starts its thread
    return {"root": root, "parent": parent}


def _bluesky(answer: Answer, version: AnswerVersion, *, http: SafeHttpClient, source) -> Published:
    text = version.text
    if graphemes(text) > BLUESKY_MAX_GRAPHEMES:
        raise PublishRefused(
            _("Bluesky takes at most %(max)d characters; this answer has %(n)d.")
            % {"max": BLUESKY_MAX_GRAPHEMES, "n": graphemes(text)}
        )
    reply = None if answer.is_statement else _bluesky_reply(answer.mention)
    session = bluesky.Session.for_credentials(http, source.config, source.credentials)
    session.headers()  # signed in: the session knows the account's DID
    if not session.did:
        raise PublishRefused(_("Bluesky sign-in answered without the account's DID."))
    rkey = answer_rkey(answer, version)
    # An earlier attempt (this round's or a failed round's) may have landed without our hearing.
    found = _existing_record(session, rkey)
    if found:
        return found
    record = {
        "$type": POST_COLLECTION,
        "text": text,
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if reply:
        record["reply"] = reply
    if version.language:
        record["langs"] = [version.language]
    response = session.call(
        "POST",
        f"{session.pds_url}{CREATE_RECORD}",
        json_body={"repo": session.did, "collection": POST_COLLECTION, "rkey": rkey, "record": record},
    )
    document = as_mapping(response.json())
    uri = as_text(document.get("uri"))
    if not uri.startswith("at://"):
        raise PublishRefused(_("Bluesky answered without the new post's address."))
    return Published(external_id=uri, url=bluesky.post_url(session.did, uri))


def _existing_record(session: bluesky.Session, rkey: str) -> Published | None:
    params = {"repo": session.did, "collection": POST_COLLECTION, "rkey": rkey}
    response = session.call("GET", f"{session.pds_url}{GET_RECORD}", params=params, expect_ok=False)
    if response.status == 404 or (response.status == 400 and bluesky.xrpc_error(response) == "RecordNotFound"):
        return None
    raise_for_status("GET", response)
    uri = as_text(as_mapping(response.json()).get("uri"))
    return Published(external_id=uri, url=bluesky.post_url(session.did, uri)) if uri.startswith("at://") else None


def answer_rkey(answer: Answer, version: AnswerVersion) -> str:
    """A timestamp identifier (TID) fixed by the answer and version: the same answer keeps the
    same record key however often it is retried. 53 bits of microseconds, 10 of clock id."""
    micros = int(version.created_at.timestamp() * 1_000_000) & ((1 << 53) - 1)
    clock = int(hashlib.sha256(f"{answer.pk}".encode()).hexdigest(), 16) & 0x3FF
    value = (micros << 10) | clock
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


_GRAPHEME_JOINERS = re.compile(r"[\u0300-\u036f\u200d\ufe0f\U0001f3fb-\U0001f3ff]")


def graphemes(text: str) -> int:
    """Close to a grapheme count without a Unicode segmentation library: combining marks,
    zero-width joiners and skin-tone modifiers do not count on their own."""
    return len(_GRAPHEME_JOINERS.sub("", text))


ADAPTERS = {
    "mastodon": (_mastodon, _mastodon_ready, gettext_lazy("access token")),
    "bluesky": (_bluesky, _bluesky_ready, gettext_lazy("app password")),
}


def can_post_from(source) -> bool:
    """Whether the app can post on its own from this source: a platform it knows, with
    credentials. Listening to it may be off: a brand's account can be posted from unwatched."""
    return source.kind in ADAPTERS and ADAPTERS[source.kind][1](source)
