"""The caller's live cart: read, add, change, remove lines, apply and remove a promo.

Every write goes through ``storefront.services``, as the cart page's do.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Router, Status

from api.errors import ERRORS, WRITE_ERRORS, ApiError, form_error
from api.schemas import (
    ID_MAX,
    CartItemChangeIn,
    CartItemIn,
    CartLineOut,
    CartOut,
    PromoIn,
    SankalpIn,
    SankalpOut,
)
from api.throttles import RateLimit
from checkout.snapshots import checkout_needs
from storefront import services as storefront_services
from storefront.forms import SankalpForm
from storefront.models import CartItem, Package, TimeSlot

router = Router(tags=["cart"])


def cart_out(request, cart=None):
    if cart is None:
        cart = storefront_services.get_cart_for_request(request)
    totals = storefront_services.cart_totals(cart=cart, user=request.user)
    needs = checkout_needs(totals.lines)
    return CartOut(
        cart_id=cart.pk if cart is not None else None,
        status=cart.status if cart is not None else "open",
        items=[
            CartLineOut(
                id=item.pk,
                package_id=item.package_id,
                puja=item.package.service.title,
                puja_slug=item.package.service.slug,
                kind=item.package.service.kind,
                tier=item.package.tier,
                language=item.package.language,
                date=item.date,
                slot_id=item.slot_id,
                slot=item.slot.display,
                price_paise=item.package.price_paise,
                priest_count=item.package.priest_count,
                sankalp=(
                    SankalpOut(
                        **{
                            key: str((item.sankalp or {}).get(key) or "")
                            for key in storefront_services.SANKALP_FIELDS
                        }
                    )
                    if item.has_sankalp
                    else None
                ),
            )
            for item in totals.lines
        ],
        promo=(
            {"code": totals.promo.code, "error": totals.promo_error}
            if totals.promo is not None
            else None
        ),
        subtotal_paise=totals.subtotal_paise,
        discount_paise=totals.discount_paise,
        total_paise=totals.total_paise,
        needs_address=needs["address"],
        needs_phone=needs["phone"],
    )


def _live_cart(request):
    cart = storefront_services.get_cart_for_request(request)
    if cart is None:
        raise ApiError(404, "cart_not_found", _("Your cart is empty."))
    return cart


def _own_item(request, item_id):
    cart = _live_cart(request)
    if not CartItem.objects.filter(pk=item_id, cart=cart).exists():
        raise ApiError(404, "item_not_found", _("That item is not in your cart."))
    return cart


def _slot(slot_id):
    slot = TimeSlot.objects.filter(pk=slot_id).first()
    if slot is None:
        message = _("That time slot is not offered. Please pick another slot.")
        raise ApiError(400, "invalid_slot_id", message, {"slot_id": [message]})
    return slot


@router.get("/", response={200: CartOut, **ERRORS}, summary="The current cart")
def read_cart(request):
    return cart_out(request)


@router.post(
    "/items/",
    response={201: CartOut, **WRITE_ERRORS},
    summary="Add a package for a date and slot",
)
def add_item(request, payload: CartItemIn):
    package = get_object_or_404(
        Package.objects.select_related("service"), pk=payload.package_id
    )
    slot = _slot(payload.slot_id)
    with transaction.atomic():
        cart = storefront_services.get_cart_for_request(request, create=True)
        storefront_services.add_to_cart(
            cart=cart, package=package, date=payload.date, slot=slot
        )
    return Status(201, cart_out(request))


@router.patch(
    "/items/{item_id}/",
    response={200: CartOut, **WRITE_ERRORS},
    summary="Move a line to another date and slot",
)
def change_item(
    request, payload: CartItemChangeIn, item_id: int = Path(..., ge=1, le=ID_MAX)
):
    cart = _own_item(request, item_id)
    storefront_services.change_cart_item(
        cart=cart, item_id=item_id, date=payload.date, slot=_slot(payload.slot_id)
    )
    return cart_out(request)


@router.put(
    "/items/{item_id}/sankalp/",
    response={200: CartOut, **WRITE_ERRORS},
    summary="Set the sankalp details of a line (needed before paying)",
)
def set_sankalp(request, payload: SankalpIn, item_id: int = Path(..., ge=1, le=ID_MAX)):
    cart = _own_item(request, item_id)
    form = SankalpForm(payload.dict())
    if not form.is_valid():
        raise form_error(form)
    storefront_services.save_sankalp(
        cart=cart, item_id=item_id, sankalp=form.cleaned_data
    )
    return cart_out(request)


@router.delete(
    "/items/{item_id}/",
    response={200: CartOut, **WRITE_ERRORS},
    summary="Remove a line",
)
def remove_item(request, item_id: int = Path(..., ge=1, le=ID_MAX)):
    cart = _own_item(request, item_id)
    storefront_services.remove_from_cart(cart=cart, item_id=item_id)
    return cart_out(request)


@router.post(
    "/promo/",
    response={200: CartOut, **WRITE_ERRORS},
    summary="Apply a promo code",
    throttle=[RateLimit("promo_apply")],
)
def apply_promo(request, payload: PromoIn):
    cart = _live_cart(request)
    storefront_services.apply_promo(cart=cart, code=payload.code, user=request.user)
    return cart_out(request)


@router.delete(
    "/promo/", response={200: CartOut, **WRITE_ERRORS}, summary="Remove the promo code"
)
def remove_promo(request):
    cart = _live_cart(request)
    storefront_services.remove_promo(cart=cart)
    return cart_out(request)
