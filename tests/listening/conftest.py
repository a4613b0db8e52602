from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "data" / "samples"


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"the shared sample payloads are not at {SAMPLES} (../shared beside the project)")
    return SAMPLES


@pytest.fixture
def other_server():
    """A second local HTTP server, e.g. the target of a redirect."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
