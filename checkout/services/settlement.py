"""Settle a payment from PhonePe's answer: book it, or refund it when blocked.

``sync`` (and ``sync_payment``, which returns just the payment) is the only
code that moves a payment to a final state and the only code that creates a
booking. States move only through ``checkout.states.move`` (checked, audited). The webhook, the confirm page's poll,
the reconciler and the admin's "re-check" all call it. It never trusts a
webhook body or a redirect: it asks PhonePe's order-status API and moves
state only from allowed states, under a row lock, so running it twice (or
ten times at once) changes nothing the second time.
"""

import copy
import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from checkout import (
    audit,
    bookings,
    phonepe,
    prepared,
    promos,
    snapshots,
    states,
    tasks,
)
from checkout.audit import record_audit
from checkout.models import (
    Payment,
    Refund,
    SlotHold,
    new_book_id,
)
from checkout.services.slots import _check_lines_have_room, _lock_slots
from storefront import services as storefront_services
from storefront.exceptions import SlotUnavailableError
from storefront.models import Cart, PromoCode

logger = logging.getLogger("checkout")

# PhonePe's state that is final on its side: a FAILED order never completes.
GATEWAY_FAILED_STATES = {"FAILED", "EXPIRED"}
# How long an order PhonePe does not know about may exist before it is
# given up (the pay call may still be in flight from another request).
UNKNOWN_ORDER_GRACE = datetime.timedelta(minutes=2)
# A payment given up here is watched for a late COMPLETED until its holds'
# expiry plus this window; PhonePe's own order has long expired by then.
LATE_COMPLETION_WINDOW = datetime.timedelta(hours=24)
FAILURE_MESSAGES = {
    "INSUFFICIENT_BALANCE": gettext_lazy("Your bank reported insufficient balance."),
    "AUTHORIZATION_ERROR": gettext_lazy("Your bank did not authorise the payment."),
    "INVALID_MPIN": gettext_lazy("The UPI PIN entered was incorrect."),
    "BANK_TECHNICAL_ISSUE": gettext_lazy("Your bank had a technical problem."),
    "TXN_NOT_COMPLETED": gettext_lazy("The payment was not completed in time."),
    "PAYMENT_ERROR": gettext_lazy("The payment was declined."),
}


@dataclass(frozen=True)
class SyncResult:
    """What one settling call did: the payment now, and whether this call moved it."""

    payment: Payment
    changed: bool


# Settle a payment -----------------------------------------------------------


def payment_can_change(payment: Payment) -> bool:
    """Return True while PhonePe's answer could still change this payment."""
    if payment.status == Payment.Status.PENDING:
        return True
    # Failed here (expired, or never created) but PhonePe had not said FAILED:
    # a late COMPLETED must still end in a booking or a refund.
    return (
        payment.status == Payment.Status.FAILED
        and bool(payment.gateway_order_id)
        and payment.gateway_state not in GATEWAY_FAILED_STATES
    )


def sync(
    *, payment: Payment, source: str, actor=None, before_commit=None
) -> SyncResult:
    """Ask PhonePe for the order's state and settle the payment from it.

    Return what happened. Raise phonepe.PhonePeError when PhonePe cannot be
    asked; the payment is then unchanged (callers answer 503, show "still
    confirming", or retry). A payment that can no longer change costs nothing.
    ``before_commit(result)``, when given, runs inside the transaction that
    settles the payment, as its last step (the webhook records its delivery's
    outcome there: one commit fewer); it is not called when no transaction
    was needed.
    """
    if not payment_can_change(payment):
        return SyncResult(payment=payment, changed=False)
    try:
        status = phonepe.get_client().get_order_status(payment.merchant_order_id)
    except phonepe.PhonePeOrderNotFound:
        return _handle_unknown_order(
            payment=payment, source=source, before_commit=before_commit
        )
    return apply_order_status(
        payment=payment,
        status=status,
        source=source,
        actor=actor,
        before_commit=before_commit,
    )


def sync_payment(*, payment: Payment, source: str, actor=None) -> Payment:
    """``sync`` for callers that only need the payment."""
    return sync(payment=payment, source=source, actor=actor).payment


