"""
The PhonePe client against the real sandbox process (no mocks).

One sandbox serves the module; each test resets its orders, faults and counters.
"""

import dataclasses
import hashlib
import json
import logging
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from checkout.phonepe import (
    CreatedPayment,
    OrderStatus,
    PaymentAttempt,
    PhonePeAuthError,
    PhonePeClient,
    PhonePeConfig,
    PhonePeError,
    PhonePeMalformedWebhook,
    PhonePeOrderNotFound,
    PhonePeRejected,
    PhonePeUnavailable,
    RefundResult,
    RefundStatus,
    WebhookEvent,
    config_from_settings,
    get_client,
)
from tests.sandbox_process import SandboxProcess

CLIENT_ID = "OKPUJA_LOCAL"
CLIENT_SECRET = "okpuja-local-secret"
CALLBACK_USERNAME = "okpuja_webhook"
CALLBACK_PASSWORD = "okpuja12345"
REDIRECT_URL = "http://127.0.0.1:8000/checkout/return/?order=test"


@pytest.fixture(scope="module")
def sandbox():
    sb = SandboxProcess(webhook_url=None, token_ttl=3600, webhook_delay=0.2).start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture(autouse=True)
def clean_sandbox(sandbox):
    sandbox.reset()
    sandbox.clear_faults()
    yield


def make_config(sandbox, **changes):
    config = PhonePeConfig(
        base_url=sandbox.base_url,
        oauth_url=sandbox.base_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_version="1",
        callback_username=CALLBACK_USERNAME,
        callback_password=CALLBACK_PASSWORD,
        timeout=2.0,
        env="LOCAL",
    )
    return dataclasses.replace(config, **changes)


@pytest.fixture
def client(sandbox):
    return PhonePeClient(make_config(sandbox))


def new_order_id():
    return "T-" + uuid.uuid4().hex[:20]


def create_order(client, amount_paise=50000):
    merchant_order_id = new_order_id()
    client.create_payment(
        merchant_order_id=merchant_order_id,
        amount_paise=amount_paise,
        redirect_url=REDIRECT_URL,
    )
    return merchant_order_id


def paid_order(client, sandbox, amount_paise=50000):
    merchant_order_id = create_order(client, amount_paise)
    sandbox.settle(merchant_order_id, "pay_upi")
    return merchant_order_id


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def expected_authorization():
    return hashlib.sha256(
        f"{CALLBACK_USERNAME}:{CALLBACK_PASSWORD}".encode()
    ).hexdigest()


# OAuth token ------------------------------------------------------------------


def test_get_token_fetches_once_and_reuses_it(client, sandbox):
    first = client.get_token()

    assert first
    assert client.get_token() == first
    merchant_order_id = create_order(client)
    client.get_order_status(merchant_order_id)
    client.get_order_status(merchant_order_id)
    stats = sandbox.stats()
    assert stats["tokens_issued"] == 1
    assert stats["calls"]["token"] == 1


def test_token_refreshed_after_half_life(client, sandbox):
    sandbox.configure(token_ttl=2)
    first = client.get_token()
    assert client.get_token() == first

    time.sleep(1.2)  # past half of the 2 s lifetime, not yet expired

    second = client.get_token()
    assert second != first
    assert client.get_token() == second
    assert sandbox.stats()["tokens_issued"] == 2


def test_business_call_after_token_expiry_uses_fresh_token(client, sandbox):
    sandbox.configure(token_ttl=1)
    merchant_order_id = create_order(client)

    time.sleep(1.1)

    assert client.get_order_status(merchant_order_id).is_pending
    stats = sandbox.stats()
    assert stats["tokens_issued"] == 2
    assert stats["calls"]["status"] == 1  # refreshed before the call, no 401


