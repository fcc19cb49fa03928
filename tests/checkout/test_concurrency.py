"""Races on the money path: webhook storms and customers racing for a slot.

They run on SQLite locally and on PostgreSQL in CI (row locks are real there).
"""

import threading

import pytest
from django.db import connection

from checkout import services
from checkout.models import Booking, Payment, SlotHold, WebhookDelivery
from tests.checkout.conftest import Shop, confirmation_emails

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(functions):
    """Run the functions in threads released together; return results or exceptions."""
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
        threading.Thread(target=runner, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_same_webhook_ten_times_at_once_books_once(live_phonepe, db):
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


def test_two_customers_race_for_the_last_priest(phonepe, db):
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
