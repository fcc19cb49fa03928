"""Staff operations on bookings, payments, refunds and webhooks (used by the admin).

Each operation is a plain function: it checks the booking's state, changes it
inside ``transaction.atomic()`` under a row lock, writes an audit entry and
sends emails after the commit. It raises ``CheckoutError`` with a
message fit for staff when the operation is not allowed. Permissions are the
caller's job (the admin checks them before calling).

Booking states move only this way::

    CONFIRMED -> ASSIGNED            assign_priest (again, to change the priest)
    CONFIRMED/ASSIGNED -> COMPLETED  complete_booking
    CONFIRMED/ASSIGNED -> CANCELLED  cancel_booking (with a full or partial refund)
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from checkout import phonepe, refunds, services, states, tasks, webhooks
from checkout.audit import record_audit
from checkout.errors import CheckoutError
from checkout.models import Booking, Payment, Refund, SlotHold, WebhookDelivery
from checkout.selectors import REFUND_RETRIED
from priests import services as priest_services
from storefront.india import format_rupees

logger = logging.getLogger("checkout")


def _staff_budget():
    """PhonePe calls made while a staff member waits share the request budget."""
    return phonepe.time_budget(settings.PHONEPE_REQUEST_BUDGET_SECONDS)


def _lock_booking(booking):
    return (
        Booking.objects.select_for_update().select_related("payment").get(pk=booking.pk)
    )


def _require_state(booking, allowed, verb):
    if booking.status not in allowed:
        raise CheckoutError(
            _("Booking %(book_id)s is %(status)s; it cannot be %(verb)s.")
            % {
                "book_id": booking.book_id,
                "status": booking.get_status_display().lower(),
                "verb": verb,
            }
        )


# Bookings -------------------------------------------------------------------


def assign_priest(*, booking: Booking, priest, actor, co_priests=()) -> Booking:
    """Assign ``priest`` (and ``co_priests``); tell priests and customer after the commit.

    The one assignment path (``priests.services.assign_priests``): each priest
    must match the pujas and be free for their whole duration; a package
    needing N priests gets N, the places staff leave open filled with the
    least busy matching free priests. A confirmed booking becomes ASSIGNED;
    an assigned one gets the new lead priest.
    """
    return priest_services.assign_priests(
        booking=booking, priests=[priest, *co_priests], actor=actor
    )


def complete_booking(*, booking: Booking, actor) -> Booking:
    """Mark a confirmed or assigned booking as completed (the puja took place)."""
    with transaction.atomic():
        booking = _lock_booking(booking)
        _require_state(
            booking,
            {Booking.Status.CONFIRMED, Booking.Status.ASSIGNED},
            _("marked completed"),
        )
        states.move(
            booking,
            Booking.Status.COMPLETED,
            source="admin",
            update_fields=[],
            message="Marked completed.",
            actor=actor,
        )
    return booking


def cancel_booking(
    *, booking: Booking, actor, refund_paise: int, reason: str, source: str = "admin"
):
    """Cancel a booking, free its slots and refund ``refund_paise`` (0 for no refund).

    Return ``(booking, refund)``; ``refund`` is None without a refund. The
    amount is checked against what is still refundable before anything
    changes. The refund is created and sent to PhonePe after the cancellation
    commits, so PhonePe's refund webhooks always find it.
    """
    if not isinstance(refund_paise, int) or isinstance(refund_paise, bool):
        raise CheckoutError(_("The refund amount must be a whole number of paise."))
    if refund_paise < 0:
        raise CheckoutError(_("The refund amount cannot be negative."))
    if 0 < refund_paise < 100:
        raise CheckoutError(_("A refund must be at least ₹1.00."))
    reason = (reason or "").strip()
    if not reason:
        raise CheckoutError(_("Please give a reason for the cancellation."))
    with transaction.atomic():
        booking = _lock_booking(booking)
        _require_state(
            booking, {Booking.Status.CONFIRMED, Booking.Status.ASSIGNED}, _("cancelled")
        )
        payment = Payment.objects.lock(booking.payment_id)
        if refund_paise:
            if payment.status != Payment.Status.SUCCESS:
                raise CheckoutError(_("Only paid payments can be refunded."))
            left = refunds.refundable_paise(payment)
            if refund_paise > left:
                raise CheckoutError(
                    _("At most %(left)s can still be refunded on %(book_id)s.")
                    % {"left": format_rupees(left), "book_id": booking.book_id}
                )
        holds = list(
            SlotHold.objects.filter(booking=booking).exclude(
                state=SlotHold.State.RELEASED
            )
        )
        states.move(
            booking,
            Booking.Status.CANCELLED,
            source=source,
            update_fields=[],
            message=(
                f"Cancelled: {reason}. {len(holds)} slot hold(s) released. "
                f"Refund: {format_rupees(refund_paise) if refund_paise else 'none'}."
            ),
            payload={"refund_paise": refund_paise, "reason": reason},
            actor=actor,
        )
        for hold in holds:
            states.move(
                hold,
                SlotHold.State.RELEASED,
                source=source,
                update_fields=[],
                actor=actor,
            )
        # Free the priests' time and tell them after the commit.
        priest_services.release_for_cancellation(booking=booking)
        if not refund_paise:
            # With a refund, the refund-started email tells the customer instead.
            tasks.enqueue(tasks.send_booking_cancelled, booking_id=booking.pk)
    refund = None
    if refund_paise:
        try:
            with _staff_budget():
                refund = refunds.request_refund(
                    payment=payment,
                    amount_paise=refund_paise,
                    reason=Refund.Reason.CANCELLED,
                    note=reason,
                    booking=booking,
                    actor=actor,
                    source=source,
                )
        except CheckoutError as exc:
            # Only a refund started elsewhere in the last instant gets here.
            record_audit(
                source=source,
                action="booking.refund_not_started",
                payment=payment,
                booking=booking,
                message=exc.message,
                actor=actor,
            )
            raise CheckoutError(
                _(
                    "%(book_id)s was cancelled, but the refund was not started: %(error)s"
                )
                % {"book_id": booking.book_id, "error": exc.message}
            ) from exc
    return booking, refund


def resend_confirmation(*, booking: Booking, actor) -> Booking:
    """Send the booking confirmation email again (an explicit staff request)."""
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status == Booking.Status.CANCELLED:
            raise CheckoutError(
                _(
                    "Booking %(book_id)s is cancelled; its confirmation is not sent again."
                )
                % {"book_id": booking.book_id}
            )
        record_audit(
            source="admin",
            action="booking.confirmation_resent",
            payment=booking.payment,
            booking=booking,
            message=f"Confirmation email sent again to {booking.user.email}.",
            actor=actor,
        )
        tasks.enqueue(
            tasks.send_booking_confirmation, booking_id=booking.pk, force=True
        )
    return booking


# Payments, refunds, webhooks ------------------------------------------------


def recheck_payment(*, payment: Payment, actor) -> Payment:
    """Ask PhonePe for the payment's state and settle it (idempotent)."""
    before = payment.status
    try:
        with _staff_budget():
            result = services.sync(payment=payment, source="admin", actor=actor)
    except phonepe.PhonePeError as exc:
        raise CheckoutError(
            _("PhonePe could not be reached for %(order)s: %(error)s")
            % {"order": payment.merchant_order_id, "error": exc}
        ) from exc
    payment = result.payment
    record_audit(
        source="admin",
        action="payment.rechecked",
        payment=payment,
        from_state=before,
        to_state=payment.status,
        message=(
            "Re-checked with PhonePe: "
            + ("changed." if result.changed else "no change.")
            + f" PhonePe state {payment.gateway_state or 'unknown'}."
        ),
        actor=actor,
    )
    return payment


