"""Bluesky's XRPC client: app-password sessions on the account's PDS, errors, post addresses.

Listening searches through a session, publishing posts through one; both use this module.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from django.core.cache import cache

from apps.core.http import FetchError, FetchResponse, SafeHttpClient, raise_for_status

from .payload import as_mapping, as_text

DEFAULT_PDS = "https://bsky.social"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
# Access tokens live about two hours; createSession is rate-limited per account (300 a day),
# so a session is reused across polls rather than opened for each one.
SESSION_CACHE_SECONDS = 30 * 60


def app_password_of(credentials) -> tuple[str, str] | None:
    """The (identifier, app password) a source signs in with, or None when it has none: whether
    the app may search through the PDS and post, asked without touching the cache or network."""
    identifier = credentials.get("identifier") if isinstance(credentials, dict) else None
    password = credentials.get("app_password") if isinstance(credentials, dict) else None
    if not (isinstance(identifier, str) and identifier.strip() and isinstance(password, str) and password):
        return None
    return identifier.strip(), password


class Session:
    """An app-password session on the account's PDS, reused between polls through the cache."""

    def __init__(self, http: SafeHttpClient, pds_url: str, identifier: str, password: str):
        self.http, self.pds_url = http, pds_url
        self.identifier, self.password = identifier, password
        secret = f"{pds_url}\n{identifier}\n{password}".encode()
        self.cache_key = f"listening:bluesky:session:{hashlib.sha256(secret).hexdigest()}"
        remembered = cache.get(self.cache_key)
        remembered = remembered if isinstance(remembered, dict) else {}
        self.token, self.did = remembered.get("token", ""), remembered.get("did", "")
        self.from_cache = bool(self.token)

    @classmethod
    def for_credentials(cls, http: SafeHttpClient, config: dict, credentials: dict) -> Session | None:
        """A session for the source's app password, None without one (see `app_password_of`)."""
        login = app_password_of(credentials)
        if login is None:
            return None
        pds_url = str(config.get("pds_url") or DEFAULT_PDS).rstrip("/")
        return cls(http, pds_url, *login)

    def headers(self) -> dict[str, str]:
        if not self.token:
            self.sign_in()
        return {"Authorization": f"Bearer {self.token}"}

    def sign_in(self) -> None:
        response = self.http.post(
            f"{self.pds_url}{CREATE_SESSION}", json_body={"identifier": self.identifier, "password": self.password}
        )
        document = response.json()
        document = document if isinstance(document, dict) else {}
        token, did = as_text(document.get("accessJwt")), as_text(document.get("did"))
        if not token:
            raise FetchError("Bluesky sign-in answered without an access token")
        self.token, self.did, self.from_cache = token, did, False
        cache.set(self.cache_key, {"token": token, "did": did}, SESSION_CACHE_SECONDS)

    def forget(self) -> None:
        cache.delete(self.cache_key)
        self.token, self.did, self.from_cache = "", "", False

    def call(self, method: str, url: str, *, expect_ok: bool = True, **kwargs) -> FetchResponse:
        """A request with the session's token. A remembered token that has expired (a 400 with
        ExpiredToken) or was revoked (401) gets one more sign-in; any other refusal is the
        caller's, so an ordinary 400 never spends one of the account's sign-ins."""

        def send() -> FetchResponse:
            headers = {"Accept": "application/json", **self.headers()}
            return self.http.request(method, url, headers=headers, expect_ok=False, **kwargs)

        response = send()
        if self.from_cache and _token_refused(response):
            self.forget()
            response = send()
        if expect_ok:
            raise_for_status(method, response)
        return response


def _token_refused(response: FetchResponse) -> bool:
    if response.status == 401:
        return True
    return response.status == 400 and xrpc_error(response) in ("ExpiredToken", "InvalidToken")


def xrpc_error(response: FetchResponse) -> str:
    """The `error` name of an XRPC refusal ("RecordNotFound", "ExpiredToken", ...), or ""."""
    try:
        return as_text(as_mapping(response.json()).get("error"))
    except FetchError:
        return ""


def post_url(profile: str, uri: str) -> str:
    """The bsky.app address of the post at `uri` (at://<did>/app.bsky.feed.post/<rkey>), shown
    under `profile` (a handle or DID); "" when the uri names no post."""
    parts = uri.split("/")
    if not (profile and len(parts) == 5 and parts[:2] == ["at:", ""] and parts[3] == "app.bsky.feed.post" and parts[4]):
        return ""
    return f"https://bsky.app/profile/{quote(profile, safe=':')}/post/{quote(parts[4], safe='')}"
