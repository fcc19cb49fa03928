"""The money path: start a payment, settle it from PhonePe's answer, refund.

``sync_payment`` is the only code that moves a payment to a final state and
the only code that creates a booking. The webhook, the confirm page's poll,
the reconciler and the admin's "re-check" all call it. It never trusts a
webhook body or a redirect: it asks PhonePe's order-status API and moves
state only from allowed states, under a row lock, so running it twice (or
ten times at once) changes nothing the second time.
"""

import datetime
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout import emails, phonepe
from checkout.models import (
    AuditEntry,
    Booking,
    BookingItem,
    Payment,
    Refund,
    SlotHold,
    WebhookDelivery,
    new_book_id,
)
from storefront import services as storefront_services
from storefront.india import format_rupees
from storefront.models import Address, Cart, PromoCode, TimeSlot

logger = logging.getLogger("checkout")

# PhonePe's state that is final on its side: a FAILED order never completes.
GATEWAY_FAILED_STATES = {"FAILED", "EXPIRED"}
# How long an order PhonePe does not know about may exist before it is
# given up (the pay call may still be in flight from another request).
UNKNOWN_ORDER_GRACE = datetime.timedelta(minutes=2)
FAILURE_MESSAGES = {
    "INSUFFICIENT_BALANCE": _("Your bank reported insufficient balance."),
    "AUTHORIZATION_ERROR": _("Your bank did not authorise the payment."),
    "INVALID_MPIN": _("The UPI PIN entered was incorrect."),
    "BANK_TECHNICAL_ISSUE": _("Your bank had a technical problem."),
    "TXN_NOT_COMPLETED": _("The payment was not completed in time."),
    "PAYMENT_ERROR": _("The payment was declined."),
}


