"""Start a payment, or cancel it while it is pending.

Starting freezes the cart, holds its slots and creates the PhonePe order;
settling what PhonePe answers is ``checkout.services.settlement``.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checkout import phonepe, promos, snapshots, states
from checkout.audit import record_audit
from checkout.errors import CheckoutError
from checkout.models import Payment, SlotHold
from checkout.services.settlement import (
    _late_check_at,
    _release_holds,
    _unfreeze_cart,
    sync,
)
from checkout.services.slots import _check_lines_have_room, _lock_slots
from storefront import services as storefront_services
from storefront.exceptions import SlotUnavailableError, StorefrontError
from storefront.india import format_rupees
from storefront.models import Address, Cart

logger = logging.getLogger("checkout")


# Start a payment ------------------------------------------------------------


def new_merchant_order_id() -> str:
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    return f"OKP-{stamp}-{secrets.token_hex(5).upper()}"


def _validate_cart_for_payment(*, cart, user):
    totals = storefront_services.cart_totals(cart=cart, user=user)
    if not totals.lines:
        raise CheckoutError(_("Your cart is empty."))
    for item in totals.lines:
        try:
            storefront_services.check_package_bookable(item.package)
            storefront_services.validate_booking_date(item.date)
        except StorefrontError as exc:
            raise CheckoutError(exc.message) from None
        if not item.has_sankalp:
            raise CheckoutError(
                _("Please add the names for the sankalp of %(puja)s in your cart.")
                % {"puja": item.package.service.title}
            )
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


def start_payment(
    *, cart: Cart, user, address: Address | None = None, contact_phone: str = ""
) -> Payment:
    """Freeze the cart, hold its slots and create the PhonePe order.

    ``address`` is needed when a puja happens at home, ``contact_phone`` (an
    Indian mobile) when one is online; either is ignored otherwise. Return the
    payment, whose ``page_url`` is PhonePe's payment page. A second call while
    the order can still succeed returns the same payment. Raise CheckoutError
    (nothing held, cart editable) when the cart is not valid or PhonePe
    refuses or cannot be reached.
    """
    if address is not None and address.user_id != user.pk:
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
            address, contact_phone = snapshots.check_place(
                lines=totals.lines, address=address, contact_phone=contact_phone
            )
            snapshot = snapshots.build_snapshot(
                cart=cart, totals=totals, address=address, contact_phone=contact_phone
            )
            needed = snapshots.priests_by_slot(snapshot["lines"])
            slots = _lock_slots({slot_id for _date, slot_id in needed})
            try:
                _check_lines_have_room(
                    lines=snapshot["lines"], address=snapshot["address"], slots=slots
                )
            except SlotUnavailableError as exc:
                raise CheckoutError(exc.message) from None
            promo = promos.reserve(totals=totals, user=user, now=now)
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
                promo=promo,
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
            record_audit(
                source="checkout",
                action="payment.started",
                payment=payment,
                to_state=Payment.Status.PENDING,
                message=f"{len(needed)} slot hold(s) for "
                f"{format_rupees(payment.amount_paise)}.",
                actor=user,
            )
            states.move(
                cart,
                Cart.Status.FROZEN,
                source="checkout",
                actor=user,
                payment=payment,
                update_fields=[],
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
    # The customer waits on the Pay button: PhonePe gets the request budget.
    with phonepe.time_budget(settings.PHONEPE_REQUEST_BUDGET_SECONDS):
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
            message=snapshots.order_message(payment.snapshot),
        )
    except phonepe.PhonePeError as exc:
        logger.warning("PhonePe create payment failed for %s: %s", payment, exc)
        _discard_unstarted(payment, detail=str(exc))
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
        payment = Payment.objects.lock(payment.pk, missing_ok=True)
        if payment is None:
            # A concurrent Pay of the same cart failed to reach PhonePe and
            # discarded this attempt; the customer starts again.
            raise CheckoutError(
                _(
                    "This payment could not be started. Nothing was charged; please try again."
                )
            )
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


def _discard_unstarted(payment, *, detail):
    """Forget a Pay attempt whose PhonePe order was never created for the customer.

    No payment page was shown, so no money can be taken for it: the payment row
    and its holds are deleted (staff lists show only attempts that reached
    PhonePe), the cart reopens, and one audit entry records the attempt. A
    payment that a concurrent Pay did start at PhonePe is left alone.
    """
    with transaction.atomic():
        payment = Payment.objects.lock(payment.pk, missing_ok=True)
        if (
            payment is None
            or payment.status != Payment.Status.PENDING
            or payment.page_url
        ):
            return
        record_audit(
            source="checkout",
            action="payment.not_started",
            message=(
                f"{payment.merchant_order_id} for cart {payment.cart_id} "
                f"({format_rupees(payment.amount_paise)}) did not reach PhonePe: "
                f"{detail}"
            )[:2000],
            payload={
                "merchant_order_id": payment.merchant_order_id,
                "cart_id": payment.cart_id,
                "amount_paise": payment.amount_paise,
            },
            actor=payment.user,
        )
        cart_id = payment.cart_id
        payment.delete()  # its holds and audit entries go with it
        cart = Cart.objects.select_for_update().get(pk=cart_id)
        if (
            cart.status == Cart.Status.FROZEN
            and not cart.payments.filter(status=Payment.Status.PENDING).exists()
        ):
            states.move(cart, Cart.Status.OPEN, source="checkout", update_fields=[])


def cancel_pending_payment(*, payment: Payment, user) -> Payment:
    """The customer gives up a pending payment: release its holds and its cart.

    PhonePe is asked first, so a payment that went through is booked rather
    than cancelled. The payment is failed here but watched like an expired
    one: if PhonePe completes it after all, it is booked or refunded. Raise
    CheckoutError when it is not the customer's or no longer pending.
    """
    if payment.user_id != user.pk:
        raise CheckoutError(_("This payment is not yours."))
    try:
        with phonepe.time_budget(settings.PHONEPE_REQUEST_BUDGET_SECONDS):
            payment = sync(payment=payment, source="customer").payment
    except phonepe.PhonePeError:
        pass  # PhonePe unreachable: cancel here; the reconciler keeps asking.
    with transaction.atomic():
        payment = Payment.objects.lock(payment.pk)
        if payment.status != Payment.Status.PENDING:
            raise CheckoutError(
                _("This payment is no longer waiting, so it cannot be cancelled.")
            )
        with translation.override(settings.LANGUAGE_CODE):
            payment.failure_reason = str(_("You cancelled this payment."))
        payment.next_check_at = _late_check_at(payment, timezone.now())
        states.move(
            payment,
            Payment.Status.FAILED,
            source="customer",
            actor=user,
            message="Cancelled by the customer while pending.",
        )
        _release_holds(payment, source="customer")
        _unfreeze_cart(payment, source="customer")
    return payment
