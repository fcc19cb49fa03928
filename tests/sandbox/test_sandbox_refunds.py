"""Refunds: validation, idempotency, state progression and refund webhooks."""

import time

import pytest

from tests.sandbox_process import SandboxError


@pytest.fixture
def paid_order(sandbox, api):
    api.create("PAID-1", amount=149900)
    sandbox.settle("PAID-1", "pay_upi")
    return "PAID-1"


def wait_for_refund_state(api, refund_id, state, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        body = api.refund_status(refund_id).json()
        if body["state"] == state or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_full_refund_progresses_and_sends_webhooks(api, paid_order, receiver):
    response = api.refund("RF-1", paid_order, 149900)

    assert response.status == 200
    refund = response.json()
    assert refund["refundId"].startswith("OMR")
    assert refund["amount"] == 149900
    assert refund["state"] == "PENDING"

    status = wait_for_refund_state(api, "RF-1", "COMPLETED")
    assert status["state"] == "COMPLETED"
    assert status["merchantId"] == "OKPUJALOCAL"
    assert status["merchantRefundId"] == "RF-1"
    assert status["originalMerchantOrderId"] == paid_order
    assert status["refundId"] == refund["refundId"]
    assert status["amount"] == 149900
    assert isinstance(status["timestamp"], int)
    [detail] = status["paymentDetails"]
    assert detail["transactionId"].startswith("OMR")
    assert detail["state"] == "COMPLETED"

    webhooks = [w["json"] for w in receiver.wait_for(3, order=paid_order)]
    refund_events = [
        (w["event"], w["type"], w["payload"]["state"]) for w in webhooks[1:]
    ]
    assert refund_events == [
        ("pg.refund.accepted", "PG_REFUND_ACCEPTED", "CONFIRMED"),
        ("pg.refund.completed", "PG_REFUND_COMPLETED", "COMPLETED"),
    ]
    assert webhooks[2]["payload"]["merchantRefundId"] == "RF-1"
    assert webhooks[2]["payload"]["refundId"] == refund["refundId"]


def test_refund_passes_through_confirmed(api, paid_order):
    api.refund("RF-C", paid_order, 100)

    assert wait_for_refund_state(api, "RF-C", "CONFIRMED")["state"] in (
        "CONFIRMED",
        "COMPLETED",
    )


def test_partial_refunds_up_to_the_paid_amount(api, paid_order):
    assert api.refund("RF-P1", paid_order, 100000).status == 200
    assert api.refund("RF-P2", paid_order, 49900).status == 200

    response = api.refund("RF-P3", paid_order, 100)

    assert response.status == 400
    assert response.json()["code"] == "EXCESS_REFUND_AMOUNT"


def test_over_refund_is_rejected(api, paid_order):
    response = api.refund("RF-OVER", paid_order, 150000)

    assert response.status == 400
    assert response.json()["code"] == "EXCESS_REFUND_AMOUNT"
    assert api.refund_status("RF-OVER").status == 404


def test_repeated_refund_id_is_idempotent(sandbox, api, paid_order):
    first = api.refund("RF-SAME", paid_order, 50000).json()
    second = api.refund("RF-SAME", paid_order, 50000)

    assert second.status == 200
    assert second.json()["refundId"] == first["refundId"]
    assert len(sandbox.order(paid_order)["refunds"]) == 1
    # The idempotent repeat does not count against the refundable amount.
    assert api.refund("RF-REST", paid_order, 99900).status == 200


def test_refund_id_reused_with_different_body_conflicts(api, paid_order):
    api.refund("RF-DIFF", paid_order, 50000)

    response = api.refund("RF-DIFF", paid_order, 60000)

    assert response.status == 409
    assert response.json()["code"] == "DUPLICATE_REFUND"


@pytest.mark.parametrize(
    "refund_id,amount,message",
    [
        ("", 100, "merchantRefundId"),
        ("R" * 64, 100, "merchantRefundId"),
        ("R 1", 100, "merchantRefundId"),
        ("RF-V", 99, "amount"),
        ("RF-V", 100.0, "amount"),
        ("RF-V", "100", "amount"),
    ],
)
def test_refund_validation(api, paid_order, refund_id, amount, message):
    response = api.refund(refund_id, paid_order, amount)

    assert response.status == 400
    assert response.json()["code"] == "BAD_REQUEST"
    assert message in response.json()["message"]


def test_refund_of_unpaid_order_is_rejected(api):
    api.create("UNPAID-1")

    response = api.refund("RF-U", "UNPAID-1", 100)

    assert response.status == 400
    assert "COMPLETED" in response.json()["message"]


def test_refund_of_unknown_order_is_404(api):
    response = api.refund("RF-X", "NO-SUCH-ORDER", 100)

    assert response.status == 404
    assert response.json()["code"] == "MERCHANT_ORDER_MAPPING_NOT_FOUND"


def test_unknown_refund_status_is_404(api):
    response = api.refund_status("NO-SUCH-REFUND")

    assert response.status == 404
    assert response.json()["code"] == "MAPPING_NOT_FOUND"


def test_refund_failure_fault_fails_the_refund_with_phonepes_error_shape(
    sandbox, api, paid_order, receiver
):
    sandbox.set_faults(order=paid_order, refund_outcome="fail")

    response = api.refund("RF-FAIL", paid_order, 149900)

    assert response.status == 200
    assert response.json()["state"] == "PENDING"  # the failure comes later
    status = wait_for_refund_state(api, "RF-FAIL", "FAILED")
    assert status["state"] == "FAILED"
    assert status["errorCode"] == "BANK_TECHNICAL_ISSUE"
    assert status["detailedErrorCode"] == "UT"
    assert status["amount"] == 149900
    [detail] = status["paymentDetails"]
    assert detail["state"] == "FAILED"
    assert detail["errorCode"] == "BANK_TECHNICAL_ISSUE"
    assert detail["detailedErrorCode"] == "UT"

    webhooks = [w["json"] for w in receiver.wait_for(3, order=paid_order)]
    assert [(w["event"], w["type"], w["payload"]["state"]) for w in webhooks[1:]] == [
        ("pg.refund.accepted", "PG_REFUND_ACCEPTED", "CONFIRMED"),
        ("pg.refund.failed", "PG_REFUND_FAILED", "FAILED"),
    ]
    failed = webhooks[2]["payload"]
    assert failed["merchantRefundId"] == "RF-FAIL"
    assert failed["originalMerchantOrderId"] == paid_order
    assert (failed["errorCode"], failed["detailedErrorCode"]) == (
        "BANK_TECHNICAL_ISSUE",
        "UT",
    )
    assert failed["paymentDetails"][0]["state"] == "FAILED"


@pytest.mark.parametrize(
    "error_code,expected",
    [
        ("AUTHORIZATION_ERROR", ("AUTHORIZATION_ERROR", "U90")),
        ("REFUND_REJECTED/R0022", ("REFUND_REJECTED", "R0022")),
        ("SOMETHING_NEW", ("SOMETHING_NEW", "TXN_FAILED")),
    ],
)
def test_refund_failure_fault_takes_the_error_code(
    sandbox, api, paid_order, error_code, expected
):
    sandbox.set_faults(refund_outcome="fail", refund_error_code=error_code)
    api.refund("RF-CODE", paid_order, 100)

    status = wait_for_refund_state(api, "RF-CODE", "FAILED")

    assert (status["errorCode"], status["detailedErrorCode"]) == expected


def test_failed_refund_gives_the_amount_back(sandbox, api, paid_order):
    sandbox.set_faults(order=paid_order, refund_outcome="fail")
    api.refund("RF-F1", paid_order, 149900)
    assert wait_for_refund_state(api, "RF-F1", "FAILED")["state"] == "FAILED"
    sandbox.set_faults(order=paid_order, refund_outcome=None)

    # The failed refund no longer counts against the order: all of it can go again.
    assert api.refund("RF-F2", paid_order, 149900).status == 200
    assert wait_for_refund_state(api, "RF-F2", "COMPLETED")["state"] == "COMPLETED"
    assert "errorCode" not in api.refund_status("RF-F2").json()


def test_refund_failure_fault_applies_to_refunds_asked_for_while_it_is_set(
    sandbox, api, paid_order
):
    sandbox.set_faults(refund_outcome="fail")
    api.refund("RF-SNAP", paid_order, 100)
    sandbox.clear_faults()  # the refund already in flight still fails

    assert wait_for_refund_state(api, "RF-SNAP", "FAILED")["state"] == "FAILED"


def test_resend_of_a_failed_refund_is_pg_refund_failed(sandbox, api, paid_order):
    sandbox.set_faults(refund_outcome="fail")
    api.refund("RF-RS", paid_order, 100)
    wait_for_refund_state(api, "RF-RS", "FAILED")

    record = sandbox.resend_webhook(paid_order, refund="RF-RS")

    assert record["event"] == "pg.refund.failed"
    assert record["body"]["payload"]["errorCode"] == "BANK_TECHNICAL_ISSUE"


@pytest.mark.parametrize(
    "faults",
    [
        {"refund_outcome": "maybe"},
        {"refund_outcome": True},
        {"refund_error_code": ""},
        {"refund_error_code": 5},
    ],
)
def test_refund_failure_fault_is_validated(sandbox, faults):
    with pytest.raises(SandboxError) as error:
        sandbox.set_faults(**faults)

    assert error.value.status == 400
    assert sandbox.control("GET", "faults") == {"global": {}, "orders": {}}
