"""Emails and automatic refunds run as tasks, off the request path, on the
database backend: they wait while no worker runs, run once, and are retried
(and visible to staff) when they fail."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from checkout import prepared, reconcile, tasks
from checkout.models import Booking
from checkout.roles import OPERATIONS, SUPPORT, ensure_staff_groups
from tests import factories
from tests.checkout.test_money_path import delivered_body, post_webhook
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)

# A webhook that books, email left to the worker: the inbox row; the payment
# read before asking PhonePe; BEGIN; one conditional UPDATE each for the
# payment, the holds and the cart; the booking and its items; the task row;
# all audit entries in one INSERT; the inbox outcome; COMMIT. (Was 22.)
WEBHOOK_QUERIES = 12


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


class FailingEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


def booking_webhook(phonepe, client):
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    return payment, post_webhook(client, body)


def test_the_webhook_books_with_few_queries_and_leaves_the_email_to_the_worker(
    phonepe, client, database_tasks, django_assert_num_queries
):
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    with django_assert_num_queries(WEBHOOK_QUERIES) as captured:
        response = post_webhook(client, body)
    assert response.status_code == 200
    # Two commits: the stored delivery (autocommit), then the booking with the
    # delivery's outcome, written in the booking's transaction.
    statements = [query["sql"] for query in captured.captured_queries]
    # (On PostgreSQL its commit does not wait for the disk: the booking's does.)
    receipt = statements[0].removeprefix(prepared.UNFLUSHED_COMMIT)
    assert receipt.startswith('INSERT INTO "checkout_webhookdelivery"')
    assert statements.count("COMMIT") == 1 and statements[-1] == "COMMIT", statements
    assert any(
        sql.startswith('UPDATE "checkout_webhookdelivery"') for sql in statements[1:]
    )
    booking = Booking.objects.get(payment=payment)
    # Nothing sent in the request; the task waits (no worker is running).
    assert mail.outbox == []
    waiting = DBTaskResult.objects.get()
    assert waiting.status == "READY"
    assert waiting.task_path == "checkout.tasks.send_booking_confirmation"
    run_worker()
    assert [m.subject for m in mail.outbox] == [
        f"Your puja is booked: {booking.book_id}"
    ]
    run_worker()  # nothing left to do: still one email
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_failed_email_is_retried_later_and_shown_to_staff(
    phonepe, client, database_tasks, settings, admin_client
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    payment, response = booking_webhook(phonepe, client)
    assert response.status_code == 200
    booking = Booking.objects.get(payment=payment)
    run_worker()
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "ConnectionRefusedError" in failed.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=20)
    booking.refresh_from_db()
    assert booking.confirmation_sent_at is None  # given back for the retry
    listing = admin_client.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist")
    )
    assert listing.status_code == 200
    assert "send_booking_confirmation" in listing.content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    assert [m.subject for m in mail.outbox] == [
        f"Your puja is booked: {booking.book_id}"
    ]
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"


def test_operations_staff_who_are_not_superusers_see_failed_tasks(
    phonepe, client, database_tasks, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    booking_webhook(phonepe, client)
    run_worker()
    failed = DBTaskResult.objects.get(status="FAILED")
    groups = ensure_staff_groups()
    ops = factories.make_user(email="ops@okpuja.in", is_staff=True)
    ops.groups.add(groups[OPERATIONS])
    support = factories.make_user(email="support@okpuja.in", is_staff=True)
    support.groups.add(groups[SUPPORT])
    listing = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    detail = reverse(
        "admin:django_tasks_database_dbtaskresult_change", args=[failed.pk]
    )

    client.force_login(ops)
    assert not ops.is_superuser
    page = client.get(listing + "?status__exact=FAILED")
    assert page.status_code == 200
    assert "send_booking_confirmation" in page.content.decode()
    page = client.get(detail)
    assert page.status_code == 200
    assert "ConnectionRefusedError" in page.content.decode()

    client.force_login(support)
    assert client.get(listing).status_code == 403


def claimed_by_a_worker_that_dies(result, *, started):
    """What ``db_worker`` writes when it takes a task, and then nothing more."""
    result.claim("worker-that-died")
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=started)


def test_a_task_left_running_by_a_dead_worker_is_retried_after_the_lease(
    phonepe, client, database_tasks
):
    payment, response = booking_webhook(phonepe, client)
    assert response.status_code == 200
    booking = Booking.objects.get(payment=payment)
    now = timezone.now()
    claimed_by_a_worker_that_dies(
        DBTaskResult.objects.get(), started=now - datetime.timedelta(minutes=1)
    )
    # Within the lease it may still be running: left alone.
    assert tasks.recover_stuck_tasks(now=now) == 0
    run_worker()
    assert mail.outbox == []

    later = now + tasks.TASK_LEASE
    assert reconcile.reconcile_due_payments(now=later)["tasks_recovered"] == 1

    lost = DBTaskResult.objects.get(status="FAILED")
    assert lost.exception_class_path == "checkout.tasks.WorkerLost"
    assert "worker-that-died" in lost.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {"booking_id": booking.pk, "attempt": 2}
    assert tasks.recover_stuck_tasks(now=later) == 0  # recovered once
    run_worker()
    assert [m.subject for m in mail.outbox] == [
        f"Your puja is booked: {booking.book_id}"
    ]
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"


def test_a_task_lost_on_its_last_attempt_is_not_retried(phonepe, database_tasks):
    payment = Shop().start()
    result = tasks.send_payment_failed.enqueue(
        payment_id=payment.pk, attempt=tasks.MAX_ATTEMPTS
    )
    claimed_by_a_worker_that_dies(
        DBTaskResult.objects.get(pk=result.id),
        started=timezone.now() - tasks.TASK_LEASE,
    )

    assert tasks.recover_stuck_tasks() == 1

    assert DBTaskResult.objects.get().status == "FAILED"


def test_retries_stop_after_max_attempts(phonepe, database_tasks, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    payment = Shop().start()
    tasks.send_payment_failed.enqueue(payment_id=payment.pk, attempt=tasks.MAX_ATTEMPTS)
    run_worker()
    assert DBTaskResult.objects.get().status == "FAILED"
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.postgres
def test_two_workers_run_each_task_exactly_once(phonepe, database_tasks):
    payment = Shop().start()
    count = 40
    for _n in range(count):
        # No exactly-once guard of its own: a task run twice sends twice.
        tasks.send_payment_failed.enqueue(payment_id=payment.pk)
    errors = []

    def worker(n):
        try:
            # The db_worker command's loop, without its signal handlers (a
            # thread cannot set them).
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=f"worker-{n}",
                excluded_queue_names=[],
            ).run()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    results = list(DBTaskResult.objects.all())
    assert len(results) == count
    assert all(r.status == "SUCCESSFUL" for r in results)
    assert all(len(r.worker_ids) == 1 for r in results)
    assert len(mail.outbox) == count
    assert len({r.worker_ids[0] for r in results}) == 2  # both workers took some
