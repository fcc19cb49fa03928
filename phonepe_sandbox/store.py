"""In-memory state of the sandbox (orders, refunds, tokens, faults) and the rules that move it.

Every public method takes ``self.lock`` only for bookkeeping; webhooks produced while the lock
is held are collected in an outbox and handed to the dispatcher after it is released.
"""

import copy
import dataclasses
import json
import os
import re
import secrets
import tempfile
import threading
import time
import urllib.parse

from .webhooks import Dispatcher, Job, log, now_ms

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
UDF_SHORT_PATTERN = re.compile(r"^[a-zA-Z0-9_\- @.+]*$")
TERMINAL = ("COMPLETED", "FAILED")
DEFAULT_EXPIRE_AFTER = 1200

# errorCode -> (detailedErrorCode, source, stage, description)
DECLINE_REASONS = {
    "PAYMENT_ERROR": (
        "U28",
        "ISSUING_BANK",
        "AUTHORIZATION",
        "Payment failed at the bank.",
    ),
    "INSUFFICIENT_BALANCE": (
        "ZM",
        "CUSTOMER",
        "AUTHORIZATION",
        "Insufficient balance in the account.",
    ),
    "AUTHORIZATION_ERROR": (
        "U90",
        "ISSUING_BANK",
        "AUTHORIZATION",
        "The bank declined the payment.",
    ),
    "INVALID_MPIN": ("ZM", "CUSTOMER", "AUTHENTICATION", "Incorrect UPI PIN entered."),
    "BANK_TECHNICAL_ISSUE": (
        "UT",
        "ISSUING_BANK",
        "AUTHORIZATION",
        "The bank is unavailable.",
    ),
}
DEFAULT_DECLINE = "PAYMENT_ERROR"

FAULT_DEFAULTS = {
    "webhook": "normal",
    "copies": 2,
    "webhook_delay": None,
    "status_api": "normal",
    "pay_api": "normal",
    "refund_api": "normal",
    "delay_seconds": 2.0,
    "hang_seconds": 30.0,
    "report_amount": None,
}
WEBHOOK_MODES = ("normal", "drop", "duplicate", "reorder")
API_MODES = ("normal", "error", "hang", "slow")
STAT_KEYS = ("pay", "status", "refund", "refund_status", "token")


class SandboxError(Exception):
    """An error answered as JSON ``{"code", "message", "data"}`` with an HTTP status."""

    def __init__(self, status, code, message, *, with_data=True, **extra):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.with_data = with_data
        self.extra = extra

    def body(self):
        body = {"code": self.code, "message": self.message}
        if self.with_data:
            body["data"] = {}
        body.update(self.extra)
        return body


def bad_request(message):
    return SandboxError(400, "BAD_REQUEST", message)


def order_not_found():
    return SandboxError(
        404, "MERCHANT_ORDER_MAPPING_NOT_FOUND", "No entry found for Merchant"
    )


def canonical(body):
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def new_id(prefix):
    return f"{prefix}{time.strftime('%y%m%d%H%M%S')}{secrets.randbelow(10**10):010d}"


def digits(n):
    return "".join(str(secrets.randbelow(10)) for _ in range(n))


