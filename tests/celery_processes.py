"""Real Celery processes (worker, beat) for the few tests that prove the wiring."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait_for(predicate, timeout=30.0, every=0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def start_celery(command: str, *options: str, **env: str) -> subprocess.Popen:
    """``celery -A config worker|beat ...`` in its own process, on the development settings
    unless ``DJANGO_SETTINGS_MODULE`` says otherwise."""
    if command == "worker":
        options = ("--concurrency", "1", "--without-gossip", "--without-mingle", *options)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", command, "--loglevel", "WARNING", *options],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0", **env},
        stdout=subprocess.DEVNULL,
        stderr=tempfile.TemporaryFile(),  # a pipe nobody reads would fill and stop the process
    )


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=20)