class CheckoutError(Exception):
    """The checkout cannot go on; the message is fit for the customer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Audit ----------------------------------------------------------------------


def record_audit(
    *,
    source,
    action,
    payment=None,
    booking=None,
    refund=None,
    from_state="",
    to_state="",
    message="",
    payload=None,
    actor=None,
):
    """Write one audit entry for a state change."""
    return AuditEntry.objects.create(
        source=source,
        action=action,
        payment=payment,
        booking=booking,
        refund=refund,
        from_state=from_state or "",
        to_state=to_state or "",
        message=message,
        payload=payload,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


# Start a payment ------------------------------------------------------------


def new_merchant_order_id() -> str:
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    return f"OKP-{stamp}-{secrets.token_hex(5).upper()}"


def _order_message(snapshot):
    titles = [line["service_title"] for line in snapshot["lines"]]
    return ("OkPuja: " + ", ".join(titles))[:200]


def _build_snapshot(*, cart, totals, address):
    return {
        "lines": [
            {
                "package_id": item.package_id,
                "service_title": item.package.service.title,
                "package_label": item.package.get_tier_display(),
                "language": item.package.get_language_display(),
                "date": item.date.isoformat(),
                "slot_id": item.slot_id,
                "slot_label": item.slot.display,
                "price_paise": item.package.price_paise,
                "priest_count": item.package.priest_count,
            }
            for item in totals.lines
        ],
        "subtotal_paise": totals.subtotal_paise,
        "discount_paise": totals.discount_paise,
        "total_paise": totals.total_paise,
        "promo_code": totals.promo.code
        if totals.promo and totals.discount_paise
        else "",
        "promo_id": totals.promo.pk if totals.promo and totals.discount_paise else None,
        "address": address.snapshot(),
    }


def _priests_by_slot(lines):
    """Return {(date, slot_id): priests} for snapshot lines."""
    needed = defaultdict(int)
    for line in lines:
        needed[(datetime.date.fromisoformat(line["date"]), line["slot_id"])] += line[
            "priest_count"
        ]
    return needed


def _lock_slots(slot_ids):
    """Lock the slot rows (in id order, so concurrent checkouts cannot deadlock).

    Every capacity decision for a slot happens under this lock, so two
    customers racing for the last priest of a slot are served one at a time.
    """
    return {
        slot.pk: slot
        for slot in TimeSlot.objects.select_for_update()
        .filter(pk__in=slot_ids)
        .order_by("pk")
    }


def _validate_cart_for_payment(*, cart, user):
    totals = storefront_services.cart_totals(cart=cart, user=user)
    if not totals.lines:
        raise CheckoutError(_("Your cart is empty."))
    for item in totals.lines:
        try:
            storefront_services.check_package_bookable(item.package)
            storefront_services.validate_booking_date(item.date)
        except storefront_services.StorefrontError as exc:
            raise CheckoutError(exc.message) from None
        if not item.slot.is_active:
            raise CheckoutError(
                _(
                    "The %(slot)s slot is no longer offered. Please change it in your cart."
                )
                % {"slot": item.slot.display}
            )
    if totals.promo_error:
        raise CheckoutError(
            totals.promo_error + " " + _("Please remove it from your cart to continue.")
        )
    if totals.total_paise < 100:
        raise CheckoutError(_("The order total must be at least ₹1.00 to pay online."))
    return totals


def start_payment(*, cart: Cart, user, address: Address) -> Payment:
    """Freeze the cart, hold its slots and create the PhonePe order.

    Return the payment, whose ``page_url`` is PhonePe's payment page. A second
    call while the order can still succeed returns the same payment. Raise
    CheckoutError (nothing held, cart editable) when the cart is not valid or
    PhonePe refuses or cannot be reached.
    """
    if address.user_id != user.pk:
        raise CheckoutError(_("Please choose one of your own addresses."))
    now = timezone.now()
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        if cart.user_id != user.pk:
            raise CheckoutError(_("This cart does not belong to you."))
        if cart.status == Cart.Status.FROZEN:
            payment = (
                Payment.objects.filter(cart=cart, status=Payment.Status.PENDING)
                .order_by("-created_at")
                .first()
            )
            if payment is not None:
                reuse = payment
            else:
                raise CheckoutError(
                    _("This cart is waiting for a payment. Please try again.")
                )
        elif cart.status != Cart.Status.OPEN:
            raise CheckoutError(_("This cart has already been booked."))
        else:
            reuse = None
            totals = _validate_cart_for_payment(cart=cart, user=user)
            snapshot = _build_snapshot(cart=cart, totals=totals, address=address)
            needed = _priests_by_slot(snapshot["lines"])
            slots = _lock_slots({slot_id for _date, slot_id in needed})
            for (date, slot_id), priests in needed.items():
                try:
                    storefront_services.check_slot_has_room(
                        date=date, slot=slots[slot_id], priests=priests
                    )
                except storefront_services.SlotUnavailableError as exc:
                    raise CheckoutError(exc.message) from None
            expires_at = now + datetime.timedelta(
                seconds=settings.PHONEPE_ORDER_EXPIRE_AFTER
            )
            hold_until = expires_at + datetime.timedelta(
                seconds=settings.CHECKOUT_HOLD_GRACE_SECONDS
            )
            payment = Payment.objects.create(
                merchant_order_id=new_merchant_order_id(),
                user=user,
                cart=cart,
                amount_paise=totals.total_paise,
                snapshot=snapshot,
                expires_at=expires_at,
                hold_until=hold_until,
                next_check_at=now + datetime.timedelta(seconds=20),
            )
            SlotHold.objects.bulk_create(
                SlotHold(
                    payment=payment,
                    date=date,
                    slot_id=slot_id,
                    priests=priests,
                    expires_at=hold_until,
                )
                for (date, slot_id), priests in needed.items()
            )
            cart.status = Cart.Status.FROZEN
            cart.save(update_fields=["status", "updated_at"])
            record_audit(
                source="checkout",
                action="payment.started",
                payment=payment,
                to_state=Payment.Status.PENDING,
                message=f"Cart {cart.pk} frozen, {len(needed)} slot hold(s) for "
                f"{format_rupees(payment.amount_paise)}.",
                actor=user,
            )
    if reuse is not None:
        payment = reuse
        if (
            payment.page_url
            and payment.expires_at
            and payment.expires_at > timezone.now()
        ):
            return payment
        if payment.page_url:
            raise CheckoutError(
                _(
                    "Your previous payment is still being confirmed. Please wait a minute."
                )
            )
    return _create_gateway_order(payment)


def _redirect_url(payment):
    return f"{settings.SITE_URL}/confirmbooking/?order={payment.merchant_order_id}"


def _create_gateway_order(payment: Payment) -> Payment:
    """Ask PhonePe for the payment page (idempotent for the same merchantOrderId)."""
    try:
        created = phonepe.get_client().create_payment(
            merchant_order_id=payment.merchant_order_id,
            amount_paise=payment.amount_paise,
            redirect_url=_redirect_url(payment),
            expire_after=settings.PHONEPE_ORDER_EXPIRE_AFTER,
            message=_order_message(payment.snapshot),
        )
    except phonepe.PhonePeError as exc:
        logger.warning("PhonePe create payment failed for %s: %s", payment, exc)
        fail_payment(
            payment=payment,
            source="checkout",
            reason=_("PhonePe could not start the payment."),
            detail=str(exc),
        )
        if isinstance(exc, phonepe.PhonePeRejected):
            message = _(
                "PhonePe could not start this payment (%(code)s). Nothing was charged; "
                "your cart is unchanged. Please try again."
            ) % {"code": exc.code or "error"}
        else:
            message = _(
                "We could not reach PhonePe just now. Nothing was charged and your cart "
                "is unchanged. Please try again in a minute."
            )
        raise CheckoutError(message) from exc
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.PENDING and not payment.page_url:
            payment.gateway_order_id = created.order_id or ""
            payment.gateway_state = created.state or "PENDING"
            payment.page_url = created.redirect_url or ""
            # PhonePe has just told us the order's state: the confirm page's
            # poll need not ask again within the next few seconds.
            payment.last_checked_at = timezone.now()
            if created.expire_at:
                payment.expires_at = created.expire_at
                payment.hold_until = created.expire_at + datetime.timedelta(
                    seconds=settings.CHECKOUT_HOLD_GRACE_SECONDS
                )
                payment.holds.filter(state=SlotHold.State.HELD).update(
                    expires_at=payment.hold_until
                )
            payment.save()
            record_audit(
                source="checkout",
                action="payment.gateway_order_created",
                payment=payment,
                from_state=Payment.Status.PENDING,
                to_state=Payment.Status.PENDING,
                message=f"PhonePe order {payment.gateway_order_id}",
                payload={
                    "orderId": created.order_id,
                    "state": created.state,
                    "expireAt": created.expire_at.isoformat()
                    if created.expire_at
                    else None,
                },
            )
    if not payment.page_url:
        raise CheckoutError(
            _("This payment can no longer be continued. Please try again.")
        )
    return payment


def fail_payment(
    *, payment: Payment, source, reason, detail="", gateway_state="", payload=None
):
    """Mark a pending payment failed, release its holds and unfreeze the cart."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != Payment.Status.PENDING:
            return payment
        _fail_locked(
            payment=payment,
            source=source,
            reason=reason,
            detail=detail,
            gateway_state=gateway_state,
            payload=payload,
        )
    return payment