def _handle_unknown_order(*, payment, source, before_commit=None) -> SyncResult:
    with transaction.atomic():
        payment = Payment.objects.lock(payment.pk)
        before = payment.status
        now = timezone.now()
        payment.last_checked_at = now
        if payment.status == Payment.Status.PENDING and (
            now - payment.created_at > UNKNOWN_ORDER_GRACE
        ):
            _fail_locked(
                payment=payment,
                source=source,
                reason=gettext_lazy("PhonePe has no record of this payment."),
            )
        else:
            payment.next_check_at = next_check_at(payment, now)
            payment.save(update_fields=["last_checked_at", "next_check_at"])
        result = SyncResult(payment=payment, changed=payment.status != before)
        if before_commit is not None:
            before_commit(result)
    return result


def next_check_delay(check_count: int) -> datetime.timedelta:
    """Back off from 10 s to once a minute, as PhonePe asks for pending orders."""
    return datetime.timedelta(seconds=min(60, 10 * 2 ** max(check_count - 1, 0)))


def _late_check_at(payment, now):
    """When to ask again about a payment given up here that PhonePe may still complete.

    The horizon is fixed by the holds' expiry (not by ``updated_at``, which
    every check bumps): checks back off from a minute to an hour, and stop
    LATE_COMPLETION_WINDOW after the holds expired.
    """
    if not payment.gateway_order_id or payment.gateway_state in GATEWAY_FAILED_STATES:
        return None
    base = payment.hold_until or payment.expires_at or payment.created_at
    horizon = base + LATE_COMPLETION_WINDOW
    if now >= horizon:
        return None
    age = (now - base).total_seconds()
    delay = datetime.timedelta(seconds=min(3600, max(60, age)))
    return min(now + delay, horizon)


def next_check_at(payment, now):
    """When the reconciler should next ask PhonePe about this payment (None: never)."""
    if payment.status == Payment.Status.PENDING:
        return now + next_check_delay(payment.check_count)
    if payment.status == Payment.Status.FAILED:
        return _late_check_at(payment, now)
    return None


def apply_order_status(
    *, payment: Payment, status, source: str, actor=None, before_commit=None
) -> SyncResult:
    """Move the payment from PhonePe's order status, under a row lock.

    A paid pending payment whose holds are live is booked by
    ``_book_paid_payment`` without taking the lock first; everything else
    (and that, when it finds otherwise) is settled here under the lock.
    ``before_commit`` (see ``sync``) gets the result inside the transaction.
    """
    if status.is_completed and payment.status == Payment.Status.PENDING:
        booked = _book_paid_payment(
            payment=payment,
            status=status,
            source=source,
            actor=actor,
            before_commit=before_commit,
        )
        if booked is not None:
            return booked
    with transaction.atomic():
        result = _apply_locked(
            payment=payment, status=status, source=source, actor=actor
        )
        if before_commit is not None:
            before_commit(result)
    if result.changed and result.payment.resolution == Payment.Resolution.BOOKED:
        logger.info("Payment %s booked", result.payment)
    return result


def _apply_locked(*, payment, status, source, actor) -> SyncResult:
    """``apply_order_status`` under the payment's row lock, inside its transaction."""
    payment = Payment.objects.lock(payment.pk)
    before = (payment.status, payment.resolution)
    now = timezone.now()
    payment.last_checked_at = now
    payment.check_count += 1
    if not payment_can_change(payment):
        payment.next_check_at = None
        payment.save(update_fields=["last_checked_at", "check_count", "next_check_at"])
        return SyncResult(payment=payment, changed=False)
    payload = status.raw
    if status.is_completed:
        _settle_success(payment=payment, status=status, source=source, actor=actor)
    elif status.is_failed:
        if payment.status == Payment.Status.PENDING:
            code = status.error_code or ""
            reason = FAILURE_MESSAGES.get(
                code, gettext_lazy("The payment did not go through.")
            )
            payment.gateway_error_code = code
            _fail_locked(
                payment=payment,
                source=source,
                reason=reason,
                detail=f"({code} {status.detailed_error_code or ''})".strip(),
                gateway_state=status.state,
                payload=payload,
            )
        else:
            # Failed here and now final at PhonePe: stop watching it.
            payment.gateway_state = status.state
            payment.next_check_at = None
            payment.save()
    else:
        payment.gateway_state = status.state or "PENDING"
        if (
            payment.status == Payment.Status.PENDING
            and payment.hold_until
            and (now >= payment.hold_until)
        ):
            _fail_locked(
                payment=payment,
                source=source,
                reason=gettext_lazy("The payment was not confirmed in time."),
                payload=payload,
            )
        else:
            payment.next_check_at = next_check_at(payment, now)
            payment.save()
    return SyncResult(
        payment=payment, changed=(payment.status, payment.resolution) != before
    )


