"""From a signed webhook POST of a critical mention to its alert at a local webhook sink.

Real wiring: the push is answered by the Django view, a Celery worker process (a
separate process, broker Redis) ingests and rates it, announces the critical
mention, and delivers the notification to an outbound webhook endpoint: an HTTP
sink in this process that checks the signature and notes the arrival time. One
mention at a time, BENCH_ALERT_N of them (default 100); the figure is the p95.
"""

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import ROOT, p95, report, setup_bench_database

N = int(os.environ.get("BENCH_ALERT_N", "100"))
SECRET = "bench-endpoint-secret"
WORKER = """
import sys
sys.path.insert(0, "bench")
from common import use_bench_database
use_bench_database()
from config.celery import app
app.conf.task_always_eager = False
app.worker_main(["worker", "--pool", "solo", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"])
"""


class Sink(BaseHTTPRequestHandler):
    arrivals: dict[str, float] = {}
    bad_signatures = 0

    def do_POST(self):
        from apps.core.signing import sign

        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers.get("X-Varde-Timestamp", "")
        if sign(SECRET, timestamp, body) != self.headers.get("X-Varde-Signature"):
            Sink.bad_signatures += 1
        else:
            mention = json.loads(body).get("mention") or {}
            Sink.arrivals[str(mention.get("id"))] = time.perf_counter()
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    setup_bench_database()
    from django.test import Client as HttpClient
    from django.urls import reverse

    from apps.core.signing import sign
    from apps.listening.models import SourceKind
    from apps.listening.services import source_create
    from apps.mentions.models import Mention
    from apps.tenants.roles import Role
    from config.celery import app
    from tests.factories import (
        BrandFactory,
        ClientFactory,
        MembershipFactory,
        TopicFactory,
        UserFactory,
        WebhookEndpointFactory,
    )

    app.conf.task_always_eager = False
    app.control.purge()
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()

    client = ClientFactory()
    brand = BrandFactory(client=client, name="Havbris", languages=["da", "en"])
    TopicFactory(client=client, brand=brand, name="recall", keywords=["recall"], sensitive=True)
    admin = UserFactory(is_agency_admin=True)
    MembershipFactory(user=UserFactory(), client=client, role=Role.ACCOUNT_LEAD)
    source, secret = source_create(
        actor=admin, client=client, brand=brand, kind=SourceKind.WEBHOOK, name="push", config={"platform": "push"}
    )
    source.own_channel = True
    source.save(update_fields=["own_channel"])
    WebhookEndpointFactory(
        client=client, url=f"http://127.0.0.1:{sink.server_port}/alerts", events=["mention.critical"], secret=SECRET
    )
    worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, stdout=subprocess.DEVNULL)
    http = HttpClient()
    url = reverse("webhook_receive", args=[source.webhook_token])

    def push(number: int) -> float | None:
        body = json.dumps(
            {
                "id": f"crisis-{number}",
                "text": "Havbris recall: the bottles are dangerous and nobody answers. Terrible, disgusting service!",
                "author": {"name": "Reporter", "followers": 900_000},
                "posted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600)),
                "likes": 5000,
                "reposts": 2000,
                "replies": 800,
            }
        ).encode()
        stamp = str(int(time.time()))
        began = time.perf_counter()
        response = http.post(
            url,
            body,
            content_type="application/json",
            HTTP_X_VARDE_TIMESTAMP=stamp,
            HTTP_X_VARDE_SIGNATURE=sign(secret, stamp, body),
        )
        assert response.status_code == 202, response.content
        deadline = began + 30
        while time.perf_counter() < deadline:
            mention_id = Mention.objects.filter(external_id=f"crisis-{number}").values_list("pk", flat=True).first()
            if mention_id is not None and str(mention_id) in Sink.arrivals:
                return Sink.arrivals[str(mention_id)] - began
            time.sleep(0.005)
        return None

    try:
        for warm in range(3):  # the worker's first tasks load models and connections
            push(-1 - warm)
        latencies = [push(number) for number in range(N)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sink.shutdown()
    arrived = [seconds for seconds in latencies if seconds is not None]
    assert Sink.bad_signatures == 0
    assert len(arrived) == N, f"{N - len(arrived)} alerts never arrived"
    report(
        "webhook_to_alert_p95",
        p95(arrived),
        "s",
        n=N,
        median=round(sorted(arrived)[len(arrived) // 2], 3),
        max=round(max(arrived), 3),
    )


if __name__ == "__main__":
    main()
