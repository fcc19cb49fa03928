"""Drive the PhonePe sandbox with PhonePe's official Python SDK (phonepe-pg-sdk-python).

Run it with the interpreter of a venv that has the SDK installed (never the project venv: the
SDK pins old requests/urllib3)::

    .venv-sdk/bin/python tests/sandbox/sdk_check.py --root-url http://127.0.0.1:8001

The SDK has no base-URL setting; its ``Env.SANDBOX`` resolves hosts through module globals in
``phonepe.sdk.pg.env`` (imported from ``common/constants/base_urls.py``), so those globals are
pointed at the sandbox before a client is built. Everything else is the SDK's own code path.
Prints one JSON object; exits non-zero if any check fails.
"""

import argparse
import json
import sys
import threading
import time
import traceback
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def point_sdk_at(base_url):
    from phonepe.sdk.pg import env
    from phonepe.sdk.pg.common.constants import base_urls

    for module in (env, base_urls):
        module.SANDBOX_PG_BASE_URL = base_url
        module.SANDBOX_OAUTH_BASE_URL = base_url


def control(root_url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{root_url}/_sandbox/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class Receiver:
    """Record raw webhook requests exactly as a merchant's view would see them."""

    def __init__(self):
        self.requests = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append(
                    (self.headers.get("Authorization"), raw.decode("utf-8"))
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} webhooks, got {len(self.requests)}"
                )
            time.sleep(0.05)
        return list(self.requests)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def run(args, report):
    point_sdk_at(args.root_url.rstrip("/") + "/apis/pg-sandbox")

    import phonepe
    from phonepe.sdk.pg.common.exceptions import (
        PhonePeException,
        ResourceConflict,
        ResourceNotFound,
    )
    from phonepe.sdk.pg.common.models.request.refund_request import RefundRequest
    from phonepe.sdk.pg.env import Env
    from phonepe.sdk.pg.payments.v2.models.request.standard_checkout_pay_request import (
        StandardCheckoutPayRequest,
    )
    from phonepe.sdk.pg.payments.v2.standard_checkout_client import (
        StandardCheckoutClient,
    )

    report["sdk_version"] = phonepe.__version__
    receiver = Receiver()
    control(
        args.root_url,
        "POST",
        "config",
        {"webhook_url": receiver.url, "webhook_delay": 0},
    )
    suffix = str(int(time.time() * 1000))

    client = StandardCheckoutClient.get_instance(
        client_id=args.client_id,
        client_secret=args.client_secret,
        client_version=int(args.client_version),
        env=Env.SANDBOX,
        should_publish_events=False,
    )
    try:
        # 1. Token (fetched by the SDK while building the client).
        token = client._token_service.get_auth_token()
        check(token.startswith("O-Bearer "), f"unexpected auth header {token!r}")
        report["token"] = "ok"

        # 2. Create payment.
        order_id = f"SDK-{suffix}"
        redirect_url = f"https://shop.example.test/confirmbooking/?order={order_id}"
        pay_request = StandardCheckoutPayRequest.build_request(
            merchant_order_id=order_id,
            amount=149900,
            redirect_url=redirect_url,
        )
        pay = client.pay(pay_request)
        check(pay.order_id.startswith("OMO"), f"orderId {pay.order_id!r}")
        check(pay.state == "PENDING", f"state {pay.state!r}")
        check("/transact/uat_v2?token=" in pay.redirect_url, pay.redirect_url)
        check(
            pay.expire_at > time.time() * 1000,
            "expireAt must be epoch ms in the future",
        )
        report["pay"] = {"order_id": pay.order_id, "redirect_url": pay.redirect_url}

        # Same id, different body: the SDK maps 409 to ResourceConflict.
        try:
            client.pay(
                StandardCheckoutPayRequest.build_request(
                    merchant_order_id=order_id, amount=150000, redirect_url=redirect_url
                )
            )
            raise AssertionError("duplicate order with a different body was accepted")
        except ResourceConflict:
            report["duplicate_order"] = "409 ResourceConflict"

        # 3. Pay it (as the hosted page would) and read the status.
        control(
            args.root_url, "POST", f"orders/{order_id}/settle", {"outcome": "pay_upi"}
        )
        status = client.get_order_status(order_id, details=True)
        check(status.state == "COMPLETED", f"state {status.state!r}")
        check(status.amount == 149900, f"amount {status.amount!r}")
        check(status.order_id == pay.order_id, "orderId changed")
        attempt = status.payment_details[0]
        check(type(attempt.rail).__name__ == "UpiPaymentRail", f"rail {attempt.rail!r}")
        check(bool(attempt.rail.utr), "UPI rail without utr")
        check(
            attempt.payment_mode == "UPI_INTENT",
            f"paymentMode {attempt.payment_mode!r}",
        )
        latest_only = client.get_order_status(order_id, details=False)
        check(
            len(latest_only.payment_details) == 1,
            "details=False must return one attempt",
        )
        report["order_status"] = {
            "state": status.state,
            "rail": type(attempt.rail).__name__,
        }

        # 4. Validate the real webhook with the SDK.
        header, body = receiver.wait_for(1)[0]
        callback = client.validate_callback(
            username=args.username,
            password=args.password,
            callback_header_data=header,
            callback_response_data=body,
        )
        check(callback.event == "checkout.order.completed", f"event {callback.event!r}")
        check(callback.type == "CHECKOUT_ORDER_COMPLETED", f"type {callback.type!r}")
        check(
            callback.payload.state == "COMPLETED",
            f"payload state {callback.payload.state!r}",
        )
        check(callback.payload.merchant_order_id == order_id, "payload merchantOrderId")
        try:
            client.validate_callback(
                username=args.username,
                password="wrong-password1",
                callback_header_data=header,
                callback_response_data=body,
            )
            raise AssertionError("webhook validated with the wrong password")
        except PhonePeException as exc:
            check(
                exc.http_status_code == 417, f"expected 417, got {exc.http_status_code}"
            )
        report["validate_callback"] = {
            "event": callback.event,
            "type": str(callback.type.value),
        }

        # 5. Card payment parses into the SDK's PG rail and credit-card instrument.
        card_order = f"SDK-CARD-{suffix}"
        client.pay(
            StandardCheckoutPayRequest.build_request(
                merchant_order_id=card_order, amount=50000, redirect_url=redirect_url
            )
        )
        control(
            args.root_url,
            "POST",
            f"orders/{card_order}/settle",
            {"outcome": "pay_card"},
        )
        card = client.get_order_status(card_order, details=True).payment_details[0]
        check(type(card.rail).__name__ == "PgPaymentRail", f"rail {card.rail!r}")
        check(
            type(card.instrument).__name__ == "CreditCardPaymentInstrumentV2",
            f"instrument {card.instrument!r}",
        )

        # 6. Decline.
        failed_order = f"SDK-FAIL-{suffix}"
        client.pay(
            StandardCheckoutPayRequest.build_request(
                merchant_order_id=failed_order, amount=50000, redirect_url=redirect_url
            )
        )
        control(
            args.root_url,
            "POST",
            f"orders/{failed_order}/settle",
            {"outcome": "decline", "error_code": "AUTHORIZATION_ERROR"},
        )
        failed = client.get_order_status(failed_order)
        check(failed.state == "FAILED", f"state {failed.state!r}")
        check(
            failed.error_code == "AUTHORIZATION_ERROR",
            f"errorCode {failed.error_code!r}",
        )
        report["decline"] = {"state": failed.state, "error_code": failed.error_code}

        # 7. Refund and refund status.
        refund_id = f"SDK-RF-{suffix}"
        refund = client.refund(
            RefundRequest.build_refund_request(
                merchant_refund_id=refund_id,
                amount=49900,
                original_merchant_order_id=order_id,
            )
        )
        check(refund.refund_id.startswith("OMR"), f"refundId {refund.refund_id!r}")
        check(refund.state == "PENDING", f"refund state {refund.state!r}")
        deadline = time.monotonic() + 10
        while True:
            refund_status = client.get_refund_status(refund_id)
            if refund_status.state == "COMPLETED" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        check(
            refund_status.state == "COMPLETED", f"refund state {refund_status.state!r}"
        )
        check(refund_status.amount == 49900, "refund amount")
        check(refund_status.original_merchant_order_id == order_id, "refund order id")
        report["refund"] = {
            "refund_id": refund.refund_id,
            "final_state": refund_status.state,
        }

        # 8. Unknown order maps to ResourceNotFound.
        try:
            client.get_order_status(f"SDK-MISSING-{suffix}")
            raise AssertionError("unknown order did not raise")
        except ResourceNotFound as exc:
            check(exc.code == "MERCHANT_ORDER_MAPPING_NOT_FOUND", f"code {exc.code!r}")
            report["unknown_order"] = exc.code
    finally:
        client.close()
        receiver.server.shutdown()
        receiver.server.server_close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root-url", required=True)
    parser.add_argument("--client-id", default="OKPUJA_LOCAL")
    parser.add_argument("--client-secret", default="okpuja-local-secret")
    parser.add_argument("--client-version", default="1")
    parser.add_argument("--username", default="okpuja_webhook")
    parser.add_argument("--password", default="okpuja12345")
    args = parser.parse_args()
    report = {"ok": False}
    try:
        run(args, report)
        report["ok"] = True
    except Exception as exc:
        report["error"] = f"{type(exc).__name__}: {exc}"
        report["traceback"] = traceback.format_exc()
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