def _booking_blocker(*, payment, status):
    """Return (reason, message) when the paid order cannot be booked, else None."""
    if status.amount_paise != payment.amount_paise:
        return (
            Refund.Reason.AMOUNT_MISMATCH,
            f"PhonePe reports {status.amount_paise} paise, order was "
            f"{payment.amount_paise} paise.",
        )
    cart = Cart.objects.select_for_update().get(pk=payment.cart_id)
    if cart.status == Cart.Status.CONVERTED:
        return (
            Refund.Reason.CART_CONVERTED,
            "The cart was already booked by another payment.",
        )
    holds = list(payment.holds.all())
    now = timezone.now()
    if all(
        hold.state == SlotHold.State.HELD and hold.expires_at > now for hold in holds
    ):
        return None
    # The holds lapsed or were released: the slots are ours only if still free.
    slots = _lock_slots({hold.slot_id for hold in holds})
    try:
        _check_lines_have_room(
            lines=payment.snapshot["lines"],
            address=payment.snapshot.get("address"),
            slots=slots,
            exclude_payment_id=payment.pk,
        )
    except SlotUnavailableError as exc:
        return Refund.Reason.SLOT_UNAVAILABLE, exc.message
    # Its promo reservation lapsed with the holds: the discount stands only if
    # a use of the code is still free.
    if payment.promo_id:
        promo = PromoCode.objects.select_for_update().get(pk=payment.promo_id)
        try:
            storefront_services.check_promo_uses(
                promo=promo,
                user=payment.user,
                reserved=promos.reservations(
                    promo=promo,
                    user=payment.user,
                    now=now,
                    exclude_payment_id=payment.pk,
                ),
            )
        except storefront_services.PromoError as exc:
            return Refund.Reason.PROMO_USED_UP, exc.message
    return None


def _settle_success(*, payment, status, source, actor):
    """PhonePe took the money: book the locked payment, or refund it when blocked."""
    payment.gateway_state = status.state
    payment.gateway_error_code = ""
    payment.failure_reason = ""
    payment.next_check_at = None
    states.move(
        payment,
        Payment.Status.SUCCESS,
        source=source,
        action="payment.succeeded",
        message=f"PhonePe COMPLETED, amount {status.amount_paise} paise.",
        payload=status.raw,
        actor=actor,
    )
    blocker = _booking_blocker(payment=payment, status=status)
    if blocker is None:
        booking = _create_booking(payment=payment, source=source)
        payment.resolution = Payment.Resolution.BOOKED
        payment.save()
        return booking.pk, None
    reason, detail = blocker
    payment.resolution = Payment.Resolution.REFUNDED
    payment.save()
    _release_holds(payment, source=source)
    _unfreeze_cart(payment, source=source)
    refund = Refund.objects.create(
        merchant_refund_id=f"{payment.merchant_order_id}-AR"[:63],
        payment=payment,
        amount_paise=payment.amount_paise,
        reason=reason,
        note=detail[:255],
    )
    record_audit(
        source=source,
        action="payment.not_bookable",
        payment=payment,
        refund=refund,
        to_state=Refund.State.REQUESTED,
        message=f"Could not book: {detail} Refund {refund.merchant_refund_id} started.",
    )
    tasks.enqueue(tasks.send_refund_started, refund_id=refund.pk)
    # Sent to PhonePe by a task, off the request path (the reconciler sends
    # it too if the task cannot).
    tasks.enqueue(tasks.submit_refund, refund_id=refund.pk, source=source)
    return None, refund.pk


class _SettleUnderLock(Exception):
    """The paid payment is not the plain case: settle it under the payment lock."""


