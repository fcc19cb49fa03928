"""Webhook delivery: auth header, body, retries and the webhook faults."""

import hashlib
import time

import pytest

from tests.sandbox.conftest import CALLBACK_PASSWORD, CALLBACK_USERNAME
from tests.sandbox_process import SandboxError

EXPECTED_AUTH = hashlib.sha256(
    f"{CALLBACK_USERNAME}:{CALLBACK_PASSWORD}".encode()
).hexdigest()


def test_completed_webhook_header_and_body(sandbox, api, receiver):
    api.create("WH-1", metaInfo={"udf1": "booking-7"})
    status = sandbox.settle("WH-1", "pay_upi")

    [request] = receiver.wait_for(1, order="WH-1")

    assert request["path"] == "/api/payments/webhook/phonepe/"
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["authorization"] == EXPECTED_AUTH
    body = request["json"]
    assert set(body) == {"event", "type", "payload"}
    assert body["event"] == "checkout.order.completed"
    assert body["type"] == "CHECKOUT_ORDER_COMPLETED"
    payload = body["payload"]
    assert payload["merchantOrderId"] == "WH-1"
    assert payload["orderId"] == status["orderId"]
    assert payload["state"] == "COMPLETED"
    assert payload["amount"] == 149900
    assert payload["metaInfo"] == {"udf1": "booking-7"}
    assert payload["paymentDetails"] == status["paymentDetails"]
    [record] = sandbox.wait_for_webhooks("WH-1", 1)
    assert record["status"] == 200
    assert record["attempt"] == 1
    assert record["url"] == receiver.url
    assert record["body"] == body


def test_failed_webhook_for_decline(sandbox, api, receiver):
    api.create("WH-2")
    sandbox.settle("WH-2", "decline", error_code="INSUFFICIENT_BALANCE")

    [request] = receiver.wait_for(1, order="WH-2")

    assert request["json"]["event"] == "checkout.order.failed"
    assert request["json"]["payload"]["state"] == "FAILED"
    assert request["json"]["payload"]["errorCode"] == "INSUFFICIENT_BALANCE"


def test_webhook_retries_after_server_errors(sandbox, api, receiver):
    receiver.fail_next(2)
    api.create("RETRY-1")
    sandbox.settle("RETRY-1", "pay_card")

    records = sandbox.wait_for_webhooks("RETRY-1", 3)

    assert [(r["attempt"], r["status"]) for r in records] == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]
    assert len(receiver.received("RETRY-1")) == 3
    time.sleep(0.3)
    assert len(sandbox.webhooks("RETRY-1")) == 3


def test_webhook_gives_up_after_configured_retries(sandbox, api, receiver):
    receiver.fail_next(100, status=503)
    api.create("RETRY-2")
    sandbox.settle("RETRY-2", "pay_upi")

    records = sandbox.wait_for_webhooks("RETRY-2", 4)  # 1 attempt + 3 retries

    time.sleep(0.5)
    assert [r["status"] for r in sandbox.webhooks("RETRY-2")] == [503] * 4
    assert records[0]["error"] == "HTTP 503"


def test_webhook_retries_on_connection_error_and_timeout(sandbox, api, receiver):
    sandbox.configure(webhook_url="http://127.0.0.1:9/unreachable", webhook_retries=1)
    api.create("RETRY-3")
    sandbox.settle("RETRY-3", "pay_upi")
    records = sandbox.wait_for_webhooks("RETRY-3", 2)
    assert all(r["status"] is None and r["error"] for r in records)

    sandbox.configure(webhook_url=receiver.url, webhook_timeout=0.3, webhook_retries=1)
    receiver.delay = 0.6
    api.create("RETRY-4")
    sandbox.settle("RETRY-4", "pay_upi")
    records = sandbox.wait_for_webhooks("RETRY-4", 2)
    assert records[0]["status"] is None
    assert "timed out" in records[0]["error"]


def test_drop_fault_sends_nothing(sandbox, api, receiver):
    sandbox.set_faults(order="DROP-1", webhook="drop")
    api.create("DROP-1")
    sandbox.settle("DROP-1", "pay_upi")

    [record] = sandbox.wait_for_webhooks("DROP-1", 1)

    assert record["dropped"] is True
    assert record["status"] is None
    time.sleep(0.3)
    assert receiver.received("DROP-1") == []


def test_duplicate_fault_sends_copies_concurrently(sandbox, api, receiver):
    sandbox.set_faults(webhook="duplicate", copies=4)
    receiver.delay = 0.3
    api.create("DUPW-1")
    sandbox.settle("DUPW-1", "pay_upi")

    requests = receiver.wait_for(4, order="DUPW-1")

    bodies = {r["raw"] for r in requests}
    assert len(bodies) == 1
    arrival = [r["received_at"] for r in requests]
    assert max(arrival) - min(arrival) < 0.25  # not one after another
    records = sandbox.wait_for_webhooks("DUPW-1", 4)
    assert sorted(r["copy"] for r in records) == [1, 2, 3, 4]


