"""What the sandbox sends: API answers and webhook payloads, built from stored records.

Pure functions over the store's dicts (orders, attempts, refunds); the store decides when
to call them and holds the lock while it does.
"""

import copy
import secrets
import time

from .webhooks import now_ms

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
EXPIRED_ERROR_CONTEXT = {
    "errorCode": "TXN_NOT_COMPLETED",
    "detailedErrorCode": "TXN_AUTO_FAILED",
    "source": "CUSTOMER",
    "stage": "PRE_AUTHENTICATION",
    "description": "The order expired before the payment was completed.",
}

# Webhook event for an order in a state (PENDING: an attempt failed, the order did not).
ORDER_EVENTS = {
    "COMPLETED": "checkout.order.completed",
    "FAILED": "checkout.order.failed",
    "PENDING": "checkout.transaction.attempt.failed",
}
# Webhook event for a refund in a state; PENDING is only ever resent on request.
REFUND_EVENTS = {
    "PENDING": "pg.refund.accepted",
    "CONFIRMED": "pg.refund.accepted",
    "COMPLETED": "pg.refund.completed",
    "FAILED": "pg.refund.failed",
}


def new_id(prefix):
    return f"{prefix}{time.strftime('%y%m%d%H%M%S')}{secrets.randbelow(10**10):010d}"


def digits(n):
    return "".join(str(secrets.randbelow(10)) for _ in range(n))


def decline_reason(error_code):
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


# -- OAuth and create payment --------------------------------------------------------------


def token_response(access_token, now, ttl):
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


def pay_response(order, public_url):
    return {
        "orderId": order["orderId"],
        "state": "PENDING",
        "expireAt": order["expireAt"],
        "redirectUrl": f"{public_url}/transact/uat_v2?token={order['pageToken']}",
    }


# -- payment attempts ----------------------------------------------------------------------


def attempt(order, outcome, error_code=None):
    """Return the payment attempt a payer's choice makes, and the order fields it sets."""
    record = {
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
        record.update(rail=upi_rail, instrument=account)
        return record, {"state": "COMPLETED"}
    if outcome == "pay_card":
        record["rail"] = {
            "type": "PG",
            "transactionId": digits(16),
            "authorizationCode": digits(6),
            "serviceTransactionId": "PG" + digits(18),
        }
        record["instrument"] = {
            "type": "CREDIT_CARD",
            "bankTransactionId": digits(12),
            "bankId": "HDFC",
            "brn": digits(12),
            "arn": digits(23),
        }
        return record, {"state": "COMPLETED"}
    code, detailed, source, stage, description = decline_reason(error_code)
    upi_rail.pop("utr")
    record.update(
        state="FAILED",
        errorCode=code,
        detailedErrorCode=detailed,
        rail=upi_rail,
        instrument=account,
    )
    return record, {
        "state": "FAILED",
        "errorCode": code,
        "detailedErrorCode": detailed,
        "errorContext": {
            "errorCode": code,
            "detailedErrorCode": detailed,
            "source": source,
            "stage": stage,
            "description": description,
        },
    }


# -- order status and order webhooks -------------------------------------------------------


def order_view(order, *, merchant_id, details, error_context=False, report_amount=None):
    """Return the order-status answer (also the payload of order webhooks)."""
    amount = order["amount"] if report_amount is None else report_amount
    attempts = order["attempts"] if details else order["attempts"][-1:]
    payment_details = []
    for item in attempts:
        item = copy.deepcopy(item)
        if report_amount is not None:
            item["amount"] = item["payableAmount"] = report_amount
        payment_details.append(item)
    view = {
        "merchantId": merchant_id,
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


def stale_failed_payload(payload):
    """Return what a FAILED webhook for an earlier attempt of a now-paid order looks like."""
    stale = copy.deepcopy(payload)
    detailed, *_ = DECLINE_REASONS[DEFAULT_DECLINE]
    stale.update(state="FAILED", errorCode=DEFAULT_DECLINE, detailedErrorCode=detailed)
    earlier = {
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
    stale["paymentDetails"] = [earlier]
    return stale


def order_summary(order):
    """Return one row of GET /_sandbox/orders."""
    return {
        "merchantOrderId": order["merchantOrderId"],
        "orderId": order["orderId"],
        "state": order["state"],
        "amount": order["amount"],
        "expireAt": order["expireAt"],
        "createdAt": order["createdAt"],
    }


# -- refunds -------------------------------------------------------------------------------


def refund_detail(order, amount, timestamp):
    """Return the refund transaction sent back along the order's paid attempt."""
    paid = next(
        (a for a in reversed(order["attempts"]) if a["state"] == "COMPLETED"),
        {},
    )
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
    return detail


def refund_failure(error_code):
    """Return (errorCode, detailedErrorCode) for a refund failed with ``CODE[/DETAIL]``."""
    code, detailed, *_ = decline_reason(error_code)
    return code, detailed


def refund_response(refund):
    return {
        "refundId": refund["refundId"],
        "amount": refund["amount"],
        "state": refund["state"],
    }


def refund_view(refund, *, merchant_id):
    """Return the refund-status answer (also the payload of refund webhooks)."""
    view = {
        "merchantId": merchant_id,
        "merchantRefundId": refund["merchantRefundId"],
        "originalMerchantOrderId": refund["originalMerchantOrderId"],
        "amount": refund["amount"],
        "state": refund["state"],
        "refundId": refund["refundId"],
        "timestamp": refund["timestamp"],
        "paymentDetails": copy.deepcopy(refund["paymentDetails"]),
    }
    if refund.get("errorCode"):
        view["errorCode"] = refund["errorCode"]
        view["detailedErrorCode"] = refund.get("detailedErrorCode")
    return view
