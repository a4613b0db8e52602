"""Poison messages: a task message that would stop the workers is set aside, not run again.

Two kinds. A message whose arguments no task should take (nested deeper or larger than the
bounds in settings: tasks take ids, not payloads) is set aside when the worker receives it,
before it is handed to a pool process (and again before the task runs, for eager runs). A message that
has lost its worker more than TASK_MAX_WORKER_LOSSES times (the process killed for memory or
time, a crash in Celery's own handling) is set aside at its next delivery: without that, a
message acknowledged late comes back to each new worker, forever.

Losses are counted in Redis per task id: one more each time the task starts, cleared when
Celery has finished with it (task_postrun, which comes after its own failure handling). A
count left standing at the next start is a start that never finished. A retry of the task
keeps its id but has finished the attempt before, so it starts from nothing.

A set-aside message becomes a DeadLetter row that agency admins see on the background work
page and can run again; the app that owns the task (the source being polled, the import being
read) is told through `dead_letter_owners` and marks its object failed in words.
"""

from __future__ import annotations

import inspect
import json
import logging
import reprlib
from typing import Any

from celery import Task, current_app
from celery.exceptions import Ignore
from celery.signals import task_postrun, task_received
from celery.worker import state as worker_state
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from .audit import record_audit_event
from .models import DeadLetter
from .redis_client import redis_client
from .registry import Registry

logger = logging.getLogger(__name__)

# Task name -> function(arguments: dict of the task's named arguments, reason: str) that marks
# the object the task works on as failed. Filled by the apps that own tasks, in ready().
dead_letter_owners = Registry("dead_letter_owners")

STARTS_KEY = "varde:task-starts:{}"
STARTS_TTL = 7 * 24 * 3600  # a count is only read at a redelivery, which comes within hours

_summary = reprlib.Repr()  # short, and bounded at any depth
_summary.maxlevel, _summary.maxstring, _summary.maxother, _summary.maxlist, _summary.maxdict = 3, 60, 60, 6, 6


class GuardedTask(Task):
    """The base of every task (config/celery.py): checks a message before its task runs."""

    def __call__(self, *args, **kwargs):
        request = self.request
        if request.called_directly or not request.id:  # called as a function, not from a message
            return super().__call__(*args, **kwargs)
        reason = argument_problem(args, kwargs)
        starts = 0
        if not reason and self.acks_late:  # only late-acknowledged messages come back after a loss
            starts = _count_start(request.id)
            losses = starts - 1
            if losses > settings.TASK_MAX_WORKER_LOSSES:
                reason = ngettext(
                    "It stopped the worker running it once (the process was killed for memory or time, "
                    "or crashed), so it was set aside instead of being run again.",
                    "It stopped the worker running it %(n)d times (the process was killed for memory "
                    "or time, or crashed), so it was set aside instead of being run again.",
                    losses,
                ) % {"n": losses}
        if reason:
            set_aside(task=self, task_id=request.id, args=args, kwargs=kwargs, reason=reason, deliveries=max(starts, 1))
            raise Ignore()
        return super().__call__(*args, **kwargs)


@task_received.connect
def _refuse_poison_arguments(request=None, **kwargs) -> None:
    """In the worker's main process, before the message goes to a pool process: handing it over
    pickles the arguments, and arguments nested deep enough make that fail and stop the whole
    worker, at every delivery. Set aside and revoked, the message is acknowledged unrun."""
    args = request.args if isinstance(request.args, (list, tuple)) else [request.args]
    kwargs_ = request.kwargs if isinstance(request.kwargs, dict) else {"kwargs": request.kwargs}
    reason = argument_problem(tuple(args), kwargs_)
    if not reason:
        return
    set_aside(task=request.task, task_id=request.id, args=tuple(args), kwargs=kwargs_, reason=reason, deliveries=1)
    worker_state.revoked.add(request.id)
    connections.close_all()  # pool processes are forked from this one: they must not share its socket


