"""Work done off the request path: customer emails and refund submissions.

They run as tasks through Django's tasks interface (the ``django-tasks``
backport; ``django.tasks`` from Django 6). The default backend stores each
task as a row (``django-tasks-db``), written in the same transaction as the
change that asks for it: a booking and its confirmation email commit
together, and nothing is lost while no worker runs (the rows wait).
``manage.py db_worker`` runs them; several workers can run at once, each
claiming a task with ``SELECT ... FOR UPDATE SKIP LOCKED``.

A task that raises is recorded as failed, with its traceback (admin: Tasks,
"Task results", which Operations staff can read), and enqueued again to run
later, up to ``MAX_ATTEMPTS`` attempts, the delay growing each time. A task
whose worker died mid-task (killed, out of memory, the host gone) would stay
RUNNING for ever, as the database backend has no lease of its own
(django-tasks-db issue #5): ``recover_stuck_tasks``, run by every reconciler
pass, records it as failed once it has run longer than ``TASK_LEASE`` and
enqueues its next attempt. The tasks are safe to run again: the confirmation
claims its send with a conditional UPDATE, a refund is sent only while
REQUESTED and by one process at a time (``refunds.claim_refunds``), and
PhonePe deduplicates by merchantRefundId.

Tests run tasks immediately (``ImmediateBackend``), once the transaction
commits, so what they check is what the worker would have done.
"""

import datetime
import logging
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from checkout import emails
from checkout.models import Refund

logger = logging.getLogger("checkout")

MAX_ATTEMPTS = 5
# Delay before attempt 2, 3, 4, 5 (seconds).
RETRY_DELAYS = (30, 120, 600, 1800)
# A task still running this long after it started has lost its worker. Far
# above what any of them takes: an email or one PhonePe call, each with its
# own timeout.
TASK_LEASE = datetime.timedelta(minutes=15)


class WorkerLost(Exception):
    """The worker running a task stopped before recording how the task ended."""


def enqueue(work, **kwargs) -> None:
    """Enqueue ``work`` with ``kwargs``; it runs once the current transaction commits.

    A queued backend stores the task in this transaction (committed with the
    change, invisible to workers before); the immediate backend (tests) is
    deferred to the commit instead, as the worker would see it.
    """
    if isinstance(work.get_backend(), ImmediateBackend):
        transaction.on_commit(lambda: work.enqueue(**kwargs))
    else:
        work.enqueue(**kwargs)


@contextmanager
def _retried(work, **kwargs):
    """Run the body; when it raises, enqueue ``work`` again later and re-raise."""
    try:
        yield
    except Exception:
        attempt = kwargs.get("attempt", 1)
        if attempt < MAX_ATTEMPTS and work.get_backend().supports_defer:
            delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
            work.using(
                run_after=timezone.now() + datetime.timedelta(seconds=delay)
            ).enqueue(**{**kwargs, "attempt": attempt + 1})
            logger.warning(
                "Task %s failed (attempt %d of %d); retrying in %d s",
                work.name,
                attempt,
                MAX_ATTEMPTS,
                delay,
            )
        else:
            logger.error(
                "Task %s failed for good after %d attempts", work.name, attempt
            )
        raise


def recover_stuck_tasks(*, now=None, limit=100) -> int:
    """Fail the tasks left running by a dead worker and enqueue their next attempt.

    Return how many were recovered. The stuck rows are claimed with ``SELECT
    ... FOR UPDATE SKIP LOCKED``, and failing one and enqueuing its retry
    commit together, so several reconcilers recover each task once. A worker
    that was only slow may still finish it: then it has run twice, which the
    tasks allow (see the module doc).
    """
    backends = [
        backend.alias
        for backend in task_backends.all()
        if isinstance(backend, DatabaseBackend)
    ]
    if not backends:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            DBTaskResult.objects.running()
            .filter(backend_name__in=backends, started_at__lte=now - TASK_LEASE)
            .order_by("started_at")
            .select_for_update(skip_locked=True)[:limit]
        )
        for result in stuck:
            result.set_failed(
                WorkerLost(
                    f"Still running {TASK_LEASE} after it started on worker "
                    f"{(result.worker_ids or ['?'])[-1]}: taken as lost."
                )
            )
            _retry_lost(result)
    return len(stuck)


def _retry_lost(result):
    kwargs = result.args_kwargs["kwargs"]
    attempt = kwargs.get("attempt", 1)
    if attempt >= MAX_ATTEMPTS:
        logger.error(
            "Task %s lost its worker on attempt %d of %d: failed for good",
            result.task_path,
            attempt,
            MAX_ATTEMPTS,
        )
        return
    work = import_string(result.task_path).using(
        priority=result.priority,
        queue_name=result.queue_name,
        backend=result.backend_name,
    )
    work.enqueue(*result.args_kwargs["args"], **{**kwargs, "attempt": attempt + 1})
    logger.warning(
        "Task %s lost its worker (attempt %d of %d); enqueued again",
        result.task_path,
        attempt,
        MAX_ATTEMPTS,
    )


@task()
def send_booking_confirmation(*, booking_id: int, force: bool = False, attempt=1):
    with _retried(
        send_booking_confirmation, booking_id=booking_id, force=force, attempt=attempt
    ):
        return emails.send_booking_confirmation(booking_id=booking_id, force=force)


@task()
def send_payment_failed(*, payment_id: int, attempt=1):
    with _retried(send_payment_failed, payment_id=payment_id, attempt=attempt):
        emails.send_payment_failed(payment_id=payment_id)


@task()
def send_refund_started(*, refund_id: int, attempt=1):
    with _retried(send_refund_started, refund_id=refund_id, attempt=attempt):
        emails.send_refund_started(refund_id=refund_id)


@task()
def send_booking_cancelled(*, booking_id: int, attempt=1):
    with _retried(send_booking_cancelled, booking_id=booking_id, attempt=attempt):
        emails.send_booking_cancelled(booking_id=booking_id)


@task()
def submit_refund(*, refund_id: int, source: str, attempt=1):
    """Send an automatic refund to PhonePe. Moves money (once: see the module doc).

    PhonePe being unreachable leaves it REQUESTED; the reconciler sends it
    again, so that is not a failure here.
    """
    from checkout import refunds  # refunds enqueues tasks itself

    with _retried(submit_refund, refund_id=refund_id, source=source, attempt=attempt):
        refund = refunds.submit_refund(
            refund=Refund.objects.select_related("payment").get(pk=refund_id),
            source=source,
        )
        return refund.state
