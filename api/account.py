"""The caller's addresses and bookings, and tokens for app clients."""

from django.contrib.auth import authenticate
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Router, Status

from api.errors import ERRORS, ApiError, ErrorOut, form_error
from api.schemas import (
    ID_MAX,
    AddressIn,
    AddressOut,
    BookingDetailOut,
    BookingItemOut,
    BookingOut,
    OkOut,
    RefundOut,
    TokenIn,
    TokenOut,
)
from api.throttles import RateLimit
from api.tokens import issue_token, revoke_token
from checkout.models import Booking, BookingItem
from priests.selectors import booking_team
from storefront import services as storefront_services
from storefront.forms import AddressForm
from storefront.models import Address

addresses = Router(tags=["addresses"])
bookings = Router(tags=["bookings"])
auth = Router(tags=["auth"])

AddressId = Path(..., ge=1, le=ID_MAX)


# Addresses ------------------------------------------------------------------------


def address_out(address):
    return AddressOut(
        id=address.pk,
        full_name=address.full_name,
        phone=address.phone,
        line1=address.line1,
        line2=address.line2,
        landmark=address.landmark,
        city=address.city,
        state=address.state,
        state_name=address.get_state_display(),
        pincode=address.pincode,
        is_default=address.is_default,
    )


def _own_address(request, address_id):
    address = Address.objects.filter(pk=address_id, user=request.user).first()
    if address is None:
        raise ApiError(404, "address_not_found", _("No such address."))
    return address


def _save(request, payload, address):
    """Validate with the address page's form, then save through the service."""
    form = AddressForm(payload.dict(), instance=address)
    if not form.is_valid():
        raise form_error(form)
    saved = storefront_services.save_address(
        address=form.save(commit=False),
        user=request.user,
        make_default=form.cleaned_data["is_default"],
    )
    return address_out(saved)


@addresses.get("/", response={200: list[AddressOut], **ERRORS}, summary="My addresses")
def list_addresses(request):
    return [address_out(a) for a in Address.objects.filter(user=request.user)]


@addresses.post("/", response={201: AddressOut, **ERRORS}, summary="Add an address")
def create_address(request, payload: AddressIn):
    return Status(201, _save(request, payload, Address(user=request.user)))


@addresses.get(
    "/{address_id}/", response={200: AddressOut, **ERRORS}, summary="One address"
)
def read_address(request, address_id: int = AddressId):
    return address_out(_own_address(request, address_id))


@addresses.put(
    "/{address_id}/", response={200: AddressOut, **ERRORS}, summary="Change an address"
)
def update_address(request, payload: AddressIn, address_id: int = AddressId):
    return _save(request, payload, _own_address(request, address_id))


@addresses.delete(
    "/{address_id}/", response={200: OkOut, **ERRORS}, summary="Delete an address"
)
def delete_address(request, address_id: int = AddressId):
    storefront_services.delete_address(address=_own_address(request, address_id))
    return OkOut()


@addresses.post(
    "/{address_id}/default/",
    response={200: AddressOut, **ERRORS},
    summary="Make an address the default",
)
def make_default(request, address_id: int = AddressId):
    address = _own_address(request, address_id)
    storefront_services.set_default_address(address=address)
    address.refresh_from_db()
    return address_out(address)


# Bookings -------------------------------------------------------------------------


def _booking_fields(booking):
    return {
        "book_id": booking.book_id,
        "status": booking.status,
        "payment_id": booking.payment.merchant_order_id,
        "first_date": booking.first_date,
        "subtotal_paise": booking.subtotal_paise,
        "discount_paise": booking.discount_paise,
        "total_paise": booking.total_paise,
        "promo_code": booking.promo_code,
        "created_at": booking.created_at,
        "items": [
            BookingItemOut(
                puja=item.service_title,
                package=item.package_label,
                language=item.language,
                date=item.date,
                slot=item.slot_label,
                price_paise=item.price_paise,
                priest_count=item.priest_count,
            )
            for item in booking.items.all()
        ],
    }


def _my_bookings(request):
    return (
        Booking.objects.filter(user=request.user)
        .select_related("payment", "assigned_priest")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=BookingItem.objects.order_by("date", "slot__start_time"),
            )
        )
    )


@bookings.get(
    "/", response={200: list[BookingOut], **ERRORS}, summary="My bookings, newest first"
)
def list_bookings(request):
    return [BookingOut(**_booking_fields(b)) for b in _my_bookings(request)]


@bookings.get(
    "/{book_id}/", response={200: BookingDetailOut, **ERRORS}, summary="One booking"
)
def booking_detail(request, book_id: str = Path(..., max_length=11)):
    booking = get_object_or_404(_my_bookings(request), book_id=book_id)
    team = [p.get_full_name() or p.username for p in booking_team(booking)]
    return BookingDetailOut(
        **_booking_fields(booking),
        address=list((booking.address or {}).get("lines", [])),
        priest=team[0] if team else None,
        priests=team,
        refunds=[
            RefundOut(
                state=r.state, amount_paise=r.amount_paise, created_at=r.created_at
            )
            for r in booking.payment.refunds.order_by("created_at")
        ],
    )


# Tokens ---------------------------------------------------------------------------


@auth.post(
    "/token/",
    response={
        201: TokenOut,
        400: ErrorOut,
        401: ErrorOut,
        413: ErrorOut,
        429: ErrorOut,
    },
    auth=None,
    summary="Exchange email and password for a personal access token",
    throttle=[RateLimit("login", key="ip")],
)
def create_token(request, payload: TokenIn):
    """The token is in the answer once; only its hash is kept. It expires after
    ``API_TOKEN_DAYS`` days and can be revoked on the account's API tokens page
    or with ``DELETE /api/auth/token/``. Failed attempts count towards the same
    sign-in throttle as the login form."""
    user = authenticate(request, username=payload.email, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise ApiError(
            429,
            "signin_locked",
            _("Too many failed sign-ins. Please wait and try again."),
        )
    if user is None:
        raise ApiError(
            401, "invalid_credentials", _("The email or password is not right.")
        )
    issued = issue_token(user=user, name=payload.name)
    return Status(
        201,
        TokenOut(
            token=issued.raw,
            prefix=issued.token.prefix,
            name=issued.token.name,
            expires_at=issued.token.expires_at,
        ),
    )


@auth.delete(
    "/token/",
    response={200: OkOut, 400: ErrorOut, 401: ErrorOut},
    summary="Revoke the token this request is signed with",
)
def delete_token(request):
    token = getattr(request, "api_token", None)
    if token is None:
        raise ApiError(400, "no_token", _("This request is not signed with a token."))
    revoke_token(token=token)
    return OkOut()
