"""Safe outbound HTTP: platform connectors, publishing and outgoing webhooks all go through it.

Every connection, including each redirect hop, goes to an address checked at
connect time: the name is resolved once and the socket is opened to that very
address, so a DNS answer cannot change between the check and the connection.
Only http(s); connect/read timeouts and a total deadline; a body size cap;
at most FETCH_MAX_REDIRECTS redirects. Private, loopback, link-local,
multicast and reserved ranges are refused unless ALLOW_PRIVATE_NETWORKS.
"""

from __future__ import annotations

import ipaddress
import json
import math
import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpcore
import httpx
from django.conf import settings

USER_AGENT = "VardeListening/1.0 (+https://varde.invalid/bot)"


class FetchError(Exception):
    """A fetch failed in a way the source's health should record: the message in words a lead
    understands, the technical `detail` for whoever looks closer."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.detail = detail


class BlockedAddress(FetchError):
    pass


def is_public_address(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast and not address.is_reserved


class _GuardedBackend(httpcore.SyncBackend):
    def __init__(self, allow_private: bool, trusted: frozenset[tuple[str, int]]):
        self.allow_private = allow_private
        self.trusted = trusted

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [info[4][0] for info in infos]
        allowed = [ip for ip in addresses if self.allow_private or (ip, port) in self.trusted or is_public_address(ip)]
        if not allowed:
            # Not an httpcore error, so httpx passes it through unchanged.
            raise BlockedAddress(f"{host} resolves to a non-public address ({', '.join(sorted(set(addresses)))})")
        return super().connect_tcp(allowed[0], port, timeout, local_address, socket_options)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allow_private: bool, trusted: frozenset[tuple[str, int]]):
        super().__init__(trust_env=False, retries=0)
        # httpx has no public hook for the network backend; the pool keeps it here.
        self._pool._network_backend = _GuardedBackend(allow_private, trusted)


@dataclass
class FetchResponse:
    url: str
    status: int
    headers: httpx.Headers
    content: bytes

    def json(self):
        """Strict JSON: NaN, Infinity and overflowing numbers cannot be stored as jsonb, and
        absurd nesting must be a FetchError rather than a RecursionError."""
        try:
            return json.loads(self.content, parse_constant=_refuse_constant, parse_float=_finite_float)
        except (ValueError, RecursionError):
            raise FetchError(f"{self.url[:200]} did not answer valid JSON", status=self.status) from None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"{literal[:20]} is out of range")
    return number


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def raise_for_status(method: str, response: FetchResponse) -> None:
    """A 4xx or 5xx answer as the FetchError a source's health records (with its Retry-After)."""
    if response.status >= 400:
        raise FetchError(
            f"{method} {response.url} answered {response.status}",
            status=response.status,
            retry_after=_retry_after(response.headers.get("retry-after")),
        )


class SafeHttpClient:
    def __init__(
        self,
        *,
        allow_private: bool | None = None,
        trusted: set[tuple[str, int]] | None = None,
        max_bytes: int | None = None,
        total_timeout: float | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ):
        allow = settings.ALLOW_PRIVATE_NETWORKS if allow_private is None else allow_private
        self.max_bytes = max_bytes or settings.FETCH_MAX_BYTES
        self.total_timeout = total_timeout or settings.FETCH_TOTAL_TIMEOUT
        self._client = httpx.Client(
            transport=_GuardedTransport(allow, frozenset(trusted or ())),
            timeout=httpx.Timeout(
                read_timeout or settings.FETCH_READ_TIMEOUT, connect=connect_timeout or settings.FETCH_CONNECT_TIMEOUT
            ),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SafeHttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None) -> FetchResponse:
        return self.request("GET", url, params=params, headers=headers)

    def post(
        self, url: str, *, data=None, json_body=None, content: bytes | None = None, headers: dict | None = None
    ) -> FetchResponse:
        return self.request("POST", url, data=data, json_body=json_body, content=content, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params=None,
        headers=None,
        data=None,
        json_body=None,
        content: bytes | None = None,
        expect_ok: bool = True,
        follow_redirects: bool = True,
    ) -> FetchResponse:
        """One request, following redirects by hand so each hop is checked again.

        `content` is sent as the exact body bytes (what a signature was computed over).
        """
        deadline = time.monotonic() + self.total_timeout
        for _hop in range(settings.FETCH_MAX_REDIRECTS + 1):
            if not url.lower().startswith(("http://", "https://")):
                raise FetchError(f"only http and https are fetched, not {url[:80]!r}")
            response = self._send(method, url, params, headers, data, json_body, content, deadline)
            if follow_redirects and response.status in (301, 302, 303, 307, 308) and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                params = None
                if response.status == 303:
                    method, data, json_body, content = "GET", None, None, None
                continue
            if expect_ok:
                raise_for_status(method, response)
            return response
        raise FetchError(f"more than {settings.FETCH_MAX_REDIRECTS} redirects from {url[:200]}")

    def _send(self, method, url, params, headers, data, json_body, content, deadline) -> FetchResponse:
        try:
            with self._client.stream(
                method, url, params=params, headers=headers, data=data, json=json_body, content=content
            ) as r:
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(f"{url[:200]} body is {declared} bytes, over the {self.max_bytes} limit")
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(f"{url[:200]} body is over the {self.max_bytes} byte limit")
                    if time.monotonic() > deadline:
                        raise FetchError(f"{url[:200]} took longer than {self.total_timeout:.0f} s")
                    chunks.append(chunk)
                return FetchResponse(str(r.url), r.status_code, r.headers, b"".join(chunks))
        except httpx.TimeoutException as exc:
            raise FetchError(f"{url[:200]} timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url[:200]}: {type(exc).__name__}: {exc}"[:500]) from None
