"""Poison messages are set aside as dead letters, their owner marked failed, and can be run again.

The messages run eagerly here; tests/core/test_worker_integration.py proves the same with a
real worker that a task kills.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from apps.core.dead_letters import STARTS_KEY
from apps.core.models import AuditEvent, DeadLetter
from apps.core.redis_client import redis_client
from apps.listening.models import ImportJob, PushedBatch, SourceKind
from apps.listening.tasks import (
    ingest_pushed_batch_task,
    ingest_pushed_mentions_task,
    poll_source_task,
    run_import_task,
)
from apps.mentions.models import Mention
from tests.factories import ImportJobFactory, SourceFactory


def _lost_workers(task_id: str, times: int) -> None:
    """As Redis holds it after `times` starts of this message that never finished."""
    redis_client().set(STARTS_KEY.format(task_id), times, ex=600)


def _deep(levels: int):
    value = "bottom"
    for _ in range(levels):
        value = {"inner": value}
    return value


@pytest.mark.django_db
def test_a_poll_that_lost_its_worker_more_than_n_times_is_set_aside_and_the_source_says_why(settings, brand_a):
    settings.TASK_MAX_WORKER_LOSSES = 3
    source = SourceFactory(brand=brand_a, config={"url": "http://127.0.0.1:9/never-fetched.xml"})
    task_id = str(uuid.uuid4())
    _lost_workers(task_id, 4)

    poll_source_task.apply_async(args=[source.pk], task_id=task_id)

    letter = DeadLetter.objects.get(task_id=task_id)
    assert letter.task_name == "apps.listening.tasks.poll_source_task"
    assert letter.deliveries == 5
    assert "stopped the worker running it 4 times" in letter.reason
    assert letter.arguments == {"args": [source.pk], "kwargs": {}}
    assert letter.arguments_summary == f"source_id={source.pk}"
    source.refresh_from_db()
    assert source.last_error.startswith("Work on this source was set aside.")
    assert source.consecutive_failures == 1
    assert source.last_polled_at is not None and source.last_success_at is None  # the poll never ran
    assert AuditEvent.objects.filter(action="task.set_aside", target_id=str(letter.pk)).exists()


@pytest.mark.django_db
def test_up_to_n_losses_the_task_runs_and_its_count_is_cleared(settings, brand_a):
    settings.TASK_MAX_WORKER_LOSSES = 3
    job = ImportJobFactory(source__brand=brand_a, client=brand_a.client)
    task_id = str(uuid.uuid4())
    _lost_workers(task_id, 3)

    run_import_task.apply_async(args=[job.pk], task_id=task_id)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.rows_created == 1
    assert not DeadLetter.objects.exists()
    assert redis_client().get(STARTS_KEY.format(task_id)) is None


@pytest.mark.django_db
def test_a_set_aside_import_ends_failed_with_the_reason(settings, brand_a):
    settings.TASK_MAX_WORKER_LOSSES = 0
    job = ImportJobFactory(source__brand=brand_a, client=brand_a.client)
    task_id = str(uuid.uuid4())
    _lost_workers(task_id, 1)

    run_import_task.apply_async(args=[job.pk], task_id=task_id)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert job.errors[0]["error"].startswith("The import was set aside. It stopped the worker running it once")
    assert job.rows_created == 0


@pytest.mark.django_db
def test_a_set_aside_push_is_failed_not_left_waiting_for_the_sweeper(settings, brand_a):
    settings.TASK_MAX_WORKER_LOSSES = 1
    source = SourceFactory(brand=brand_a, kind=SourceKind.WEBHOOK, config={})
    batch = PushedBatch.objects.create(
        client=brand_a.client, source=source, records=[{"id": "1", "text": "Alpha Crisps taste odd"}]
    )
    task_id = str(uuid.uuid4())
    _lost_workers(task_id, 2)

    ingest_pushed_batch_task.apply_async(args=[batch.pk], task_id=task_id)

    batch.refresh_from_db()
    assert batch.status == PushedBatch.Status.FAILED and "stopped the worker" in batch.error
    assert not Mention.objects.filter(source=source).exists()


@pytest.mark.django_db
def test_an_import_whose_worker_was_killed_ends_failed_at_its_redelivery(brand_a):
    """The run before was killed mid-file: the job was left "running", and no run ever ends it."""
    job = ImportJobFactory(source__brand=brand_a, client=brand_a.client)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, rows_done=1200)
    task_id = str(uuid.uuid4())
    _lost_workers(task_id, 1)

    run_import_task.apply_async(args=[job.pk], task_id=task_id)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert job.errors[0]["error"].startswith("The worker reading the file stopped (killed, for memory or by a crash)")
    assert "after line 1200" in job.errors[0]["error"]


@pytest.mark.django_db
def test_a_duplicate_delivery_of_a_running_import_leaves_it_running(brand_a):
    job = ImportJobFactory(source__brand=brand_a, client=brand_a.client)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    run_import_task.apply_async(args=[job.pk], task_id=str(uuid.uuid4()))

    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING


@pytest.mark.django_db
def test_a_message_set_aside_twice_is_one_dead_letter(settings, brand_a):
    settings.TASK_MAX_WORKER_LOSSES = 0
    source = SourceFactory(brand=brand_a, config={"url": "http://127.0.0.1:9/never-fetched.xml"})
    task_id = str(uuid.uuid4())
    for times in (1, 2):
        _lost_workers(task_id, times)
        poll_source_task.apply_async(args=[source.pk], task_id=task_id)
    assert DeadLetter.objects.filter(task_id=task_id).count() == 1
    assert AuditEvent.objects.filter(action="task.set_aside").count() == 1


@pytest.mark.django_db
def test_a_set_aside_email_keeps_no_arguments(settings):
    from apps.core.tasks import send_email_task

    settings.TASK_MAX_WORKER_LOSSES = 0
    task_id = str(uuid.uuid4())
    _lost_workers(task_id, 1)

    send_email_task.apply_async(
        kwargs={"subject": "Sign in", "body": "https://varde.test/login/code/SECRET", "to": ["a@example.test"]},
        task_id=task_id,
    )

    letter = DeadLetter.objects.get(task_id=task_id)
    assert letter.arguments is None and "SECRET" not in str(letter.arguments)


@pytest.mark.django_db
def test_non_ascii_text_is_measured_in_bytes_as_sent(settings, brand_a):
    """A push of Japanese text well under the bound once counted six bytes per character."""
    settings.TASK_MAX_ARGUMENT_BYTES = 100_000
    source = SourceFactory(brand=brand_a, kind=SourceKind.WEBHOOK, config={})

    ingest_pushed_mentions_task.delay(source.pk, [{"id": "1", "text": "アルファ" * 8000}])  # 96 KB in UTF-8

    assert not DeadLetter.objects.exists()
    assert PushedBatch.objects.filter(source=source).exists()


@pytest.mark.django_db
def test_arguments_nested_500_deep_are_set_aside_before_anything_runs(brand_a):
    """Case 1: a message of the release before stored pushes, holding a hostile item."""
    source = SourceFactory(brand=brand_a, kind=SourceKind.WEBHOOK, config={})

    ingest_pushed_mentions_task.delay(source.pk, [{"id": "1", "text": "x", "extra": _deep(500)}])

    letter = DeadLetter.objects.get()
    assert "nested more than 32 levels deep" in letter.reason
    assert letter.arguments is None  # not kept, so not offered to run again
    assert letter.arguments_summary.startswith(f"source_id={source.pk}, items=[")
    assert not PushedBatch.objects.exists()
    source.refresh_from_db()
    assert "nested more than 32 levels deep" in source.last_error


@pytest.mark.django_db
def test_arguments_larger_than_the_bound_are_set_aside(settings, brand_a):
    settings.TASK_MAX_ARGUMENT_BYTES = 10_000
    source = SourceFactory(brand=brand_a, kind=SourceKind.WEBHOOK, config={})

    ingest_pushed_mentions_task.delay(source.pk, [{"id": str(n), "text": "Alpha " * 50} for n in range(50)])

    assert "Its arguments are" in DeadLetter.objects.get().reason
    assert not PushedBatch.objects.exists()


@pytest.mark.django_db
def test_an_agency_admin_sees_what_was_set_aside_and_runs_it_again(
    settings, web, agency_admin, brand_a, django_capture_on_commit_callbacks
):
    settings.TASK_MAX_WORKER_LOSSES = 0
    job = ImportJobFactory(source__brand=brand_a, client=brand_a.client)
    task_id = str(uuid.uuid4())
    _lost_workers(task_id, 1)
    run_import_task.apply_async(args=[job.pk], task_id=task_id)
    letter = DeadLetter.objects.get()
    http = web(agency_admin)

    page = http.get(reverse("dead_letters"))
    assert page.status_code == 200
    assert "apps.listening.tasks.run_import_task" in page.text and f"job_id={job.pk}" in page.text
    assert "stopped the worker running it once" in page.text

    # The cause is fixed (here: the limit); the new message has a new id and so a fresh count,
    # and the import is readied to be read again.
    settings.TASK_MAX_WORKER_LOSSES = 3
    with django_capture_on_commit_callbacks(execute=True):
        answer = http.post(reverse("dead_letter_run_again", args=[letter.pk]), follow=True)
    assert "The task was sent to the workers again." in answer.text

    letter.refresh_from_db()
    job.refresh_from_db()
    assert letter.retried_by == agency_admin and letter.retried_at is not None
    assert job.status == ImportJob.Status.DONE and job.rows_created == 1
    assert AuditEvent.objects.filter(action="task.run_again", actor=agency_admin, target_id=str(letter.pk)).exists()

    again = http.post(reverse("dead_letter_run_again", args=[letter.pk]), follow=True)
    assert "This task was run again already." in again.text
    assert ImportJob.objects.get(pk=job.pk).rows_created == 1


@pytest.mark.django_db
def test_a_letter_without_kept_arguments_cannot_be_run_again(web, agency_admin, brand_a):
    source = SourceFactory(brand=brand_a, kind=SourceKind.WEBHOOK, config={})
    ingest_pushed_mentions_task.delay(source.pk, [{"id": "1", "extra": _deep(100)}])
    letter = DeadLetter.objects.get()

    answer = web(agency_admin).post(reverse("dead_letter_run_again", args=[letter.pk]), follow=True)

    assert "not kept, so it cannot be run again from here" in answer.text
    assert DeadLetter.objects.get().retried_at is None


@pytest.mark.django_db
def test_the_reason_and_arguments_are_escaped_on_the_page(web, agency_admin):
    DeadLetter.objects.create(
        task_name="apps.listening.tasks.poll_source_task",
        task_id="t",
        arguments_summary="<script>alert(1)</script>",
        reason="<img src=x onerror=alert(2)>",
    )

    page = web(agency_admin).get(reverse("dead_letters")).text

    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page


@pytest.mark.django_db
def test_people_of_a_client_do_not_see_background_work(web, account_lead):
    DeadLetter.objects.create(task_name="t", task_id="t", reason="r")

    assert web(account_lead).get(reverse("dead_letters")).status_code == 403
    letter = DeadLetter.objects.get()
    assert web(account_lead).post(reverse("dead_letter_run_again", args=[letter.pk])).status_code == 403
    assert DeadLetter.objects.get().retried_at is None