def _fail_locked(*, payment, source, reason, detail="", gateway_state="", payload=None):
    previous = payment.status
    payment.status = Payment.Status.FAILED
    payment.failure_reason = str(reason)[:255]
    if gateway_state:
        payment.gateway_state = gateway_state
    payment.next_check_at = None
    payment.save()
    payment.holds.filter(state=SlotHold.State.HELD).update(
        state=SlotHold.State.RELEASED
    )
    _unfreeze_cart(payment)
    record_audit(
        source=source,
        action="payment.failed",
        payment=payment,
        from_state=previous,
        to_state=payment.status,
        message=f"{reason} {detail}".strip(),
        payload=payload,
    )
    if gateway_state in GATEWAY_FAILED_STATES:
        payment_id = payment.pk
        transaction.on_commit(lambda: emails.send_payment_failed(payment_id=payment_id))


def _unfreeze_cart(payment):
    Cart.objects.filter(pk=payment.cart_id, status=Cart.Status.FROZEN).exclude(
        payments__status=Payment.Status.PENDING
    ).update(status=Cart.Status.OPEN, updated_at=timezone.now())


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


def sync_payment(*, payment: Payment, source: str, actor=None) -> Payment:
    """Ask PhonePe for the order's state and settle the payment from it.

    Raise phonepe.PhonePeError when PhonePe cannot be asked; the payment is
    then unchanged (callers answer 503, show "still confirming", or retry).
    """
    if not payment_can_change(payment):
        return payment
    try:
        status = phonepe.get_client().get_order_status(payment.merchant_order_id)
    except phonepe.PhonePeOrderNotFound:
        return _handle_unknown_order(payment=payment, source=source)
    return apply_order_status(
        payment=payment, status=status, source=source, actor=actor
    )


