"""One module per kind of source, each exposing `connector`, behind one interface (base.Connector)."""

from importlib import import_module

from .base import Connector

_MODULES = {
    "rss": "rss",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "reddit": "reddit",
    "youtube": "youtube",
    "webhook": "webhook",
    "import": "file_import",
    "replay": "replay",
}


def get_connector(kind: str) -> Connector:
    if kind not in _MODULES:
        raise KeyError(f"no connector for source kind {kind!r}")
    return import_module(f"{__name__}.{_MODULES[kind]}").connector
