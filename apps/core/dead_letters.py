"""Poison messages: a task message that would stop the workers is set aside, not run again.

Three kinds. A message whose arguments no task should take (nested deeper or larger than the
bounds in settings: tasks take ids, not payloads) is set aside when the worker receives it,
before it is handed to a pool process (and again before the task runs, for eager runs). A
message for a task this release does not have, or in a content type it refuses, is recorded
as Celery drops it. A message that has lost its worker process more than
TASK_MAX_WORKER_LOSSES times (killed for memory, a crash in Celery's own handling) is set aside
at its next delivery: without that, a message acknowledged late comes back to each new worker,
forever. (A hard time limit's kill is acknowledged by Celery as a failure: it never comes back.)

Losses are counted in Redis per task id: one more each time the task starts, cleared when
Celery has finished with it (task_postrun, which comes after its own failure handling). A
count left standing at the next start is a start that never finished. A retry of the task
keeps its id but has finished the attempt before, so it starts from nothing.

A set-aside message becomes a DeadLetter row that agency admins see on the background work
page and can run again; the app that owns the task (the source being polled, the import being
read) is told through `dead_letter_owners` and marks its object failed in words, and readies it
when an admin runs the task again.
"""

from __future__ import annotations

import inspect
import json
import logging
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Task, current_app
from celery.exceptions import Ignore
from celery.signals import task_postrun, task_received, task_rejected, task_unknown
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
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .audit import record_audit_event
from .models import DeadLetter
from .redis_client import redis_client
from .registry import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Owner:
    """What the app owning a task does about its object. Each function takes the task's named
    arguments (and the reason, for `set_aside`)."""

    set_aside: Callable[[dict, str], None] | None = None  # mark the object failed, in words
    run_again: Callable[[dict], None] | None = None  # ready it for the task to run again
    keep_arguments: bool = True  # False: they hold what no admin should read (mail bodies)


# Task name -> Owner. Filled by the apps that own tasks, in ready().
dead_letter_owners = Registry("dead_letter_owners")

STARTS_KEY = "varde:task-starts:{}"
# A count is only read at a redelivery, which comes at once (a lost pool process) or within the
# broker's visibility timeout (a lost worker); a deploy that kills running tasks counts as a
# loss, and a day is enough for its count to be forgotten.
STARTS_TTL = 24 * 3600

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
            request.worker_losses = max(starts - 1, 0)  # tasks that cannot resume read it
            if request.worker_losses > settings.TASK_MAX_WORKER_LOSSES:
                reason = ngettext(
                    "It stopped the worker running it once (the process was killed, for memory or by "
                    "a crash), so it was set aside instead of being run again.",
                    "It stopped the worker running it %(n)d times (the process was killed, for memory "
                    "or by a crash), so it was set aside instead of being run again.",
                    request.worker_losses,
                ) % {"n": request.worker_losses}
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
    try:
        set_aside(task=request.task, task_id=request.id, args=tuple(args), kwargs=kwargs_, reason=reason, deliveries=1)
    except Exception:  # not recorded, but still never handed to a pool process
        logger.exception("task %s %s set aside unrecorded: %s", request.name, request.id, reason)
    finally:
        worker_state.revoked.add(request.id)
        connections.close_all()  # pool processes are forked from this one: they must not share its socket


@task_unknown.connect
def _record_unknown(name=None, id=None, message=None, **kwargs) -> None:
    _record_dropped(
        task_name=name or "",
        task_id=id or "",
        summary=_headers_summary(message),
        reason=_("No task of this name exists in this release (a message of an older or newer one?)."),
    )


@task_rejected.connect
def _record_rejected(message=None, exc=None, **kwargs) -> None:
    headers = getattr(message, "headers", None) or {}
    _record_dropped(
        task_name=str(headers.get("task", "")),
        task_id=str(headers.get("id", "")),
        summary=_headers_summary(message),
        reason=_("The message was in a form the workers do not accept (%(type)s).")
        % {"type": getattr(message, "content_type", "") or _("unknown")},
    )