def test_failed_refresh_keeps_unexpired_token(client, sandbox):
    sandbox.configure(token_ttl=2)
    merchant_order_id = create_order(client)
    time.sleep(1.2)  # the token is due for refresh but still valid
    client.config = dataclasses.replace(client.config, client_secret="revoked")

    assert client.get_order_status(merchant_order_id).is_pending

    time.sleep(1.0)  # now expired, and the refresh still fails
    with pytest.raises(PhonePeAuthError):
        client.get_order_status(merchant_order_id)


def test_concurrent_calls_share_one_token(client, sandbox):
    merchant_order_id = paid_order(PhonePeClient(client.config), sandbox)
    tokens_before = sandbox.stats()["tokens_issued"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(lambda _: client.get_order_status(merchant_order_id), range(16))
        )

    assert all(status.is_completed for status in statuses)
    assert sandbox.stats()["tokens_issued"] - tokens_before == 1


def test_401_drops_token_and_retries_once(client, sandbox):
    merchant_order_id = create_order(client)
    client._token = dataclasses.replace(client._token, access_token="SBX.corrupted")

    status = client.get_order_status(merchant_order_id)

    assert status.merchant_order_id == merchant_order_id
    stats = sandbox.stats()
    assert stats["tokens_issued"] == 2
    assert stats["calls"]["status"] == 2


def test_repeated_401_raises_auth_error(client, sandbox):
    sandbox.configure(token_ttl=0)  # every token is expired on arrival

    with pytest.raises(PhonePeAuthError) as excinfo:
        client.get_order_status(new_order_id())

    assert excinfo.value.http_status == 401
    assert not isinstance(excinfo.value, PhonePeRejected)
    stats = sandbox.stats()
    assert stats["calls"]["status"] == 2
    assert stats["tokens_issued"] == 2


def test_bad_credentials_raise_auth_error_without_retries(sandbox):
    client = PhonePeClient(make_config(sandbox, client_secret="wrong"))

    with pytest.raises(PhonePeAuthError) as excinfo:
        client.get_token()
    assert excinfo.value.code == "INVALID_CLIENT"
    assert excinfo.value.http_status == 400

    with pytest.raises(PhonePeAuthError):
        client.create_payment(
            merchant_order_id=new_order_id(),
            amount_paise=10000,
            redirect_url=REDIRECT_URL,
        )
    stats = sandbox.stats()
    assert stats["calls"]["token"] == 2
    assert stats["calls"]["pay"] == 0


# Create payment ---------------------------------------------------------------


def test_create_payment(client, sandbox):
    merchant_order_id = new_order_id()
    before = datetime.now(UTC)

    payment = client.create_payment(
        merchant_order_id=merchant_order_id,
        amount_paise=49900,
        redirect_url=REDIRECT_URL,
        expire_after=600,
        message="OkPuja booking",
        udf={"udf1": "booking-42"},
    )

    assert isinstance(payment, CreatedPayment)
    assert payment.order_id.startswith("OMO")
    assert payment.state == "PENDING"
    assert payment.expire_at.tzinfo is not None
    assert 590 <= (payment.expire_at - before).total_seconds() <= 610
    assert "/transact/" in payment.redirect_url
    status = client.get_order_status(merchant_order_id)
    assert status.amount_paise == 49900
    assert status.raw["metaInfo"] == {"udf1": "booking-42"}
    assert status.raw["paymentFlow"]["merchantUrls"]["redirectUrl"] == REDIRECT_URL


def test_create_payment_again_returns_same_order(client):
    merchant_order_id = new_order_id()
    kwargs = dict(
        merchant_order_id=merchant_order_id,
        amount_paise=10000,
        redirect_url=REDIRECT_URL,
    )

    assert client.create_payment(**kwargs) == client.create_payment(**kwargs)


