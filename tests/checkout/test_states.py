"""State machines: every move is checked and audited; impossible rows are refused.

Through the real money path against the sandbox process, plus the tables
themselves and the database constraints that back them.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from checkout import reconcile, services, states, webhooks
from checkout.models import AuditEntry, Booking, Payment, Refund, SlotHold
from storefront.models import Cart
from tests import factories
from tests.fixtures import GOOD_AUTH

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def actions(payment):
    return list(
        AuditEntry.objects.filter(payment=payment).values_list("action", flat=True)
    )


# Moves through the money path are audited ------------------------------------------


def test_paid_and_booked_audits_cart_and_hold_moves(phonepe, shop):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")

    services.sync_payment(payment=payment, source="test")

    assert actions(payment) == [
        "payment.started",
        "cart.frozen",
        "payment.gateway_order_created",
        "payment.succeeded",
        "hold.booked",
        "cart.converted",
        "booking.created",
    ]
    hold_entry = AuditEntry.objects.get(payment=payment, action="hold.booked")
    assert hold_entry.booking == Booking.objects.get(payment=payment)
    assert (hold_entry.from_state, hold_entry.to_state) == ("held", "booked")
    cart_entry = AuditEntry.objects.get(payment=payment, action="cart.converted")
    assert (cart_entry.from_state, cart_entry.to_state) == ("frozen", "converted")


def test_declined_payment_audits_hold_release_and_cart_unfreeze(phonepe, shop):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "decline")

    services.sync_payment(payment=payment, source="test")

    assert actions(payment)[-3:] == ["payment.failed", "hold.released", "cart.open"]
    assert Cart.objects.get(pk=payment.cart_id).status == Cart.Status.OPEN
    assert set(payment.holds.values_list("state", flat=True)) == {"released"}


def test_staff_cancel_audits_booking_and_hold_moves(phonepe, shop):
    from checkout import operations

    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    booking = Booking.objects.get(payment=payment)
    staff = factories.make_user(email="ops-states@okpuja.in", is_staff=True)

    operations.cancel_booking(
        booking=booking, actor=staff, refund_paise=0, reason="Family emergency"
    )

    entries = AuditEntry.objects.filter(booking=booking, source="admin")
    assert [(e.action, e.from_state, e.to_state) for e in entries] == [
        ("booking.cancelled", "confirmed", "cancelled"),
        ("hold.released", "booked", "released"),
    ]
    assert {e.actor for e in entries} == {staff}


# Illegal moves raise and change nothing ---------------------------------------------


@pytest.mark.parametrize(
    ("status", "target"),
    [
        (Payment.Status.SUCCESS, Payment.Status.PENDING),
        (Payment.Status.SUCCESS, Payment.Status.FAILED),
        (Payment.Status.FAILED, Payment.Status.PENDING),
    ],
)
def test_illegal_payment_moves_raise(status, target):
    user = factories.make_user()
    cart = Cart.objects.create(user=user, status=Cart.Status.FROZEN)
    payment = Payment.objects.create(
        merchant_order_id=f"OKP-ILLEGAL-{status}",
        user=user,
        cart=cart,
        amount_paise=10000,
        status=status,
    )

    with pytest.raises(states.IllegalMove):
        states.move(payment, target, source="test")

    payment.refresh_from_db()
    assert payment.status == status
    assert not AuditEntry.objects.exists()


def test_illegal_cart_booking_hold_and_refund_moves_raise():
    user = factories.make_user()
    cart = Cart.objects.create(user=user, status=Cart.Status.CONVERTED)
    with pytest.raises(states.IllegalMove):
        states.move(cart, Cart.Status.OPEN, source="test")
    assert states.BOOKING.targets(Booking.Status.CANCELLED) == set()
    assert states.BOOKING.targets(Booking.Status.COMPLETED) == set()
    assert not states.SLOT_HOLD.allows(SlotHold.State.BOOKED, SlotHold.State.HELD)
    assert not states.REFUND.allows(Refund.State.COMPLETED, Refund.State.FAILED)
    assert not states.REFUND.allows(Refund.State.FAILED, Refund.State.PENDING)
    cart.refresh_from_db()
    assert cart.status == Cart.Status.CONVERTED


def test_every_final_state_has_no_way_out():
    for machine in states.MACHINES.values():
        for final in machine.final:
            assert machine.targets(final) == set(), (machine.name, final)


# Database constraints back the tables -----------------------------------------------


def _payment(**extra):
    user = factories.make_user()
    cart = Cart.objects.create(user=user, status=Cart.Status.FROZEN)
    return Payment.objects.create(
        merchant_order_id=f"OKP-C-{user.pk}",
        user=user,
        cart=cart,
        amount_paise=10000,
        **extra,
    )


def test_resolution_only_on_a_successful_payment():
    with pytest.raises(IntegrityError), transaction.atomic():
        _payment(status=Payment.Status.FAILED, resolution=Payment.Resolution.BOOKED)
    _payment(status=Payment.Status.SUCCESS, resolution=Payment.Resolution.REFUNDED)


def test_at_most_one_pending_payment_per_cart():
    first = _payment()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            merchant_order_id="OKP-C-SECOND",
            user=first.user,
            cart=first.cart,
            amount_paise=10000,
        )
    Payment.objects.filter(pk=first.pk).update(status=Payment.Status.FAILED)
    Payment.objects.create(
        merchant_order_id="OKP-C-THIRD",
        user=first.user,
        cart=first.cart,
        amount_paise=10000,
    )


def test_a_booked_hold_needs_its_booking():
    payment = _payment()
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotHold.objects.create(
            payment=payment,
            date=factories.booking_date(),
            slot=factories.make_slot(),
            priests=1,
            state=SlotHold.State.BOOKED,
            expires_at=timezone.now(),
        )


# The reconciler stops watching a given-up payment ---------------------------------


def test_reconciler_watches_a_given_up_payment_for_a_bounded_time(phonepe, shop):
    """PhonePe keeps saying PENDING; days pass. The reconciler backs off and stops."""
    payment = shop.start()
    phonepe.clear_faults()
    start = timezone.now()
    calls_before = phonepe.stats()["calls"]["status"]
    checks_per_day = []
    with time_machine.travel(start, tick=False) as traveller:
        for _day in range(3):
            calls_at_dawn = phonepe.stats()["calls"]["status"]
            # A reconciler pass every 5 minutes for a day.
            for _ in range(24 * 12):
                traveller.shift(datetime.timedelta(minutes=5))
                reconcile.reconcile_due_payments()
            checks_per_day.append(phonepe.stats()["calls"]["status"] - calls_at_dawn)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED  # given up after the holds expired
    assert services.payment_can_change(payment)  # PhonePe never said FAILED
    assert payment.next_check_at is None  # and we no longer ask
    total = phonepe.stats()["calls"]["status"] - calls_before
    # Pending back-off until the holds expire (~35 min), then 1 min doubling to
    # hourly until a day after: a bounded number of calls, none on day 3.
    assert 20 < total < 120, total
    assert checks_per_day[2] == 0, checks_per_day


def test_given_up_payment_completed_late_is_booked_by_the_reconciler(phonepe, shop):
    payment = shop.start()
    past = timezone.now() - datetime.timedelta(seconds=1)
    Payment.objects.filter(pk=payment.pk).update(hold_until=past)
    SlotHold.objects.filter(payment=payment).update(expires_at=past)
    services.sync_payment(payment=payment, source="reconciler")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.next_check_at is not None

    phonepe.settle(payment.merchant_order_id, "pay_upi")
    counts = reconcile.reconcile_due_payments(
        now=timezone.now() + datetime.timedelta(minutes=2)
    )

    assert counts.get("late_success") == 1
    assert Booking.objects.get().payment == payment


# Webhooks report what really happened -----------------------------------------------


def test_webhook_that_fails_an_order_phonepe_does_not_know_is_processed(
    phonepe, client
):
    user = factories.make_user()
    cart = Cart.objects.create(user=user, status=Cart.Status.FROZEN)
    payment = Payment.objects.create(
        merchant_order_id="OKP-NEVER-REACHED-PHONEPE",
        user=user,
        cart=cart,
        amount_paise=10000,
    )
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - services.UNKNOWN_ORDER_GRACE * 2
    )
    body = {
        "event": "checkout.order.failed",
        "payload": {
            "merchantOrderId": payment.merchant_order_id,
            "orderId": "OMO-UNKNOWN",
            "state": "FAILED",
            "amount": 10000,
        },
    }

    response = client.post(
        "/api/payments/webhook/phonepe/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=GOOD_AUTH,
    )

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    delivery = webhooks.WebhookDelivery.objects.get()
    assert delivery.outcome == webhooks.WebhookDelivery.Outcome.PROCESSED


# ARCHITECTURE.md shows the real tables ----------------------------------------------


def test_architecture_document_lists_every_move_of_every_machine():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    for machine in states.MACHINES.values():
        section = re.search(
            rf"^### {machine.model.__name__}\b.*?(?=^### |\Z)", text, re.M | re.S
        )
        assert section, f"no section for {machine.model.__name__}"
        rows = set(re.findall(r"^\| `(\w+)` \| `(\w+)` \|", section.group(0), re.M))
        expected = {(m.source, m.target) for m in machine.moves}
        assert rows == expected, (machine.name, rows ^ expected)


# Inbox rows left "received" by a dead process are finished ---------------------------


def test_reconciler_finishes_a_delivery_left_received(phonepe, shop):
    from checkout.models import WebhookDelivery

    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = {
        "event": "checkout.order.completed",
        "payload": {
            "merchantOrderId": payment.merchant_order_id,
            "orderId": payment.gateway_order_id,
            "state": "COMPLETED",
            "amount": payment.amount_paise,
        },
    }
    # The web process stored and authenticated it, then was killed.
    stuck = WebhookDelivery.objects.create(body=json.dumps(body), authenticated=True)
    unchecked = WebhookDelivery.objects.create(body=json.dumps(body))
    fresh = WebhookDelivery.objects.create(body=json.dumps(body), authenticated=True)
    old = timezone.now() - reconcile.STUCK_DELIVERY_AFTER * 2
    WebhookDelivery.objects.filter(pk__in=[stuck.pk, unchecked.pk]).update(
        received_at=old
    )

    counts = reconcile.reconcile_due_payments()

    stuck.refresh_from_db()
    unchecked.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.outcome == WebhookDelivery.Outcome.PROCESSED
    assert Booking.objects.get().payment == payment
    assert unchecked.outcome == WebhookDelivery.Outcome.ERROR
    assert "Authorization" in unchecked.error
    assert fresh.outcome == WebhookDelivery.Outcome.RECEIVED  # still in its request
    assert counts["webhook_processed"] == 1 and counts["webhook_error"] == 1
    # A second pass finds nothing left.
    counts = reconcile.reconcile_due_payments()
    assert not any(key.startswith("webhook_") for key in counts)
