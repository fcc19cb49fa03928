"""Pay for the cart and follow the payment: the seed's two JSON endpoints.

Their request and response shapes are a contract with existing app clients
and are kept exactly: ``amount`` and ``total_amount`` are rupee strings such as
"999.00", statuses are upper case. The money path itself is
``checkout.services.start_payment`` and ``checkout.reconcile.refresh_pending_payment``.
"""

import re
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import AfterValidator, BeforeValidator

from api.errors import WRITE_ERRORS, ApiError
from api.schemas import ID_MAX, Id
from api.throttles import RateLimit
from checkout import reconcile, services, snapshots
from checkout.models import Payment
from storefront.models import Address, Cart
from storefront.money import rupees_str as rupees

router = Router(tags=["payments"])

ORDER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")


def _cart_id(value):
    # ASCII digits only: "١٢" is a digit to str.isdigit(), not to us.
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,19}", value):
        value = int(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= ID_MAX
    ):
        raise ValueError("cart_id must be a positive integer.")
    return value


def _method(value):
    if value.strip().upper() != "PHONEPE":
        raise ValueError('method must be "PHONEPE".')
    return "PHONEPE"


class ProcessCartIn(Schema):
    cart_id: Annotated[
        int,
        BeforeValidator(_cart_id),
        Field(ge=1, le=ID_MAX, description="cart_id from GET /api/cart/."),
    ]
    method: Annotated[
        str, AfterValidator(_method), Field(description='"PHONEPE" (any case).')
    ]
    address_id: Id | None = Field(
        None,
        description="Where a puja at home happens; default: the default address.",
    )
    contact_phone: str = Field(
        "",
        max_length=20,
        description="Phone / WhatsApp number for an online puja's video link.",
    )


class ProcessCartOut(Schema):
    success: bool
    payment_id: str = Field(description="Use it with check-booking.")
    payment_url: str = Field(description="Send the customer here to pay on PhonePe.")
    amount: str = Field(description='Rupees with two decimals, e.g. "999.00".')
    status: str = Field(description="PENDING until PhonePe has the money.")


class BookingBrief(Schema):
    book_id: str
    status: str
    total_amount: str


class RefundBrief(Schema):
    state: str
    amount: str


class CheckBookingOut(Schema):
    success: bool
    payment_status: str = Field(description="PENDING, SUCCESS or FAILED.")
    booking_created: bool
    booking: BookingBrief | None
    refund: RefundBrief | None = Field(
        description="Set when PhonePe took the money but the booking could not be made."
    )


@router.post(
    "/process-cart/",
    response={201: ProcessCartOut, **WRITE_ERRORS},
    summary="Start the PhonePe payment of the cart",
    throttle=[RateLimit("process_cart")],
)
def process_cart(request, payload: ProcessCartIn):
    """Freezes the cart, holds its slots and creates the PhonePe order; calling it
    again while that payment can still succeed answers the same payment. The
    booking exists only after PhonePe took the money: follow it with
    check-booking."""
    cart = Cart.objects.filter(pk=payload.cart_id, user=request.user).first()
    if cart is None:
        raise ApiError(404, "cart_not_found", _("No such cart."))
    addresses = Address.objects.filter(user=request.user)
    if payload.address_id is not None:
        address = addresses.filter(pk=payload.address_id).first()
        if address is None:
            raise ApiError(404, "address_not_found", _("No such address."))
    else:
        address = addresses.order_by("-is_default", "-created_at").first()
    if address is None and snapshots.checkout_needs(cart.items.all())["address"]:
        raise ApiError(
            400,
            "address_required",
            _("Add an address where the puja will happen first."),
        )
    payment = services.start_payment(
        cart=cart,
        user=request.user,
        address=address,
        contact_phone=payload.contact_phone,
    )
    return Status(
        201,
        ProcessCartOut(
            success=True,
            payment_id=payment.merchant_order_id,
            payment_url=payment.page_url,
            amount=rupees(payment.amount_paise),
            status=payment.status.upper(),
        ),
    )


@router.get(
    "/{payment_id}/check-booking/",
    response={200: CheckBookingOut, **WRITE_ERRORS},
    summary="The payment's status and its booking, once PhonePe took the money",
    throttle=[RateLimit("check_booking")],
)
def check_booking(request, payment_id: str):
    """Asks PhonePe about a pending payment (at most once every few seconds per
    payment); poll it after the customer comes back from PhonePe's page."""
    payment = (
        Payment.objects.select_related("booking")
        .filter(merchant_order_id=payment_id, user=request.user)
        .first()
        if ORDER_ID_RE.match(payment_id)
        else None
    )
    if payment is None:
        raise ApiError(404, "payment_not_found", _("No such payment."))
    payment = reconcile.refresh_pending_payment(payment=payment, source="api")
    booking = getattr(payment, "booking", None)
    refund = (
        payment.refunds.order_by("created_at").first()
        if payment.resolution == Payment.Resolution.REFUNDED
        else None
    )
    return CheckBookingOut(
        success=True,
        payment_status=payment.status.upper(),
        booking_created=booking is not None,
        booking=(
            BookingBrief(
                book_id=booking.book_id,
                status=booking.status.upper(),
                total_amount=rupees(booking.total_paise),
            )
            if booking is not None
            else None
        ),
        refund=(
            RefundBrief(state=refund.state.upper(), amount=rupees(refund.amount_paise))
            if refund is not None
            else None
        ),
    )