def test_invalid_amount_is_rejected_without_retries(client, sandbox):
    with pytest.raises(PhonePeRejected) as excinfo:
        client.create_payment(
            merchant_order_id=new_order_id(), amount_paise=50, redirect_url=REDIRECT_URL
        )

    assert excinfo.value.code == "BAD_REQUEST"
    assert excinfo.value.http_status == 400
    assert "100" in excinfo.value.message
    assert not isinstance(excinfo.value, PhonePeOrderNotFound)
    assert sandbox.stats()["calls"]["pay"] == 1


# Order status -----------------------------------------------------------------


def test_status_of_new_order_is_pending(client):
    merchant_order_id = create_order(client, 25000)

    status = client.get_order_status(merchant_order_id)

    assert isinstance(status, OrderStatus)
    assert status.state == "PENDING"
    assert status.is_pending and not status.is_completed and not status.is_failed
    assert status.order_id.startswith("OMO")
    assert status.amount_paise == 25000
    assert status.expire_at > datetime.now(UTC)
    assert status.payment_details == []
    assert status.error_code is None


@pytest.mark.parametrize(
    ("outcome", "payment_mode", "has_utr"),
    [("pay_upi", "UPI_INTENT", True), ("pay_card", "CARD", False)],
)
def test_status_of_paid_order(client, sandbox, outcome, payment_mode, has_utr):
    merchant_order_id = create_order(client, 30000)
    sandbox.settle(merchant_order_id, outcome)

    status = client.get_order_status(merchant_order_id)

    assert status.is_completed and not status.is_pending and not status.is_failed
    assert status.amount_paise == 30000
    [attempt] = status.payment_details
    assert isinstance(attempt, PaymentAttempt)
    assert attempt.state == "COMPLETED"
    assert attempt.payment_mode == payment_mode
    assert attempt.amount_paise == 30000
    assert attempt.transaction_id.startswith("OM")
    assert attempt.timestamp.tzinfo is not None
    assert (attempt.utr is not None) == has_utr


def test_status_of_declined_order(client, sandbox):
    merchant_order_id = create_order(client)
    sandbox.settle(merchant_order_id, "decline")

    status = client.get_order_status(merchant_order_id, details=True)

    assert status.is_failed and not status.is_pending
    assert status.error_code
    assert status.detailed_error_code
    [attempt] = status.payment_details
    assert attempt.state == "FAILED"
    assert attempt.error_code == status.error_code


def test_status_of_order_left_pending(client, sandbox):
    merchant_order_id = create_order(client)
    sandbox.settle(merchant_order_id, "pending")

    assert client.get_order_status(merchant_order_id).is_pending


def test_status_of_expired_order(client, sandbox):
    merchant_order_id = create_order(client)
    sandbox.expire(merchant_order_id)

    status = client.get_order_status(merchant_order_id)

    assert status.is_failed
    assert status.error_code == "TXN_NOT_COMPLETED"


def test_status_of_unknown_order(client):
    with pytest.raises(PhonePeOrderNotFound) as excinfo:
        client.get_order_status("NO-SUCH-ORDER")

    assert isinstance(excinfo.value, PhonePeRejected)
    assert excinfo.value.code == "MERCHANT_ORDER_MAPPING_NOT_FOUND"


def test_status_reports_the_amount_phonepe_reports(client, sandbox):
    merchant_order_id = paid_order(client, sandbox, 50000)
    sandbox.set_faults(order=merchant_order_id, report_amount=100)

    assert client.get_order_status(merchant_order_id).amount_paise == 100


# Refunds ----------------------------------------------------------------------


def test_full_refund(client, sandbox):
    merchant_order_id = paid_order(client, sandbox, 50000)

    refund = client.refund(
        merchant_refund_id="R-" + merchant_order_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=50000,
    )

    assert isinstance(refund, RefundResult)
    assert refund.refund_id.startswith("OMR")
    assert refund.amount_paise == 50000
    assert refund.state == "PENDING"