def recheck_refund(*, refund: Refund, actor) -> Refund:
    """Read the refund's state from PhonePe (or send it again if it never got there)."""
    before = refund.state
    try:
        with _staff_budget():
            refund = refunds.sync_refund(refund=refund, source="admin")
    except phonepe.PhonePeError as exc:
        raise CheckoutError(
            _("PhonePe could not be reached for refund %(refund)s: %(error)s")
            % {"refund": refund.merchant_refund_id, "error": exc}
        ) from exc
    if refund.state == before:
        record_audit(
            source="admin",
            action="refund.rechecked",
            payment=refund.payment,
            booking=refund.booking,
            refund=refund,
            from_state=before,
            to_state=refund.state,
            message="Re-checked with PhonePe: no change.",
            actor=actor,
        )
    return refund


def replay_webhook(*, delivery: WebhookDelivery, actor) -> webhooks.WebhookResult:
    """Process a stored webhook delivery again; safe because settling is idempotent."""
    if not delivery.authenticated:
        raise CheckoutError(
            _("Delivery %(id)s failed the Authorization check; it is not replayed.")
            % {"id": delivery.pk}
        )
    with _staff_budget():
        result = webhooks.process_webhook_delivery(
            delivery=delivery, source="admin-replay"
        )
    delivery.refresh_from_db()
    payment = Payment.objects.filter(
        merchant_order_id=delivery.merchant_order_id
    ).first()
    record_audit(
        source="admin-replay",
        action="webhook.replayed",
        payment=payment,
        message=f"Delivery {delivery.pk} ({delivery.event or 'unknown event'}) replayed: "
        f"HTTP {result.http_status} {result.message}",
        actor=actor,
    )
    return result


