import hashlib
import hmac
import json
import socket
import time

import pytest
from werkzeug import Request, Response

# What WebhookEndpointFactory signs with unless told otherwise.
SINK_SECRET = "test-secret"


class WebhookSink:
    """A receiver that checks each request's signature the way a client's integration would."""

    def __init__(self, httpserver, secret: str = SINK_SECRET):
        self.server = httpserver
        self.secret = secret
        self.received: list[dict] = []
        self.answers: list[Response] = []
        self.delay = 0.0

    @property
    def url(self) -> str:
        return self.server.url_for("/hooks/slack")

    def answer_with(self, *responses: Response) -> None:
        """Answers for the next requests in order; 200 once they run out."""
        self.answers.extend(responses)

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        timestamp = request.headers.get("X-Varde-Timestamp", "")
        expected = (
            "sha256=" + hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        )
        signed = hmac.compare_digest(request.headers.get("X-Varde-Signature", ""), expected)
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        self.received.append(
            {
                "json": json.loads(body),
                "event": request.headers.get("X-Varde-Event"),
                "delivery": request.headers.get("X-Varde-Delivery"),
                "signed": signed and fresh,
            }
        )
        if self.delay:
            time.sleep(self.delay)
        if not (signed and fresh):
            return Response("bad signature", status=401)
        return self.answers.pop(0) if self.answers else Response("ok", status=200)


@pytest.fixture
def sink(httpserver):
    receiver = WebhookSink(httpserver)
    httpserver.expect_request("/hooks/slack", method="POST").respond_with_handler(receiver.handle)
    return receiver


@pytest.fixture
def refused_url():
    """An address where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/services/T0/B0/secret-path-token"
