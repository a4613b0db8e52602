"""The `../shared` folder beside the project: its data is read by some tests.

Locally a missing folder skips those tests with the reason; under CI (`CI` set) it fails them,
so a clone without the data can never turn CI green with fewer tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLES = SHARED / "data" / "samples"
SENTIMENT_DEV_SET = SHARED / "data" / "sentiment-dev.csv"


def require_shared(path: Path) -> Path:
    """`path` (inside ../shared) if it exists; otherwise a skip, or a failure under CI."""
    if path.exists():
        return path
    message = f"{path} is absent: the shared folder should sit next to the project (../shared)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
