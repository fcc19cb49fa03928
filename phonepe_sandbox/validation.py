"""Checks on what clients send: API bodies and test-control bodies.

Each ``validate_*`` function raises ``SandboxError`` (answered as PhonePe's error JSON) for the
first problem it finds and returns the values the store needs; none of them touches state.
"""

import json
import re
import urllib.parse

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
UDF_SHORT_PATTERN = re.compile(r"^[a-zA-Z0-9_\- @.+]*$")
OUTCOMES = ("pay_upi", "pay_card", "decline", "pending")

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
    "refund_outcome": "complete",
    "refund_error_code": "BANK_TECHNICAL_ISSUE/UT",
}
WEBHOOK_MODES = ("normal", "drop", "duplicate", "reorder")
API_MODES = ("normal", "error", "hang", "slow")
REFUND_OUTCOMES = ("complete", "fail")


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


def refund_not_found():
    return SandboxError(404, "MAPPING_NOT_FOUND", "No entry found for refund")


def canonical(body):
    """Return the request key used for idempotency: the body as canonical JSON."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_seconds(value):
    return (
        not isinstance(value, bool) and isinstance(value, (int, float)) and value >= 0
    )


# -- API bodies ----------------------------------------------------------------------------


def validate_pay(body):
    """Check a create-payment body; return its merchantOrderId."""
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
    _validate_meta_info(body.get("metaInfo"))
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


def _validate_meta_info(meta):
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise bad_request("metaInfo must be an object.")
    for key, value in meta.items():
        match = re.fullmatch(r"udf(\d+)", key)
        if not match or not 1 <= int(match.group(1)) <= 15:
            raise bad_request(f"metaInfo.{key} is not a known field (udf1..udf15).")
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


def validate_refund(body):
    """Check a refund body; return (merchantRefundId, originalMerchantOrderId, amount)."""
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
    return mrid, moid, amount


# -- test-control bodies -------------------------------------------------------------------


def validate_faults(body):
    """Check a POST /_sandbox/faults body; return (merchantOrderId or None, changes)."""
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
            _validate_fault(key, value)
        changes[key] = value
    return scope_id, changes


def _validate_fault(key, value):
    if key == "webhook" and value not in WEBHOOK_MODES:
        raise bad_request(f"webhook must be one of {', '.join(WEBHOOK_MODES)}.")
    if key.endswith("_api") and value not in API_MODES:
        raise bad_request(f"{key} must be one of {', '.join(API_MODES)}.")
    if key == "refund_outcome" and value not in REFUND_OUTCOMES:
        raise bad_request(
            f"refund_outcome must be one of {', '.join(REFUND_OUTCOMES)}."
        )
    if key == "refund_error_code" and (not isinstance(value, str) or not value.strip()):
        raise bad_request("refund_error_code must be CODE or CODE/DETAIL.")
    if key in ("copies", "report_amount") and (not is_int(value) or value < 1):
        raise bad_request(f"{key} must be a positive integer.")
    if key in ("webhook_delay", "delay_seconds", "hang_seconds") and not _is_seconds(
        value
    ):
        raise bad_request(f"{key} must be a number of seconds >= 0.")


def validate_config(body, runtime):
    """Check a POST /_sandbox/config body against ``runtime`` ({name: type}); return updates."""
    if not isinstance(body, dict):
        raise bad_request("Body must be a JSON object.")
    updates = {}
    for key, value in body.items():
        kind = runtime.get(key)
        if kind is None:
            raise bad_request(f"Unknown setting {key!r}.")
        if kind is str:
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise bad_request(f"{key} must be a string.")
        elif not _is_seconds(value):
            raise bad_request(f"{key} must be a number >= 0.")
        updates[key] = kind(value)
    return updates


def validate_settle(outcome, error_code):
    """Check a payer's choice (hosted page or POST /_sandbox/orders/<id>/settle)."""
    if outcome not in OUTCOMES:
        raise bad_request(f"outcome must be one of {', '.join(OUTCOMES)}.")
    if error_code is not None and not isinstance(error_code, str):
        raise bad_request("error_code must be a string.")


def validate_resend(body):
    """Check a POST /_sandbox/webhooks/resend body; return the event name or None."""
    if not isinstance(body, dict) or not isinstance(body.get("order"), str):
        raise bad_request("order (a merchantOrderId) is required.")
    event = body.get("event")
    if event is not None and not isinstance(event, str):
        raise bad_request("event must be a string.")
    return event
