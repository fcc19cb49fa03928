"""Asking PhonePe on a schedule: the confirm page's poll and the reconciler.

The reconciler (``manage.py reconcile_payments --loop``) settles payments whose
webhook never came, watches payments given up here for a late completion, and
follows open refunds to their end.
"""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from checkout import phonepe, refunds, services, tasks, webhooks
from checkout.models import Payment, WebhookDelivery

logger = logging.getLogger("checkout")

STUCK_DELIVERY_AFTER = WebhookDelivery.STUCK_AFTER


def gateway_check_due(payment: Payment, now) -> bool:
    """Whether a poll of this payment (as read now) would ask PhonePe."""
    if (
        not services.payment_can_change(payment)
        or payment.status != Payment.Status.PENDING
    ):
        return False
    cutoff = now - datetime.timedelta(
        seconds=settings.CHECKOUT_GATEWAY_CHECK_MIN_SECONDS
    )
    return payment.last_checked_at is None or payment.last_checked_at <= cutoff


def refresh_pending_payment(*, payment: Payment, source="poll") -> Payment:
    """Ask PhonePe about a pending payment at most once per few seconds.

    The claim is a conditional UPDATE, so many polling tabs, processes or
    hosts share one gateway call per interval.
    """
    now = timezone.now()
    if not gateway_check_due(payment, now):
        # Settled, or asked a moment ago (as the row read with this request
        # says): a poll that changes nothing writes nothing.
        return payment
    cutoff = now - datetime.timedelta(
        seconds=settings.CHECKOUT_GATEWAY_CHECK_MIN_SECONDS
    )
    claimed = (
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=cutoff))
        .update(last_checked_at=now)
    )
    if not claimed:
        return payment
    try:
        with phonepe.time_budget(settings.PHONEPE_REQUEST_BUDGET_SECONDS):
            return services.sync_payment(payment=payment, source=source)
    except phonepe.PhonePeError as exc:
        logger.info("Poll could not reach PhonePe for %s: %s", payment, exc)
        return payment


def _reschedule_unreachable(payment, now):
    """PhonePe could not be asked: try this payment again later, backing off."""
    payment.check_count += 1
    Payment.objects.filter(pk=payment.pk).update(
        next_check_at=services.next_check_at(payment, now),
        check_count=payment.check_count,
    )


# A claimed payment is due again after this, should its reconciler die
# before checking it (checking reschedules it anyway).
CLAIM_LEASE = datetime.timedelta(minutes=2)


def claim_due_payments(*, now, limit=100) -> list[Payment]:
    """Claim up to ``limit`` due payments for this reconciler and return them.

    ``SELECT ... FOR UPDATE SKIP LOCKED`` picks rows no other reconciler is
    claiming, and moving their next check past the lease keeps them out of
    every other reconciler's next query, so several reconcilers can run on one
    PostgreSQL and each payment is checked by one at a time. The claim commits
    before PhonePe is asked (never inside a transaction).
    """
    with transaction.atomic():
        ids = list(
            Payment.objects.filter(
                status__in=[Payment.Status.PENDING, Payment.Status.FAILED],
                next_check_at__lte=now,
            )
            .order_by("next_check_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Payment.objects.filter(pk__in=ids).update(next_check_at=now + CLAIM_LEASE)
    payments = Payment.objects.in_bulk(ids)
    return [payments[pk] for pk in ids if pk in payments]


def reconcile_due_payments(*, now=None, limit=100) -> dict:
    """Settle payments whose next check is due, and move open refunds.

    Due are pending payments (backing off from 10 s to a minute) and payments
    given up here that PhonePe may still complete (watched until their holds'
    expiry plus a day, backing off to hourly; see ``services.next_check_at``).
    """
    now = now or timezone.now()
    counts = defaultdict(int)
    for payment in claim_due_payments(now=now, limit=limit):
        late = payment.status == Payment.Status.FAILED
        if not services.payment_can_change(payment):
            Payment.objects.filter(pk=payment.pk).update(next_check_at=None)
            continue
        try:
            payment = services.sync_payment(payment=payment, source="reconciler")
        except phonepe.PhonePeError as exc:
            logger.warning(
                "Reconciler could not reach PhonePe for %s: %s", payment, exc
            )
            _reschedule_unreachable(payment, now)
            counts["unreachable"] += 1
            continue
        counts[("late_" if late else "") + payment.status] += 1
    for refund in refunds.claim_refunds(now=now, limit=limit):
        try:
            refund = refunds.sync_refund(
                refund=refund, source="reconciler", claimed=True
            )
        except phonepe.PhonePeError:
            counts["unreachable"] += 1
            continue
        finally:
            refunds.release_refund(refund)
        counts["refund_" + refund.state] += 1
    for outcome in close_stuck_deliveries(now=now, limit=limit):
        counts["webhook_" + outcome] += 1
    recovered = tasks.recover_stuck_tasks(now=now, limit=limit)
    if recovered:
        counts["tasks_recovered"] = recovered
    return dict(counts)


def close_stuck_deliveries(*, now, limit=100) -> list:
    """Finish webhook deliveries accepted but not settled within the webhook's budget,
    and deliveries whose process died before recording an outcome.

    An authenticated one is processed now (settling is idempotent, so one that
    had in fact settled is recorded as ignored); one that died before its
    Authorization was checked cannot be checked any more (only the header's
    presence is stored) and is closed as an error: PhonePe retries it, since it
    never got a 200.
    """
    outcomes = []
    cutoff = now - STUCK_DELIVERY_AFTER
    Outcome = WebhookDelivery.Outcome
    left = Q(outcome=Outcome.RECEIVED, received_at__lte=cutoff) & (
        Q(processed_at__isnull=True) | Q(processed_at__lte=cutoff)
    )
    # Deferred ones were answered 200 within the webhook's budget; processed_at
    # is when that answer went out, so a reconciler's claim moves it forward.
    deferred = Q(outcome=Outcome.DEFERRED, processed_at__lte=now)
    waiting = WebhookDelivery.objects.filter(left | deferred).order_by("received_at")
    unreachable = set()  # orders/refunds PhonePe did not answer about this pass
    for delivery in waiting[:limit]:
        key = delivery.merchant_order_id or delivery.merchant_refund_id or delivery.pk
        if key in unreachable:
            continue  # its duplicates wait for the next pass, not for PhonePe
        # Claimed by one reconciler at a time (a conditional UPDATE).
        claimed = (
            WebhookDelivery.objects.filter(pk=delivery.pk)
            .filter(left | deferred)
            .filter(processed_at=delivery.processed_at)
            .update(processed_at=now + STUCK_DELIVERY_AFTER)
        )
        if not claimed:
            continue
        if delivery.authenticated:
            # Each delivery gets the request budget: a hanging PhonePe must not
            # hold the reconciler's pass (the payment has its own schedule).
            with phonepe.time_budget(settings.PHONEPE_REQUEST_BUDGET_SECONDS):
                webhooks.process_webhook_delivery(
                    delivery=delivery, source="reconciler", keep_waiting=True
                )
        else:
            webhooks.finish_delivery(
                delivery,
                WebhookDelivery.Outcome.ERROR,
                None,
                "Interrupted before its Authorization was checked; PhonePe retries it.",
            )
        delivery.refresh_from_db(fields=["outcome"])
        if delivery.outcome == WebhookDelivery.Outcome.DEFERRED:
            unreachable.add(key)
        outcomes.append(delivery.outcome)
    return outcomes