def test_partial_refunds_then_excess_is_rejected(client, sandbox):
    merchant_order_id = paid_order(client, sandbox, 50000)
    for n in (1, 2):
        client.refund(
            merchant_refund_id=f"R{n}-{merchant_order_id}",
            original_merchant_order_id=merchant_order_id,
            amount_paise=20000,
        )

    with pytest.raises(PhonePeRejected) as excinfo:
        client.refund(
            merchant_refund_id=f"R3-{merchant_order_id}",
            original_merchant_order_id=merchant_order_id,
            amount_paise=20000,
        )

    assert excinfo.value.code == "EXCESS_REFUND_AMOUNT"
    assert excinfo.value.http_status == 400
    assert sandbox.stats()["calls"]["refund"] == 3


def test_repeated_refund_id_returns_same_refund(client, sandbox):
    merchant_order_id = paid_order(client, sandbox, 50000)
    kwargs = dict(
        merchant_refund_id="R-" + merchant_order_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=30000,
    )

    first = client.refund(**kwargs)
    second = client.refund(**kwargs)

    assert second.refund_id == first.refund_id
    # A second refund of 30000 would exceed the order; the repeat did not refund.
    client.refund(
        merchant_refund_id="R2-" + merchant_order_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=20000,
    )


def test_refund_status_progresses(client, sandbox):
    sandbox.configure(refund_step_seconds=0.3)
    merchant_order_id = paid_order(client, sandbox, 50000)
    merchant_refund_id = "R-" + merchant_order_id
    refund = client.refund(
        merchant_refund_id=merchant_refund_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=10000,
    )

    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status = client.get_refund_status(merchant_refund_id)
        if not seen or seen[-1] != status.state:
            seen.append(status.state)
        if status.state == "COMPLETED":
            break
        time.sleep(0.1)

    assert isinstance(status, RefundStatus)
    assert seen[0] in {"PENDING", "CONFIRMED"}
    assert seen[-1] == "COMPLETED"
    assert status.merchant_refund_id == merchant_refund_id
    assert status.original_merchant_order_id == merchant_order_id
    assert status.refund_id == refund.refund_id
    assert status.amount_paise == 10000
    assert status.error_code is None
    assert status.detailed_error_code is None
    assert status.raw["merchantRefundId"] == merchant_refund_id


