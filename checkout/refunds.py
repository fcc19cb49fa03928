"""Refunds: ask PhonePe to return money, and follow each refund to its end.

``request_refund`` is the one way to start a refund by hand (staff cancels);
the money path starts automatic refunds of unbookable payments in
``services``. A refund's state only moves forward (``states.REFUND``).

A refund is sent to PhonePe by one process at a time: the task that submits
an automatic refund, a staff request and every reconciler first claim it
(``claim_refunds``: ``SELECT ... FOR UPDATE SKIP LOCKED``, then a lease), so
several workers and reconcilers on one PostgreSQL never send the same refund
at once. (PhonePe also deduplicates by merchantRefundId.)
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout import invoices, phonepe, states, tasks
from checkout.audit import record_audit
from checkout.errors import CheckoutError
from checkout.models import CreditNote, Payment, Refund
from storefront.india import format_rupees

logger = logging.getLogger("checkout")


def refundable_paise(payment: Payment) -> int:
    """Return how much of the payment has not been refunded (or asked to be)."""
    taken = (
        payment.refunds.exclude(state=Refund.State.FAILED).aggregate(
            total=Sum("amount_paise")
        )["total"]
        or 0
    )
    return max(payment.amount_paise - taken, 0)


# A claimed refund is free again after this, should its claimer die before
# releasing it (far longer than any PhonePe call may take).
CLAIM_LEASE = datetime.timedelta(minutes=2)
# The reconciler follows an open refund once it has not changed for this long.
RECHECK_AFTER = datetime.timedelta(seconds=5)


def claim_refunds(*, now=None, limit=100, refund_ids=None) -> list[Refund]:
    """Claim open refunds for this process and return them, oldest change first.

    ``SELECT ... FOR UPDATE SKIP LOCKED`` picks rows no other process is
    claiming, and the lease written with them keeps them out of every other
    claim until ``release_refund`` (or the lease ends). The claim commits
    before PhonePe is asked. Without ``refund_ids``, the refunds due for the
    reconciler (unchanged for RECHECK_AFTER); with them, just those.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = Refund.objects.filter(state__in=states.REFUND_OPEN_STATES).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
        )
        if refund_ids is None:
            due = due.filter(updated_at__lte=now - RECHECK_AFTER)
        else:
            due = due.filter(pk__in=refund_ids)
        ids = list(
            due.order_by("updated_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Refund.objects.filter(pk__in=ids).update(claimed_until=now + CLAIM_LEASE)
    claimed = Refund.objects.select_related("payment").in_bulk(ids)
    return [claimed[pk] for pk in ids if pk in claimed]


def release_refund(refund: Refund) -> None:
    """Give up this process's claim on the refund."""
    Refund.objects.filter(pk=refund.pk).update(claimed_until=None)
    refund.claimed_until = None


def submit_refund(*, refund: Refund, source: str, claimed=False) -> Refund:
    """Send a requested refund to PhonePe (idempotent by merchantRefundId). Moves money.

    The refund is claimed first (``claimed``: the caller holds the claim);
    while another process holds it, nothing is sent and it is returned as it
    is (that process sends it, or the reconciler once its lease ends).
    """
    if refund.state != Refund.State.REQUESTED:
        return refund
    if not claimed:
        mine = claim_refunds(refund_ids=[refund.pk])
        if not mine:
            return refund
        refund = mine[0]
    try:
        if refund.state != Refund.State.REQUESTED:
            return refund
        return _send_refund(refund=refund, source=source)
    finally:
        if not claimed:
            release_refund(refund)


def _send_refund(*, refund, source):
    try:
        result = phonepe.get_client().refund(
            merchant_refund_id=refund.merchant_refund_id,
            original_merchant_order_id=refund.payment.merchant_order_id,
            amount_paise=refund.amount_paise,
        )
    except phonepe.PhonePeRejected as exc:
        return _update_refund(
            refund=refund,
            source=source,
            state=Refund.State.FAILED,
            error=f"{exc.code}: {exc.message}"[:255],
        )
    except phonepe.PhonePeError as exc:
        # Stays REQUESTED; the reconciler sends it again (same merchantRefundId).
        Refund.objects.filter(pk=refund.pk).update(last_error=str(exc)[:255])
        logger.warning("Refund %s not sent yet: %s", refund, exc)
        refund.refresh_from_db()
        return refund
    state = _refund_state(result.state) or Refund.State.PENDING
    return _update_refund(
        refund=refund,
        source=source,
        state=state,
        gateway_refund_id=result.refund_id or "",
    )


def sync_refund(*, refund: Refund, source: str, claimed=False) -> Refund:
    """Read a refund's state from PhonePe's refund-status API and record it.

    A refund never sent is sent (``submit_refund``; ``claimed`` as there).
    """
    if refund.state == Refund.State.REQUESTED:
        return submit_refund(refund=refund, source=source, claimed=claimed)
    if refund.state in {Refund.State.COMPLETED, Refund.State.FAILED}:
        return refund
    status = phonepe.get_client().get_refund_status(refund.merchant_refund_id)
    state = _refund_state(status.state)
    if state is None:
        return refund
    return _update_refund(
        refund=refund,
        source=source,
        state=state,
        gateway_refund_id=status.refund_id or "",
        error=status.error_code or "",
    )


def _refund_state(gateway_state):
    return {
        "PENDING": Refund.State.PENDING,
        "CONFIRMED": Refund.State.CONFIRMED,
        "ACCEPTED": Refund.State.CONFIRMED,
        "COMPLETED": Refund.State.COMPLETED,
        "FAILED": Refund.State.FAILED,
    }.get((gateway_state or "").upper())


def _update_refund(*, refund, source, state, gateway_refund_id="", error=""):
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if state == refund.state:
            if gateway_refund_id and not refund.gateway_refund_id:
                refund.gateway_refund_id = gateway_refund_id
                refund.save(update_fields=["gateway_refund_id", "updated_at"])
            return refund
        # States only move forward, whatever order the answers arrive in: an
        # older answer arriving late is not an error, just stale.
        if not states.REFUND.allows(refund.state, state):
            return refund
        if gateway_refund_id:
            refund.gateway_refund_id = gateway_refund_id
        refund.last_error = error[:255]
        states.move(refund, state, source=source, message=error)
    return refund


def request_refund(
    *,
    payment: Payment,
    amount_paise: int,
    reason,
    note="",
    booking=None,
    actor=None,
    source="admin",
    retry_of: Refund | None = None,
) -> Refund:
    """Create a refund of ``amount_paise`` and send it to PhonePe. Moves money.

    A refund of a booking gets its GST credit note against the booking's
    invoice in the transaction that records it (the invoice is issued first
    if it was not yet). A retry of a failed refund (``retry_of``) returns the
    same money as the refund it retries, so it keeps that refund's credit
    note instead of getting a second one.

    Raise CheckoutError when the payment was not paid or the amount would take
    the total refunded above what was paid.
    """
    if not isinstance(amount_paise, int) or amount_paise < 100:
        raise CheckoutError(_("A refund must be at least ₹1.00."))
    # Issued in its own transaction (it locks the booking), before the
    # payment's lock is taken: cancel_booking locks booking then payment.
    invoice = invoices.issue_invoice(booking=booking) if booking is not None else None
    with transaction.atomic():
        payment = Payment.objects.lock(payment.pk)
        if payment.status != Payment.Status.SUCCESS:
            raise CheckoutError(_("Only paid payments can be refunded."))
        left = refundable_paise(payment)
        if amount_paise > left:
            raise CheckoutError(
                _("At most %(left)s can still be refunded on this payment.")
                % {"left": format_rupees(left)}
            )
        number = payment.refunds.count() + 1
        refund = Refund.objects.create(
            merchant_refund_id=f"{payment.merchant_order_id}-R{number}"[:63],
            payment=payment,
            booking=booking,
            amount_paise=amount_paise,
            reason=reason,
            note=note[:255],
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        record_audit(
            source=source,
            action="refund.requested",
            payment=payment,
            booking=booking,
            refund=refund,
            to_state=refund.state,
            message=f"{format_rupees(amount_paise)}: {note}".strip(),
            actor=actor,
        )
        if invoice is not None and not (
            retry_of is not None and CreditNote.objects.filter(refund=retry_of).exists()
        ):
            invoices.issue_credit_note(refund=refund, invoice=invoice)
        tasks.enqueue(tasks.send_refund_started, refund_id=refund.pk)
    return submit_refund(refund=refund, source=source)
