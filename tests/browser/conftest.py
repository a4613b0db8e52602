"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

No browser is ever downloaded: `make browser` installs /usr/bin/chromium with apt-get, and Playwright
launches that binary. Every test gets a fresh browser context (no cookies), and `sign_in(user)` signs
a person in without the login form, as the `web` fixture does for Django's test client. The live
server serves static/ itself (pytest-django wraps it in Django's StaticFilesHandler, which reads it
through the finders), so pages get their CSS, htmx and app.js as in development.

The live server needs committed data, so these tests run in transactions that pytest-django ends by
flushing every table. Before that flush, the context is closed and the live server must have
finished every request the page made (the session is saved on every request): nothing is written
after the flush, and the tests after these ones start from an empty database.
"""

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.test import Client as HttpClient

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machine has no network but loopback: keep chromium from calling home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
DRAIN_SECONDS = 10


class InFlightRequests:
    """Counts the requests the live server is handling (they run in its own threads)."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def started(self, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            with self.changed:
                self.count += 1

    def finished(self, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_until_idle(self, timeout):
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, timeout)


@pytest.fixture(scope="package")
def in_flight():
    requests = InFlightRequests()
    request_started.connect(requests.started, dispatch_uid="browser-tests-started")
    request_finished.connect(requests.finished, dispatch_uid="browser-tests-finished")
    yield requests
    request_started.disconnect(dispatch_uid="browser-tests-started")
    request_finished.disconnect(dispatch_uid="browser-tests-finished")


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One chromium for the browser tests, closed when they are done.

    Package-scoped rather than session-scoped on purpose: between calls, Playwright's sync API keeps
    its asyncio loop marked as running in this thread. Django then refuses the ORM here
    (SynchronousOnlyOperation), and so would any asyncio.run() elsewhere. While the browser is open,
    DJANGO_ALLOW_ASYNC_UNSAFE lets these plain synchronous tests (and pytest-django's flush after
    each of them) use the database; once the browser tests are over, Playwright is stopped, the
    loop is gone and the variable is restored, so every later test runs as if they never had.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` to install Debian's chromium.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def context(browser, live_server, in_flight):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
    yield context
    context.close()
    if not in_flight.wait_until_idle(DRAIN_SECONDS):
        pytest.fail(f"The live server was still answering the browser {DRAIN_SECONDS} s after the test.")


@pytest.fixture
def page(context):
    """A page that fails its test when the browser reports a Content-Security-Policy violation
    (Chromium logs each one on the console)."""
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    assert violations == [], "the page broke its Content-Security-Policy"


@pytest.fixture
def sign_in(context, live_server):
    """Signs the browser in as the given user: a session made by force_login, no login form, no MFA step."""

    def as_user(user):
        http = HttpClient()
        http.force_login(user)
        session = http.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.value,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        return user

    return as_user
