"""The money path against the real PhonePe sandbox process (no mocks of our code).

Each test asserts the database afterwards: payments, bookings, refunds, holds,
emails, inbox rows and audit rows.
"""

import datetime
import json

import pytest
from django.core import mail
from django.utils import timezone

from checkout import reconcile, services
from checkout.models import (
    AuditEntry,
    Booking,
    Payment,
    Refund,
    SlotHold,
    WebhookDelivery,
)
from storefront.capacity import slot_availability
from storefront.models import Cart, PromoRedemption
from tests import factories
from tests.fixtures import GOOD_AUTH, WEBHOOK_PATH, confirmation_emails

pytestmark = pytest.mark.django_db(transaction=True)


def post_webhook(client, body, auth=GOOD_AUTH):
    headers = {"HTTP_AUTHORIZATION": auth} if auth is not None else {}
    return client.post(
        WEBHOOK_PATH,
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def delivered_body(sandbox, order, event):
    """Return the body the sandbox built for ``event`` of ``order``."""
    deliveries = sandbox.wait_for_webhooks(order, 1)
    for delivery in deliveries:
        body = delivery["body"]
        if isinstance(body, str):
            body = json.loads(body)
        if body["event"] == event:
            return body
    raise AssertionError(f"no {event} webhook for {order}: {deliveries}")


def remaining(shop):
    (availability,) = slot_availability(date=shop.date, slots=[shop.slot])
    return availability.remaining


def test_start_payment_freezes_cart_holds_slot_and_creates_gateway_order(phonepe, shop):
    payment = shop.start()

    assert payment.status == Payment.Status.PENDING
    assert payment.page_url.startswith(phonepe.root_url + "/transact/")
    assert payment.gateway_order_id.startswith("OMO")
    assert payment.amount_paise == 210000
    assert payment.snapshot["lines"][0]["price_paise"] == 210000
    assert payment.snapshot["address"]["pincode"] == "560038"
    assert Cart.objects.get(pk=payment.cart_id).status == Cart.Status.FROZEN
    assert remaining(shop) == 1
    order = phonepe.order(payment.merchant_order_id)
    assert order["amount"] == 210000
    assert Booking.objects.count() == 0
    assert AuditEntry.objects.filter(payment=payment, action="payment.started").exists()


def test_success_webhook_books_once_with_one_email(phonepe, shop, client):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )

    response = post_webhook(client, body)

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS
    assert payment.resolution == Payment.Resolution.BOOKED
    booking = Booking.objects.get(payment=payment)
    assert booking.book_id.startswith("BK-") and len(booking.book_id) == 11
    assert booking.total_paise == 210000
    assert booking.items.count() == 1
    assert list(payment.holds.values_list("state", flat=True)) == [
        SlotHold.State.BOOKED
    ]
    assert Cart.objects.get(pk=payment.cart_id).status == Cart.Status.CONVERTED
    assert confirmation_emails(booking) == [f"Your puja is booked: {booking.book_id}"]
    assert remaining(shop) == 1
    delivery = WebhookDelivery.objects.get()
    assert (
        delivery.authenticated and delivery.outcome == WebhookDelivery.Outcome.PROCESSED
    )
    assert delivery.event == "checkout.order.completed"
    assert (
        AuditEntry.objects.filter(booking=booking, action="booking.created").count()
        == 1
    )

    # The same delivery again changes nothing.
    assert post_webhook(client, body).status_code == 200
    assert Booking.objects.count() == 1
    assert len(confirmation_emails()) == 1
    assert (
        WebhookDelivery.objects.latest("received_at").outcome
        == WebhookDelivery.Outcome.IGNORED
    )


def test_decline_then_retry_and_success(phonepe, shop, client):
    user, cart, address = shop.customer()
    first = services.start_payment(cart=cart, user=user, address=address)
    phonepe.settle(
        first.merchant_order_id, "decline", error_code="INSUFFICIENT_BALANCE"
    )
    services.sync_payment(payment=first, source="test")

    first.refresh_from_db()
    assert first.status == Payment.Status.FAILED
    assert "insufficient balance" in first.failure_reason.lower()
    assert list(first.holds.values_list("state", flat=True)) == [
        SlotHold.State.RELEASED
    ]
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
    assert remaining(shop) == 2
    assert [m.subject for m in mail.outbox] == [
        "Your OkPuja payment did not go through"
    ]

    second = services.start_payment(cart=cart, user=user, address=address)
    assert second.pk != first.pk
    phonepe.settle(second.merchant_order_id, "pay_card")
    services.sync_payment(payment=second, source="test")

    second.refresh_from_db()
    assert second.status == Payment.Status.SUCCESS
    assert Booking.objects.get().payment == second
    assert Payment.objects.get(pk=first.pk).status == Payment.Status.FAILED