# Refund retries -------------------------------------------------------------


def retry_refund(*, refund: Refund, actor) -> Refund:
    """Start a new refund of a failed refund's amount; return the new refund. Moves money.

    The failed refund is marked retried (an audit entry) under its row lock
    before the new refund is requested, so two staff pressing "retry" at once
    start one refund, never two. The new refund goes through
    ``refunds.request_refund`` (amount checked against what is still
    refundable, sent to PhonePe, the customer told by email).
    """
    with transaction.atomic():
        failed = Refund.objects.select_for_update().get(pk=refund.pk)
        if failed.state != Refund.State.FAILED:
            raise CheckoutError(
                _("Refund %(refund)s is %(state)s; only a failed refund is retried.")
                % {
                    "refund": failed.merchant_refund_id,
                    "state": failed.get_state_display().lower(),
                }
            )
        if failed.audit_entries.filter(action=REFUND_RETRIED).exists():
            raise CheckoutError(
                _("Refund %(refund)s was already retried.")
                % {"refund": failed.merchant_refund_id}
            )
        record_audit(
            source="admin",
            action=REFUND_RETRIED,
            payment=failed.payment,
            booking=failed.booking,
            refund=failed,
            from_state=failed.state,
            to_state=failed.state,
            message=(
                f"Retry of {format_rupees(failed.amount_paise)} requested "
                f"(PhonePe said: {failed.last_error or 'failed'})."
            ),
            actor=actor,
        )
    try:
        new = refunds.request_refund(
            payment=failed.payment,
            amount_paise=failed.amount_paise,
            reason=failed.reason,
            note=f"Retry of {failed.merchant_refund_id}. {failed.note}".strip(),
            booking=failed.booking,
            actor=actor,
            source="admin",
            retry_of=failed,
        )
    except CheckoutError as exc:
        # Money already refunded elsewhere, say: nothing is left to retry.
        record_audit(
            source="admin",
            action="refund.retry_not_started",
            payment=failed.payment,
            booking=failed.booking,
            refund=failed,
            message=exc.message,
            actor=actor,
        )
        raise CheckoutError(
            _("Refund %(refund)s was not retried: %(error)s")
            % {"refund": failed.merchant_refund_id, "error": exc.message}
        ) from exc
    return new
