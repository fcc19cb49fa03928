"""Fixtures for the PhonePe sandbox tests: a sandbox process, a webhook receiver, an API client.

These tests drive the sandbox over HTTP only; they use no Django.
"""

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.sandbox_process import SandboxProcess

CLIENT_ID = "OKPUJA_LOCAL"
CLIENT_SECRET = "okpuja-local-secret"
CALLBACK_USERNAME = "okpuja_webhook"
CALLBACK_PASSWORD = "okpuja12345"
REDIRECT_URL = "http://shop.example.test/confirmbooking/?order={order}&x=a%2Bb"


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def http(
    method, url, *, json_body=None, form=None, data=None, headers=None, timeout=10
):
    """Make one request and return a Response, whatever the status."""
    headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Response(exc.code, exc.headers, exc.read())


def token_form(**overrides):
    form = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "client_version": "1",
        "grant_type": "client_credentials",
    }
    form.update(overrides)
    return form


def pay_body(order, amount=149900, **overrides):
    """Return a create-payment body shaped like the official SDK's (explicit nulls)."""
    body = {
        "merchantOrderId": order,
        "amount": amount,
        "metaInfo": None,
        "paymentFlow": {
            "type": "PG_CHECKOUT",
            "message": None,
            "merchantUrls": {"redirectUrl": REDIRECT_URL.format(order=order)},
            "paymentModeConfig": None,
        },
        "expireAfter": None,
        "disablePaymentRetry": None,
    }
    body.update(overrides)
    return body


class Api:
    """A tiny PhonePe v2 client over urllib, holding one token."""

    def __init__(self, base_url):
        self.base_url = base_url
        self._token = None

    def token(self):
        if self._token is None:
            response = http(
                "POST", self.base_url + "/v1/oauth/token", form=token_form()
            )
            assert response.status == 200, response.body
            self._token = response.json()["access_token"]
        return self._token

    def headers(self):
        return {"Authorization": f"O-Bearer {self.token()}"}

    def pay(self, body, **kwargs):
        return http(
            "POST",
            self.base_url + "/checkout/v2/pay",
            json_body=body,
            headers=self.headers(),
            **kwargs,
        )

    def create(self, order, amount=149900, **overrides):
        response = self.pay(pay_body(order, amount, **overrides))
        assert response.status == 200, response.body
        return response.json()

    def status(self, order, query="details=true", **kwargs):
        url = f"{self.base_url}/checkout/v2/order/{order}/status"
        if query:
            url += "?" + query
        return http("GET", url, headers=self.headers(), **kwargs)

    def refund(self, refund_id, order, amount, **kwargs):
        body = {
            "merchantRefundId": refund_id,
            "originalMerchantOrderId": order,
            "amount": amount,
        }
        return http(
            "POST",
            self.base_url + "/payments/v2/refund",
            json_body=body,
            headers=self.headers(),
            **kwargs,
        )

    def refund_status(self, refund_id, **kwargs):
        return http(
            "GET",
            f"{self.base_url}/payments/v2/refund/{refund_id}/status",
            headers=self.headers(),
            **kwargs,
        )


class WebhookReceiver:
    """A stdlib HTTP server that records POSTs; can fail N times or answer slowly."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests = []
        self.fail_remaining = 0
        self.fail_status = 500
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    status = 200
                    if receiver.fail_remaining > 0:
                        receiver.fail_remaining -= 1
                        status = receiver.fail_status
                    delay = receiver.delay
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "raw": raw,
                            "json": json.loads(raw) if raw else None,
                            "status": status,
                            "received_at": time.monotonic(),
                        }
                    )
                if delay:
                    time.sleep(delay)
                body = b'{"ok": true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/payments/webhook/phonepe/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self):
        with self._lock:
            self.requests = []
            self.fail_remaining = 0
            self.fail_status = 500
            self.delay = 0.0

    def fail_next(self, count, status=500):
        with self._lock:
            self.fail_remaining = count
            self.fail_status = status

    def received(self, order=None):
        with self._lock:
            return [
                r
                for r in self.requests
                if order is None
                or (r["json"] or {})
                .get("payload", {})
                .get(
                    "merchantOrderId",
                    (r["json"] or {}).get("payload", {}).get("originalMerchantOrderId"),
                )
                == order
            ]

    def wait_for(self, count, order=None, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            got = self.received(order)
            if len(got) >= count:
                return got
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"expected {count} webhooks, got {len(got)}: {got!r}"
                )
            time.sleep(0.02)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def sandbox(receiver):
    process = SandboxProcess(
        webhook_url=receiver.url,
        webhook_delay=0.05,
        webhook_retries=3,
        webhook_backoff=0.05,
        refund_step_seconds=0.1,
    )
    with process:
        yield process


@pytest.fixture(autouse=True)
def clean_sandbox(request, receiver):
    """Start every test from an empty sandbox and an empty receiver."""
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").reset()
    receiver.reset()
    yield


@pytest.fixture(scope="module")
def api(sandbox):
    return Api(sandbox.base_url)


@pytest.fixture
def order_id(request):
    """A merchantOrderId unique to the test."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name)[:40]
    return f"T-{name}-{int(time.time() * 1000) % 100000}"