def test_webhook_before_redirect(phonepe, shop, client):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    assert post_webhook(client, body).status_code == 200
    calls_before = phonepe.stats()["calls"]["status"]

    client.force_login(payment.user)
    response = client.get(f"/confirmbooking/?order={payment.merchant_order_id}")

    booking = Booking.objects.get()
    assert response.status_code == 200
    assert booking.book_id in response.content.decode()
    # The page read the database only.
    assert phonepe.stats()["calls"]["status"] == calls_before
    assert len(confirmation_emails()) == 1


def test_redirect_before_webhook(phonepe, shop, client):
    payment = shop.start()
    phonepe.set_faults(order=payment.merchant_order_id, webhook_delay=30)
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    client.force_login(payment.user)
    # The customer comes back from PhonePe a little later.
    Payment.objects.filter(pk=payment.pk).update(
        last_checked_at=timezone.now() - datetime.timedelta(seconds=10)
    )

    response = client.get(
        f"/confirmbooking/?order={payment.merchant_order_id}", HTTP_HX_REQUEST="true"
    )

    booking = Booking.objects.get()
    assert response.status_code == 286  # htmx stops polling
    assert booking.book_id in response.content.decode()
    assert "<html" not in response.content.decode()
    # The late webhook then finds nothing to do.
    body = phonepe.resend_webhook(payment.merchant_order_id)["body"]
    body = json.loads(body) if isinstance(body, str) else body
    assert post_webhook(client, body).status_code == 200
    assert Booking.objects.count() == 1
    assert len(confirmation_emails()) == 1


def test_webhook_never_arrives_reconciler_books(phonepe, shop):
    payment = shop.start()
    phonepe.set_faults(order=payment.merchant_order_id, webhook="drop")
    phonepe.settle(payment.merchant_order_id, "pay_upi")

    counts = reconcile.reconcile_due_payments(
        now=timezone.now() + datetime.timedelta(seconds=21)
    )

    assert counts == {"success": 1}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS
    assert Booking.objects.get().payment == payment
    assert len(confirmation_emails()) == 1
    assert AuditEntry.objects.filter(payment=payment, source="reconciler").exists()


def test_reconciler_backs_off_while_pending(phonepe, shop):
    payment = shop.start()
    now = timezone.now() + datetime.timedelta(seconds=21)

    reconcile.reconcile_due_payments(now=now)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.check_count == 1
    first_delay = payment.next_check_at - payment.last_checked_at
    services.sync_payment(payment=payment, source="test")
    services.sync_payment(payment=payment, source="test")
    services.sync_payment(payment=payment, source="test")
    payment.refresh_from_db()
    assert first_delay == datetime.timedelta(seconds=10)
    assert payment.next_check_at - payment.last_checked_at == datetime.timedelta(
        seconds=60
    )


def test_wrong_authorization_is_rejected_and_changes_nothing(phonepe, shop, client):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    calls_before = phonepe.stats()["calls"]["status"]

    wrong = post_webhook(client, body, auth="0" * 64)
    missing = post_webhook(client, body, auth=None)

    assert wrong.status_code == 401 and missing.status_code == 401
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert Booking.objects.count() == 0
    assert phonepe.stats()["calls"]["status"] == calls_before
    deliveries = list(WebhookDelivery.objects.all())
    assert len(deliveries) == 2
    assert {d.outcome for d in deliveries} == {WebhookDelivery.Outcome.UNAUTHENTICATED}
    assert not any(d.authenticated for d in deliveries)
    assert all("0" * 64 not in json.dumps(d.headers) for d in deliveries)


def test_authenticated_webhook_lying_about_success_books_nothing(phonepe, shop, client):
    payment = shop.start()
    delivery = phonepe.resend_webhook(
        payment.merchant_order_id,
        event="checkout.order.completed",
        payload_state="COMPLETED",
    )
    body = delivery["body"]
    body = json.loads(body) if isinstance(body, str) else body
    assert body["payload"]["state"] == "COMPLETED"

    response = post_webhook(client, body)

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert Booking.objects.count() == 0
    assert len(mail.outbox) == 0


def test_malformed_webhook_is_400_and_recorded(phonepe, client):
    for body in ["not json", json.dumps([1, 2]), json.dumps({"event": "x"})]:
        response = post_webhook(client, body)
        assert response.status_code == 400
    assert (
        WebhookDelivery.objects.filter(
            outcome=WebhookDelivery.Outcome.MALFORMED
        ).count()
        == 3
    )
    assert client.get(WEBHOOK_PATH).status_code == 405


