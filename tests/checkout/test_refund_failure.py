"""A refund PhonePe fails, through the real refund services and the sandbox process.

The sandbox's ``refund_outcome: "fail"`` fault makes PhonePe accept a refund
(PENDING, then ``pg.refund.accepted``) and then fail it (state FAILED with
``errorCode``/``detailedErrorCode``, ``pg.refund.failed``), as a bank that cannot
credit the customer would. Whichever way the news arrives (webhook, refund-status
read, reconciler), the refund ends FAILED with the reason kept, and the amount is
refundable again.
"""

import datetime
import json
import time

import pytest
from django.utils import timezone

from checkout import phonepe as gateway
from checkout import reconcile, refunds, services
from checkout.models import AuditEntry, Booking, Payment, Refund, WebhookDelivery
from tests.fixtures import GOOD_AUTH, WEBHOOK_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(phonepe, shop):
    """A booking paid on the sandbox and settled through sync_payment."""
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    payment = services.sync_payment(payment=payment, source="test")
    assert payment.status == Payment.Status.SUCCESS
    return Booking.objects.select_related("payment").get(payment=payment)


def ask_for_refund(booking, amount_paise=None):
    return refunds.request_refund(
        payment=booking.payment,
        amount_paise=amount_paise or booking.payment.amount_paise,
        reason=Refund.Reason.OTHER,
        note="goodwill",
        booking=booking,
    )


def sandbox_refund_state(sandbox, order, merchant_refund_id, state, timeout=10):
    """Wait until the sandbox holds the refund in ``state``; return its status view."""
    deadline = time.monotonic() + timeout
    while True:
        for refund in sandbox.order(order)["refunds"]:
            if refund["merchantRefundId"] == merchant_refund_id:
                if refund["state"] == state:
                    return refund
        assert time.monotonic() < deadline, f"refund never {state} on the sandbox"
        time.sleep(0.05)


def delivery_body(sandbox, order, event, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        for delivery in sandbox.webhooks(order):
            if delivery["event"] == event:
                return delivery["body"]
        assert time.monotonic() < deadline, f"no {event} from the sandbox"
        time.sleep(0.05)


def assert_failed(refund, payment, error="BANK_TECHNICAL_ISSUE"):
    refund.refresh_from_db()
    assert refund.state == Refund.State.FAILED
    assert refund.last_error.startswith(error)
    assert AuditEntry.objects.filter(
        refund=refund, action="refund.failed", to_state=Refund.State.FAILED
    ).exists()
    # Nothing went back to the customer: all of it can be refunded again.
    assert refunds.refundable_paise(payment) == payment.amount_paise


def test_failed_refund_webhook_ends_failed(phonepe, paid, client):
    order = paid.payment.merchant_order_id
    phonepe.set_faults(order=order, refund_outcome="fail")

    refund = ask_for_refund(paid)

    assert refund.state == Refund.State.PENDING  # PhonePe accepted it first
    assert refund.gateway_refund_id
    assert refunds.refundable_paise(paid.payment) == 0
    body = delivery_body(phonepe, order, "pg.refund.failed")
    response = client.post(
        WEBHOOK_PATH,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=GOOD_AUTH,
    )
    assert response.status_code == 200
    assert_failed(refund, paid.payment)
    delivery = WebhookDelivery.objects.get(event="pg.refund.failed")
    assert delivery.outcome == WebhookDelivery.Outcome.PROCESSED
    assert delivery.merchant_refund_id == refund.merchant_refund_id

    # The amount the failed refund held is free: a new refund of all of it is accepted.
    again = ask_for_refund(paid)
    assert again.merchant_refund_id != refund.merchant_refund_id
    assert again.state == Refund.State.PENDING
    assert refunds.refundable_paise(paid.payment) == 0


def test_refund_status_read_ends_failed(phonepe, paid):
    order = paid.payment.merchant_order_id
    phonepe.set_faults(order=order, refund_outcome="fail", refund_error_code="X/Y9")
    refund = ask_for_refund(paid, 100000)
    sandbox_refund_state(phonepe, order, refund.merchant_refund_id, "FAILED")

    refund = refunds.sync_refund(refund=refund, source="test")

    assert refund.state == Refund.State.FAILED
    assert_failed(refund, paid.payment, error="X")
    # A failed refund is final: reading it again asks PhonePe nothing.
    calls = phonepe.stats()["calls"]["refund_status"]
    refunds.sync_refund(refund=refund, source="test")
    assert phonepe.stats()["calls"]["refund_status"] == calls


def test_reconciler_ends_a_failed_refund_without_a_webhook(phonepe, paid):
    order = paid.payment.merchant_order_id
    phonepe.set_faults(order=order, refund_outcome="fail", webhook="drop")
    refund = ask_for_refund(paid)
    sandbox_refund_state(phonepe, order, refund.merchant_refund_id, "FAILED")

    counts = reconcile.reconcile_due_payments(
        now=timezone.now() + datetime.timedelta(seconds=10)
    )

    assert counts == {"refund_failed": 1}
    assert_failed(refund, paid.payment)
    assert AuditEntry.objects.filter(
        refund=refund, action="refund.failed", source="reconciler"
    ).exists()


def test_refund_phonepe_refuses_outright_ends_failed(phonepe, paid):
    order = paid.payment.merchant_order_id
    # Someone refunded the whole order at PhonePe outside OkPuja (e.g. the dashboard),
    # so PhonePe refuses ours with EXCESS_REFUND_AMOUNT.
    gateway.get_client().refund(
        merchant_refund_id=f"{order}-DASH",
        original_merchant_order_id=order,
        amount_paise=paid.payment.amount_paise,
    )

    refund = ask_for_refund(paid, 100000)

    assert refund.state == Refund.State.FAILED
    assert_failed(refund, paid.payment, error="EXCESS_REFUND_AMOUNT: ")
    assert refund.gateway_refund_id == ""
