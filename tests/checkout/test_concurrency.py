"""Races on the money path: webhook storms and customers racing for a slot.

Marked ``postgres``: SQLite serialises whole transactions, so these pass there
even without the row locks they guard. CI runs them on PostgreSQL, where each
fails when its lock is removed (see each test's docstring).
"""

import datetime
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from checkout import services
from checkout.models import (
    AuditEntry,
    Booking,
    Payment,
    Refund,
    SlotHold,
    WebhookDelivery,
)
from tests.fixtures import Shop, confirmation_emails

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

WORKER_TIMEOUT = 60


def run_concurrently(functions, *, timeout=WORKER_TIMEOUT):
    """Run the functions in threads released together; return results or exceptions.

    Fail the test when a worker has not finished within ``timeout`` seconds (a
    deadlock or a hang must not pass as a missing result).
    """
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=runner, args=(index, function), daemon=True)
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    hung = [index for index, thread in enumerate(threads) if thread.is_alive()]
    if hung:
        pytest.fail(f"worker(s) {hung} still running after {timeout} s")
    return results


def test_same_webhook_ten_times_at_once_books_once(live_phonepe, db):
    """Ten copies of the webhook at once book once. (The plain case: the first
    settles by conditional UPDATEs, which the others find done; the payment
    row lock of the locked path is guarded by the lapsed-holds test below.)"""
    shop = Shop()
    payment = shop.start()
    live_phonepe.set_faults(
        order=payment.merchant_order_id, webhook="duplicate", copies=10
    )

    live_phonepe.settle(payment.merchant_order_id, "pay_upi")
    deliveries = live_phonepe.wait_for_webhooks(
        payment.merchant_order_id, 10, timeout=30
    )

    assert len(deliveries) >= 10
    assert {d["status"] for d in deliveries} == {200}
    assert Booking.objects.filter(payment=payment).count() == 1
    assert len(confirmation_emails()) == 1
    assert WebhookDelivery.objects.count() == len(deliveries)
    assert (
        WebhookDelivery.objects.filter(
            outcome=WebhookDelivery.Outcome.PROCESSED
        ).count()
        == 1
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS


def test_many_syncs_at_once_book_once(phonepe, db):
    """Six syncs at once book once (the plain case, as above)."""
    shop = Shop()
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")

    results = run_concurrently(
        [
            lambda: services.sync_payment(payment=payment, source="race")
            for _ in range(6)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert Booking.objects.count() == 1
    assert len(confirmation_emails()) == 1
    # Exactly one sync settled it; the others found it settled (no refund of a
    # "cart already converted" from a second settle that raced the first).
    assert not Refund.objects.exists()
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1
    assert sum(1 for r in results if r.resolution == Payment.Resolution.BOOKED) == 6


def test_two_customers_race_for_the_last_priest(phonepe, db, monkeypatch):
    """Guards the slot row locks in ``services._lock_slots``.

    The real capacity check is widened by a pause after it, so without the
    lock both customers would pass it before either holds the priest.
    """
    check = services.capacity.check_slot_has_room

    def check_then_pause(**kwargs):
        result = check(**kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(services.capacity, "check_slot_has_room", check_then_pause)
    shop = Shop(capacity=1)
    first = shop.customer()
    second = shop.customer()

    results = run_concurrently(
        [
            lambda c=customer: services.start_payment(
                cart=c[1], user=c[0], address=c[2]
            )
            for customer in (first, second)
        ]
    )

    payments = [r for r in results if isinstance(r, Payment)]
    errors = [r for r in results if isinstance(r, services.CheckoutError)]
    assert len(payments) == 1, results
    assert len(errors) == 1, results
    assert "full" in errors[0].message
    assert SlotHold.objects.live().count() == 1
    assert Payment.objects.filter(status=Payment.Status.PENDING).count() == 1


def test_a_hanging_worker_fails_the_test():
    """``run_concurrently`` itself: a hang is a failure, not a missing result."""
    release = threading.Event()
    try:
        with pytest.raises(pytest.fail.Exception, match="still running"):
            run_concurrently([lambda: 1, lambda: release.wait(30)], timeout=1)
    finally:
        release.set()


def test_many_syncs_of_a_payment_whose_holds_lapsed_book_once(phonepe, db):
    """Guards the payment row lock in ``services.settlement._apply_locked``.

    With its holds lapsed, a paid payment is not the plain case the
    conditional UPDATEs settle: every sync goes to the locked path, which
    re-checks capacity and books. Without the lock two of them book it.
    """
    shop = Shop()
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    SlotHold.objects.filter(payment=payment).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    results = run_concurrently(
        [
            lambda: services.sync_payment(payment=payment, source="race")
            for _ in range(10)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Booking.objects.count() == 1
    assert not Refund.objects.exists()
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1
    assert len(confirmation_emails()) == 1