def argument_problem(args: tuple, kwargs: dict) -> str:
    """Why these arguments are no task's, in words; empty when they are fine."""
    limit = settings.TASK_MAX_ARGUMENT_DEPTH
    pending: list[tuple[Any, int]] = [(args, 1), (kwargs, 1)]
    while pending:  # by hand, not recursion: the depth is what is being checked
        value, depth = pending.pop()
        if depth > limit:
            return _("Its arguments are nested more than %(n)d levels deep; tasks take ids, not payloads.") % {
                "n": limit
            }
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend((item, depth + 1) for item in value)
    size = len(json.dumps([args, kwargs], default=str))
    if size > settings.TASK_MAX_ARGUMENT_BYTES:
        return _("Its arguments are %(size)s; tasks take ids, not payloads.") % {"size": filesizeformat(size)}
    return ""


def _count_start(task_id: str) -> int:
    key = STARTS_KEY.format(task_id)
    try:
        pipe = redis_client().pipeline()
        pipe.incr(key)
        pipe.expire(key, STARTS_TTL)
        return int(pipe.execute()[0])
    except RedisError:
        # Without Redis nothing is counted and the task runs: better than stopping all work.
        logger.warning("could not count the start of task %s", task_id, exc_info=True)
        return 0


@task_postrun.connect
def _finished(task_id=None, task=None, **kwargs) -> None:
    if task is None or not task.acks_late:
        return
    try:
        redis_client().delete(STARTS_KEY.format(task_id))
    except RedisError:
        logger.warning("could not clear the start count of task %s", task_id, exc_info=True)


def set_aside(*, task: Task, task_id: str, args: tuple, kwargs: dict, reason: str, deliveries: int) -> DeadLetter:
    """Keep the message as a dead letter and tell the app that owns the task."""
    named = _named_arguments(task, args, kwargs)
    keep = not argument_problem(args, kwargs)
    with transaction.atomic():
        dead_letter = DeadLetter.objects.create(
            task_name=task.name,
            task_id=task_id,
            arguments={"args": list(args), "kwargs": kwargs} if keep else None,
            arguments_summary=_summarise(named)[:500],
            reason=reason,
            deliveries=deliveries,
        )
        record_audit_event(
            actor=None,
            action="task.set_aside",
            target=dead_letter,
            target_repr=task.name,
            after={"reason": reason, "deliveries": deliveries},
        )
    logger.error("task %s %s set aside: %s", task.name, task_id, reason)
    if task.name in dead_letter_owners:
        try:
            dead_letter_owners[task.name](named, reason)
        except Exception:  # the dead letter is kept; the owner's state is a courtesy
            logger.exception("the owner of task %s could not be marked failed", task.name)
    return dead_letter


def _named_arguments(task: Task, args: tuple, kwargs: dict) -> dict[str, Any]:
    try:
        return dict(inspect.signature(task.run).bind_partial(*args, **kwargs).arguments)
    except TypeError:  # arguments the task does not take: name them by position
        return {**{str(i): value for i, value in enumerate(args)}, **kwargs}


def _summarise(named: dict[str, Any]) -> str:
    return ", ".join(f"{name}={_summary.repr(value)}" for name, value in named.items())


def dead_letters_for(*, user: AbstractBaseUser) -> QuerySet[DeadLetter]:
    return DeadLetter.objects.visible_to(user).select_related("retried_by")


def dead_letter_run_again(*, actor: AbstractBaseUser, dead_letter: DeadLetter, request=None) -> DeadLetter:
    """Send the set-aside message's task again, as a new message (so with a fresh count)."""
    if dead_letter.arguments is None:
        raise ValidationError(_("Its arguments were too large to keep, so it cannot be run again from here."))
    task = current_app.tasks.get(dead_letter.task_name)
    if task is None:
        raise ValidationError(_("No task of this name exists any more."))
    with transaction.atomic():
        claimed = DeadLetter.objects.filter(pk=dead_letter.pk, retried_at__isnull=True).update(
            retried_at=timezone.now(), retried_by=actor
        )
        if not claimed:
            raise ValidationError(_("This task was run again already."))
        dead_letter.refresh_from_db()
        record_audit_event(
            actor=actor, action="task.run_again", target=dead_letter, target_repr=dead_letter.task_name, request=request
        )
        arguments = dead_letter.arguments
        transaction.on_commit(lambda: task.apply_async(args=arguments["args"], kwargs=arguments["kwargs"]))
    return dead_letter
