"""PhonePe's webhooks: store every delivery first (the inbox), then settle from it.

A delivery is only a hint: settling always asks PhonePe's status API
(``services.sync``, ``refunds.sync_refund``). Stored deliveries can be replayed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from checkout import phonepe, prepared, refunds, services
from checkout.models import Payment, Refund, WebhookDelivery

WEBHOOK_HEADERS = ("Content-Type", "User-Agent", "X-Forwarded-For", "Content-Length")
# What processing a stored delivery fills in (its raw request is kept as received).
DELIVERY_RESULT_FIELDS = [
    "event",
    "merchant_order_id",
    "merchant_refund_id",
    "outcome",
    "http_status",
    "error",
    "processed_at",
]


@dataclass(frozen=True)
class WebhookResult:
    http_status: int
    message: str


def receive_webhook(*, headers, body: bytes, remote_addr=None) -> WebhookResult:
    """Store a webhook delivery, then process it. Return the HTTP answer."""
    client = phonepe.get_client()
    authenticated = client.is_valid_webhook_authorization(headers.get("Authorization"))
    # Stored (and committed) before anything else, with an INSERT built once
    # per process (checkout/prepared.py), as is the outcome's UPDATE.
    # Its commit does not wait for the disk (PostgreSQL): every way on from
    # here records the outcome (finish_delivery) before PhonePe is answered,
    # an UPDATE of this row committed synchronously on this connection (in
    # autocommit or in the booking's transaction), which waits for the WAL up
    # to its own record and so for this row's too. Only a crash (a 500, which
    # PhonePe retries) can answer without it; PostgreSQL's WAL writer flushes
    # the row within wal_writer_delay anyway.
    delivery = WebhookDelivery(
        authenticated=authenticated,
        headers={
            name: headers.get(name)
            for name in (*WEBHOOK_HEADERS, "Authorization")
            if headers.get(name) is not None
        }
        | ({"Authorization": "(present)"} if headers.get("Authorization") else {}),
        body=body.decode("utf-8", errors="replace"),
        remote_addr=remote_addr,
    )
    prepared.insert([delivery], flushed_later=True)
    # PhonePe waits ~5 s per attempt and retries on a timeout: answer well
    # within that, and let the reconciler finish what does not fit.
    with phonepe.time_budget(settings.PHONEPE_WEBHOOK_BUDGET_SECONDS):
        return process_webhook_delivery(delivery=delivery)


def process_webhook_delivery(
    *, delivery: WebhookDelivery, source="webhook", keep_waiting=False
) -> WebhookResult:
    """Process a stored, authenticated delivery. Safe to run again (replay).

    ``keep_waiting`` is for the reconciler finishing a delivery PhonePe was
    already answered for: when PhonePe cannot be asked, the delivery stays
    deferred (its recorded answer unchanged) for a later pass, instead of
    being recorded as a 503 that PhonePe never got.
    """
    if not delivery.authenticated:
        return finish_delivery(
            delivery,
            WebhookDelivery.Outcome.UNAUTHENTICATED,
            401,
            "Authorization header missing or wrong.",
        )
    try:
        event = phonepe.get_client().parse_webhook(delivery.body.encode("utf-8"))
    except phonepe.PhonePeMalformedWebhook as exc:
        return finish_delivery(
            delivery, WebhookDelivery.Outcome.MALFORMED, 400, str(exc)
        )
    delivery.event = event.event[:64]
    delivery.merchant_order_id = (event.merchant_order_id or "")[:63]
    delivery.merchant_refund_id = (event.merchant_refund_id or "")[:63]
    try:
        if event.merchant_refund_id or event.event.startswith("pg.refund."):
            refund = Refund.objects.filter(
                merchant_refund_id=event.merchant_refund_id
            ).first()
            if refund is None:
                return finish_delivery(
                    delivery,
                    WebhookDelivery.Outcome.UNKNOWN_ORDER,
                    200,
                    "Unknown refund.",
                )
            refund = refunds.sync_refund(refund=refund, source=source)
            return finish_delivery(
                delivery,
                WebhookDelivery.Outcome.PROCESSED,
                200,
                f"Refund {refund.state}.",
            )
        payment = Payment.objects.filter(
            merchant_order_id=event.merchant_order_id
        ).first()
        if payment is None:
            return finish_delivery(
                delivery, WebhookDelivery.Outcome.UNKNOWN_ORDER, 200, "Unknown order."
            )
        recorded = []

        def record(result):
            recorded.append(_finish_payment_delivery(delivery, result))

        # The outcome is written in the transaction that settles the payment
        # (one commit instead of two), or after when nothing needed one.
        result = services.sync(payment=payment, source=source, before_commit=record)
        return recorded[0] if recorded else _finish_payment_delivery(delivery, result)
    except phonepe.PhonePeError as exc:
        if not keep_waiting and not isinstance(exc, phonepe.PhonePeBudgetExhausted):
            return finish_delivery(
                delivery,
                WebhookDelivery.Outcome.RETRY,
                503,
                f"PhonePe unreachable: {exc}",
            )
        # Stored and authenticated: accepted. The reconciler settles it on its
        # next pass (the payment is also on its own schedule), so PhonePe need
        # not send it again.
        return finish_delivery(
            delivery,
            WebhookDelivery.Outcome.DEFERRED,
            delivery.http_status if keep_waiting else 200,
            f"Accepted; PhonePe did not answer in time, settling in the background "
            f"({exc}).",
        )


def _finish_payment_delivery(delivery, result):
    outcome = (
        WebhookDelivery.Outcome.PROCESSED
        if result.changed
        else WebhookDelivery.Outcome.IGNORED
    )
    payment = result.payment
    return finish_delivery(
        delivery,
        outcome,
        200,
        f"Payment {payment.status} {payment.resolution}".strip(),
    )


def finish_delivery(delivery, outcome, http_status, message):
    """Record how a delivery ended and the HTTP answer PhonePe got (or would get)."""
    delivery.outcome = outcome
    delivery.http_status = http_status
    delivery.error = (
        ""
        if http_status == 200 and outcome != WebhookDelivery.Outcome.DEFERRED
        else message
    )
    delivery.processed_at = timezone.now()
    if not prepared.update_where(
        WebhookDelivery,
        {"pk": delivery.pk},
        {name: getattr(delivery, name) for name in DELIVERY_RESULT_FIELDS},
    ):
        # As save(update_fields=...) does for a row that is gone.
        raise DatabaseError("Save with update_fields did not affect any rows.")
    return WebhookResult(http_status=http_status, message=message)
