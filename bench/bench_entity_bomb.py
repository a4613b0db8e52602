"""A poll of an entity-bomb feed, from a local server, up to the fetch body limit (issue 15).

Figures: entity_bomb_poll_seconds and entity_bomb_extra_memory_mb, the worst over bodies of
100 KB, 1 MB and the body limit (FETCH_MAX_BYTES), each a 100 KB entity referenced as often as
fits. Memory is the peak of Python's allocations during the poll (tracemalloc), which is where
an expansion lives. The baseline is feedparser given the same feed without the guard, at the
smallest body only (100 references: at 1,000 it took 13 s and 300 MB, at 20,000 a worker grew
to 5.8 GB).
"""

import time
import tracemalloc
from contextlib import suppress
from functools import partial

from common import report, setup_bench_database

ENTITY_CHARS = 100_000


def bomb(body_bytes: int) -> bytes:
    head = '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + "x" * ENTITY_CHARS + '">]>'
    head += '<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>Alpha</title><description>'
    tail = "</description></item></channel></rss>"
    references = max(1, (body_bytes - len(head) - len(tail)) // len("&big;"))
    return (head + "&big;" * references + tail).encode()


def poll(connector, url: str) -> None:
    from apps.core.http import SafeHttpClient

    with SafeHttpClient(allow_private=True) as http:
        connector.fetch(config={"url": url}, credentials={}, cursor={}, http=http)


def measured(action, *, refusal: type[Exception]) -> tuple[float, float]:
    tracemalloc.start()
    began = time.perf_counter()
    with suppress(refusal):  # the guard refuses the feed: that refusal is what is timed
        action()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    setup_bench_database()
    import feedparser
    from django.conf import settings
    from pytest_httpserver import HTTPServer

    from apps.core.http import FetchError
    from apps.listening.connectors.rss import connector

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        results = []
        for size in (100 * 1024, 1024 * 1024, settings.FETCH_MAX_BYTES - 1024):
            body = bomb(size)
            server.expect_request(f"/bomb-{size}").respond_with_data(body, content_type="application/rss+xml")

            results.append(measured(partial(poll, connector, server.url_for(f"/bomb-{size}")), refusal=FetchError))
        small = bomb(ENTITY_CHARS + 100 * len("&big;"))
        baseline = measured(partial(feedparser.parse, small), refusal=FetchError)
    finally:
        server.stop()
    worst_seconds = max(seconds for seconds, _ in results)
    worst_memory = max(memory for _, memory in results)
    report("entity_bomb_poll_seconds", worst_seconds, "s", "feedparser unguarded, 100 references", baseline[0])
    report("entity_bomb_extra_memory_mb", worst_memory, "MB", "feedparser unguarded, 100 references", baseline[1])


if __name__ == "__main__":
    main()