def _handle_unknown_order(*, payment, source):
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        payment.last_checked_at = timezone.now()
        if payment.status == Payment.Status.PENDING and (
            timezone.now() - payment.created_at > UNKNOWN_ORDER_GRACE
        ):
            _fail_locked(
                payment=payment,
                source=source,
                reason=_("PhonePe has no record of this payment."),
            )
        else:
            payment.save(update_fields=["last_checked_at"])
    return payment


def next_check_delay(check_count: int) -> datetime.timedelta:
    """Back off from 10 s to once a minute, as PhonePe asks for pending orders."""
    return datetime.timedelta(seconds=min(60, 10 * 2 ** max(check_count - 1, 0)))


def apply_order_status(*, payment: Payment, status, source: str, actor=None) -> Payment:
    """Move the payment from PhonePe's order status, under a row lock."""
    booking_id = refund_id = None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        before = (payment.status, payment.resolution)
        now = timezone.now()
        payment.last_checked_at = now
        payment.check_count += 1
        if not payment_can_change(payment):
            payment.save(update_fields=["last_checked_at", "check_count"])
            payment.changed = False
            return payment
        payload = status.raw
        if status.is_completed:
            booking_id, refund_id = _settle_success(
                payment=payment, status=status, source=source, actor=actor
            )
        elif status.is_failed:
            if payment.status == Payment.Status.PENDING:
                code = status.error_code or ""
                reason = FAILURE_MESSAGES.get(
                    code, _("The payment did not go through.")
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
                payment.gateway_state = status.state
                payment.save(
                    update_fields=["gateway_state", "last_checked_at", "check_count"]
                )
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
                    reason=_("The payment was not confirmed in time."),
                    payload=payload,
                )
            else:
                payment.next_check_at = (
                    now + next_check_delay(payment.check_count)
                    if payment.status == Payment.Status.PENDING
                    else None
                )
                payment.save()
    # Tells the caller whether this call (not a concurrent one) moved the payment.
    payment.changed = (payment.status, payment.resolution) != before
    if refund_id is not None:
        submit_refund(refund=Refund.objects.get(pk=refund_id), source=source)
    if booking_id is not None:
        logger.info("Payment %s booked as booking %s", payment, booking_id)
    return payment


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
    for hold in holds:
        try:
            storefront_services.check_slot_has_room(
                date=hold.date,
                slot=slots[hold.slot_id],
                priests=hold.priests,
                exclude_payment_id=payment.pk,
            )
        except storefront_services.SlotUnavailableError as exc:
            return Refund.Reason.SLOT_UNAVAILABLE, exc.message
    return None


