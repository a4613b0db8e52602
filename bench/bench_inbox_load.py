"""Fifty staff sessions at once on the inbox and mention pages: locust against gunicorn on loopback.

Dataset: the inbox benchmark's million mentions over 20 clients (bench/inbox_data.py, built
once in `*_inbox_bench` and reused). gunicorn serves the project as the Procfile does
(2 workers x 4 threads) with DEBUG off (bench/inbox_wsgi.py); locust (bench/locust_inbox.py)
runs BENCH_LOAD_USERS people (default 50) for BENCH_LOAD_SECONDS (default 60), each in
a signed-in session of its own: a responder of one client in its inbox, every fifth one
in "my work" across the clients it serves. One warm-up pass over every kind of page comes
first, outside the figures.

Figures (one JSON line each): inbox_load_p95 (ms, every request the sessions made, with
the p95 of each kind of request), inbox_load_errors (failed requests: not a 200 with the
page's own mark in it).
"""

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from itertools import zip_longest
from pathlib import Path

import httpx
from common import ROOT, report, setup_inbox_database

USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
TOTAL = int(os.environ.get("BENCH_INBOX_N", "1000000"))
CLIENTS = 20
BIN = Path(sys.executable).parent


def main() -> None:
    setup_inbox_database()
    from django.conf import settings
    from inbox_data import ensure_inbox_dataset

    dataset = ensure_inbox_dataset(TOTAL, CLIENTS)
    if dataset.build_seconds is not None:
        report("inbox_dataset_build", dataset.build_seconds, "s", rows=TOTAL, clients=CLIENTS, phases=dataset.phases)
    with tempfile.TemporaryDirectory(prefix="varde-load-") as folder:
        folder = Path(folder)
        signed_in_staff = staff_sessions(dataset, USERS)
        sessions = folder / "sessions.json"  # for the locust processes
        sessions.write_text(json.dumps(signed_in_staff))
        port = free_port()
        with gunicorn(port, settings.DATABASES["default"]["NAME"], folder / "gunicorn.log"):
            host = f"http://127.0.0.1:{port}"
            warm_up(port, signed_in_staff)
            stats = run_locust(host, sessions, folder)
    total = stats.pop("Aggregated")
    report(
        "inbox_load_p95",
        total["95%"],
        "ms",
        users=USERS,
        seconds=SECONDS,
        requests=total["Request Count"],
        rps=round(total["Requests/s"], 1),
        p50=total["50%"],
        p99=total["99%"],
        pages={name: row["95%"] for name, row in sorted(stats.items())},
        n=TOTAL,
    )
    report("inbox_load_errors", total["Failure Count"], "errors", requests=total["Request Count"], users=USERS)


def staff_sessions(dataset, count: int) -> list[dict]:
    """`count` signed-in sessions of responders, spread over the clients, biggest first.

    Each (responder, client) pair once before any repeats; every fifth session works in
    "my work" (all the person's clients) instead of one client's inbox.
    """
    from common import signed_in

    from apps.tenants.models import Membership
    from apps.tenants.roles import Role

    slugs = {client.pk: client.slug for client in dataset.clients}
    by_client = defaultdict(list)
    for membership in Membership.objects.unscoped().filter(role=Role.RESPONDER, client_id__in=slugs).order_by("pk"):
        by_client[membership.client_id].append(membership)
    # The first responder of every client, then the second of every client, and so on.
    rounds = zip_longest(*(by_client[client.pk] for client in dataset.clients))
    pairs = [membership for people in rounds for membership in people if membership]
    sessions = []
    for number in range(count):
        membership = pairs[number % len(pairs)]
        web = signed_in(membership.user)
        inbox = "/inbox/" if number % 5 == 4 else f"/c/{slugs[membership.client_id]}/inbox/"
        sessions.append({"cookie": web.cookies["sessionid"].value, "inbox": inbox})
    return sessions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class gunicorn:
    """gunicorn as the Procfile starts it, on the inbox benchmark's database, until the block ends."""

    def __init__(self, port: int, database: str, log: Path):
        self.port, self.database, self.log = port, database, log

    def __enter__(self):
        command = [
            str(BIN / "gunicorn"),
            "inbox_wsgi",
            "--pythonpath",
            str(ROOT / "bench"),
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
            "--error-logfile",
            str(self.log),
        ]
        env = {**os.environ, "BENCH_DATABASE_NAME": self.database}
        env.pop("DJANGO_SETTINGS_MODULE", None)  # inbox_wsgi picks the development settings
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench_inbox_load: gunicorn stopped:\n{self.log.read_text()[-3000:]}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=5)
                return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit("bench_inbox_load: gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def warm_up(port: int, sessions: list[dict]) -> None:
    """Each kind of page a few times, so that the figures show work, not first-request loading."""
    for session in sessions[:5]:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies={"sessionid": session["cookie"]}) as web:
            for query in ("", "?sort=due", "?q=Leipzig"):
                web.get(session["inbox"] + query, timeout=30).raise_for_status()


def run_locust(host: str, sessions: Path, folder: Path) -> dict[str, dict]:
    """Run the locustfile headless; the rows of its stats CSV by request name, numbers parsed."""
    command = [
        str(BIN / "locust"),
        "--locustfile",
        str(ROOT / "bench" / "locust_inbox.py"),
        "--headless",
        "--host",
        host,
        "--users",
        str(USERS),
        "--spawn-rate",
        str(max(1, USERS // 5)),
        "--run-time",
        f"{SECONDS}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(folder / "load"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    done = subprocess.run(
        command, env={**os.environ, "BENCH_LOAD_SESSIONS": str(sessions)}, capture_output=True, text=True
    )
    if "CPU usage" in done.stderr:
        print("bench_inbox_load: locust's own CPU ran high, its times may include its waits", file=sys.stderr)
    with open(folder / "load_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    if "Aggregated" not in rows:
        raise SystemExit(f"bench_inbox_load: locust reported nothing:\n{done.stderr[-3000:]}")
    for row in rows.values():
        for key, value in row.items():
            if key not in ("Type", "Name"):
                row[key] = float(value) if value not in ("", "N/A") else None
    failures = folder / "load_failures.csv"
    if rows["Aggregated"]["Failure Count"]:
        print(f"bench_inbox_load: failures:\n{failures.read_text()[:3000]}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
