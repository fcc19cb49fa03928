"""Work done off the request path: customer emails and refund submissions.

They run as tasks through Django's tasks interface (the ``django-tasks``
backport; ``django.tasks`` from Django 6). The default backend stores each
task as a row (``django-tasks-db``), written in the same transaction as the
change that asks for it: a booking and its confirmation email commit
together, and nothing is lost while no worker runs (the rows wait).
``manage.py db_worker`` runs them; several workers can run at once, each
claiming a task with ``SELECT ... FOR UPDATE SKIP LOCKED``.

A task that raises is recorded as failed, with its traceback (admin: Tasks,
"DB task results"), and enqueued again to run later, up to ``MAX_ATTEMPTS``
attempts, the delay growing each time. The tasks are safe to run again: the
confirmation claims its send with a conditional UPDATE, a refund is sent only
while REQUESTED and PhonePe deduplicates by merchantRefundId.

Tests run tasks immediately (``ImmediateBackend``), once the transaction
commits, so what they check is what the worker would have done.
"""

import datetime
import logging
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from checkout import emails
from checkout.models import Refund

logger = logging.getLogger("checkout")

MAX_ATTEMPTS = 5
# Delay before attempt 2, 3, 4, 5 (seconds).
RETRY_DELAYS = (30, 120, 600, 1800)


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