def _settle_success(*, payment, status, source, actor):
    previous = payment.status
    payment.status = Payment.Status.SUCCESS
    payment.gateway_state = status.state
    payment.gateway_error_code = ""
    payment.failure_reason = ""
    payment.next_check_at = None
    record_audit(
        source=source,
        action="payment.succeeded",
        payment=payment,
        from_state=previous,
        to_state=payment.status,
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
    payment.holds.exclude(state=SlotHold.State.RELEASED).update(
        state=SlotHold.State.RELEASED
    )
    _unfreeze_cart(payment)
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
    refund_id = refund.pk
    transaction.on_commit(lambda: emails.send_refund_started(refund_id=refund_id))
    return None, refund.pk


def _unused_book_id():
    """Return a new BK- id not yet taken (the unique constraint backs this up)."""
    while True:
        book_id = new_book_id()
        if not Booking.objects.filter(book_id=book_id).exists():
            return book_id


def _create_booking(*, payment, source):
    snapshot = payment.snapshot
    lines = snapshot["lines"]
    booking = Booking.objects.create(
        book_id=_unused_book_id(),
        payment=payment,
        user_id=payment.user_id,
        subtotal_paise=snapshot["subtotal_paise"],
        discount_paise=snapshot["discount_paise"],
        total_paise=payment.amount_paise,
        promo_code=snapshot.get("promo_code", ""),
        address=snapshot["address"],
        first_date=min(datetime.date.fromisoformat(line["date"]) for line in lines),
    )
    BookingItem.objects.bulk_create(
        BookingItem(
            booking=booking,
            package_id=line["package_id"],
            service_title=line["service_title"],
            package_label=line["package_label"],
            language=line["language"],
            date=datetime.date.fromisoformat(line["date"]),
            slot_id=line["slot_id"],
            slot_label=line["slot_label"],
            price_paise=line["price_paise"],
            priest_count=line["priest_count"],
        )
        for line in lines
    )
    holds = list(payment.holds.all())
    for hold in holds:
        hold.state = SlotHold.State.BOOKED
        hold.booking = booking
    SlotHold.objects.bulk_update(holds, ["state", "booking"])
    Cart.objects.filter(pk=payment.cart_id).update(
        status=Cart.Status.CONVERTED, updated_at=timezone.now()
    )
    if snapshot.get("promo_id"):
        promo = PromoCode.objects.filter(pk=snapshot["promo_id"]).first()
        if promo is not None:
            storefront_services.record_promo_use(
                promo=promo,
                user=payment.user,
                reference=booking.book_id,
                discount_paise=snapshot["discount_paise"],
            )
    record_audit(
        source=source,
        action="booking.created",
        payment=payment,
        booking=booking,
        to_state=booking.status,
        message=f"Booking {booking.book_id} for {format_rupees(booking.total_paise)}.",
    )
    booking_id = booking.pk
    transaction.on_commit(
        lambda: emails.send_booking_confirmation(booking_id=booking_id)
    )
    return booking


# Refunds --------------------------------------------------------------------


def refundable_paise(payment: Payment) -> int:
    """Return how much of the payment has not been refunded (or asked to be)."""
    taken = (
        payment.refunds.exclude(state=Refund.State.FAILED).aggregate(
            total=Sum("amount_paise")
        )["total"]
        or 0
    )
    return max(payment.amount_paise - taken, 0)


def submit_refund(*, refund: Refund, source: str) -> Refund:
    """Send a requested refund to PhonePe (idempotent by merchantRefundId). Moves money."""
    if refund.state != Refund.State.REQUESTED:
        return refund
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


def sync_refund(*, refund: Refund, source: str) -> Refund:
    """Read a refund's state from PhonePe's refund-status API and record it."""
    if refund.state == Refund.State.REQUESTED:
        return submit_refund(refund=refund, source=source)
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


_REFUND_ORDER = {
    Refund.State.REQUESTED: 0,
    Refund.State.PENDING: 1,
    Refund.State.CONFIRMED: 2,
    Refund.State.COMPLETED: 3,
    Refund.State.FAILED: 3,
}


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
        # States only move forward, whatever order the answers arrive in.
        if (
            _REFUND_ORDER[state] <= _REFUND_ORDER[refund.state]
            and state != refund.state
        ):
            return refund
        if state == refund.state:
            if gateway_refund_id and not refund.gateway_refund_id:
                refund.gateway_refund_id = gateway_refund_id
                refund.save(update_fields=["gateway_refund_id", "updated_at"])
            return refund
        previous = refund.state
        refund.state = state
        if gateway_refund_id:
            refund.gateway_refund_id = gateway_refund_id
        refund.last_error = error[:255]
        refund.save()
        record_audit(
            source=source,
            action="refund." + state,
            payment=refund.payment,
            booking=refund.booking,
            refund=refund,
            from_state=previous,
            to_state=state,
            message=error,
        )
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
) -> Refund:
    """Create a refund of ``amount_paise`` and send it to PhonePe. Moves money.

    Raise CheckoutError when the payment was not paid or the amount would take
    the total refunded above what was paid.
    """
    if not isinstance(amount_paise, int) or amount_paise < 100:
        raise CheckoutError(_("A refund must be at least ₹1.00."))
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
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
        refund_id = refund.pk
        transaction.on_commit(lambda: emails.send_refund_started(refund_id=refund_id))
    return submit_refund(refund=refund, source=source)


