"""Staff at work in the inbox, for locust; bench_inbox_load.py starts it and reads its figures.

Each simulated person holds a signed-in session the benchmark made (BENCH_LOAD_SESSIONS,
a JSON list of {"cookie", "inbox"}) and does what a responder's browser does: opens the
inbox (the saved-view counts load with it), filters, searches, pages on with the page's
own next link, opens mentions (announcing presence as the page does), and keeps the
live poll and the notification bell going. A request counts as failed unless it answers
200 with the page's own mark in it: a redirect to the login page is a failure too.
"""

import html
import itertools
import json
import os
import random
import re
from http.cookiejar import Cookie
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

SESSIONS = json.loads(Path(os.environ["BENCH_LOAD_SESSIONS"]).read_text())
_next_session = itertools.cycle(SESSIONS)

# What a responder narrows the list to in a day's work.
FILTERS = [
    "status=new&risk=high",
    "sort=due",
    "sort=newest",
    "status=all&sort=newest",
    "risk=critical&risk=high",
    "assignee=me",
    "assignee=none&status=new",
    "sentiment=negative&sort=due",
]
# Place names of the replay's posts, written in every language. Its everyday words come from a few
# dozen templates and match a tenth of all mentions; real searches (a name, a place, an order
# number) are as selective as these.
SEARCHES = ["Leipzig", "Tromsø", "Gdańsk", "Köln", "Aalborg", "Stavanger", "Poznań", "Bristol"]

ROW = re.compile(r'data-mention="(\d+)" data-url="([^"]+)"')
NEXT = re.compile(r'<a href="([^"]*)" rel="next"')
TABLE = re.compile(
    r'<table class="inbox" id="inbox" data-poll-url="([^"]*)" data-since="([^"]*)" '
    r'data-newest="([^"]*)" data-query="([^"]*)"'
)
SEEN_AT = re.compile(r'data-seen-at="([^"]+)"')
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
HTMX = {"HX-Request": "true"}


class Staff(FastHttpUser):
    # A responder reads a row or a mention for a second or two before the next click.
    wait_time = between(0.5, 2.5)

    def on_start(self):
        session = next(_next_session)
        self.client.cookiejar.set_cookie(session_cookie(session["cookie"], self.host))
        self.inbox = session["inbox"]
        self.rows: list[str] = []
        self.next_link = None
        self.open_inbox("", "inbox")

    # What the browser fetches ------------------------------------------------------------------

    def fetch(self, url: str, name: str, mark: str, *, method: str = "GET", **options) -> str | None:
        with self.client.request(
            method, url, name=name, allow_redirects=False, catch_response=True, **options
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} from {url}")
                return None
            if mark not in response.text:
                response.failure(f"no {mark!r} in {url}")
                return None
            return response.text

    def open_inbox(self, query: str, name: str) -> None:
        page = self.fetch(self.inbox + query, name, 'id="inbox"')
        if page is None:
            return
        table = TABLE.search(page)
        self.poll_url, self.since, self.newest, self.query = (html.unescape(part) for part in table.groups())
        self.rows = [html.unescape(url) for _, url in ROW.findall(page)]
        found = NEXT.search(page)
        self.next_link = html.unescape(found.group(1)) if found else None
        self.csrf = CSRF.search(page).group(1)
        counts = re.search(r'hx-get="([^"]*/inbox/views/counts/)"', page)
        if counts:
            self.fetch(counts.group(1), "saved-view counts", "", headers=HTMX)

    # The day's work -------------------------------------------------------------------------------

    @task(2)
    def filter(self):
        self.open_inbox("?" + random.choice(FILTERS), "inbox, filtered")

    @task(1)
    def search(self):
        self.open_inbox("?" + urlencode({"q": random.choice(SEARCHES)}), "inbox, search")

    @task(1)
    def next_page(self):
        if self.next_link:
            self.open_inbox(self.next_link, "inbox, next page")
        else:
            self.open_inbox("", "inbox")

    @task(4)
    def open_mention(self):
        if not self.rows:
            return
        url = random.choice(self.rows)
        if self.fetch(url, "mention page", 'id="presence"') is not None:
            self.fetch(
                url + "presence/",
                "presence",
                "",
                method="POST",
                data={"state": "viewing"},
                headers={**HTMX, "X-CSRFToken": self.csrf},
            )

    @task(3)
    def poll(self):
        # As inbox.js asks: the list's filters, the newest id, the server's last stamp, the shown rows.
        params = [("newest", self.newest), ("seen_at", self.since)]
        params += [("shown", url.rstrip("/").rsplit("/", 1)[1]) for url in self.rows]
        query = "&".join(part for part in (self.query, urlencode(params)) if part)
        answer = self.fetch(f"{self.poll_url}?{query}", "inbox poll", "", headers=HTMX)
        stamp = SEEN_AT.search(answer or "")
        if stamp:
            self.since = stamp.group(1)

    @task(1)
    def bell(self):
        self.fetch("/notifications/badge/", "notification bell", "", headers=HTMX)


def session_cookie(key: str, host: str) -> Cookie:
    """The session cookie as the server set it for this host, in the client's cookie jar."""
    domain = host.split("://", 1)[1].split(":", 1)[0]
    return Cookie(0, "sessionid", key, None, False, domain, False, False, "/", True, False, None, True, None, None, {})
