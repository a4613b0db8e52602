"""Safe fetching: only public addresses, checked at connect time and after every redirect."""

import time

import pytest
from werkzeug import Response

from apps.core.http import BlockedAddress, FetchError, SafeHttpClient, is_public_address


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
    ],
)
def test_non_public_addresses_are_refused(ip):
    assert not is_public_address(ip)


@pytest.mark.parametrize("ip", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(ip):
    assert is_public_address(ip)


def test_loopback_is_refused_without_the_setting(httpserver):
    httpserver.expect_request("/feed").respond_with_data("secret")
    with SafeHttpClient(allow_private=False) as http, pytest.raises(BlockedAddress):
        http.get(httpserver.url_for("/feed"))
    assert httpserver.log == []


def test_localhost_by_name_is_refused_too(httpserver):
    with SafeHttpClient(allow_private=False) as http, pytest.raises(BlockedAddress):
        http.get(f"http://localhost:{httpserver.port}/feed")


def test_a_redirect_to_127_0_0_1_is_refused(httpserver, other_server):
    """The first host is trusted as if public; the hop to loopback must still be refused."""
    inner = other_server
    inner.expect_request("/internal").respond_with_data("internal data")
    httpserver.expect_request("/start").respond_with_response(
        Response(status=302, headers={"Location": f"http://127.0.0.1:{inner.port}/internal"})
    )
    trusted = {("127.0.0.1", httpserver.port)}
    with SafeHttpClient(allow_private=False, trusted=trusted) as http, pytest.raises(BlockedAddress):
        http.get(httpserver.url_for("/start"))
    assert not [r for r, _ in inner.log if r.path == "/internal"]


def test_redirect_loops_stop(httpserver):
    httpserver.expect_request("/loop").respond_with_response(Response(status=302, headers={"Location": "/loop"}))
    with SafeHttpClient(allow_private=True) as http, pytest.raises(FetchError, match="redirects"):
        http.get(httpserver.url_for("/loop"))
    assert len(httpserver.log) == 6  # the first request and five redirects


def test_only_http_and_https(httpserver):
    httpserver.expect_request("/go").respond_with_response(
        Response(status=302, headers={"Location": "file:///etc/passwd"})
    )
    with SafeHttpClient(allow_private=True) as http, pytest.raises(FetchError, match="only http"):
        http.get(httpserver.url_for("/go"))


def test_endless_body_is_cut_at_the_limit(httpserver):
    def endless():
        while True:
            yield b"x" * 65536

    httpserver.expect_request("/big").respond_with_response(Response(endless(), mimetype="application/xml"))
    with SafeHttpClient(allow_private=True, max_bytes=1024 * 1024) as http, pytest.raises(FetchError, match="limit"):
        http.get(httpserver.url_for("/big"))


def test_slow_body_hits_the_total_deadline(httpserver):
    def trickle():
        for _ in range(100):
            time.sleep(0.1)
            yield b"x"

    httpserver.expect_request("/slow").respond_with_response(Response(trickle()))
    started = time.monotonic()
    with SafeHttpClient(allow_private=True, total_timeout=1) as http, pytest.raises(FetchError, match="longer"):
        http.get(httpserver.url_for("/slow"))
    assert time.monotonic() - started < 5


def test_429_carries_retry_after(httpserver):
    httpserver.expect_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "120"})
    with SafeHttpClient(allow_private=True) as http, pytest.raises(FetchError) as caught:
        http.get(httpserver.url_for("/busy"))
    assert caught.value.status == 429 and caught.value.retry_after == 120