def test_reorder_fault_sends_stale_failed_after_completed(sandbox, api, receiver):
    sandbox.set_faults(order="REORD-1", webhook="reorder")
    api.create("REORD-1")
    sandbox.settle("REORD-1", "pay_upi")

    first, second = receiver.wait_for(2, order="REORD-1")

    assert first["json"]["event"] == "checkout.order.completed"
    assert second["json"]["event"] == "checkout.order.failed"
    assert second["json"]["payload"]["state"] == "FAILED"
    assert api.status("REORD-1").json()["state"] == "COMPLETED"


def test_reorder_fault_leaves_failed_orders_alone(sandbox, api, receiver):
    sandbox.set_faults(webhook="reorder")
    api.create("REORD-2")
    sandbox.settle("REORD-2", "decline")

    receiver.wait_for(1, order="REORD-2")
    time.sleep(0.3)

    assert [r["json"]["event"] for r in receiver.received("REORD-2")] == [
        "checkout.order.failed"
    ]


def test_report_amount_fault_changes_status_and_webhook(sandbox, api, receiver):
    sandbox.set_faults(order="AMT-1", report_amount=100)
    api.create("AMT-1", amount=149900)
    sandbox.settle("AMT-1", "pay_upi")

    status = api.status("AMT-1").json()
    [request] = receiver.wait_for(1, order="AMT-1")

    assert status["amount"] == 100
    assert status["paymentDetails"][0]["amount"] == 100
    assert request["json"]["payload"]["amount"] == 100
    assert sandbox.order("AMT-1")["amount"] == 149900


def test_per_order_faults_override_global(sandbox, api, receiver):
    sandbox.set_faults(webhook="drop")
    sandbox.set_faults(order="OVR-1", webhook="normal")
    api.create("OVR-1")
    api.create("OVR-2")
    sandbox.settle("OVR-1", "pay_upi")
    sandbox.settle("OVR-2", "pay_upi")

    receiver.wait_for(1, order="OVR-1")
    sandbox.wait_for_webhooks("OVR-2", 1)

    assert receiver.received("OVR-2") == []


def test_webhook_delay_fault(sandbox, api, receiver):
    sandbox.set_faults(order="SLOWW-1", webhook_delay=0.6)
    api.create("SLOWW-1")
    started = time.monotonic()
    sandbox.settle("SLOWW-1", "pay_upi")

    receiver.wait_for(1, order="SLOWW-1")

    assert time.monotonic() - started >= 0.55


def test_resend_with_overrides_is_synchronous(sandbox, api, receiver):
    api.create("RES-1")
    sandbox.settle("RES-1", "pay_upi")
    receiver.wait_for(1, order="RES-1")

    record = sandbox.resend_webhook(
        "RES-1",
        authorization="wrong",
        payload_state="FAILED",
        event="checkout.order.failed",
    )

    assert record["status"] == 200
    last = receiver.received("RES-1")[-1]
    assert last["headers"]["authorization"] == "wrong"
    assert last["json"]["event"] == "checkout.order.failed"
    assert last["json"]["type"] == "CHECKOUT_ORDER_FAILED"
    assert last["json"]["payload"]["state"] == "FAILED"

    default = sandbox.resend_webhook("RES-1")
    assert default["body"]["event"] == "checkout.order.completed"
    assert receiver.received("RES-1")[-1]["headers"]["authorization"] == EXPECTED_AUTH


def test_fault_validation_and_clearing(sandbox):
    with pytest.raises(SandboxError) as error:
        sandbox.set_faults(webhook="explode")
    assert error.value.status == 400

    faults = sandbox.set_faults(order="F-1", status_api="error", report_amount=500)
    assert faults["orders"]["F-1"] == {"status_api": "error", "report_amount": 500}
    assert sandbox.clear_faults() == {"global": {}, "orders": {}}


def test_webhooks_listing_filters_by_order(sandbox, api, receiver):
    for order in ("LIST-1", "LIST-2"):
        api.create(order)
        sandbox.settle(order, "pay_upi")
    sandbox.wait_for_webhooks("LIST-1", 1)
    sandbox.wait_for_webhooks("LIST-2", 1)

    everything = sandbox.webhooks()

    assert {r["merchant_order_id"] for r in everything} == {"LIST-1", "LIST-2"}
    assert set(everything[0]) >= {
        "id",
        "event",
        "merchant_order_id",
        "merchant_refund_id",
        "attempt",
        "copy",
        "url",
        "status",
        "error",
        "sent_at",
        "body",
    }


def test_reset_waits_for_a_delivery_already_on_the_wire(sandbox, api, receiver):
    """A test's reset must not return while its webhook is still being answered:
    that delivery would reach the receiver (a live server) during the next test."""
    receiver.delay = 0.8
    api.create("WIRE-1")
    sandbox.settle("WIRE-1", "pay_upi")
    receiver.wait_for(1, "WIRE-1")  # arrived; the answer takes 0.8 s

    started = time.monotonic()
    assert sandbox.reset() == {"reset": True, "idle": True}
    assert time.monotonic() - started >= 0.5
    # The answered attempt belongs to the old generation: no retry, no record.
    time.sleep(0.3)
    assert len(receiver.received("WIRE-1")) == 1
    assert sandbox.webhooks("WIRE-1") == []