def wait_for_refund(client, merchant_refund_id, state, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        status = client.get_refund_status(merchant_refund_id)
        if status.state == state or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_failed_refund_status(client, sandbox):
    sandbox.configure(refund_step_seconds=0.1)
    merchant_order_id = paid_order(client, sandbox, 50000)
    sandbox.set_faults(order=merchant_order_id, refund_outcome="fail")
    merchant_refund_id = "R-" + merchant_order_id
    refund = client.refund(
        merchant_refund_id=merchant_refund_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=50000,
    )
    assert refund.state == "PENDING"  # PhonePe accepts it first

    status = wait_for_refund(client, merchant_refund_id, "FAILED")

    assert status.state == "FAILED"
    assert status.error_code == "BANK_TECHNICAL_ISSUE"
    assert status.detailed_error_code == "UT"
    assert status.refund_id == refund.refund_id
    assert status.amount_paise == 50000
    # Nothing was paid out, so the whole amount can be refunded under a new id.
    sandbox.clear_faults()
    again = client.refund(
        merchant_refund_id="R2-" + merchant_order_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=50000,
    )
    assert again.state == "PENDING"


def test_completed_refund_has_no_error_codes(client, sandbox):
    sandbox.configure(refund_step_seconds=0.1)
    merchant_order_id = paid_order(client, sandbox, 50000)
    client.refund(
        merchant_refund_id="R-" + merchant_order_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=50000,
    )

    status = wait_for_refund(client, "R-" + merchant_order_id, "COMPLETED")

    assert status.state == "COMPLETED"
    assert (status.error_code, status.detailed_error_code) == (None, None)


def test_parse_failed_refund_webhook_from_the_sandbox(client, sandbox):
    sandbox.configure(refund_step_seconds=0.1)
    merchant_order_id = paid_order(client, sandbox, 50000)
    sandbox.set_faults(refund_outcome="fail", refund_error_code="AUTHORIZATION_ERROR")
    merchant_refund_id = "R-" + merchant_order_id
    client.refund(
        merchant_refund_id=merchant_refund_id,
        original_merchant_order_id=merchant_order_id,
        amount_paise=20000,
    )
    wait_for_refund(client, merchant_refund_id, "FAILED")
    [delivery] = [
        d
        for d in sandbox.wait_for_webhooks(merchant_order_id, 3)
        if d["event"] == "pg.refund.failed"
    ]

    event = client.parse_webhook(json.dumps(delivery["body"]).encode())

    assert event.event == "pg.refund.failed"
    assert event.type == "PG_REFUND_FAILED"
    assert event.merchant_order_id == merchant_order_id
    assert event.merchant_refund_id == merchant_refund_id
    assert event.state == "FAILED"
    assert event.amount_paise == 20000
    assert event.payload["errorCode"] == "AUTHORIZATION_ERROR"
    assert event.payload["detailedErrorCode"] == "U90"


def test_refund_status_of_unknown_refund(client):
    with pytest.raises(PhonePeRejected) as excinfo:
        client.get_refund_status("NO-SUCH-REFUND")

    assert excinfo.value.code == "MAPPING_NOT_FOUND"


# Gateway unavailable ----------------------------------------------------------


def test_nothing_listening_is_unavailable(sandbox):
    url = f"http://127.0.0.1:{free_port()}/apis/pg-sandbox"
    client = PhonePeClient(make_config(sandbox, base_url=url, oauth_url=url))

    with pytest.raises(PhonePeUnavailable):
        client.get_token()
    with pytest.raises(PhonePeUnavailable):
        client.get_order_status(new_order_id())


def test_a_proxy_from_the_environment_is_used(sandbox, monkeypatch):
    # The client reads the environment once, when it is built; calls still
    # go through the proxy it names (here nothing listens there).
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    client = PhonePeClient(make_config(sandbox))

    with pytest.raises(PhonePeUnavailable):
        client.get_token()
    assert sandbox.stats()["calls"].get("token", 0) == 0

    monkeypatch.delenv("HTTP_PROXY")
    assert PhonePeClient(make_config(sandbox)).get_token()


def test_hanging_gateway_times_out(sandbox):
    client = PhonePeClient(make_config(sandbox, timeout=1.0))
    merchant_order_id = create_order(client)
    sandbox.set_faults(status_api="hang", hang_seconds=5)

    started = time.monotonic()
    with pytest.raises(PhonePeUnavailable):
        client.get_order_status(merchant_order_id)
    elapsed = time.monotonic() - started

    # Three attempts of 1 s each plus 0.5 s and 1 s of backoff.
    assert 3 <= elapsed < 6
    assert sandbox.stats()["calls"]["status"] == 3


def test_slow_gateway_within_timeout_succeeds(client, sandbox):
    merchant_order_id = create_order(client)
    sandbox.set_faults(status_api="slow", delay_seconds=0.3)

    assert client.get_order_status(merchant_order_id).is_pending
    assert sandbox.stats()["calls"]["status"] == 1


@pytest.mark.parametrize(
    ("fault", "call", "counter"),
    [
        ("status_api", "status", "status"),
        ("pay_api", "pay", "pay"),
        ("refund_api", "refund", "refund"),
    ],
)
def test_server_errors_are_retried_then_unavailable(
    client, sandbox, fault, call, counter
):
    merchant_order_id = paid_order(client, sandbox)
    before = sandbox.stats()["calls"][counter]
    sandbox.set_faults(**{fault: "error"})

    with pytest.raises(PhonePeUnavailable):
        if call == "status":
            client.get_order_status(merchant_order_id)
        elif call == "pay":
            client.create_payment(
                merchant_order_id=merchant_order_id,
                amount_paise=50000,
                redirect_url=REDIRECT_URL,
            )
        else:
            client.refund(
                merchant_refund_id="R-" + merchant_order_id,
                original_merchant_order_id=merchant_order_id,
                amount_paise=100,
            )

    assert sandbox.stats()["calls"][counter] - before == 3


def test_server_error_then_recovery_succeeds(client, sandbox):
    merchant_order_id = create_order(client)
    sandbox.set_faults(status_api="error")
    with pytest.raises(PhonePeUnavailable):
        client.get_order_status(merchant_order_id)

    sandbox.clear_faults()

    assert client.get_order_status(merchant_order_id).is_pending


def test_unavailable_is_not_rejected():
    assert issubclass(PhonePeUnavailable, PhonePeError)
    assert not issubclass(PhonePeUnavailable, PhonePeRejected)
    assert issubclass(PhonePeAuthError, PhonePeError)
    assert not issubclass(PhonePeAuthError, PhonePeRejected)
    assert issubclass(PhonePeMalformedWebhook, ValueError)
    assert not issubclass(PhonePeMalformedWebhook, PhonePeError)


# Logging ----------------------------------------------------------------------


def test_calls_are_logged_without_secrets(client, sandbox, caplog):
    caplog.set_level(logging.INFO, logger="checkout.phonepe")
    merchant_order_id = create_order(client)
    client.get_order_status(merchant_order_id)

    messages = [r.getMessage() for r in caplog.records if r.name == "checkout.phonepe"]
    assert any("POST /v1/oauth/token -> 200" in m for m in messages)
    assert any("POST /checkout/v2/pay -> 200" in m for m in messages)
    assert any(
        f"GET /checkout/v2/order/{merchant_order_id}/status -> 200" in m
        for m in messages
    )
    text = "\n".join(messages) + repr(client.config) + repr(client._token)
    assert CLIENT_SECRET not in text
    assert CALLBACK_PASSWORD not in text
    assert client.get_token() not in text


# Webhooks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "valid"),
    [
        (expected_authorization(), True),
        (expected_authorization().upper(), True),
        (f"  {expected_authorization()}\n", True),
        (hashlib.sha256(b"okpuja_webhook:wrong-password1").hexdigest(), False),
        ("SHA256 " + expected_authorization(), False),
        (expected_authorization()[:-1], False),
        ("", False),
        ("   ", False),
        (None, False),
        ("é" * 64, False),
    ],
)
def test_webhook_authorization(client, header, valid):
    assert client.is_valid_webhook_authorization(header) is valid


