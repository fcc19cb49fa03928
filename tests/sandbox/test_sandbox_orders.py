"""Create payment, order status and expiry."""

import time

import pytest

from tests.sandbox.conftest import REDIRECT_URL, http, pay_body

BAD_BODIES = [
    ("missing merchantOrderId", {"merchantOrderId": None}, "merchantOrderId"),
    ("blank merchantOrderId", {"merchantOrderId": ""}, "merchantOrderId"),
    ("64-char merchantOrderId", {"merchantOrderId": "A" * 64}, "merchantOrderId"),
    ("merchantOrderId with space", {"merchantOrderId": "A B"}, "merchantOrderId"),
    ("merchantOrderId with slash", {"merchantOrderId": "A/B"}, "merchantOrderId"),
    ("numeric merchantOrderId", {"merchantOrderId": 12345}, "merchantOrderId"),
    ("missing amount", {"amount": None}, "amount"),
    ("amount below 100", {"amount": 99}, "amount"),
    ("zero amount", {"amount": 0}, "amount"),
    ("float amount", {"amount": 1499.0}, "amount"),
    ("string amount", {"amount": "149900"}, "amount"),
    ("boolean amount", {"amount": True}, "amount"),
    ("expireAfter too short", {"expireAfter": 299}, "expireAfter"),
    ("expireAfter too long", {"expireAfter": 3601}, "expireAfter"),
    ("float expireAfter", {"expireAfter": 600.0}, "expireAfter"),
    ("missing paymentFlow", {"paymentFlow": None}, "paymentFlow"),
    (
        "wrong flow type",
        {
            "paymentFlow": {
                "type": "PG",
                "merchantUrls": {"redirectUrl": "https://shop.test/"},
            }
        },
        "paymentFlow.type",
    ),
    ("missing merchantUrls", {"paymentFlow": {"type": "PG_CHECKOUT"}}, "merchantUrls"),
    (
        "missing redirectUrl",
        {"paymentFlow": {"type": "PG_CHECKOUT", "merchantUrls": {}}},
        "redirectUrl",
    ),
    (
        "ftp redirectUrl",
        {
            "paymentFlow": {
                "type": "PG_CHECKOUT",
                "merchantUrls": {"redirectUrl": "ftp://shop.test/"},
            }
        },
        "redirectUrl",
    ),
    (
        "relative redirectUrl",
        {
            "paymentFlow": {
                "type": "PG_CHECKOUT",
                "merchantUrls": {"redirectUrl": "/confirm"},
            }
        },
        "redirectUrl",
    ),
    ("bad udf11", {"metaInfo": {"udf11": "no#hash"}}, "udf11"),
]


@pytest.mark.parametrize(
    "overrides,field", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES]
)
def test_pay_rejects_invalid_fields(sandbox, api, overrides, field):
    response = api.pay(pay_body("VALID-1", **overrides))

    assert response.status == 400
    body = response.json()
    assert body["code"] == "BAD_REQUEST"
    assert field in body["message"]
    assert body["data"] == {}
    assert sandbox.orders() == []


def test_pay_rejects_invalid_json(sandbox, api):
    response = http(
        "POST",
        sandbox.base_url + "/checkout/v2/pay",
        data=b"{not json",
        headers={**api.headers(), "Content-Type": "application/json"},
    )

    assert response.status == 400
    assert response.json()["code"] == "BAD_REQUEST"


def test_pay_accepts_explicit_nulls_and_returns_pending_order(sandbox, api):
    body = pay_body("NULLS-1", prefillUserLoginDetails=None)
    started = time.time()

    response = api.pay(body)

    assert response.status == 200
    created = response.json()
    assert set(created) == {"orderId", "state", "expireAt", "redirectUrl"}
    assert created["orderId"].startswith("OMO")
    assert created["state"] == "PENDING"
    # Default expiry of 1200 s, in epoch milliseconds.
    assert abs(created["expireAt"] - (started + 1200) * 1000) < 5000
    assert created["redirectUrl"].startswith(
        sandbox.root_url + "/transact/uat_v2?token="
    )