def test_unknown_order_webhook_is_acknowledged(phonepe, client):
    body = {
        "event": "checkout.order.completed",
        "type": "CHECKOUT_ORDER_COMPLETED",
        "payload": {
            "merchantOrderId": "NOT-OURS-1",
            "state": "COMPLETED",
            "amount": 100,
        },
    }
    response = post_webhook(client, body)
    assert response.status_code == 200
    assert (
        WebhookDelivery.objects.get().outcome == WebhookDelivery.Outcome.UNKNOWN_ORDER
    )


def test_different_amount_is_refunded_not_booked(phonepe, shop):
    payment = shop.start()
    phonepe.set_faults(order=payment.merchant_order_id, report_amount=100)
    phonepe.settle(payment.merchant_order_id, "pay_upi")

    services.sync_payment(payment=payment, source="test")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS
    assert payment.resolution == Payment.Resolution.REFUNDED
    assert Booking.objects.count() == 0
    refund = Refund.objects.get(payment=payment)
    assert refund.reason == Refund.Reason.AMOUNT_MISMATCH
    assert refund.amount_paise == payment.amount_paise
    assert refund.state in {Refund.State.PENDING, Refund.State.CONFIRMED}
    assert phonepe.order(payment.merchant_order_id)["refunds"]
    assert [m.subject for m in mail.outbox] == ["Your OkPuja refund has started"]
    assert remaining(shop) == 2
    # Again: still exactly one refund.
    services.sync_payment(payment=payment, source="test")
    assert Refund.objects.count() == 1


def test_slot_taken_after_hold_lapsed_is_refunded(phonepe, db):
    from tests.fixtures import Shop

    shop = Shop(capacity=1)
    late = shop.start()
    # The hold lapses (PhonePe's window plus grace has passed) ...
    SlotHold.objects.filter(payment=late).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    # ... and another customer books the last priest.
    other = shop.start()
    phonepe.settle(other.merchant_order_id, "pay_upi")
    services.sync_payment(payment=other, source="test")
    assert Booking.objects.get().payment == other

    phonepe.settle(late.merchant_order_id, "pay_upi")
    services.sync_payment(payment=late, source="test")

    late.refresh_from_db()
    assert late.resolution == Payment.Resolution.REFUNDED
    assert Refund.objects.get(payment=late).reason == Refund.Reason.SLOT_UNAVAILABLE
    assert Booking.objects.count() == 1
    assert remaining(shop) == 0


def test_double_pay_reuses_the_phonepe_order(phonepe, shop):
    user, cart, address = shop.customer()

    first = services.start_payment(cart=cart, user=user, address=address)
    second = services.start_payment(cart=cart, user=user, address=address)

    assert first.pk == second.pk
    assert first.page_url == second.page_url
    assert Payment.objects.count() == 1
    assert len(phonepe.orders()) == 1
    assert phonepe.stats()["calls"]["pay"] == 1
    assert remaining(shop) == 1


def test_double_pay_through_the_view(phonepe, shop, client):
    user, cart, address = shop.customer()
    client.force_login(user)

    responses = [
        client.post("/checkout/pay/", {"address": address.pk}) for _ in range(2)
    ]

    assert [r.status_code for r in responses] == [303, 303]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert Payment.objects.count() == 1


def test_phonepe_down_at_pay_keeps_cart_and_leaves_nothing_pending(
    phonepe, shop, client
):
    user, cart, address = shop.customer()
    phonepe.set_faults(pay_api="error")
    client.force_login(user)

    response = client.post("/checkout/pay/", {"address": address.pk}, follow=True)

    assert response.status_code == 200
    assert "could not reach PhonePe" in response.content.decode()
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
    assert cart.items.count() == 1
    # The attempt never reached PhonePe: no payment row, one audit entry.
    assert not Payment.objects.exists()
    assert not SlotHold.objects.exists()
    entry = AuditEntry.objects.get(action="payment.not_started")
    assert entry.payload["cart_id"] == cart.pk and entry.actor == user
    assert remaining(shop) == 2
    # Trying again once PhonePe is back works, and makes one payment.
    phonepe.clear_faults()
    response = client.post("/checkout/pay/", {"address": address.pk})
    assert response.status_code == 303
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_phonepe_rejecting_pay_is_a_clear_message(phonepe, shop):
    user, cart, address = shop.customer()
    phonepe.set_faults(pay_api="error")
    with pytest.raises(services.CheckoutError, match="Nothing was charged"):
        services.start_payment(cart=cart, user=user, address=address)


