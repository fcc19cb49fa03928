"""A promo code's usage limit holds: a use is reserved at Pay, not at booking.

Against the sandbox process. The concurrent test is marked ``postgres``: it
guards the promo row lock in ``promos.reserve``.
"""

import datetime
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from checkout import promos, reconcile, services
from checkout.models import Booking, Payment, Refund, SlotHold
from storefront.models import PromoRedemption
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def promo_customer(shop, promo):
    user = factories.make_user()
    address = factories.make_address(user=user)
    cart = factories.make_cart(
        user=user, items=[(shop.package, shop.date, shop.slot)], promo=promo
    )
    return user, cart, address


def pay(customer):
    user, cart, address = customer
    return services.start_payment(cart=cart, user=user, address=address)


def lapse(payment):
    """Let the payment's holds (and so its promo reservation) run out."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Payment.objects.filter(pk=payment.pk).update(hold_until=past)
    SlotHold.objects.filter(payment=payment).update(expires_at=past)


@pytest.fixture
def shop_with_room(db):
    from tests.fixtures import Shop

    return Shop(capacity=4)


def test_last_use_is_reserved_at_pay(phonepe, shop_with_room):
    promo = factories.make_promo(code="ONCE", percent=10, usage_limit=1)
    first, second, third = (promo_customer(shop_with_room, promo) for _ in range(3))
    payment = pay(first)
    assert payment.promo == promo and payment.amount_paise == 189000

    with pytest.raises(services.CheckoutError, match="ONCE has been fully used"):
        pay(second)

    assert Payment.objects.count() == 1  # the refused Pay changed nothing
    assert second[1].status == "open"
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    assert PromoRedemption.objects.filter(promo=promo).count() == 1
    with pytest.raises(services.CheckoutError, match="fully used"):
        pay(third)


def test_a_failed_payment_releases_its_reservation(phonepe, shop_with_room):
    promo = factories.make_promo(code="ONCEMORE", percent=10, usage_limit=1)
    first = pay(promo_customer(shop_with_room, promo))
    phonepe.settle(first.merchant_order_id, "decline")
    services.sync_payment(payment=first, source="test")
    first.refresh_from_db()
    assert first.status == Payment.Status.FAILED

    second = pay(promo_customer(shop_with_room, promo))

    assert second.promo == promo and second.amount_paise == 189000


def test_an_expired_reservation_frees_the_use(phonepe, shop_with_room):
    promo = factories.make_promo(code="LAPSE", percent=10, usage_limit=1)
    first = pay(promo_customer(shop_with_room, promo))
    lapse(first)

    second = pay(promo_customer(shop_with_room, promo))

    assert second.promo == promo


def test_per_customer_limit_counts_the_customers_payment_in_flight(
    phonepe, shop_with_room
):
    promo = factories.make_promo(code="MINE", percent=10, per_customer_limit=1)
    user, cart, address = promo_customer(shop_with_room, promo)
    pending = pay((user, cart, address))
    other_user, *_ = promo_customer(shop_with_room, promo)

    now = timezone.now()
    assert promos.reservations(promo=promo, user=user, now=now) == (1, 1)
    assert promos.reservations(promo=promo, user=other_user, now=now) == (
        1,
        0,
    )
    lapse(pending)
    assert promos.reservations(promo=promo, user=user, now=now) == (0, 0)


def test_late_completion_after_the_last_use_went_elsewhere_is_refunded(
    phonepe, shop_with_room
):
    promo = factories.make_promo(code="LATE", percent=10, usage_limit=1)
    late = pay(promo_customer(shop_with_room, promo))
    lapse(late)
    services.sync_payment(payment=late, source="reconciler")  # given up here
    late.refresh_from_db()
    assert late.status == Payment.Status.FAILED
    winner = pay(promo_customer(shop_with_room, promo))
    phonepe.settle(winner.merchant_order_id, "pay_upi")
    services.sync_payment(payment=winner, source="test")

    phonepe.settle(late.merchant_order_id, "pay_upi")  # PhonePe completes late
    reconcile.reconcile_due_payments(now=timezone.now() + datetime.timedelta(minutes=2))

    late.refresh_from_db()
    assert late.status == Payment.Status.SUCCESS
    assert late.resolution == Payment.Resolution.REFUNDED
    refund = Refund.objects.get(payment=late)
    assert refund.reason == Refund.Reason.PROMO_USED_UP
    assert refund.amount_paise == late.amount_paise
    assert not Booking.objects.filter(payment=late).exists()
    assert PromoRedemption.objects.filter(promo=promo).count() == 1


def test_late_completion_keeps_the_discount_while_a_use_is_free(
    phonepe, shop_with_room
):
    promo = factories.make_promo(code="LATEOK", percent=10, usage_limit=1)
    late = pay(promo_customer(shop_with_room, promo))
    lapse(late)
    services.sync_payment(payment=late, source="reconciler")

    phonepe.settle(late.merchant_order_id, "pay_upi")
    services.sync_payment(payment=late, source="reconciler")

    booking = Booking.objects.get(payment=late)
    assert booking.discount_paise == 21000
    assert PromoRedemption.objects.get(promo=promo).reference == booking.book_id


@pytest.mark.postgres
def test_two_customers_race_for_the_last_use(phonepe, shop_with_room, monkeypatch):
    """Guards the promo row lock in ``promos.reserve``.

    The real count is widened by a pause after it, so without the lock both
    customers would count the code free before either payment exists.
    """
    promo = factories.make_promo(code="RACE", percent=10, usage_limit=1)
    customers = [promo_customer(shop_with_room, promo)]
    # The other customer books another slot, so no slot lock serialises them.
    other_slot = factories.make_slot(start=datetime.time(17, 0), capacity=4)
    user = factories.make_user()
    customers.append(
        (
            user,
            factories.make_cart(
                user=user,
                items=[(shop_with_room.package, shop_with_room.date, other_slot)],
                promo=promo,
            ),
            factories.make_address(user=user),
        )
    )
    count = promos.reservations

    def count_then_pause(**kwargs):
        result = count(**kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(promos, "reservations", count_then_pause)
    results = [None, None]
    barrier = threading.Barrier(2)

    def run(index):
        try:
            barrier.wait()
            results[index] = pay(customers[index])
        except Exception as exc:  # noqa: BLE001 - reported below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a Pay hung"

    payments = [r for r in results if isinstance(r, Payment)]
    errors = [r for r in results if isinstance(r, services.CheckoutError)]
    assert len(payments) == 1 and len(errors) == 1, results
    assert "fully used" in errors[0].message
    assert Payment.objects.filter(promo=promo).count() == 1