def test_pay_accepts_all_optional_fields(api):
    created = api.create(
        "FULL-1",
        expireAfter=300,
        metaInfo={"udf1": "booking 42", "udf11": "a-b_c@d.e+f", "udf2": None},
        disablePaymentRetry=True,
        prefillUserLoginDetails={"phoneNumber": "9999999999"},
        paymentFlow={
            "type": "PG_CHECKOUT",
            "message": "Puja booking",
            "merchantUrls": {"redirectUrl": "https://shop.test/done"},
            "paymentModeConfig": {
                "enabledPaymentModes": [{"type": "UPI_INTENT"}],
                "disabledPaymentModes": None,
            },
        },
    )

    assert abs(created["expireAt"] - (time.time() + 300) * 1000) < 5000
    status = api.status("FULL-1").json()
    assert status["metaInfo"] == {
        "udf1": "booking 42",
        "udf11": "a-b_c@d.e+f",
        "udf2": None,
    }


def test_same_order_id_and_body_is_idempotent(sandbox, api):
    first = api.pay(pay_body("IDEM-1"))
    second = api.pay(pay_body("IDEM-1"))

    assert first.status == second.status == 200
    assert first.json() == second.json()
    assert len(sandbox.orders()) == 1
    assert sandbox.stats()["calls"]["pay"] == 2


def test_same_order_id_with_different_body_conflicts(api):
    api.create("DUP-1", amount=149900)

    response = api.pay(pay_body("DUP-1", amount=150000))

    assert response.status == 409
    assert response.json()["code"] == "DUPLICATE_ORDER"


def test_status_of_new_order_is_pending(api):
    created = api.create("ST-1", amount=99900, metaInfo={"udf1": "x"})

    response = api.status("ST-1", query="")

    assert response.status == 200
    status = response.json()
    assert status["merchantId"] == "OKPUJALOCAL"
    assert status["merchantOrderId"] == "ST-1"
    assert status["orderId"] == created["orderId"]
    assert status["state"] == "PENDING"
    assert status["amount"] == status["payableAmount"] == 99900
    assert status["feeAmount"] == 0
    assert status["expireAt"] == created["expireAt"]
    assert status["metaInfo"] == {"udf1": "x"}
    assert status["paymentFlow"]["type"] == "PG_CHECKOUT"
    assert status["paymentDetails"] == []
    assert "errorCode" not in status


def test_status_after_upi_payment(sandbox, api):
    api.create("UPI-1")
    sandbox.settle("UPI-1", "pay_upi")

    status = api.status("UPI-1").json()

    assert status["state"] == "COMPLETED"
    [attempt] = status["paymentDetails"]
    assert attempt["transactionId"].startswith("OM")
    assert attempt["paymentMode"] == "UPI_INTENT"
    assert attempt["state"] == "COMPLETED"
    assert attempt["amount"] == 149900
    assert abs(attempt["timestamp"] - time.time() * 1000) < 5000
    assert attempt["rail"]["type"] == "UPI"
    assert set(attempt["rail"]) >= {"utr", "upiTransactionId", "vpa"}
    assert "errorCode" not in status


def test_status_after_card_payment(sandbox, api):
    api.create("CARD-1")
    sandbox.settle("CARD-1", "pay_card")

    status = api.status("CARD-1").json()

    assert status["state"] == "COMPLETED"
    [attempt] = status["paymentDetails"]
    assert attempt["paymentMode"] == "CARD"
    assert attempt["rail"]["type"] == "PG"
    assert set(attempt["rail"]) >= {
        "transactionId",
        "authorizationCode",
        "serviceTransactionId",
    }
    assert attempt["instrument"]["type"] == "CREDIT_CARD"


