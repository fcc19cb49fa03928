"""HTTP front of the sandbox: routing, auth, fault injection, JSON and HTML responses."""

import json
import signal
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import pages
from .store import Store
from .validation import SandboxError, bad_request
from .webhooks import log

API_PREFIXES = ("/apis/pg-sandbox", "/apis/pg", "/apis/identity-manager")
_TRUE = ("true", "1", "yes")


def parse_bool(values):
    return bool(values) and values[-1].strip().lower() in _TRUE


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, config):
        self.config_cli = config
        self.store = Store(config)
        super().__init__((config.host, config.port), Handler)
        host = config.host if config.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        self.root_url = f"http://{host}:{self.server_address[1]}"
        self.public_url = (config.public_url or self.root_url).rstrip("/")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes. With Nagle's algorithm on, the
    # body waited for the ACK of the headers, which a keep-alive client
    # delays by up to 40 ms: every call took ~44 ms on loopback (PhonePe's
    # own answer in ~3-8 ms).
    disable_nagle_algorithm = True
    server_version = "PhonePeSandbox/1.0"
    sys_version = ""

    # -- plumbing --------------------------------------------------------------------------

    @property
    def store(self):
        return self.server.store

    def log_message(self, fmt, *args):
        if not self.server.config_cli.quiet:
            log(f"{self.address_string()} {fmt % args}")

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _send(self, status, body, content_type, headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _json(self, status, obj):
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _html(self, status, text):
        self._send(status, text.encode(), "text/html; charset=utf-8")

    def _redirect(self, location):
        self._send(303, b"", "text/plain", {"Location": location})

    def _json_body(self):
        if not self.raw_body:
            raise bad_request("Request body must be JSON.")
        try:
            return json.loads(self.raw_body)
        except ValueError as exc:
            raise bad_request(f"Malformed JSON request: {exc}") from None

    def _control_body(self):
        if not self.raw_body.strip():
            return {}
        return self._json_body()

    def _dispatch(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(length) if length > 0 else b""
        parsed = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        path = parsed.path
        try:
            if path == "/healthz":
                return self._json(200, {"status": "ok"})
            if path.rstrip("/") == "/transact/uat_v2":
                return self._hosted_page(method)
            if path == "/_sandbox" or path.startswith("/_sandbox/"):
                if not self.server.config_cli.enable_test_controls:
                    raise SandboxError(404, "NOT_FOUND", "Not found")
                return self._controls(method, path[len("/_sandbox") :].strip("/"))
            for prefix in API_PREFIXES:
                if path.startswith(prefix + "/"):
                    return self._api(method, prefix, path[len(prefix) :])
            raise SandboxError(404, "NOT_FOUND", f"No route for {path}")
        except SandboxError as error:
            self._json(error.status, error.body())
        except Exception:
            traceback.print_exc()
            self._json(
                500,
                {
                    "code": "INTERNAL_SERVER_ERROR",
                    "message": "Sandbox bug; see its stderr",
                    "data": {},
                },
            )

    # -- API -------------------------------------------------------------------------------

    def _api(self, method, prefix, sub):
        parts = [urllib.parse.unquote(p) for p in sub.strip("/").split("/")]
        route = (method, *parts)
        if route == ("POST", "v1", "oauth", "token"):
            return self._token()
        if prefix == "/apis/identity-manager":
            raise SandboxError(404, "NOT_FOUND", f"No API at {prefix}{sub}")
        if route == ("POST", "checkout", "v2", "pay"):
            return self._pay()
        if (
            len(parts) == 5
            and method == "GET"
            and parts[:3] == ["checkout", "v2", "order"]
            and parts[4] == "status"
        ):
            return self._order_status(parts[3])
        if (
            len(parts) == 5
            and method == "GET"
            and parts[:3] == ["checkout", "v2", "transaction"]
            and parts[4] == "status"
        ):
            self.store.count("status")
            self._authorize()
            return self._json(200, self.store.transaction_status(parts[3]))
        if route == ("POST", "payments", "v2", "refund"):
            return self._refund()
        if (
            len(parts) == 5
            and method == "GET"
            and parts[:3] == ["payments", "v2", "refund"]
            and parts[4] == "status"
        ):
            return self._refund_status(parts[3])
        raise SandboxError(404, "NOT_FOUND", f"No API at {method} {prefix}{sub}")

    def _authorize(self):
        self.store.check_token(self.headers.get("Authorization"))

    def _api_fault(self, faults, key):
        mode = faults.get(key) or "normal"
        if mode == "error":
            raise SandboxError(
                500,
                "INTERNAL_SERVER_ERROR",
                "There was an error trying to process your request",
            )
        if mode == "slow":
            time.sleep(float(faults.get("delay_seconds") or 0))
        elif mode == "hang":
            time.sleep(float(faults.get("hang_seconds") or 0))

    def _token(self):
        content_type = (
            (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        )
        if content_type == "application/json":
            try:
                form = json.loads(self.raw_body or b"{}")
            except ValueError:
                form = {}
        else:
            form = {
                k: v[-1]
                for k, v in urllib.parse.parse_qs(
                    self.raw_body.decode("utf-8", "replace"), keep_blank_values=True
                ).items()
            }
        self._json(200, self.store.issue_token(form if isinstance(form, dict) else {}))

    def _pay(self):
        self.store.count("pay")
        self._authorize()
        body = self._json_body()
        moid = body.get("merchantOrderId") if isinstance(body, dict) else None
        self._api_fault(
            self.store.faults_for(moid if isinstance(moid, str) else None), "pay_api"
        )
        self._json(200, self.store.create_order(body, self.server.public_url))

    def _order_status(self, merchant_order_id):
        self.store.count("status")
        self._authorize()
        self._api_fault(self.store.faults_for(merchant_order_id), "status_api")
        view = self.store.order_status(
            merchant_order_id,
            details=parse_bool(self.query.get("details")),
            error_context=parse_bool(self.query.get("errorContext")),
        )
        self._json(200, view)

    def _refund(self):
        self.store.count("refund")
        self._authorize()
        body = self._json_body()
        moid = body.get("originalMerchantOrderId") if isinstance(body, dict) else None
        self._api_fault(
            self.store.faults_for(moid if isinstance(moid, str) else None), "refund_api"
        )
        self._json(200, self.store.create_refund(body))

    def _refund_status(self, merchant_refund_id):
        self.store.count("refund_status")
        self._authorize()
        self._api_fault(
            self.store.faults_for(self.store.refund_order_id(merchant_refund_id)),
            "refund_api",
        )
        self._json(200, self.store.refund_status(merchant_refund_id))

    # -- hosted page -----------------------------------------------------------------------

    def _hosted_page(self, method):
        config = self.store.config
        if method == "GET":
            token = (self.query.get("token") or [""])[-1]
        elif method == "POST":
            form = urllib.parse.parse_qs(self.raw_body.decode("utf-8", "replace"))
            token = (form.get("token") or self.query.get("token") or [""])[-1]
        else:
            raise SandboxError(405, "METHOD_NOT_ALLOWED", "Use GET or POST")
        order, problem = self.store.order_for_page(token)
        if order is None:
            return self._html(404, pages.not_found_page())
        if problem:
            status = 200 if method == "GET" else 409
            return self._html(status, pages.closed_page(order, config, problem))
        if method == "GET":
            return self._html(200, pages.payment_page(order, config))
        action = (form.get("action") or [""])[-1]
        error_code = (form.get("error_code") or [None])[-1]
        if action not in ("pay_upi", "pay_card", "decline", "pending"):
            return self._html(400, pages.payment_page(order, config))
        try:
            self.store.settle(order["merchantOrderId"], action, error_code)
        except SandboxError as error:
            if error.status != 409:
                raise
            order, problem = self.store.order_for_page(token)
            return self._html(
                409, pages.closed_page(order, config, problem or "settled")
            )
        self._redirect(order["redirectUrl"])

    # -- test controls ---------------------------------------------------------------------

    def _controls(self, method, sub):
        store = self.store
        parts = [urllib.parse.unquote(p) for p in sub.split("/")] if sub else []
        route = (method, *parts)
        if route == ("POST", "reset"):
            return self._json(200, store.reset())
        if route == ("POST", "config"):
            return self._json(200, store.configure(self._control_body()))
        if route == ("GET", "config"):
            return self._json(200, store.config.runtime_view())
        if route == ("POST", "faults"):
            return self._json(200, store.set_faults(self._control_body()))
        if route == ("GET", "faults"):
            return self._json(200, store.faults_view())
        if route == ("DELETE", "faults"):
            return self._json(200, store.clear_faults())
        if route == ("GET", "orders"):
            return self._json(200, store.order_list())
        if len(parts) == 2 and parts[0] == "orders" and method == "GET":
            return self._json(200, store.order_record(parts[1]))
        if len(parts) == 3 and parts[0] == "orders" and method == "POST":
            if parts[2] == "settle":
                body = self._control_body()
                if not isinstance(body, dict):
                    raise bad_request("Body must be a JSON object.")
                return self._json(
                    200,
                    store.settle(parts[1], body.get("outcome"), body.get("error_code")),
                )
            if parts[2] == "expire":
                return self._json(200, store.expire(parts[1]))
        if route == ("POST", "webhooks", "resend"):
            return self._json(200, store.resend(self._control_body()))
        if route == ("GET", "webhooks"):
            order = (self.query.get("order") or [None])[-1]
            return self._json(200, store.webhooks.deliveries(order or None))
        if route == ("GET", "stats"):
            return self._json(200, store.stats_view())
        raise SandboxError(404, "NOT_FOUND", f"No control at {method} /_sandbox/{sub}")


def serve(config):
    """Run the sandbox until SIGINT or SIGTERM; return the process exit code."""
    holder = {}

    def stop(signum, _frame):
        log(f"received signal {signum}, shutting down")
        server = holder.get("server")
        if server is None:
            raise SystemExit(0)
        threading.Thread(target=server.shutdown, daemon=True).start()

    # Installed first: a SIGINT inherited as "ignored" would otherwise be lost at start-up.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = holder["server"] = SandboxServer(config)
    server.store.start_background()
    print(f"PhonePe sandbox listening on {server.root_url}/apis/pg-sandbox", flush=True)
    log(
        f"merchant {config.merchant_id}, client {config.client_id}, webhooks to "
        f"{config.webhook_url or '(none)'}, test controls "
        f"{'ON' if config.enable_test_controls else 'off'}"
        + (f", state file {config.state_file}" if config.state_file else "")
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.store.stop()
        server.server_close()
    log("stopped")
    return 0


def main(argv=None):
    from .config import parse_args

    config = parse_args(argv)
    try:
        return serve(config)
    except OSError as exc:
        sys.stderr.write(f"[phonepe-sandbox] cannot start: {exc}\n")
        return 2