def _book_paid_payment(
    *, payment, status, source, actor, before_commit=None
) -> SyncResult | None:
    """Book a paid payment that is still pending with live holds, in one transaction.

    This is the common case (the webhook, poll or reconciler that sees the
    COMPLETED first), done with one conditional UPDATE per record instead of
    locking and re-reading each: every UPDATE takes its row lock and re-checks
    the state it moves from. The payment moves only while still pending (a
    concurrent settle waits for this one, then finds nothing to move), the
    holds only if all of them are still held and unexpired, the cart only
    while frozen. When PhonePe's amount differs or any of that is not so, the
    transaction rolls back and None is returned: ``apply_order_status`` then
    decides under the lock (book after re-checking capacity, refund, or
    nothing). A book id that collides with an existing one rolls back too.
    """
    if status.amount_paise != payment.amount_paise:
        return None
    # One hold per date and slot of the snapshot (``start_payment``).
    holds = len(snapshots.priests_by_slot(payment.snapshot["lines"]))
    now = timezone.now()
    paid = {
        "resolution": Payment.Resolution.BOOKED,
        "gateway_state": status.state,
        "gateway_error_code": "",
        "failure_reason": "",
        "next_check_at": None,
        "last_checked_at": now,
        "updated_at": now,
    }
    try:
        with transaction.atomic(), audit.batched():
            if not states.move_rows(
                Payment,
                where={"pk": payment.pk},
                from_state=Payment.Status.PENDING,
                to=Payment.Status.SUCCESS,
                source=source,
                actor=actor,
                action="payment.succeeded",
                message=f"PhonePe COMPLETED, amount {status.amount_paise} paise.",
                payload=status.raw,
                values={**paid, "check_count": prepared.Increase(1)},
                payment=payment,
            ):
                raise _SettleUnderLock
            booking = bookings.new_booking(payment=payment, book_id=new_book_id())
            if (
                states.move_rows(
                    SlotHold,
                    where={"payment": payment.pk, "expires_at__gt": now},
                    from_state=SlotHold.State.HELD,
                    to=SlotHold.State.BOOKED,
                    source=source,
                    values={"booking": booking.pk},
                    payment=payment,
                    booking=booking,
                )
                != holds
            ):
                raise _SettleUnderLock
            if not states.move_rows(
                Cart,
                where={"pk": payment.cart_id},
                from_state=Cart.Status.FROZEN,
                to=Cart.Status.CONVERTED,
                source=source,
                message=f"Cart {payment.cart_id} {Cart.Status.FROZEN} -> "
                f"{Cart.Status.CONVERTED}.",
                payment=payment,
            ):
                raise _SettleUnderLock
            bookings.booking_created(payment=payment, booking=booking, source=source)
            booked = copy.copy(payment)  # the caller's stays as read
            for name, value in paid.items():
                setattr(booked, name, value)
            booked.status = Payment.Status.SUCCESS
            booked.check_count = payment.check_count + 1
            result = SyncResult(payment=booked, changed=True)
            if before_commit is not None:
                before_commit(result)
    except (_SettleUnderLock, IntegrityError):
        return None
    logger.info("Payment %s booked as booking %s", booked, booking.pk)
    return result


def _create_booking(*, payment, source):
    """Create the booking of the locked, paid payment from its snapshot."""
    booking = bookings.new_booking(payment=payment, book_id=bookings.unused_book_id())
    for hold in payment.holds.all():
        hold.booking = booking
        states.move(
            hold, SlotHold.State.BOOKED, source=source, update_fields=["booking"]
        )
    cart = Cart.objects.select_for_update().get(pk=payment.cart_id)
    states.move(
        cart, Cart.Status.CONVERTED, source=source, payment=payment, update_fields=[]
    )
    bookings.booking_created(payment=payment, booking=booking, source=source)
    return booking


# Give up a payment (``payments.cancel_pending_payment`` uses these too) ------


def _fail_locked(*, payment, source, reason, detail="", gateway_state="", payload=None):
    """Fail the locked pending payment, release its holds, unfreeze its cart.

    The reason is stored in English (``Payment.failure_text`` shows it in
    the reader's language), whichever request or process settles it.
    """
    with translation.override(settings.LANGUAGE_CODE):
        payment.failure_reason = str(reason)[:255]
    if gateway_state:
        payment.gateway_state = gateway_state
    payment.next_check_at = _late_check_at(payment, timezone.now())
    states.move(
        payment,
        Payment.Status.FAILED,
        source=source,
        message=f"{reason} {detail}".strip(),
        payload=payload,
    )
    _release_holds(payment, source=source)
    _unfreeze_cart(payment, source=source)
    if gateway_state in GATEWAY_FAILED_STATES:
        tasks.enqueue(tasks.send_payment_failed, payment_id=payment.pk)


def _release_holds(payment, *, source):
    for hold in payment.holds.exclude(state=SlotHold.State.RELEASED):
        states.move(hold, SlotHold.State.RELEASED, source=source, update_fields=[])


def _unfreeze_cart(payment, *, source):
    """Reopen the payment's cart for editing once no payment of it is pending."""
    cart = Cart.objects.select_for_update().get(pk=payment.cart_id)
    if cart.status != Cart.Status.FROZEN:
        return
    if cart.payments.filter(status=Payment.Status.PENDING).exists():
        return
    states.move(
        cart, Cart.Status.OPEN, source=source, payment=payment, update_fields=[]
    )