def test_webhook_authorization_needs_configured_credentials(sandbox):
    client = PhonePeClient(
        make_config(sandbox, callback_username="", callback_password="")
    )

    assert not client.is_valid_webhook_authorization(hashlib.sha256(b":").hexdigest())


def test_parse_order_webhook(client):
    body = json.dumps(
        {
            "event": "checkout.order.completed",
            "type": "CHECKOUT_ORDER_COMPLETED",
            "payload": {
                "merchantId": "OKPUJALOCAL",
                "merchantOrderId": "ORD-1",
                "orderId": "OMO123",
                "state": "COMPLETED",
                "amount": 50000,
                "expireAt": 1760000000000,
                "somethingNew": {"x": 1},
                "errorCode": None,
                "paymentDetails": [],
            },
        }
    ).encode()

    event = client.parse_webhook(body)

    assert isinstance(event, WebhookEvent)
    assert event.event == "checkout.order.completed"
    assert event.type == "CHECKOUT_ORDER_COMPLETED"
    assert event.merchant_order_id == "ORD-1"
    assert event.merchant_refund_id is None
    assert event.state == "COMPLETED"
    assert event.amount_paise == 50000
    assert event.payload["orderId"] == "OMO123"


def test_parse_refund_webhook(client):
    body = json.dumps(
        {
            "event": "pg.refund.completed",
            "payload": {
                "merchantRefundId": "R-1",
                "originalMerchantOrderId": "ORD-1",
                "state": "COMPLETED",
                "amount": "20000",
            },
        }
    )

    event = client.parse_webhook(body.encode())

    assert event.type is None
    assert event.merchant_order_id == "ORD-1"
    assert event.merchant_refund_id == "R-1"
    assert event.amount_paise == 20000  # a string of digits is read as paise


