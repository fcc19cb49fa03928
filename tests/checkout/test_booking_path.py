"""Booking a paid payment: the direct path (conditional UPDATEs, few queries) and
its hand-over to the locked path whenever the payment is not the plain case.

Whatever path books it, the result is the same: one booking, its holds booked,
its cart converted, one audit entry per move, one confirmation email; and when
the direct path finds something off, nothing it wrote survives.
"""

import datetime
import itertools
import secrets

import pytest
from django.utils import timezone

from checkout import services
from checkout.models import AuditEntry, Booking, Payment, Refund, SlotHold
from storefront.models import Cart
from tests import factories
from tests.fixtures import Shop, confirmation_emails

pytestmark = pytest.mark.django_db(transaction=True)


def actions(payment):
    return list(
        AuditEntry.objects.filter(payment=payment)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def two_slot_payment(shop):
    """A pending payment for one puja in two slots (two holds)."""
    second_slot = factories.make_slot(start=datetime.time(17, 0), capacity=2)
    user = factories.make_user()
    address = factories.make_address(user=user)
    cart = factories.make_cart(
        user=user,
        items=[
            (shop.package, shop.date, shop.slot),
            (shop.package, shop.date, second_slot),
        ],
    )
    return services.start_payment(cart=cart, user=user, address=address)


def test_every_hold_of_a_paid_payment_is_booked_and_audited(phonepe):
    shop = Shop()
    payment = two_slot_payment(shop)
    phonepe.settle(payment.merchant_order_id, "pay_upi")

    result = services.sync(payment=payment, source="test")

    assert result.changed
    assert result.payment.status == Payment.Status.SUCCESS
    assert result.payment.resolution == Payment.Resolution.BOOKED
    booking = Booking.objects.get(payment=payment)
    assert booking.items.count() == 2
    assert booking.total_paise == payment.amount_paise
    assert set(
        SlotHold.objects.filter(payment=payment).values_list("state", "booking")
    ) == {(SlotHold.State.BOOKED, booking.pk)}
    payment.refresh_from_db()
    assert (payment.status, payment.resolution, payment.next_check_at) == (
        Payment.Status.SUCCESS,
        Payment.Resolution.BOOKED,
        None,
    )
    assert payment.check_count == 1 and payment.gateway_state == "COMPLETED"
    assert Cart.objects.get(pk=payment.cart_id).status == Cart.Status.CONVERTED
    assert actions(payment)[-5:] == [
        "payment.succeeded",
        "hold.booked",
        "hold.booked",
        "cart.converted",
        "booking.created",
    ]
    succeeded = AuditEntry.objects.get(payment=payment, action="payment.succeeded")
    assert (succeeded.from_state, succeeded.to_state) == ("pending", "success")
    assert succeeded.payload["state"] == "COMPLETED"
    assert confirmation_emails(booking) == [f"Your puja is booked: {booking.book_id}"]


def test_one_lapsed_hold_hands_over_to_the_locked_path_which_books_when_room_is_left(
    phonepe,
):
    shop = Shop()
    payment = two_slot_payment(shop)
    # One of the two holds lapsed; both slots still have room.
    SlotHold.objects.filter(pk=payment.holds.order_by("pk").first().pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    phonepe.settle(payment.merchant_order_id, "pay_upi")

    services.sync(payment=payment, source="test")

    booking = Booking.objects.get(payment=payment)
    assert Booking.objects.count() == 1
    assert list(
        SlotHold.objects.filter(payment=payment).values_list("booking", flat=True)
    ) == [booking.pk, booking.pk]
    # The direct path's writes were rolled back: each move is audited once.
    assert actions(payment)[-5:] == [
        "payment.succeeded",
        "hold.booked",
        "hold.booked",
        "cart.converted",
        "booking.created",
    ]
    assert AuditEntry.objects.filter(action="booking.created").count() == 1
    assert len(confirmation_emails()) == 1


def test_a_cart_converted_meanwhile_is_refunded_and_nothing_direct_is_left(phonepe):
    shop = Shop()
    payment = shop.start()
    # Whatever converted it (no flow does while a payment is pending), the paid
    # payment must not be booked a second time from it.
    Cart.objects.filter(pk=payment.cart_id).update(status=Cart.Status.CONVERTED)
    phonepe.settle(payment.merchant_order_id, "pay_upi")

    services.sync(payment=payment, source="test")

    payment.refresh_from_db()
    assert payment.resolution == Payment.Resolution.REFUNDED
    assert not Booking.objects.exists()
    assert Refund.objects.get(payment=payment).reason == Refund.Reason.CART_CONVERTED
    assert list(
        SlotHold.objects.filter(payment=payment).values_list("state", flat=True)
    ) == [SlotHold.State.RELEASED]
    assert "booking.created" not in actions(payment)
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1
    assert confirmation_emails() == []


def test_a_book_id_taken_already_gets_a_new_one(phonepe, monkeypatch):
    shop = Shop()
    taken = shop.paid_booking(phonepe)
    Booking.objects.filter(pk=taken.pk).update(book_id="BK-AAAAAAAA")
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    # The id's randomness (a boundary, like the clock): the first id drawn is
    # the taken one, the ones after are random again.
    real_choice = secrets.choice
    draws = itertools.chain(itertools.repeat("A", 8), iter(lambda: None, 0))

    def choice(alphabet):
        drawn = next(draws)
        return real_choice(alphabet) if drawn is None else drawn

    monkeypatch.setattr(secrets, "choice", choice)

    services.sync(payment=payment, source="test")

    booking = Booking.objects.get(payment=payment)
    assert booking.book_id.startswith("BK-") and booking.book_id != "BK-AAAAAAAA"
    assert Booking.objects.count() == 2
    payment.refresh_from_db()
    assert payment.resolution == Payment.Resolution.BOOKED
    assert (
        AuditEntry.objects.filter(payment=payment, action="payment.succeeded").count()
        == 1
    )


def test_a_settled_payment_is_not_booked_again(phonepe):
    shop = Shop()
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    stale = Payment.objects.get(pk=payment.pk)  # read while still pending
    services.sync(payment=payment, source="test")

    # A second settle working from the stale read (as a racing webhook would).
    result = services.apply_order_status(
        payment=stale,
        status=services.phonepe.get_client().get_order_status(
            payment.merchant_order_id
        ),
        source="test",
    )

    assert not result.changed
    assert Booking.objects.count() == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1
    assert not Refund.objects.exists()
