"""The inbox against the Django admin's changelist of mentions, side by side on a million mentions.

Dataset: bench/inbox_data.py (1,000,000 mentions over 20 clients, BENCH_INBOX_N to change),
built once in its own database (`*_inbox_bench`) and reused by later runs. Four pages,
each measured on both sides in turn: the first page, a filtered page, a page 500 deep and a
search. Server time in-process (Django test client, full middleware), p95 over
BENCH_INBOX_REPEAT requests (default 100; the admin's, at a second each, BENCH_ADMIN_REPEAT,
default 30) after two warm-ups, and the SQL one request runs.
The admin is signed in as an agency admin, the inbox as a responder of the biggest client,
whose mentions the filtered page and every inbox page show.

Figures (one JSON line each): admin_<page>_p95 and inbox_<page>_p95 in ms, with `queries`
(everything CaptureQueriesContext lists, BEGIN and COMMIT included) and `statements` (the
same without transaction control); the inbox lines carry the admin's figure as baseline,
`ratio` (inbox / admin) and `speedup` (admin / inbox). Until the inbox exists its lines are
skipped (stderr says so). inbox_dataset_build (s) appears when this run built the dataset.
"""

import os
import statistics
import sys
import time
from dataclasses import dataclass

from common import p95, report, setup_inbox_database, signed_in

TOTAL = int(os.environ.get("BENCH_INBOX_N", "1000000"))
CLIENTS = 20
# p95 of 30 samples is their second largest: one pause of the machine moves it.
REPEAT = int(os.environ.get("BENCH_INBOX_REPEAT", "100"))
ADMIN_REPEAT = int(os.environ.get("BENCH_ADMIN_REPEAT", "30"))
# A word in every language's templates (a place name: the same in each stemmer).
SEARCH_WORD = os.environ.get("BENCH_INBOX_Q", "Leipzig")
DEEP_PAGE = 500
PAGE_SIZE = 50  # the admin's list_per_page and the inbox's page size


@dataclass
class Page:
    """One measured page: p95 and median in ms, queries and statements per request."""

    p95: float
    p50: float
    queries: int
    statements: int


TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def main() -> None:
    setup_inbox_database()
    from inbox_data import ensure_inbox_dataset

    dataset = ensure_inbox_dataset(TOTAL, CLIENTS)
    if dataset.build_seconds is not None:
        report("inbox_dataset_build", dataset.build_seconds, "s", rows=TOTAL, clients=CLIENTS, phases=dataset.phases)
    target = dataset.clients[0]
    admin_pages = admin_changelist_pages(dataset, target)
    inbox_pages = inbox_page_urls(dataset, target)
    if inbox_pages is None:
        print("bench_inbox: the inbox (/c/<client>/inbox/) does not exist yet: inbox figures skipped", file=sys.stderr)

    admin_web = signed_in(dataset.admin)
    inbox_web = signed_in(dataset.responders[target.pk]) if inbox_pages else None
    for name, admin_url in admin_pages.items():
        admin = measure(admin_web, admin_url, expect=admin_expectation(name), repeat=ADMIN_REPEAT)
        report(
            f"admin_{name}_p95",
            admin.p95,
            "ms",
            queries=admin.queries,
            statements=admin.statements,
            p50=round(admin.p50, 1),
            n=TOTAL,
            url=admin_url,
        )
        if inbox_pages:
            inbox = measure(inbox_web, inbox_pages[name], expect=b"data-mention=", repeat=REPEAT)
            if name in ("first_page", "deep_page"):
                links_on(inbox_web, inbox_pages[name])
            report(
                f"inbox_{name}_p95",
                inbox.p95,
                "ms",
                "Django admin changelist, same data",
                admin.p95,
                queries=inbox.queries,
                statements=inbox.statements,
                p50=round(inbox.p50, 1),
                speedup=round(admin.p95 / inbox.p95, 1),
                n=TOTAL,
                url=inbox_pages[name],
            )


def admin_changelist_pages(dataset, target) -> dict[str, str]:
    base = "/admin/mentions/mention/"
    return {
        "first_page": base,
        "filtered_page": f"{base}?status__exact=new&risk_level__exact=high&client__id__exact={target.pk}",
        # The admin numbers pages from 1 (?p=), with LIMIT/OFFSET underneath.
        "deep_page": f"{base}?p={DEEP_PAGE}",
        "search": f"{base}?q={SEARCH_WORD}",
    }


def admin_expectation(name: str) -> bytes:
    # Every admin page must list mentions: the result table, not "0 mentions".
    return b'id="result_list"'


# The inbox half ---------------------------------------------------------------------------------


def inbox_page_urls(dataset, target) -> dict[str, str] | None:
    """The inbox's four pages for the biggest client, or None while the inbox does not exist.

    INBOX HALF: written against the announced contract, to be checked once the view lands:
    `/c/<client_slug>/inbox/` with GET sort=risk|due|newest, status, risk, channel, language,
    sentiment, kind, topic, assignee, brand, since, until, q, after (an opaque keyset cursor,
    also found in the page's `<a rel="next" href=...>`), and
    `apps.mentions.selectors.encode_cursor(sort=..., mention=...)` to jump straight to a deep page.
    """
    from django.urls import Resolver404, resolve

    base = f"/c/{target.slug}/inbox/"
    try:
        resolve(base)
    except Resolver404:
        return None
    try:
        from apps.mentions.selectors import encode_cursor
    except ImportError:
        return None
    return {
        "first_page": base,
        "filtered_page": f"{base}?status=new&risk=high",
        "deep_page": f"{base}?status=all&sort=newest&after={deep_cursor(target, encode_cursor)}",
        "search": f"{base}?q={SEARCH_WORD}",
    }


def deep_cursor(target, encode_cursor) -> str:
    """The cursor after the last mention of page 499 in newest-first order: the link to page 500.

    Found with an OFFSET once, outside the timing; the inbox itself never pays for the depth.
    """
    from apps.mentions.models import IN_INBOX, Mention

    newest_first = Mention.objects.unscoped().filter(IN_INBOX, client=target).order_by("-posted_at", "-id")
    # A small dataset (BENCH_INBOX_N) has fewer pages: then the last page there is.
    position = min((DEEP_PAGE - 1) * PAGE_SIZE, newest_first.count() - 1) - 1
    last_of_previous = newest_first[max(position, 0)]
    return encode_cursor(sort="newest", mention=last_of_previous)


def links_on(web, url: str) -> None:
    """A full page must link to the next one (`<a rel="next">`); said on stderr, not fatal."""
    if b'rel="next"' not in web.get(url).content:
        print(f'bench_inbox: {url} lists a full page but has no <a rel="next"> link', file=sys.stderr)


# Measuring --------------------------------------------------------------------------------------


def measure(web, url: str, *, expect: bytes | None, repeat: int) -> Page:
    """Warm-up, then `repeat` timed requests; every response must be a 200 with `expect` in it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fetch():
        response = web.get(url)
        if response.status_code != 200 or (expect is not None and expect not in response.content):
            raise AssertionError(f"{url}: {response.status_code}, expected {expect!r} in the page")

    fetch()
    with CaptureQueriesContext(connection) as captured:
        fetch()
    # Read now: the log is a window that the next request's reset empties.
    sql = [query["sql"] for query in captured.captured_queries]
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fetch()
        samples.append((time.perf_counter() - began) * 1000)
    statements = [text for text in sql if text.split(" ", 1)[0].upper() not in TRANSACTION_CONTROL]
    return Page(p95=p95(samples), p50=statistics.median(samples), queries=len(sql), statements=len(statements))


if __name__ == "__main__":
    main()
