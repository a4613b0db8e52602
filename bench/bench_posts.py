"""Crisis mode: the hold against two publishing workers, how soon a hold stops claims, and the
calendar month with 10,000 posts.

- hold_race_published: BENCH_RACE_POSTS posts (default 1,000) due at the start of a second, a
  hold set 0.5 s into that second, two worker threads claiming and publishing to a local
  Mastodon stub all the while; over BENCH_RACE_RUNS runs (default 20), how many went out
  (goal 0) and how many were held.
- hold_effective: from asking for a hold to the first claim that holds the due posts, per run
  (the posts are due already), p95 over the runs (goal 1 s).
- calendar_p95: the month view of a client with BENCH_CALENDAR_POSTS posts that month (default
  10,000), 20 loads after five warm-up loads, with its query count; beside it the same month read
  whole (every post with its text), as a page without the per-day limit would.
"""

import os
import statistics
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import p95, report, setup_bench_database, signed_in

RACE_POSTS = int(os.environ.get("BENCH_RACE_POSTS", "1000"))
RACE_RUNS = int(os.environ.get("BENCH_RACE_RUNS", "20"))
CALENDAR_POSTS = int(os.environ.get("BENCH_CALENDAR_POSTS", "10000"))


class Stub(BaseHTTPRequestHandler):
    """A Mastodon instance that counts the statuses it is sent."""

    posted = 0
    lock = threading.Lock()

    def do_POST(self):
        with Stub.lock:
            Stub.posted += 1
        body = b'{"id": "1", "uri": "https://stub.example/statuses/1"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def make_posts(client, brand, source, due_at, count: int, author) -> list[int]:
    """Approved posts with one channel each, in four statements."""
    from apps.posts.models import PostChannel, PostState, ScheduledPost
    from apps.responses.models import Answer, AnswerVersion

    answers = Answer.objects.bulk_create(
        Answer(client=client, reply_type="post", state="approved", author=author, subject="bench") for _ in range(count)
    )
    versions = AnswerVersion.objects.bulk_create(
        AnswerVersion(client=client, answer=answer, number=1, text=f"Winter crisps {n}", author=author)
        for n, answer in enumerate(answers)
    )
    for answer, version in zip(answers, versions, strict=True):
        answer.current_version = answer.approved_version = version
    Answer.objects.bulk_update(answers, ["current_version", "approved_version"], batch_size=1000)
    posts = ScheduledPost.objects.bulk_create(
        ScheduledPost(client=client, brand=brand, answer=answer, due_at=due_at, state=PostState.SCHEDULED)
        for answer in answers
    )
    PostChannel.objects.bulk_create(PostChannel(client=client, post=post, source=source) for post in posts)
    return [post.pk for post in posts]


def main() -> None:
    setup_bench_database()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.posts import services
    from apps.posts.models import Hold, PostState, ScheduledPost
    from apps.tenants.roles import Role
    from tests.factories import BrandFactory, ClientFactory, MembershipFactory, SourceFactory, UserFactory

    stub = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    client = ClientFactory()
    person = UserFactory()
    MembershipFactory(user=person, client=client, role=Role.RESPONDER)
    brand = BrandFactory(client=client, name="Havbris", languages=["da"])
    source = SourceFactory(
        brand=brand, kind="mastodon", config={"base_url": f"http://127.0.0.1:{stub.server_port}/", "mode": "hashtag"}
    )
    source.set_credentials({"access_token": "bench"})
    source.save()

    # The calendar month with CALENDAR_POSTS posts, first: measured in a process as a server's
    # is, not after the race's thousands of objects.
    month_start = timezone.localtime().replace(day=1, hour=8, minute=0, second=0, microsecond=0)
    for day in range(28):
        make_posts(client, brand, source, month_start + timedelta(days=day), CALENDAR_POSTS // 28, person)
    web = signed_in(person)
    url = f"/c/{client.slug}/posts/calendar/?month={month_start:%Y-%m}"
    for _ in range(5):  # a server's first loads fill its caches (templates, the session, the plan)
        assert web.get(url).status_code == 200
    seconds = []
    for _ in range(20):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            assert web.get(url).status_code == 200
            seconds.append(time.perf_counter() - began)
    whole = []
    for _ in range(5):
        began = time.perf_counter()
        list(
            ScheduledPost.objects.filter(client=client, due_at__gte=month_start).select_related(
                "brand", "answer__current_version"
            )
        )
        whole.append(time.perf_counter() - began)
    report(
        "calendar_p95",
        p95(seconds) * 1000,
        "ms",
        posts=ScheduledPost.objects.filter(client=client).count(),
        queries=len(queries.captured_queries),
        baseline="every post of the month read whole",
        baseline_ms=round(statistics.median(whole) * 1000, 1),
        goal_ms=100,
    )
    ScheduledPost.objects.filter(client=client).delete()

    # The race: posts due in the second the hold is set, two workers publishing
    def worker(until: float, errors: list) -> None:
        try:
            while time.monotonic() < until:
                for post_id in services.claim_due_posts(limit=1000):
                    services.deliver_post(post_id=post_id)
                time.sleep(0.01)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    published, held, effective, errors = 0, 0, [], []
    for _ in range(RACE_RUNS):
        Stub.posted = 0
        due = (timezone.now() + timedelta(seconds=2)).replace(microsecond=0)
        ids = make_posts(client, brand, source, due, RACE_POSTS, person)
        until = time.monotonic() + (due - timezone.now()).total_seconds() + services.SETTLE.total_seconds() + 1.5
        workers = [threading.Thread(target=worker, args=(until, errors)) for _ in range(2)]
        for thread in workers:
            thread.start()
        time.sleep(max(0.0, (due - timezone.now()).total_seconds() + 0.5))
        hold = services.hold_set(actor=person, client=client, brand=brand, reason="bench")
        for thread in workers:
            thread.join()
        published += Stub.posted
        held += ScheduledPost.objects.filter(pk__in=ids, state=PostState.HELD).count()
        services.hold_lift(actor=person, hold=hold)
        ScheduledPost.objects.filter(pk__in=ids).delete()

        # How soon a hold stops claims: due posts, a hold, the first claim after it
        ids = make_posts(client, brand, source, timezone.now() - services.SETTLE * 2, 50, person)
        began = time.perf_counter()
        hold = services.hold_set(actor=person, client=client, brand=brand, reason="bench")
        claimed = services.claim_due_posts()
        effective.append(time.perf_counter() - began)
        assert claimed == [], claimed
        services.hold_lift(actor=person, hold=hold)
        ScheduledPost.objects.filter(pk__in=ids).delete()
    Hold.objects.all().delete()
    report(
        "hold_race_published",
        published,
        "count",
        held=held,
        runs=RACE_RUNS,
        posts_per_run=RACE_POSTS,
        workers=2,
        errors=errors[:3],
        goal=0,
    )
    report("hold_effective", p95(effective), "s", median_s=round(statistics.median(effective), 4), goal_s=1.0)

    stub.shutdown()


if __name__ == "__main__":
    main()