class Store:
    def __init__(self, config):
        self.cli_config = config
        self.config = dataclasses.replace(config)
        self.lock = threading.RLock()
        self.webhooks = Dispatcher()
        self.orders = {}
        self.page_tokens = {}
        self.refunds = {}
        self.tokens = {}
        self.faults = {"global": {}, "orders": {}}
        self.stats = self._empty_stats()
        self.generation = 0
        self._stop = threading.Event()
        self._load()

    # -- lifecycle -------------------------------------------------------------------------

    def start_background(self):
        threading.Thread(
            target=self._sweep_loop, daemon=True, name="expiry-sweeper"
        ).start()
        with self.lock:
            unfinished = [
                r["merchantRefundId"]
                for r in self.refunds.values()
                if r["state"] not in TERMINAL
            ]
            generation = self.generation
        for merchant_refund_id in unfinished:
            self._start_refund_progress(merchant_refund_id, generation)

    def stop(self):
        self._stop.set()

    def _sweep_loop(self):
        while not self._stop.wait(1.0):
            outbox = []
            with self.lock:
                changed = False
                for order in self.orders.values():
                    changed |= self._expire_if_due(order, outbox)
                if changed:
                    self._persist()
            self._flush(outbox)

    @staticmethod
    def _empty_stats():
        return {"tokens_issued": 0, "calls": {key: 0 for key in STAT_KEYS}}

    def count(self, call):
        with self.lock:
            self.stats["calls"][call] += 1

    # -- persistence -----------------------------------------------------------------------

    def _load(self):
        path = self.config.state_file
        if not path or not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        self.orders = data.get("orders", {})
        self.refunds = data.get("refunds", {})
        self.page_tokens = data.get("page_tokens", {})
        self.tokens = data.get("tokens", {})
        log(
            f"loaded {len(self.orders)} orders and {len(self.refunds)} refunds from {path}"
        )

    def _persist(self):
        path = self.config.state_file
        if not path:
            return
        data = {
            "orders": self.orders,
            "refunds": self.refunds,
            "page_tokens": self.page_tokens,
            "tokens": self.tokens,
        }
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".phonepe-sandbox-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    # -- webhooks --------------------------------------------------------------------------

    def _webhook_settings(self):
        c = self.config
        return {
            "webhook_url": c.webhook_url,
            "webhook_delay": c.webhook_delay,
            "webhook_retries": c.webhook_retries,
            "webhook_backoff": c.webhook_backoff,
            "webhook_timeout": c.webhook_timeout,
            "callback_username": c.callback_username,
            "callback_password": c.callback_password,
        }

    def _job(
        self,
        event,
        payload,
        merchant_order_id,
        merchant_refund_id=None,
        followup=None,
        authorization=None,
        faults=None,
    ):
        return Job(
            event=event,
            payload=payload,
            merchant_order_id=merchant_order_id,
            merchant_refund_id=merchant_refund_id,
            settings=self._webhook_settings(),
            faults=self.faults_for(merchant_order_id) if faults is None else faults,
            generation=self.webhooks.generation,
            followup=followup,
            authorization=authorization,
        )

    def _order_event(self, order, outbox):
        faults = self.faults_for(order["merchantOrderId"])
        payload = self._order_view(
            order, details=True, report_amount=faults["report_amount"]
        )
        if order["state"] == "COMPLETED":
            followup = ("checkout.order.failed", self._stale_failed_payload(payload))
            outbox.append(
                self._job(
                    "checkout.order.completed",
                    payload,
                    order["merchantOrderId"],
                    followup=followup,
                )
            )
        else:
            outbox.append(
                self._job("checkout.order.failed", payload, order["merchantOrderId"])
            )

    def _stale_failed_payload(self, payload):
        """Return what a FAILED webhook for an earlier attempt of a now-paid order looks like."""
        stale = copy.deepcopy(payload)
        detailed, *_ = DECLINE_REASONS[DEFAULT_DECLINE]
        stale.update(
            state="FAILED", errorCode=DEFAULT_DECLINE, detailedErrorCode=detailed
        )
        attempt = {
            "transactionId": new_id("OM"),
            "paymentMode": "UPI_COLLECT",
            "timestamp": min(
                (a["timestamp"] for a in payload["paymentDetails"]), default=now_ms()
            )
            - 1000,
            "amount": payload["amount"],
            "payableAmount": payload["amount"],
            "feeAmount": 0,
            "state": "FAILED",
            "errorCode": DEFAULT_DECLINE,
            "detailedErrorCode": detailed,
        }
        stale["paymentDetails"] = [attempt]
        return stale

    def _refund_event(self, refund, outbox):
        event = {
            "CONFIRMED": "pg.refund.accepted",
            "COMPLETED": "pg.refund.completed",
            "FAILED": "pg.refund.failed",
        }[refund["state"]]
        order_id = refund["originalMerchantOrderId"]
        faults = self.faults_for(order_id)
        payload = self._refund_view(refund, report_amount=faults["report_amount"])
        outbox.append(self._job(event, payload, order_id, refund["merchantRefundId"]))

    def _flush(self, outbox):
        for job in outbox:
            self.webhooks.schedule(job)

    # -- faults and config -----------------------------------------------------------------

    def faults_for(self, merchant_order_id):
        with self.lock:
            merged = dict(FAULT_DEFAULTS)
            merged.update(self.faults["global"])
            if merchant_order_id is not None:
                merged.update(self.faults["orders"].get(merchant_order_id, {}))
            return merged

    def set_faults(self, body):
        if not isinstance(body, dict):
            raise bad_request("Body must be a JSON object.")
        scope_id = body.get("order")
        if scope_id is not None and not isinstance(scope_id, str):
            raise bad_request("order must be a merchantOrderId string or null.")
        changes = {}
        for key, value in body.items():
            if key == "order":
                continue
            if key not in FAULT_DEFAULTS:
                raise bad_request(f"Unknown fault {key!r}.")
            if value is not None:
                if key == "webhook" and value not in WEBHOOK_MODES:
                    raise bad_request(
                        f"webhook must be one of {', '.join(WEBHOOK_MODES)}."
                    )
                if key.endswith("_api") and value not in API_MODES:
                    raise bad_request(f"{key} must be one of {', '.join(API_MODES)}.")
                if key in ("copies", "report_amount") and (
                    not is_int(value) or value < 1
                ):
                    raise bad_request(f"{key} must be a positive integer.")
                if key in ("webhook_delay", "delay_seconds", "hang_seconds") and (
                    isinstance(value, bool)
                    or not isinstance(value, (int, float))
                    or value < 0
                ):
                    raise bad_request(f"{key} must be a number of seconds >= 0.")
            changes[key] = value
        with self.lock:
            scope = (
                self.faults["global"]
                if scope_id is None
                else self.faults["orders"].setdefault(scope_id, {})
            )
            for key, value in changes.items():
                if value is None:
                    scope.pop(key, None)
                else:
                    scope[key] = value
            return self.faults_view()

    def clear_faults(self):
        with self.lock:
            self.faults = {"global": {}, "orders": {}}
            return self.faults_view()

    def faults_view(self):
        with self.lock:
            return copy.deepcopy(self.faults)

    def configure(self, body):
        if not isinstance(body, dict):
            raise bad_request("Body must be a JSON object.")
        updates = {}
        for key, value in body.items():
            kind = self.config.RUNTIME.get(key)
            if kind is None:
                raise bad_request(f"Unknown setting {key!r}.")
            if kind is str:
                if value is None:
                    value = ""
                if not isinstance(value, str):
                    raise bad_request(f"{key} must be a string.")
            elif (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value < 0
            ):
                raise bad_request(f"{key} must be a number >= 0.")
            updates[key] = kind(value)
        with self.lock:
            for key, value in updates.items():
                setattr(self.config, key, value)
            return self.config.runtime_view()

    def reset(self):
        with self.lock:
            tokens = self.tokens
            state_file = self.config.state_file
            self.config = dataclasses.replace(self.cli_config)
            self.config.state_file = state_file
            self.orders, self.page_tokens, self.refunds = {}, {}, {}
            self.tokens = tokens
            self.faults = {"global": {}, "orders": {}}
            self.stats = self._empty_stats()
            self.generation += 1
            self.webhooks.clear()
            self._persist()
            return {"reset": True}

    # -- OAuth -----------------------------------------------------------------------------

    def issue_token(self, form):
        self.count("token")
        c = self.config
        valid = (
            form.get("grant_type") == "client_credentials"
            and form.get("client_id") == c.client_id
            and form.get("client_secret") == c.client_secret
            and str(form.get("client_version", "")).strip() == str(c.client_version)
        )
        if not valid:
            raise SandboxError(
                400,
                "INVALID_CLIENT",
                f"Bad Request: Invalid Client, trackingId: {secrets.token_hex(8)}",
                with_data=False,
                errorCode="OIM000",
                context={"error_description": "Client authentication failure"},
            )
        now = time.time()
        ttl = c.token_ttl
        access_token = "SBX." + secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[access_token] = now + ttl
            expired = [t for t, exp in self.tokens.items() if exp <= now]
            for token in expired:
                del self.tokens[token]
            self.stats["tokens_issued"] += 1
            self._persist()
        issued_at = int(now)
        return {
            "access_token": access_token,
            "encrypted_access_token": "ENC." + secrets.token_urlsafe(32),
            "refresh_token": "REF." + secrets.token_urlsafe(24),
            "expires_in": int(round(ttl)),
            "issued_at": issued_at,
            "expires_at": issued_at + int(round(ttl)),
            "session_expires_at": issued_at + int(round(ttl)),
            "token_type": "O-Bearer",
        }

    def check_token(self, authorization):
        scheme, _, token = (authorization or "").partition(" ")
        with self.lock:
            expires = self.tokens.get(token.strip()) if scheme == "O-Bearer" else None
        if expires is None or time.time() >= expires:
            raise SandboxError(401, "UNAUTHORIZED", "Unauthorized", errorCode="PR004")

    # -- orders ----------------------------------------------------------------------------

    def validate_pay(self, body):
        """Raise BAD_REQUEST for the first problem in a create-payment body."""
        if not isinstance(body, dict):
            raise bad_request("Request body must be a JSON object.")
        moid = body.get("merchantOrderId")
        if moid is None or moid == "":
            raise bad_request("merchantOrderId must not be blank.")
        if not isinstance(moid, str) or not ID_PATTERN.match(moid):
            raise bad_request(
                "merchantOrderId must be 1-63 characters of letters, digits, '_' or '-'."
            )
        amount = body.get("amount")
        if amount is None:
            raise bad_request("amount must not be null.")
        if not is_int(amount):
            raise bad_request("amount must be an integer number of paise.")
        if amount < 100:
            raise bad_request("amount must be at least 100 paise.")
        expire_after = body.get("expireAfter")
        if expire_after is not None and (
            not is_int(expire_after) or not 300 <= expire_after <= 3600
        ):
            raise bad_request(
                "expireAfter must be an integer between 300 and 3600 seconds."
            )
        meta = body.get("metaInfo")
        if meta is not None:
            if not isinstance(meta, dict):
                raise bad_request("metaInfo must be an object.")
            for key, value in meta.items():
                match = re.fullmatch(r"udf(\d+)", key)
                if not match or not 1 <= int(match.group(1)) <= 15:
                    raise bad_request(
                        f"metaInfo.{key} is not a known field (udf1..udf15)."
                    )
                if value is None:
                    continue
                if not isinstance(value, str):
                    raise bad_request(f"metaInfo.{key} must be a string.")
                n = int(match.group(1))
                if n <= 10 and len(value) > 256:
                    raise bad_request(f"metaInfo.{key} must be at most 256 characters.")
                if n > 10 and (len(value) > 50 or not UDF_SHORT_PATTERN.match(value)):
                    raise bad_request(
                        f"metaInfo.{key} must be at most 50 characters of [a-zA-Z0-9_- @.+]."
                    )
        flow = body.get("paymentFlow")
        if not isinstance(flow, dict):
            raise bad_request("paymentFlow must not be null.")
        if flow.get("type") != "PG_CHECKOUT":
            raise bad_request("paymentFlow.type must be PG_CHECKOUT.")
        if flow.get("message") is not None and not isinstance(flow.get("message"), str):
            raise bad_request("paymentFlow.message must be a string.")
        urls = flow.get("merchantUrls")
        if not isinstance(urls, dict):
            raise bad_request("paymentFlow.merchantUrls must not be null.")
        redirect = urls.get("redirectUrl")
        if not isinstance(redirect, str) or not redirect:
            raise bad_request("paymentFlow.merchantUrls.redirectUrl must not be blank.")
        parts = urllib.parse.urlsplit(redirect)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request(
                "paymentFlow.merchantUrls.redirectUrl must be an http(s) URL."
            )
        mode_config = flow.get("paymentModeConfig")
        if mode_config is not None and not isinstance(mode_config, dict):
            raise bad_request("paymentFlow.paymentModeConfig must be an object.")
        retry = body.get("disablePaymentRetry")
        if retry is not None and not isinstance(retry, bool):
            raise bad_request("disablePaymentRetry must be a boolean.")
        prefill = body.get("prefillUserLoginDetails")
        if prefill is not None and not isinstance(prefill, dict):
            raise bad_request("prefillUserLoginDetails must be an object.")
        return moid

    def create_order(self, body, public_url):
        moid = self.validate_pay(body)
        request_key = canonical(body)
        with self.lock:
            existing = self.orders.get(moid)
            if existing is not None:
                if existing["request"] == request_key:
                    return dict(existing["payResponse"])
                raise SandboxError(
                    409,
                    "DUPLICATE_ORDER",
                    f"merchantOrderId {moid} was already used for a different request.",
                )
            flow = body["paymentFlow"]
            expire_after = body.get("expireAfter") or DEFAULT_EXPIRE_AFTER
            created = now_ms()
            page_token = secrets.token_urlsafe(24)
            order = {
                "merchantOrderId": moid,
                "orderId": new_id("OMO"),
                "amount": body["amount"],
                "state": "PENDING",
                "createdAt": created,
                "expireAt": created + expire_after * 1000,
                "metaInfo": body.get("metaInfo"),
                "paymentFlow": {
                    "type": "PG_CHECKOUT",
                    "message": flow.get("message"),
                    "merchantUrls": {
                        "redirectUrl": flow["merchantUrls"]["redirectUrl"]
                    },
                },
                "redirectUrl": flow["merchantUrls"]["redirectUrl"],
                "pageToken": page_token,
                "attempts": [],
                "errorCode": None,
                "detailedErrorCode": None,
                "errorContext": None,
                "request": request_key,
            }
            order["payResponse"] = {
                "orderId": order["orderId"],
                "state": "PENDING",
                "expireAt": order["expireAt"],
                "redirectUrl": f"{public_url}/transact/uat_v2?token={page_token}",
            }
            self.orders[moid] = order
            self.page_tokens[page_token] = moid
            self._persist()
            return dict(order["payResponse"])

    def _expire_if_due(self, order, outbox):
        if order["state"] != "PENDING" or now_ms() < order["expireAt"]:
            return False
        order["state"] = "FAILED"
        order["errorCode"] = "TXN_NOT_COMPLETED"
        order["detailedErrorCode"] = "TXN_AUTO_FAILED"
        order["errorContext"] = {
            "errorCode": "TXN_NOT_COMPLETED",
            "detailedErrorCode": "TXN_AUTO_FAILED",
            "source": "CUSTOMER",
            "stage": "PRE_AUTHENTICATION",
            "description": "The order expired before the payment was completed.",
        }
        self._order_event(order, outbox)
        return True

    def _get_order(self, merchant_order_id, outbox):
        order = self.orders.get(merchant_order_id)
        if order is None:
            raise order_not_found()
        if self._expire_if_due(order, outbox):
            self._persist()
        return order

    def _order_view(self, order, *, details, error_context=False, report_amount=None):
        amount = order["amount"] if report_amount is None else report_amount
        attempts = order["attempts"] if details else order["attempts"][-1:]
        payment_details = []
        for attempt in attempts:
            attempt = copy.deepcopy(attempt)
            if report_amount is not None:
                attempt["amount"] = attempt["payableAmount"] = report_amount
            payment_details.append(attempt)
        view = {
            "merchantId": self.config.merchant_id,
            "merchantOrderId": order["merchantOrderId"],
            "orderId": order["orderId"],
            "state": order["state"],
            "amount": amount,
            "payableAmount": amount,
            "feeAmount": 0,
            "expireAt": order["expireAt"],
        }
        if order.get("metaInfo") is not None:
            view["metaInfo"] = copy.deepcopy(order["metaInfo"])
        view["paymentFlow"] = copy.deepcopy(order["paymentFlow"])
        view["paymentDetails"] = payment_details
        if order["errorCode"]:
            view["errorCode"] = order["errorCode"]
            view["detailedErrorCode"] = order["detailedErrorCode"]
        if error_context and order["state"] == "FAILED" and order.get("errorContext"):
            view["errorContext"] = copy.deepcopy(order["errorContext"])
        return view

    def order_status(self, merchant_order_id, *, details, error_context):
        outbox = []
        try:
            with self.lock:
                order = self._get_order(merchant_order_id, outbox)
                report = self.faults_for(merchant_order_id)["report_amount"]
                return self._order_view(
                    order,
                    details=details,
                    error_context=error_context,
                    report_amount=report,
                )
        finally:
            self._flush(outbox)

    def transaction_status(self, transaction_id):
        outbox = []
        try:
            with self.lock:
                for order in self.orders.values():
                    if any(
                        a["transactionId"] == transaction_id for a in order["attempts"]
                    ):
                        self._expire_if_due(order, outbox)
                        report = self.faults_for(order["merchantOrderId"])[
                            "report_amount"
                        ]
                        return self._order_view(
                            order, details=True, report_amount=report
                        )
                raise SandboxError(
                    404, "MAPPING_NOT_FOUND", "No entry found for transaction"
                )
        finally:
            self._flush(outbox)

    def order_for_page(self, page_token):
        """Return (order snapshot, problem) for the hosted page; problem is None/'expired'/'settled'."""
        outbox = []
        try:
            with self.lock:
                moid = self.page_tokens.get(page_token or "")
                if moid is None or moid not in self.orders:
                    return None, None
                order = self._get_order(moid, outbox)
                problem = None
                if order["state"] in TERMINAL:
                    problem = (
                        "expired"
                        if order["errorCode"] == "TXN_NOT_COMPLETED"
                        else "settled"
                    )
                return copy.deepcopy(order), problem
        finally:
            self._flush(outbox)

    def settle(self, merchant_order_id, outcome, error_code=None):
        """Apply a payer's choice (pay_upi, pay_card, decline, pending); return the status view."""
        if outcome not in ("pay_upi", "pay_card", "decline", "pending"):
            raise bad_request(
                "outcome must be one of pay_upi, pay_card, decline, pending."
            )
        if error_code is not None and not isinstance(error_code, str):
            raise bad_request("error_code must be a string.")
        outbox = []
        try:
            with self.lock:
                order = self._get_order(merchant_order_id, outbox)
                if order["state"] in TERMINAL:
                    raise SandboxError(
                        409,
                        "ORDER_ALREADY_TERMINAL",
                        f"Order {merchant_order_id} is already {order['state']}.",
                    )
                if outcome != "pending":
                    self._apply_outcome(order, outcome, error_code)
                    self._persist()
                    self._order_event(order, outbox)
                return self._order_view(order, details=True, error_context=True)
        finally:
            self._flush(outbox)

    def _apply_outcome(self, order, outcome, error_code):
        attempt = {
            "transactionId": new_id("OM"),
            "paymentMode": "CARD" if outcome == "pay_card" else "UPI_INTENT",
            "timestamp": now_ms(),
            "amount": order["amount"],
            "payableAmount": order["amount"],
            "feeAmount": 0,
            "state": "COMPLETED",
        }
        upi_rail = {
            "type": "UPI",
            "utr": digits(12),
            "upiTransactionId": "YBL" + secrets.token_hex(16),
            "vpa": f"{digits(2)}******{digits(2)}@ybl",
        }
        account = {
            "type": "ACCOUNT",
            "maskedAccountNumber": "XXXXXXXX" + digits(4),
            "ifsc": "HDFC0000001",
            "accountHolderName": "Sandbox Customer",
            "accountType": "SAVINGS",
        }
        if outcome == "pay_upi":
            attempt.update(rail=upi_rail, instrument=account)
            order["state"] = "COMPLETED"
        elif outcome == "pay_card":
            attempt["rail"] = {
                "type": "PG",
                "transactionId": digits(16),
                "authorizationCode": digits(6),
                "serviceTransactionId": "PG" + digits(18),
            }
            attempt["instrument"] = {
                "type": "CREDIT_CARD",
                "bankTransactionId": digits(12),
                "bankId": "HDFC",
                "brn": digits(12),
                "arn": digits(23),
            }
            order["state"] = "COMPLETED"
        else:
            code, detailed, source, stage, description = self._decline_reason(
                error_code
            )
            upi_rail.pop("utr")
            attempt.update(
                state="FAILED",
                errorCode=code,
                detailedErrorCode=detailed,
                rail=upi_rail,
                instrument=account,
            )
            order.update(
                state="FAILED",
                errorCode=code,
                detailedErrorCode=detailed,
                errorContext={
                    "errorCode": code,
                    "detailedErrorCode": detailed,
                    "source": source,
                    "stage": stage,
                    "description": description,
                },
            )
        order["attempts"].append(attempt)

    @staticmethod
    def _decline_reason(error_code):
        """Accept ``CODE``, ``CODE/DETAIL`` or nothing; return the five errorContext values."""
        code = (error_code or DEFAULT_DECLINE).strip()
        code, _, detailed = code.partition("/")
        known = DECLINE_REASONS.get(code)
        if known:
            return (code, detailed or known[0], *known[1:])
        return (
            code,
            detailed or "TXN_FAILED",
            "ISSUING_BANK",
            "AUTHORIZATION",
            "The payment was declined.",
        )

    def expire(self, merchant_order_id):
        outbox = []
        try:
            with self.lock:
                order = self._get_order(merchant_order_id, outbox)
                if order["state"] in TERMINAL:
                    raise SandboxError(
                        409,
                        "ORDER_ALREADY_TERMINAL",
                        f"Order {merchant_order_id} is already {order['state']}.",
                    )
                order["expireAt"] = now_ms()
                self._expire_if_due(order, outbox)
                self._persist()
                return self._order_view(order, details=True, error_context=True)
        finally:
            self._flush(outbox)

    # -- refunds ---------------------------------------------------------------------------

    def create_refund(self, body):
        if not isinstance(body, dict):
            raise bad_request("Request body must be a JSON object.")
        mrid = body.get("merchantRefundId")
        if not mrid:
            raise bad_request("merchantRefundId must not be blank.")
        if not isinstance(mrid, str) or not ID_PATTERN.match(mrid):
            raise bad_request(
                "merchantRefundId must be 1-63 characters of letters, digits, '_' or '-'."
            )
        moid = body.get("originalMerchantOrderId")
        if not moid or not isinstance(moid, str):
            raise bad_request("originalMerchantOrderId must not be blank.")
        amount = body.get("amount")
        if not is_int(amount):
            raise bad_request("amount must be an integer number of paise.")
        if amount < 100:
            raise bad_request("amount must be at least 100 paise.")
        request_key = canonical(body)
        outbox = []
        try:
            with self.lock:
                existing = self.refunds.get(mrid)
                if existing is not None:
                    if existing["request"] == request_key:
                        return {
                            "refundId": existing["refundId"],
                            "amount": existing["amount"],
                            "state": existing["state"],
                        }
                    raise SandboxError(
                        409,
                        "DUPLICATE_REFUND",
                        f"merchantRefundId {mrid} was already used for a different request.",
                    )
                order = self._get_order(moid, outbox)
                if order["state"] != "COMPLETED":
                    raise bad_request(
                        f"Order {moid} is {order['state']}; only COMPLETED "
                        "orders can be refunded."
                    )
                refunded = sum(
                    r["amount"]
                    for r in self.refunds.values()
                    if r["originalMerchantOrderId"] == moid and r["state"] != "FAILED"
                )
                if refunded + amount > order["amount"]:
                    raise SandboxError(
                        400,
                        "EXCESS_REFUND_AMOUNT",
                        f"Refund of {amount} exceeds the refundable amount "
                        f"{order['amount'] - refunded}.",
                    )
                paid = next(
                    (
                        a
                        for a in reversed(order["attempts"])
                        if a["state"] == "COMPLETED"
                    ),
                    {},
                )
                timestamp = now_ms()
                detail = {
                    "transactionId": new_id("OMR"),
                    "paymentMode": paid.get("paymentMode", "UPI_INTENT"),
                    "timestamp": timestamp,
                    "amount": amount,
                    "state": "PENDING",
                }
                if paid.get("rail"):
                    detail["rail"] = copy.deepcopy(paid["rail"])
                if paid.get("instrument"):
                    detail["instrument"] = copy.deepcopy(paid["instrument"])
                refund = {
                    "merchantRefundId": mrid,
                    "refundId": new_id("OMR"),
                    "originalMerchantOrderId": moid,
                    "amount": amount,
                    "state": "PENDING",
                    "timestamp": timestamp,
                    "paymentDetails": [detail],
                    "request": request_key,
                }
                self.refunds[mrid] = refund
                self._persist()
                generation = self.generation
            self._start_refund_progress(mrid, generation)
            return {
                "refundId": refund["refundId"],
                "amount": amount,
                "state": "PENDING",
            }
        finally:
            self._flush(outbox)

    def _start_refund_progress(self, merchant_refund_id, generation):
        threading.Thread(
            target=self._advance_refund,
            args=(merchant_refund_id, generation),
            daemon=True,
            name="refund-progress",
        ).start()

    def _advance_refund(self, merchant_refund_id, generation):
        for target in ("CONFIRMED", "COMPLETED"):
            time.sleep(self.config.refund_step_seconds)
            outbox = []
            with self.lock:
                refund = self.refunds.get(merchant_refund_id)
                if generation != self.generation or refund is None:
                    return
                if refund["state"] in TERMINAL:
                    return
                if target == "CONFIRMED" and refund["state"] == "CONFIRMED":
                    continue
                refund["state"] = target
                for detail in refund["paymentDetails"]:
                    detail["state"] = (
                        "COMPLETED" if target == "COMPLETED" else "PENDING"
                    )
                    if target == "COMPLETED":
                        detail["timestamp"] = now_ms()
                self._persist()
                self._refund_event(refund, outbox)
            self._flush(outbox)

    def _refund_view(self, refund, report_amount=None):
        amount = refund["amount"]
        view = {
            "merchantId": self.config.merchant_id,
            "merchantRefundId": refund["merchantRefundId"],
            "originalMerchantOrderId": refund["originalMerchantOrderId"],
            "amount": amount,
            "state": refund["state"],
            "refundId": refund["refundId"],
            "timestamp": refund["timestamp"],
            "paymentDetails": copy.deepcopy(refund["paymentDetails"]),
        }
        if refund.get("errorCode"):
            view["errorCode"] = refund["errorCode"]
            view["detailedErrorCode"] = refund.get("detailedErrorCode")
        return view

    def refund_status(self, merchant_refund_id):
        with self.lock:
            refund = self.refunds.get(merchant_refund_id)
            if refund is None:
                raise SandboxError(
                    404, "MAPPING_NOT_FOUND", "No entry found for refund"
                )
            return self._refund_view(refund)

    def refund_order_id(self, merchant_refund_id):
        with self.lock:
            refund = self.refunds.get(merchant_refund_id)
            return refund["originalMerchantOrderId"] if refund else None

    # -- test controls ---------------------------------------------------------------------

    def order_record(self, merchant_order_id):
        outbox = []
        try:
            with self.lock:
                order = self._get_order(merchant_order_id, outbox)
                record = copy.deepcopy(order)
                record["request"] = json.loads(order["request"])
                record["refunds"] = [
                    self._refund_view(r)
                    for r in self.refunds.values()
                    if r["originalMerchantOrderId"] == merchant_order_id
                ]
                record["faults"] = self.faults_for(merchant_order_id)
                return record
        finally:
            self._flush(outbox)

    def order_list(self):
        with self.lock:
            return [
                {
                    "merchantOrderId": o["merchantOrderId"],
                    "orderId": o["orderId"],
                    "state": o["state"],
                    "amount": o["amount"],
                    "expireAt": o["expireAt"],
                    "createdAt": o["createdAt"],
                }
                for o in self.orders.values()
            ]

    def resend(self, body):
        if not isinstance(body, dict) or not isinstance(body.get("order"), str):
            raise bad_request("order (a merchantOrderId) is required.")
        event = body.get("event")
        if event is not None and not isinstance(event, str):
            raise bad_request("event must be a string.")
        outbox = []
        try:
            with self.lock:
                order = self._get_order(body["order"], outbox)
                faults = self.faults_for(order["merchantOrderId"])
                refund = None
                if body.get("refund") is not None:
                    refund = self.refunds.get(body["refund"])
                    if refund is None:
                        raise SandboxError(
                            404, "MAPPING_NOT_FOUND", "No entry found for refund"
                        )
                if event is None:
                    if refund is not None:
                        event = {
                            "PENDING": "pg.refund.accepted",
                            "CONFIRMED": "pg.refund.accepted",
                            "COMPLETED": "pg.refund.completed",
                            "FAILED": "pg.refund.failed",
                        }[refund["state"]]
                    else:
                        event = {
                            "COMPLETED": "checkout.order.completed",
                            "FAILED": "checkout.order.failed",
                            "PENDING": "checkout.transaction.attempt.failed",
                        }[order["state"]]
                if refund is not None:
                    payload = self._refund_view(
                        refund, report_amount=faults["report_amount"]
                    )
                else:
                    payload = self._order_view(
                        order, details=True, report_amount=faults["report_amount"]
                    )
                if body.get("payload_state") is not None:
                    payload["state"] = str(body["payload_state"])
                job = self._job(
                    event,
                    payload,
                    order["merchantOrderId"],
                    refund["merchantRefundId"] if refund else None,
                    authorization=body.get("authorization"),
                    faults={},
                )
        finally:
            self._flush(outbox)
        return self.webhooks.send_now(job)

    def stats_view(self):
        with self.lock:
            return copy.deepcopy(self.stats)