def test_status_after_decline_with_error_context(sandbox, api):
    api.create("DECL-1")
    sandbox.settle("DECL-1", "decline", error_code="AUTHORIZATION_ERROR")

    status = api.status("DECL-1", query="details=true&errorContext=true").json()

    assert status["state"] == "FAILED"
    assert status["errorCode"] == "AUTHORIZATION_ERROR"
    assert status["detailedErrorCode"] == "U90"
    assert status["errorContext"]["errorCode"] == "AUTHORIZATION_ERROR"
    assert set(status["errorContext"]) >= {"source", "stage", "description"}
    [attempt] = status["paymentDetails"]
    assert attempt["state"] == "FAILED"
    assert attempt["errorCode"] == "AUTHORIZATION_ERROR"

    without_context = api.status("DECL-1", query="errorContext=false").json()
    assert "errorContext" not in without_context
    assert without_context["errorCode"] == "AUTHORIZATION_ERROR"


@pytest.mark.parametrize(
    "query,has_context",
    [
        ("details=True&errorContext=True", True),
        ("details=true&errorContext=true", True),
        ("details=TRUE&errorContext=TRUE", True),
        ("details=False&errorContext=False", False),
        ("details=false&errorContext=false", False),
        ("errorContext=True", True),
        ("", False),
    ],
)
def test_status_parses_booleans_case_insensitively(sandbox, api, query, has_context):
    api.create("BOOL-1")
    sandbox.settle("BOOL-1", "decline")

    response = api.status("BOOL-1", query=query)

    assert response.status == 200
    assert len(response.json()["paymentDetails"]) == 1
    assert ("errorContext" in response.json()) == has_context


def test_unknown_order_status_is_404(api):
    response = api.status("NOPE-1")

    assert response.status == 404
    assert response.json() == {
        "code": "MERCHANT_ORDER_MAPPING_NOT_FOUND",
        "message": "No entry found for Merchant",
        "data": {},
    }


def test_expired_order_fails_and_sends_webhook(sandbox, api, receiver):
    api.create("EXP-1")

    expired = sandbox.expire("EXP-1")

    assert expired["state"] == "FAILED"
    status = api.status("EXP-1", query="details=true&errorContext=true").json()
    assert status["state"] == "FAILED"
    assert status["errorCode"] == "TXN_NOT_COMPLETED"
    assert status["detailedErrorCode"] == "TXN_AUTO_FAILED"
    assert status["expireAt"] <= time.time() * 1000
    [webhook] = receiver.wait_for(1, order="EXP-1")
    assert webhook["json"]["event"] == "checkout.order.failed"
    assert webhook["json"]["type"] == "CHECKOUT_ORDER_FAILED"
    assert webhook["json"]["payload"]["state"] == "FAILED"
    assert webhook["json"]["payload"]["errorCode"] == "TXN_NOT_COMPLETED"


def test_settling_a_terminal_order_conflicts(sandbox, api):
    api.create("TERM-1")
    sandbox.settle("TERM-1", "pay_upi")

    for outcome in ("pay_card", "decline", "pending"):
        with pytest.raises(Exception) as error:
            sandbox.settle("TERM-1", outcome)
        assert error.value.status == 409
    with pytest.raises(Exception) as error:
        sandbox.expire("TERM-1")
    assert error.value.status == 409


def test_leave_pending_keeps_order_pending(sandbox, api, receiver):
    api.create("PEND-1")

    assert sandbox.settle("PEND-1", "pending")["state"] == "PENDING"
    assert api.status("PEND-1").json()["state"] == "PENDING"
    time.sleep(0.3)
    assert sandbox.webhooks("PEND-1") == []


def test_transaction_status_endpoint(sandbox, api):
    api.create("TXN-1")
    attempt = sandbox.settle("TXN-1", "pay_upi")["paymentDetails"][0]

    response = http(
        "GET",
        f"{sandbox.base_url}/checkout/v2/transaction/{attempt['transactionId']}/status",
        headers=api.headers(),
    )

    assert response.status == 200
    assert response.json()["merchantOrderId"] == "TXN-1"


def test_redirect_url_is_kept_exactly(api, sandbox):
    api.create("KEEP-1")

    assert sandbox.order("KEEP-1")["redirectUrl"] == REDIRECT_URL.format(order="KEEP-1")


def test_methods_phonepe_does_not_use_are_not_served(sandbox, api):
    for method in ("PUT", "PATCH", "HEAD"):
        response = http(
            method, sandbox.base_url + "/checkout/v2/pay", headers=api.headers()
        )
        assert response.status == 501, method
