"""In-memory state of the sandbox (orders, refunds, tokens, faults) and the rules that move it.

Every public method takes ``self.lock`` only for bookkeeping; webhooks produced while the lock
is held are collected in an outbox and handed to the dispatcher after it is released. Request
checks live in ``validation``, the JSON the sandbox answers and sends in ``payloads``.
"""

import copy
import dataclasses
import json
import os
import secrets
import tempfile
import threading
import time

from . import payloads
from .validation import (
    FAULT_DEFAULTS,
    SandboxError,
    bad_request,
    canonical,
    order_not_found,
    refund_not_found,
    validate_config,
    validate_faults,
    validate_pay,
    validate_refund,
    validate_resend,
    validate_settle,
)
from .webhooks import Dispatcher, Job, log, now_ms

TERMINAL = ("COMPLETED", "FAILED")
DEFAULT_EXPIRE_AFTER = 1200
STAT_KEYS = ("pay", "status", "refund", "refund_status", "token")


class Store:
    def __init__(self, config):
        self.cli_config = config
        self.config = dataclasses.replace(config)
        self.lock = threading.RLock()
        self.webhooks = Dispatcher(on_pending_change=self._webhooks_changed)
        self._resumed_webhooks = []
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
        with self.lock:
            resumed = [
                Job(
                    event=saved["event"],
                    payload=saved["payload"],
                    merchant_order_id=saved["merchant_order_id"],
                    merchant_refund_id=saved.get("merchant_refund_id"),
                    settings=self._webhook_settings(),
                    faults={},
                    generation=self.webhooks.generation,
                    resumed=True,
                )
                for saved in self._resumed_webhooks
            ]
            # Under the lock, so no state-file write falls between the two lists.
            self._resumed_webhooks = []
            self._flush(resumed)

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
        self._resumed_webhooks = data.get("webhooks", [])
        log(
            f"loaded {len(self.orders)} orders, {len(self.refunds)} refunds and "
            f"{len(self._resumed_webhooks)} pending webhooks from {path}"
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
            # Deliveries not made yet; until start_background resumes them, the loaded ones.
            "webhooks": self.webhooks.pending() + self._resumed_webhooks,
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

    def _webhooks_changed(self):
        with self.lock:
            self._persist()

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
        followup = None
        if order["state"] == "COMPLETED":
            followup = (
                payloads.ORDER_EVENTS["FAILED"],
                payloads.stale_failed_payload(payload),
            )
        outbox.append(
            self._job(
                payloads.ORDER_EVENTS[order["state"]],
                payload,
                order["merchantOrderId"],
                followup=followup,
            )
        )

    def _refund_event(self, refund, outbox):
        outbox.append(
            self._job(
                payloads.REFUND_EVENTS[refund["state"]],
                self._refund_view(refund),
                refund["originalMerchantOrderId"],
                refund["merchantRefundId"],
            )
        )

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
        scope_id, changes = validate_faults(body)
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
        updates = validate_config(body, self.config.RUNTIME)
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
            self._resumed_webhooks = []
            self.faults = {"global": {}, "orders": {}}
            self.stats = self._empty_stats()
            self.generation += 1
            self.webhooks.clear()
            self._persist()
        # Outside the store's lock: an attempt on the wire may need it to record.
        idle = self.webhooks.wait_until_idle(timeout=self.config.webhook_timeout + 1)
        return {"reset": True, "idle": idle}

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
        return payloads.token_response(access_token, now, ttl)

    def check_token(self, authorization):
        scheme, _, token = (authorization or "").partition(" ")
        with self.lock:
            expires = self.tokens.get(token.strip()) if scheme == "O-Bearer" else None
        if expires is None or time.time() >= expires:
            raise SandboxError(401, "UNAUTHORIZED", "Unauthorized", errorCode="PR004")

    # -- orders ----------------------------------------------------------------------------

    def create_order(self, body, public_url):
        moid = validate_pay(body)
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
                "orderId": payloads.new_id("OMO"),
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
            order["payResponse"] = payloads.pay_response(order, public_url)
            self.orders[moid] = order
            self.page_tokens[page_token] = moid
            self._persist()
            return dict(order["payResponse"])

    def _expire_if_due(self, order, outbox):
        if order["state"] != "PENDING" or now_ms() < order["expireAt"]:
            return False
        context = payloads.EXPIRED_ERROR_CONTEXT
        order["state"] = "FAILED"
        order["errorCode"] = context["errorCode"]
        order["detailedErrorCode"] = context["detailedErrorCode"]
        order["errorContext"] = dict(context)
        self._order_event(order, outbox)
        return True

    def _get_order(self, merchant_order_id, outbox):
        order = self.orders.get(merchant_order_id)
        if order is None:
            raise order_not_found()
        if self._expire_if_due(order, outbox):
            self._persist()
        return order

    def _order_view(self, order, **options):
        return payloads.order_view(
            order, merchant_id=self.config.merchant_id, **options
        )

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
        validate_settle(outcome, error_code)
        outbox = []
        try:
            with self.lock:
                order = self._get_terminable_order(merchant_order_id, outbox)
                if outcome != "pending":
                    attempt, changes = payloads.attempt(order, outcome, error_code)
                    order.update(changes)
                    order["attempts"].append(attempt)
                    self._persist()
                    self._order_event(order, outbox)
                return self._order_view(order, details=True, error_context=True)
        finally:
            self._flush(outbox)

    def _get_terminable_order(self, merchant_order_id, outbox):
        """Return a PENDING order; 409 ORDER_ALREADY_TERMINAL for a settled or expired one."""
        order = self._get_order(merchant_order_id, outbox)
        if order["state"] in TERMINAL:
            raise SandboxError(
                409,
                "ORDER_ALREADY_TERMINAL",
                f"Order {merchant_order_id} is already {order['state']}.",
            )
        return order

    def expire(self, merchant_order_id):
        outbox = []
        try:
            with self.lock:
                order = self._get_terminable_order(merchant_order_id, outbox)
                order["expireAt"] = now_ms()
                self._expire_if_due(order, outbox)
                self._persist()
                return self._order_view(order, details=True, error_context=True)
        finally:
            self._flush(outbox)

    # -- refunds ---------------------------------------------------------------------------

    def create_refund(self, body):
        mrid, moid, amount = validate_refund(body)
        request_key = canonical(body)
        outbox = []
        try:
            with self.lock:
                existing = self.refunds.get(mrid)
                if existing is not None:
                    if existing["request"] == request_key:
                        return payloads.refund_response(existing)
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
                timestamp = now_ms()
                refund = {
                    "merchantRefundId": mrid,
                    "refundId": payloads.new_id("OMR"),
                    "originalMerchantOrderId": moid,
                    "amount": amount,
                    "state": "PENDING",
                    "timestamp": timestamp,
                    "paymentDetails": [
                        payloads.refund_detail(order, amount, timestamp)
                    ],
                    "request": request_key,
                }
                faults = self.faults_for(moid)
                if faults["refund_outcome"] == "fail":
                    refund["failWith"] = faults["refund_error_code"]
                self.refunds[mrid] = refund
                self._persist()
                generation = self.generation
                response = payloads.refund_response(refund)
            self._start_refund_progress(mrid, generation)
            return response
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
        """Move a refund PENDING -> CONFIRMED -> COMPLETED (or FAILED under the fault)."""
        for target in ("CONFIRMED", "COMPLETED"):
            time.sleep(self.config.refund_step_seconds)
            outbox = []
            with self.lock:
                refund = self.refunds.get(merchant_refund_id)
                if generation != self.generation or refund is None:
                    return
                if target == "CONFIRMED" and refund["state"] == "CONFIRMED":
                    continue
                if target == "COMPLETED" and refund.get("failWith"):
                    self._fail_refund(refund)
                else:
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

    @staticmethod
    def _fail_refund(refund):
        code, detailed = payloads.refund_failure(refund["failWith"])
        refund.update(state="FAILED", errorCode=code, detailedErrorCode=detailed)
        for detail in refund["paymentDetails"]:
            detail.update(
                state="FAILED",
                timestamp=now_ms(),
                errorCode=code,
                detailedErrorCode=detailed,
            )

    def _refund_view(self, refund):
        return payloads.refund_view(refund, merchant_id=self.config.merchant_id)

    def refund_status(self, merchant_refund_id):
        with self.lock:
            refund = self.refunds.get(merchant_refund_id)
            if refund is None:
                raise refund_not_found()
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
            return [payloads.order_summary(o) for o in self.orders.values()]

    def resend(self, body):
        event = validate_resend(body)
        outbox = []
        try:
            with self.lock:
                order = self._get_order(body["order"], outbox)
                refund = None
                if body.get("refund") is not None:
                    refund = self.refunds.get(body["refund"])
                    if refund is None:
                        raise refund_not_found()
                if refund is not None:
                    payload = self._refund_view(refund)
                    event = event or payloads.REFUND_EVENTS[refund["state"]]
                else:
                    report = self.faults_for(order["merchantOrderId"])["report_amount"]
                    payload = self._order_view(
                        order, details=True, report_amount=report
                    )
                    event = event or payloads.ORDER_EVENTS[order["state"]]
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