def test_status_api_failing_webhook_deferred_then_reconciled(phonepe, shop, client):
    """PhonePe's status API answering 5xx: the webhook is stored and accepted
    (no resend storm) and the reconciler settles it once PhonePe answers."""
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    phonepe.set_faults(status_api="error")

    response = post_webhook(client, body)

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.DEFERRED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert Booking.objects.count() == 0

    phonepe.clear_faults()
    reconcile.reconcile_due_payments(now=timezone.now() + datetime.timedelta(minutes=1))
    assert Booking.objects.get().payment == payment
    delivery.refresh_from_db()
    # The payment's own due check booked it first; the delivery then had
    # nothing left to do, and is closed.
    assert delivery.outcome == WebhookDelivery.Outcome.IGNORED


def test_order_expiry_fails_payment_releases_holds_cart_usable(phonepe, shop):
    user, cart, address = shop.customer()
    payment = services.start_payment(cart=cart, user=user, address=address)
    phonepe.expire(payment.merchant_order_id)

    services.sync_payment(payment=payment, source="test")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.gateway_state == "FAILED"
    assert remaining(shop) == 2
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
    retry = services.start_payment(cart=cart, user=user, address=address)
    assert retry.status == Payment.Status.PENDING


def test_local_give_up_then_late_completed_is_booked(phonepe, shop):
    payment = shop.start()
    Payment.objects.filter(pk=payment.pk).update(
        hold_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    SlotHold.objects.filter(payment=payment).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    services.sync_payment(payment=payment, source="reconciler")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert services.payment_can_change(payment)

    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="reconciler")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS
    assert Booking.objects.get().payment == payment


def test_failed_after_completed_stays_booked(phonepe, shop, client):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    stale = phonepe.resend_webhook(
        payment.merchant_order_id, event="checkout.order.failed", payload_state="FAILED"
    )["body"]
    stale = json.loads(stale) if isinstance(stale, str) else stale

    assert post_webhook(client, stale).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
    assert len(confirmation_emails()) == 1


def test_promo_use_counted_once_at_booking(phonepe, shop):
    promo = factories.make_promo(code="PUJA10", percent=10)
    user = factories.make_user()
    address = factories.make_address(user=user)
    cart = factories.make_cart(
        user=user, items=[(shop.package, shop.date, shop.slot)], promo=promo
    )
    assert PromoRedemption.objects.count() == 0

    payment = services.start_payment(cart=cart, user=user, address=address)
    assert payment.amount_paise == 210000 - 21000
    assert PromoRedemption.objects.count() == 0
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    services.sync_payment(payment=payment, source="test")

    booking = Booking.objects.get()
    assert (booking.subtotal_paise, booking.discount_paise, booking.total_paise) == (
        210000,
        21000,
        189000,
    )
    redemption = PromoRedemption.objects.get()
    assert redemption.reference == booking.book_id and redemption.user == user


def test_price_change_after_pay_charges_the_snapshot(phonepe, shop):
    payment = shop.start()
    shop.package.price_paise = 999900
    shop.package.save()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    booking = Booking.objects.get()
    assert booking.total_paise == 210000
    assert booking.items.get().price_paise == 210000


def test_cart_already_converted_by_another_payment_is_refunded(phonepe, shop):
    user, cart, address = shop.customer()
    first = services.start_payment(cart=cart, user=user, address=address)
    # The first order is given up locally; the customer pays again.
    Payment.objects.filter(pk=first.pk).update(hold_until=timezone.now())
    services.sync_payment(payment=first, source="reconciler")
    second = services.start_payment(cart=cart, user=user, address=address)
    phonepe.settle(second.merchant_order_id, "pay_upi")
    services.sync_payment(payment=second, source="test")
    # Then the first order completes late.
    phonepe.settle(first.merchant_order_id, "pay_upi")
    services.sync_payment(payment=first, source="reconciler")

    first.refresh_from_db()
    assert first.resolution == Payment.Resolution.REFUNDED
    assert Refund.objects.get(payment=first).reason == Refund.Reason.CART_CONVERTED
    assert Booking.objects.get().payment == second


def test_invalid_cart_cannot_pay(phonepe, shop):
    user, cart, address = shop.customer()
    shop.package.is_active = False
    shop.package.save()
    with pytest.raises(services.CheckoutError, match="no longer available"):
        services.start_payment(cart=cart, user=user, address=address)
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
    assert Payment.objects.count() == 0
    assert phonepe.stats()["calls"]["pay"] == 0


def test_someone_elses_address_is_refused(phonepe, shop, client):
    user, cart, address = shop.customer()
    stranger_address = factories.make_address(user=factories.make_user())
    client.force_login(user)
    response = client.post("/checkout/pay/", {"address": stranger_address.pk})
    assert response.status_code == 404
    assert Payment.objects.count() == 0
