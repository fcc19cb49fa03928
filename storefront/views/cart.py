"""Cart, promo codes and the header's cart badge."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from security.ratelimits import rate_limit
from storefront import formats, selectors, services
from storefront.exceptions import StorefrontError
from storefront.forms import (
    AddToCartForm,
    ChangeCartItemForm,
    PromoForm,
    SankalpForm,
)
from storefront.models import CartItem, Package, Service
from storefront.views.browse import _booking_window, _service_context, _slots_for
from storefront.views.htmx import (
    HtmxHttpRequest,
    _cart_changed,
    _wants_fragment,
    vary_on_htmx,
)

# Cart -------------------------------------------------------------------------


def _service_from_post(request):
    """Return the service a POST to add to the cart is for: by package, or by slug."""
    if "package" not in request.POST and request.POST.get("service"):
        return get_object_or_404(Service, slug=request.POST["service"])
    try:
        package_id = int(request.POST.get("package", ""))
    except ValueError:
        raise Http404("No such package") from None
    return get_object_or_404(
        Package.objects.select_related("service"), pk=package_id
    ).service


@vary_on_htmx
@require_POST
def cart_add(request: HtmxHttpRequest) -> HttpResponse:
    service = _service_from_post(request)
    form = AddToCartForm(request.POST, service=service)
    added = None
    if form.is_valid():
        try:
            cart = services.get_cart_for_request(request, create=True)
            added = services.add_to_cart(
                cart=cart,
                package=form.cleaned_data["package"],
                date=form.cleaned_data["date"],
                slot=form.cleaned_data["slot"],
            )
        except StorefrontError as exc:
            form.add_error(None, exc.message)
    fragment = _wants_fragment(request)
    if added is not None and not fragment:
        messages.success(
            request,
            _("%(service)s on %(date)s at %(slot)s was added to your cart.")
            % {
                "service": service.title,
                "date": formats.day(added.date),
                "slot": added.slot.display,
            },
        )
        return redirect("storefront:cart")
    if not service.is_active and not fragment:
        messages.error(
            request, _("%(service)s is no longer available.") % {"service": service}
        )
        return redirect("storefront:catalog")
    context = _service_context(
        request, service, form=form, date_text=request.POST.get("date", ""), added=added
    )
    if fragment:
        response = render(request, "storefront/service.html#add-form", context)
        return _cart_changed(response) if added is not None else response
    return render(request, "storefront/service.html", context)


def _cart_context(request, *, cart=None, promo_form=None, error=None):
    if cart is None:
        cart = services.get_cart_for_request(request)
    totals = services.cart_totals(cart=cart, user=request.user)
    return {
        "cart": cart,
        "totals": totals,
        "cart_count": totals.count,
        "promo_form": promo_form or PromoForm(),
        "cart_error": error,
        "slots": selectors.active_slots(),
        **_booking_window(),
    }


@require_GET
def cart_detail(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "storefront/cart.html", _cart_context(request))


def _cart_response(request, *, changed, success=None, error=None, promo_form=None):
    """Answer a cart POST: the summary fragment for htmx, else redirect to the cart."""
    if _wants_fragment(request):
        context = _cart_context(request, promo_form=promo_form, error=error)
        context["cart_success"] = success
        response = render(request, "storefront/cart.html#cart-summary", context)
        return _cart_changed(response) if changed else response
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return redirect("storefront:cart")


def _live_cart_or_404(request):
    cart = services.get_cart_for_request(request)
    if cart is None:
        raise Http404("No cart")
    return cart


@vary_on_htmx
@require_POST
def cart_remove(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    cart = _live_cart_or_404(request)
    get_object_or_404(CartItem, pk=item_id, cart=cart)
    try:
        services.remove_from_cart(cart=cart, item_id=item_id)
    except StorefrontError as exc:
        return _cart_response(request, changed=False, error=exc.message)
    return _cart_response(
        request, changed=True, success=_("The puja was removed from your cart.")
    )


@vary_on_htmx
@require_POST
def cart_change(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    cart = _live_cart_or_404(request)
    get_object_or_404(CartItem, pk=item_id, cart=cart)
    form = ChangeCartItemForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _cart_response(request, changed=False, error=error)
    try:
        services.change_cart_item(
            cart=cart,
            item_id=item_id,
            date=form.cleaned_data["date"],
            slot=form.cleaned_data["slot"],
        )
    except StorefrontError as exc:
        return _cart_response(request, changed=False, error=exc.message)
    return _cart_response(
        request, changed=True, success=_("Your booking date and slot were updated.")
    )


@vary_on_htmx
@require_POST
def cart_sankalp(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    """Save the sankalp details (names, gotra, nakshatra, occasion, notes) of a line."""
    cart = _live_cart_or_404(request)
    get_object_or_404(CartItem, pk=item_id, cart=cart)
    form = SankalpForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _cart_response(request, changed=False, error=error)
    try:
        services.save_sankalp(cart=cart, item_id=item_id, sankalp=form.cleaned_data)
    except StorefrontError as exc:
        return _cart_response(request, changed=False, error=exc.message)
    return _cart_response(
        request, changed=False, success=_("The sankalp details were saved.")
    )


@vary_on_htmx
@require_GET
def cart_item_slots(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    cart = _live_cart_or_404(request)
    item = get_object_or_404(
        CartItem.objects.select_related("slot"), pk=item_id, cart=cart
    )
    date, availability, date_error = _slots_for(request.GET.get("date", ""))
    context = {
        "item": item,
        "date": date,
        "availability": availability,
        "date_error": date_error,
    }
    if _wants_fragment(request):
        return render(request, "storefront/cart.html#line-slots", context)
    return redirect("storefront:cart")


@vary_on_htmx
@require_POST
@rate_limit(("promo_apply", "user_or_ip"))
def promo_apply(request: HtmxHttpRequest) -> HttpResponse:
    cart = services.get_cart_for_request(request)
    form = PromoForm(request.POST)
    if not form.is_valid():
        return _cart_response(
            request, changed=False, error=form.errors["code"][0], promo_form=form
        )
    if cart is None:
        return _cart_response(
            request,
            changed=False,
            error=_("Add a puja to your cart before applying a promo code."),
        )
    try:
        promo = services.apply_promo(
            cart=cart, code=form.cleaned_data["code"], user=request.user
        )
    except StorefrontError as exc:
        return _cart_response(
            request, changed=False, error=exc.message, promo_form=form
        )
    return _cart_response(
        request,
        changed=True,
        success=_("Promo code %(code)s applied.") % {"code": promo.code},
    )


@vary_on_htmx
@require_POST
def promo_remove(request: HtmxHttpRequest) -> HttpResponse:
    cart = _live_cart_or_404(request)
    try:
        services.remove_promo(cart=cart)
    except StorefrontError as exc:
        return _cart_response(request, changed=False, error=exc.message)
    return _cart_response(
        request, changed=True, success=_("The promo code was removed.")
    )


@require_GET
def cart_badge(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "base.html#cart-badge")
