from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.shared_data import SAMPLES, require_shared


@pytest.fixture
def samples() -> Path:
    return require_shared(SAMPLES)


@pytest.fixture
def other_server():
    """A second local HTTP server, e.g. the target of a redirect."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