# Webhooks -------------------------------------------------------------------

WEBHOOK_HEADERS = ("Content-Type", "User-Agent", "X-Forwarded-For", "Content-Length")


@dataclass(frozen=True)
class WebhookResult:
    http_status: int
    message: str


def receive_webhook(*, headers, body: bytes, remote_addr=None) -> WebhookResult:
    """Store a webhook delivery, then process it. Return the HTTP answer."""
    delivery = WebhookDelivery.objects.create(
        headers={
            name: headers.get(name)
            for name in (*WEBHOOK_HEADERS, "Authorization")
            if headers.get(name) is not None
        }
        | ({"Authorization": "(present)"} if headers.get("Authorization") else {}),
        body=body.decode("utf-8", errors="replace"),
        remote_addr=remote_addr,
    )
    client = phonepe.get_client()
    if not client.is_valid_webhook_authorization(headers.get("Authorization")):
        return _finish_delivery(
            delivery,
            WebhookDelivery.Outcome.UNAUTHENTICATED,
            401,
            "Authorization header missing or wrong.",
        )
    delivery.authenticated = True
    delivery.save(update_fields=["authenticated"])
    return process_webhook_delivery(delivery=delivery)


def process_webhook_delivery(
    *, delivery: WebhookDelivery, source="webhook"
) -> WebhookResult:
    """Process a stored, authenticated delivery. Safe to run again (replay)."""
    if not delivery.authenticated:
        return _finish_delivery(
            delivery,
            WebhookDelivery.Outcome.UNAUTHENTICATED,
            401,
            "Authorization header missing or wrong.",
        )
    try:
        event = phonepe.get_client().parse_webhook(delivery.body.encode("utf-8"))
    except phonepe.PhonePeMalformedWebhook as exc:
        return _finish_delivery(
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
                return _finish_delivery(
                    delivery,
                    WebhookDelivery.Outcome.UNKNOWN_ORDER,
                    200,
                    "Unknown refund.",
                )
            refund = sync_refund(refund=refund, source=source)
            return _finish_delivery(
                delivery,
                WebhookDelivery.Outcome.PROCESSED,
                200,
                f"Refund {refund.state}.",
            )
        payment = Payment.objects.filter(
            merchant_order_id=event.merchant_order_id
        ).first()
        if payment is None:
            return _finish_delivery(
                delivery, WebhookDelivery.Outcome.UNKNOWN_ORDER, 200, "Unknown order."
            )
        payment = sync_payment(payment=payment, source=source)
        outcome = (
            WebhookDelivery.Outcome.PROCESSED
            if getattr(payment, "changed", False)
            else WebhookDelivery.Outcome.IGNORED
        )
        return _finish_delivery(
            delivery,
            outcome,
            200,
            f"Payment {payment.status} {payment.resolution}".strip(),
        )
    except phonepe.PhonePeError as exc:
        return _finish_delivery(
            delivery, WebhookDelivery.Outcome.RETRY, 503, f"PhonePe unreachable: {exc}"
        )


def _finish_delivery(delivery, outcome, http_status, message):
    delivery.outcome = outcome
    delivery.http_status = http_status
    delivery.error = "" if http_status == 200 else message
    delivery.processed_at = timezone.now()
    delivery.save()
    return WebhookResult(http_status=http_status, message=message)


# Confirm page and reconciler ------------------------------------------------


def refresh_pending_payment(*, payment: Payment, source="poll") -> Payment:
    """Ask PhonePe about a pending payment at most once per few seconds.

    The claim is a conditional UPDATE, so many polling tabs, processes or
    hosts share one gateway call per interval.
    """
    if not payment_can_change(payment) or payment.status != Payment.Status.PENDING:
        return payment
    now = timezone.now()
    cutoff = now - datetime.timedelta(
        seconds=settings.CHECKOUT_GATEWAY_CHECK_MIN_SECONDS
    )
    claimed = Payment.objects.filter(
        pk=payment.pk, status=Payment.Status.PENDING
    ).filter(last_checked_at__isnull=True).update(
        last_checked_at=now
    ) or Payment.objects.filter(
        pk=payment.pk, status=Payment.Status.PENDING, last_checked_at__lte=cutoff
    ).update(last_checked_at=now)
    if not claimed:
        return payment
    try:
        return sync_payment(payment=payment, source=source)
    except phonepe.PhonePeError as exc:
        logger.info("Poll could not reach PhonePe for %s: %s", payment, exc)
        return payment


def reconcile_due_payments(*, now=None, limit=100) -> dict:
    """Settle pending payments whose next check is due, and move open refunds."""
    now = now or timezone.now()
    counts = defaultdict(int)
    due = Payment.objects.filter(
        status=Payment.Status.PENDING, next_check_at__lte=now
    ).order_by("next_check_at")[:limit]
    for payment in due:
        try:
            payment = sync_payment(payment=payment, source="reconciler")
        except phonepe.PhonePeError as exc:
            logger.warning(
                "Reconciler could not reach PhonePe for %s: %s", payment, exc
            )
            Payment.objects.filter(pk=payment.pk).update(
                next_check_at=now + next_check_delay(payment.check_count + 1),
                check_count=payment.check_count + 1,
            )
            counts["unreachable"] += 1
            continue
        counts[payment.status] += 1
    # Locally failed payments whose PhonePe order might still complete late.
    late = Payment.objects.filter(
        status=Payment.Status.FAILED,
        gateway_order_id__gt="",
        updated_at__gte=now - datetime.timedelta(hours=24),
        updated_at__lte=now - datetime.timedelta(minutes=1),
    ).exclude(gateway_state__in=GATEWAY_FAILED_STATES)[:limit]
    for payment in late:
        try:
            payment = sync_payment(payment=payment, source="reconciler")
        except phonepe.PhonePeError:
            counts["unreachable"] += 1
            continue
        counts["late_" + payment.status] += 1
    for refund in Refund.objects.filter(
        state__in=[
            Refund.State.REQUESTED,
            Refund.State.PENDING,
            Refund.State.CONFIRMED,
        ],
        updated_at__lte=now - datetime.timedelta(seconds=5),
    )[:limit]:
        try:
            refund = sync_refund(refund=refund, source="reconciler")
        except phonepe.PhonePeError:
            counts["unreachable"] += 1
            continue
        counts["refund_" + refund.state] += 1
    return dict(counts)
