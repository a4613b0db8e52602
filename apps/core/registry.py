"""How a lower layer learns of a higher one: the higher app fills a registry in its AppConfig.ready().

Imports only go down the layers (docs/ARCHITECTURE.md). When a lower app must call code of a
higher one (the pipeline's risk and routing steps, the mention page's panels, the reader of the
audit trail's rights), it declares a `Hook` (one provider) or a `Registry` (many, in order), and
the higher app registers into it when Django starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Hook:
    """One function a higher app provides, called through the hook."""

    def __init__(self, name: str):
        self.name = name
        self._provider: Callable | None = None

    def provide(self, function: Callable) -> Callable:
        # AppConfig.ready() may run more than once: the same provider again is no conflict.
        if self._provider is not None and self._provider != function:
            raise RuntimeError(f"{self.name} is provided twice: {self._provider!r} and {function!r}")
        self._provider = function
        return function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._provider is None:
            raise RuntimeError(f"nothing provides {self.name}: is the app that does in INSTALLED_APPS?")
        return self._provider(*args, **kwargs)


class Registry:
    """Named entries from higher apps, kept in the order of their `rank` (lowest first)."""

    def __init__(self, name: str):
        self.name = name
        self._entries: dict[str, tuple[int, Any]] = {}

    def register(self, key: str, entry: Any, *, rank: int = 100) -> Any:
        known = self._entries.get(key)
        if known is not None and known[1] != entry:  # the same entry again (ready() twice) is fine
            raise RuntimeError(f"{self.name} has {key!r} already")
        self._entries[key] = (rank, entry)
        return entry

    def items(self) -> list[tuple[str, Any]]:
        return [(key, entry) for key, (_rank, entry) in sorted(self._entries.items(), key=lambda kv: kv[1][0])]

    def keys(self) -> list[str]:
        return [key for key, _entry in self.items()]

    def __iter__(self) -> Iterator[Any]:
        return iter([entry for _key, entry in self.items()])

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __getitem__(self, key: str) -> Any:
        return self._entries[key][1]

    @contextmanager
    def replaced(self, entries: dict[str, Any]):
        """These entries alone, for the length of the block (benchmarks compare with and without steps)."""
        kept = self._entries
        self._entries = {key: (rank, entry) for rank, (key, entry) in enumerate(entries.items())}
        try:
            yield self
        finally:
            self._entries = kept