def _headers_summary(message) -> str:
    headers = getattr(message, "headers", None) or {}
    return f"{headers.get('argsrepr', '')} {headers.get('kwargsrepr', '')}".strip()[:500]


def _record_dropped(*, task_name: str, task_id: str, summary: str, reason: str) -> None:
    """Celery drops these messages itself (acknowledged, not run): keep a trace for the admins."""
    try:
        _keep(task_name=task_name, task_id=task_id, arguments=None, summary=summary, reason=reason, deliveries=1)
    except Exception:
        logger.exception("dropped message %s %s unrecorded: %s", task_name, task_id, reason)
    finally:
        connections.close_all()


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
    size = len(json.dumps([args, kwargs], default=str, ensure_ascii=False).encode())
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
    owner = dead_letter_owners[task.name] if task.name in dead_letter_owners else Owner()
    keep = owner.keep_arguments and not argument_problem(args, kwargs)
    dead_letter = _keep(
        task_name=task.name,
        task_id=task_id,
        arguments={"args": list(args), "kwargs": kwargs} if keep else None,
        summary=_summarise(named),
        reason=reason,
        deliveries=deliveries,
    )
    if owner.set_aside is not None:
        try:
            owner.set_aside(named, reason)
        except Exception:  # the dead letter is kept; the owner's state is a courtesy
            logger.exception("the owner of task %s could not be marked failed", task.name)
    return dead_letter


def _keep(*, task_name: str, task_id: str, arguments, summary: str, reason: str, deliveries: int) -> DeadLetter:
    with transaction.atomic():
        # Once per message: a process killed after this write, before the acknowledgement, brings
        # the message back to be set aside again.
        dead_letter, created = DeadLetter.objects.get_or_create(
            task_id=task_id[:64],
            defaults={
                "task_name": task_name[:200],
                "arguments": arguments,
                "arguments_summary": summary[:500],
                "reason": reason,
                "deliveries": deliveries,
            },
        )
        if created:
            record_audit_event(
                actor=None,
                action="task.set_aside",
                target=dead_letter,
                target_repr=task_name,
                after={"reason": reason, "deliveries": deliveries},
            )
    logger.error("task %s %s set aside: %s", task_name, task_id, reason)
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
    """Send the set-aside message's task again, as a new message (so with a fresh count), after
    its owner readied the object (an import back to queued)."""
    if dead_letter.arguments is None:
        raise ValidationError(_("Its arguments were not kept, so it cannot be run again from here."))
    task = current_app.tasks.get(dead_letter.task_name)
    if task is None:
        raise ValidationError(_("No task of this name exists any more."))
    owner = dead_letter_owners[task.name] if task.name in dead_letter_owners else Owner()
    arguments = dead_letter.arguments
    with transaction.atomic():
        claimed = DeadLetter.objects.filter(pk=dead_letter.pk, retried_at__isnull=True).update(
            retried_at=timezone.now(), retried_by=actor
        )
        if not claimed:
            raise ValidationError(_("This task was run again already."))
        if owner.run_again is not None:
            owner.run_again(_named_arguments(task, tuple(arguments["args"]), arguments["kwargs"]))
    # Sent after the commit, so the task finds its object readied; a broker that cannot be
    # reached undoes the claim, so the button stays.
    try:
        task.apply_async(args=arguments["args"], kwargs=arguments["kwargs"])
    except OperationalError:
        DeadLetter.objects.filter(pk=dead_letter.pk).update(retried_at=None, retried_by=None)
        raise ValidationError(_("The workers' queue cannot be reached: nothing was sent. Try again shortly.")) from None
    dead_letter.refresh_from_db()
    record_audit_event(
        actor=actor, action="task.run_again", target=dead_letter, target_repr=dead_letter.task_name, request=request
    )
    return dead_letter


# How the events of this module read (core.sentences), registered in CoreConfig.ready().
SENTENCES = {
    "task.set_aside": lambda s: (
        _("The background task %(target)s was set aside: %(reason)s")
        % {"target": s.target, "reason": s.after("reason", "")}
    ),
    "task.run_again": lambda s: (
        _("%(actor)s ran the background task %(target)s again.") % {"actor": s.actor, "target": s.target}
    ),
}
