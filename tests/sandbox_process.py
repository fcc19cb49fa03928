"""Start the PhonePe sandbox (``python -m phonepe_sandbox``) as a child process for tests.

Standard library only, so any test suite can import it::

    with SandboxProcess(webhook_url=live_server_url + "/api/payments/webhook/phonepe/") as sandbox:
        settings.PHONEPE_BASE_URL = sandbox.base_url
        ...
        sandbox.settle("ORDER-1", "pay_upi")
        sandbox.wait_for_webhooks("ORDER-1", 1)

Test controls (``/_sandbox/*``) are always on. ``webhook_url=None`` means no webhooks are sent
(each one is still recorded, with an error) until ``configure(webhook_url=...)``.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class SandboxError(RuntimeError):
    """A control call answered with a non-2xx status."""

    def __init__(self, status, body):
        super().__init__(f"sandbox answered HTTP {status}: {body!r}")
        self.status = status
        self.body = body


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcess:
    def __init__(
        self,
        *,
        webhook_url=None,
        client_id="OKPUJA_LOCAL",
        client_secret="okpuja-local-secret",
        callback_username="okpuja_webhook",
        callback_password="okpuja12345",
        token_ttl=3600,
        webhook_delay=0.2,
        webhook_retries=3,
        webhook_backoff=0.2,
        refund_step_seconds=0.2,
        extra_args=(),
    ):
        self.webhook_url = webhook_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.callback_username = callback_username
        self.callback_password = callback_password
        self.token_ttl = token_ttl
        self.webhook_delay = webhook_delay
        self.webhook_retries = webhook_retries
        self.webhook_backoff = webhook_backoff
        self.refund_step_seconds = refund_step_seconds
        self.extra_args = tuple(extra_args)
        self.port = None
        self.root_url = None
        self.base_url = None
        self._process = None
        self._log = None

    # -- process ---------------------------------------------------------------------------

    def command(self):
        return [
            sys.executable,
            "-m",
            "phonepe_sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--webhook-url",
            self.webhook_url or "",
            "--client-id",
            self.client_id,
            "--client-secret",
            self.client_secret,
            "--callback-username",
            self.callback_username,
            "--callback-password",
            self.callback_password,
            "--token-ttl",
            str(self.token_ttl),
            "--webhook-delay",
            str(self.webhook_delay),
            "--webhook-retries",
            str(self.webhook_retries),
            "--webhook-backoff",
            str(self.webhook_backoff),
            "--refund-step-seconds",
            str(self.refund_step_seconds),
            "--enable-test-controls",
            *self.extra_args,
        ]

    def start(self):
        """Start on a free port and wait (up to ~10 s) until it answers; return self."""
        if self._process is not None:
            return self
        self.port = free_port()
        self.root_url = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root_url}/apis/pg-sandbox"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEPE_")}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO_ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]
        )
        env["PYTHONUNBUFFERED"] = "1"
        self._log = tempfile.TemporaryFile(prefix="phonepe-sandbox-", suffix=".log")
        self._process = subprocess.Popen(
            self.command(),
            cwd=str(REPO_ROOT),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            if self._process.poll() is not None:
                output = self.output()
                self._cleanup()
                raise RuntimeError(f"PhonePe sandbox exited during start-up:\n{output}")
            try:
                with urllib.request.urlopen(
                    self.root_url + "/healthz", timeout=1
                ) as response:
                    if response.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                output = self.output()
                self.stop()
                raise RuntimeError(
                    f"PhonePe sandbox did not answer within 10 s:\n{output}"
                )
            time.sleep(0.05)

    def output(self):
        """Return everything the process wrote to stdout and stderr so far."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self):
        """Terminate the process (kill it if it does not exit within 5 s)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._cleanup()

    def _cleanup(self):
        if self._process is not None:
            self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- test controls ---------------------------------------------------------------------

    def control(self, method, path, body=None):
        """Call ``/_sandbox/<path>`` and return the decoded JSON; raise SandboxError on non-2xx."""
        url = f"{self.root_url}/_sandbox/{path.lstrip('/')}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url,
            data=data,
            method=method.upper(),
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            with exc:
                raw = exc.read()
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = raw.decode("utf-8", "replace")
            raise SandboxError(exc.code, payload) from None

    def reset(self):
        return self.control("POST", "reset", {})

    def set_faults(self, **faults):
        return self.control("POST", "faults", faults)

    def clear_faults(self):
        return self.control("DELETE", "faults")

    def configure(self, **settings):
        return self.control("POST", "config", settings)

    def settle(self, order, outcome, error_code=None):
        body = {"outcome": outcome}
        if error_code is not None:
            body["error_code"] = error_code
        return self.control("POST", f"orders/{_quote(order)}/settle", body)

    def expire(self, order):
        return self.control("POST", f"orders/{_quote(order)}/expire", {})

    def order(self, order):
        return self.control("GET", f"orders/{_quote(order)}")

    def orders(self):
        return self.control("GET", "orders")

    def webhooks(self, order=None):
        query = f"?order={urllib.parse.quote(order)}" if order else ""
        return self.control("GET", "webhooks" + query)

    def stats(self):
        return self.control("GET", "stats")

    def resend_webhook(self, order, **options):
        return self.control("POST", "webhooks/resend", {"order": order, **options})

    def wait_for_webhooks(self, order, count, timeout=10):
        """Poll until at least ``count`` delivery attempts for ``order`` are recorded."""
        deadline = time.monotonic() + timeout
        while True:
            deliveries = self.webhooks(order)
            if len(deliveries) >= count:
                return deliveries
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"expected {count} webhook deliveries for {order!r} within {timeout} s, "
                    f"got {len(deliveries)}: {deliveries!r}"
                )
            time.sleep(0.05)


def _quote(value):
    return urllib.parse.quote(value, safe="")