@pytest.mark.parametrize("amount", [100.5, "1e3", "rupees", None, True, [1]])
def test_webhook_amount_that_is_not_whole_paise_is_none(client, amount):
    body = json.dumps({"event": "x", "payload": {"amount": amount, "state": None}})

    event = client.parse_webhook(body.encode())

    assert event.amount_paise is None
    assert event.state is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"checkout.order.completed"',
        b'{"payload": {}}',
        b'{"event": "", "payload": {}}',
        b'{"event": "checkout.order.completed"}',
        b'{"event": "checkout.order.completed", "payload": null}',
        b'{"event": "checkout.order.completed", "payload": []}',
    ],
)
def test_parse_malformed_webhook(client, body):
    with pytest.raises(PhonePeMalformedWebhook):
        client.parse_webhook(body)


# Configuration from settings --------------------------------------------------


@pytest.mark.parametrize(
    ("env", "base_url", "oauth_url"),
    [
        (
            "LOCAL",
            "http://127.0.0.1:8001/apis/pg-sandbox",
            "http://127.0.0.1:8001/apis/pg-sandbox",
        ),
        (
            "SANDBOX",
            "https://api-preprod.phonepe.com/apis/pg-sandbox",
            "https://api-preprod.phonepe.com/apis/pg-sandbox",
        ),
        (
            "PRODUCTION",
            "https://api.phonepe.com/apis/pg",
            "https://api.phonepe.com/apis/identity-manager",
        ),
    ],
)
def test_config_from_settings_hosts(settings, env, base_url, oauth_url):
    settings.PHONEPE_ENV = env
    settings.PHONEPE_BASE_URL = ""
    settings.PHONEPE_OAUTH_URL = ""
    settings.PHONEPE_CLIENT_ID = "M123"
    settings.PHONEPE_CLIENT_SECRET = "s3cret"
    settings.PHONEPE_CLIENT_VERSION = "2"
    settings.PHONEPE_CALLBACK_USERNAME = "hook_user"
    settings.PHONEPE_CALLBACK_PASSWORD = "hookpass1"
    settings.PHONEPE_TIMEOUT_SECONDS = 7

    config = config_from_settings()

    assert config == PhonePeConfig(
        base_url=base_url,
        oauth_url=oauth_url,
        client_id="M123",
        client_secret="s3cret",
        client_version="2",
        callback_username="hook_user",
        callback_password="hookpass1",
        timeout=7.0,
        env=env,
    )


def test_config_from_settings_overrides(settings):
    settings.PHONEPE_ENV = "LOCAL"
    settings.PHONEPE_BASE_URL = "http://sandbox.test:9000/apis/pg-sandbox/"
    settings.PHONEPE_OAUTH_URL = "http://sandbox.test:9000/apis/identity-manager"

    config = config_from_settings()

    assert config.base_url == "http://sandbox.test:9000/apis/pg-sandbox"
    assert config.oauth_url == "http://sandbox.test:9000/apis/identity-manager"


def test_get_client_is_shared_until_settings_change(settings):
    settings.PHONEPE_ENV = "LOCAL"
    settings.PHONEPE_BASE_URL = ""
    client = get_client()

    assert get_client() is client
    settings.PHONEPE_BASE_URL = "http://sandbox.test:9000/apis/pg-sandbox"
    changed = get_client()
    assert changed is not client
    assert changed.config.base_url == "http://sandbox.test:9000/apis/pg-sandbox"
    assert get_client() is changed
