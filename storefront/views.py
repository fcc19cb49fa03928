"""Storefront pages: catalog, service, cart, accounts and addresses.

Thin function views: fetch with a permission check, bind a form, call a
service, choose the response. With HTMX a view renders the fragment of its
page (``"storefront/page.html#fragment"``); without it, or when htmx restores
a page from history, the whole page. Views that choose between the two say so
in ``Vary``, so no cache hands a fragment to a full-page request.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

from security.ratelimits import rate_limit
from storefront import (
    capacity,
    catalog_cache,
    formats,
    languages,
    page_cache,
    selectors,
    services,
)
from storefront.capacity import slot_availability
from storefront.exceptions import BookingDateError, StorefrontError
from storefront.forms import (
    AddressForm,
    AddToCartForm,
    CatalogFilterForm,
    ChangeCartItemForm,
    CityForm,
    DateForm,
    EmailLoginForm,
    PromoForm,
    SankalpForm,
    SignupForm,
)
from storefront.models import Address, CartItem, Package, Page, Service
from storefront.templatetags.shop import money

PAGE_SIZE = 12


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# The request headers that decide between a fragment and the whole page.
vary_on_htmx = vary_on_headers("HX-Request", "HX-History-Restore-Request")


def _wants_fragment(request: HtmxHttpRequest) -> bool:
    """Return whether to answer with a fragment of the page.

    htmx asks for the whole page when it restores history it has not cached,
    and sends ``HX-Request`` with that request too.
    """
    return bool(request.htmx) and not request.htmx.history_restore_request


def _cart_changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, "cartChanged")


# Catalog ----------------------------------------------------------------------


@vary_on_htmx
@require_GET
@page_cache.catalog_page()
def catalog(request: HtmxHttpRequest) -> HttpResponse:
    """The catalog. Its results are rendered once per catalog version and query
    (``storefront.catalog_cache``); nothing in them depends on the visitor. A
    visitor with nothing of their own gets the whole page from the cache
    (``storefront.page_cache``)."""
    version = catalog_cache.catalog_version()
    categories = catalog_cache.get_or_render(
        catalog_cache.fragment_key(version, "categories", QueryDict()),
        selectors.active_categories,
    )
    form = CatalogFilterForm(request.GET, categories=categories)
    filters, notes = form.filters_and_notes()
    fragment = _wants_fragment(request)

    def render_results():
        page = Paginator(
            selectors.catalog_services(filters=filters), PAGE_SIZE
        ).get_page(request.GET.get("page"))
        selectors.set_language_names(page.object_list)
        return render_to_string(
            "storefront/catalog.html#results",
            {
                "categories": categories,
                "current_category": filters.get("category", ""),
                "page": page,
                "notes": notes,
                # With htmx the category chips follow the results out of band.
                "category_strip_oob": fragment,
            },
            request=request,
        )

    results = catalog_cache.get_or_render(
        catalog_cache.fragment_key(
            version, "results-oob" if fragment else "results", request.GET
        ),
        render_results,
    )
    if fragment:
        return HttpResponse(results)
    context = {
        "form": form,
        "categories": categories,
        "current_category": filters.get("category", ""),
        "notes": notes,
        "results": results,
    }
    # Everything but base.html (the header with the visitor's cart badge and
    # name, the CSRF token) depends only on the query and the catalog.
    content = catalog_cache.get_or_render(
        catalog_cache.fragment_key(version, "page", request.GET),
        lambda: render_to_string(
            "storefront/catalog.html#content", context, request=request
        ),
    )
    return render(request, "storefront/catalog.html", {**context, "content": content})


# Service page and slots ---------------------------------------------------------


def _active_service(slug):
    return get_object_or_404(
        Service.objects.select_related("category"), slug=slug, is_active=True
    )


def _slots_for(date_text, *, package=None, address=None):
    """Return (date, availability, error) for a ``?date=`` value."""
    form = DateForm({"date": date_text or ""})
    if not form.is_valid():
        return None, [], form.errors["date"][0]
    date = form.cleaned_data["date"]
    if date is None:
        return None, [], None
    try:
        services.validate_booking_date(date)
    except BookingDateError as exc:
        return date, [], exc.message
    return (
        date,
        slot_availability(date=date, package=package, address=address),
        None,
    )


CITY_SESSION_KEY = "puja_city"


def _puja_place(request):
    """Return {"city", "pincode"} where the customer's pujas happen, or None.

    The city asked on the service page (kept in the session) wins; a signed-in
    customer's default address is the answer until then.
    """
    city = request.session.get(CITY_SESSION_KEY)
    if city:
        return {"city": city, "pincode": ""}
    if request.user.is_authenticated:
        address = (
            Address.objects.filter(user=request.user)
            .order_by("-is_default", "-created_at")
            .values("city", "pincode")
            .first()
        )
        if address:
            return address
    return None


QUICK_DAYS = 7


def _booking_window():
    first, last = services.bookable_date_range()
    return {"min_date": first, "max_date": last}


def _when_context(date_text, *, package=None, address=None):
    """Return the date and time choices: quick days, the chosen date, its slots
    (for ``package`` at ``address``: the priests who match it there)."""
    date, availability, date_error = _slots_for(
        date_text, package=package, address=address
    )
    window = _booking_window()
    return {
        "date": date,
        "date_text": date_text,
        "availability": availability,
        "date_error": date_error,
        # The next bookable days: days without room for the package are left out.
        "quick_days": capacity.next_days_with_room(
            first=window["min_date"],
            last=window["max_date"],
            count=QUICK_DAYS,
            package=package,
            address=address,
        ),
        **window,
    }


def _selected_package(packages, choice):
    """Return the package matching ``choice`` (package, tier, language), else the cheapest."""
    by_pk = {str(package.pk): package for package in packages}
    if choice.get("package") in by_pk:
        return by_pk[choice["package"]]
    tier, language = choice.get("tier"), choice.get("language")
    for package in packages:
        if package.tier == tier and package.language == language:
            return package
    for package in packages:
        if package.tier == tier or package.language == language:
            return package
    return packages[0] if packages else None


def _service_context(request, service, *, form=None, date_text=None, added=None):
    packages = selectors.bookable_packages(service=service)
    if date_text is None:
        date_text = request.GET.get("date", "")
    bound = form is not None and form.is_bound
    choice = form.data if bound else request.GET
    selected = _selected_package(packages, choice)
    tier = choice.get("tier") or (selected.tier if selected else "")
    language = choice.get("language") or (selected.language if selected else "")
    if choice.get("package") and selected is not None:
        tier, language = selected.tier, selected.language
    place = _puja_place(request) if service.kind == Service.Kind.HOME else None
    return {
        "service": service,
        "packages": packages,
        "tiers": selectors.package_tiers(packages),
        "languages": selectors.package_languages(packages),
        "package_choices": [
            {
                "tier": package.tier,
                "language": package.language,
                "label": f"{package.get_tier_display()} · "
                f"{package.get_language_display()}",
                "price": money(package.price_paise),
            }
            for package in packages
        ],
        "selected": selected
        if selected and (selected.tier, selected.language) == (tier, language)
        else None,
        "selected_tier": tier,
        "selected_language": language,
        "form": form or AddToCartForm(service=service),
        "place": place,
        "city_form": CityForm(initial={"city": place["city"] if place else ""}),
        "selected_package": str(selected.pk) if selected else "",
        # Kept when the slots reload for another package or date.
        "selected_slot": str(choice.get("slot") or ""),
        "added": added,
        **_when_context(date_text, package=selected, address=place),
    }


# The quick days skip days that are full, which bookings change: a kept
# service page may show a day that filled up at most this long ago (its times,
# loaded when the day is chosen, and Add to cart are always live).
SERVICE_PAGE_SECONDS = 15


def _service_page_day(request):
    """What a kept service page depends on besides the catalog: today (its
    quick days); none is kept once a date is chosen (its times are live)."""
    if request.GET.get("date"):
        return None
    return services.bookable_date_range()[0].isoformat()


@require_GET
# The service page shows the visitor's city too: kept for anonymous visitors.
@page_cache.catalog_page(
    _service_page_day, anonymous_only=True, timeout=SERVICE_PAGE_SECONDS
)
def service_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    service = _active_service(slug)
    return render(
        request, "storefront/service.html", _service_context(request, service)
    )


@vary_on_htmx
@require_GET
def service_slots(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    service = _active_service(slug)
    context = _service_context(request, service)
    if _wants_fragment(request):
        return render(request, "storefront/service.html#when", context)
    return render(request, "storefront/service.html", context)


@require_POST
def set_city(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Remember the city of the customer's pujas; availability follows it."""
    service = _active_service(slug)
    form = CityForm(request.POST)
    if form.is_valid():
        request.session[CITY_SESSION_KEY] = form.cleaned_data["city"]
    else:
        messages.error(request, form.errors["city"][0])
    return redirect(service.get_absolute_url())


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


# Accounts -----------------------------------------------------------------------


def _next_url(request, default):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _login_keeping_cart(request, user):
    # The session key rotates at login(), so the anonymous cart is found first.
    session_cart = (
        None
        if request.user.is_authenticated
        else services.get_cart_for_request(request)
    )
    login(request, user, backend="storefront.auth_backends.EmailOrUsernameBackend")
    services.merge_session_cart(session_cart=session_cart, user=user)


@require_http_methods(["GET", "POST"])
@rate_limit(("signup", "ip"))
def signup(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = form.save()
            _login_keeping_cart(request, user)
            messages.success(
                request, _("Welcome to OkPuja, %(name)s!") % {"name": user.first_name}
            )
            return redirect(_next_url(request, "storefront:catalog"))
    else:
        form = SignupForm()
    # A form with errors keeps where the customer was going.
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "storefront/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
@rate_limit(("login", "ip"))
def login_view(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmailLoginForm(request, data=request.POST)
        if form.is_valid():
            _login_keeping_cart(request, form.get_user())
            return redirect(_next_url(request, "storefront:catalog"))
    else:
        form = EmailLoginForm(request)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "storefront/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HtmxHttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect("storefront:catalog")


# Addresses ------------------------------------------------------------------------


def _own_address(request, address_id):
    return get_object_or_404(Address, pk=address_id, user=request.user)


@login_required
@require_GET
def address_list(request: HtmxHttpRequest) -> HttpResponse:
    addresses = Address.objects.filter(user=request.user)
    return render(request, "storefront/addresses.html", {"addresses": addresses})


@login_required
@require_http_methods(["GET", "POST"])
def address_form(
    request: HtmxHttpRequest, address_id: int | None = None
) -> HttpResponse:
    address = (
        _own_address(request, address_id) if address_id else Address(user=request.user)
    )
    if request.method == "POST":
        form = AddressForm(request.POST, instance=address)
        if form.is_valid():
            services.save_address(
                address=form.save(commit=False),
                user=request.user,
                make_default=form.cleaned_data["is_default"],
            )
            messages.success(request, _("Address saved."))
            return redirect(_next_url(request, "storefront:addresses"))
    else:
        form = AddressForm(instance=address)
    return render(
        request,
        "storefront/address_form.html",
        {"form": form, "address": address, "next": request.GET.get("next", "")},
    )


@login_required
@require_POST
def address_delete(request: HtmxHttpRequest, address_id: int) -> HttpResponse:
    services.delete_address(address=_own_address(request, address_id))
    messages.success(request, _("Address deleted."))
    return redirect("storefront:addresses")


@login_required
@require_POST
def address_make_default(request: HtmxHttpRequest, address_id: int) -> HttpResponse:
    services.set_default_address(address=_own_address(request, address_id))
    messages.success(request, _("Default address updated."))
    return redirect("storefront:addresses")


# Policy pages -------------------------------------------------------------------


@require_GET
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    return render(request, "storefront/page.html", {"page": page})


# Language ---------------------------------------------------------------------------


@require_POST
def set_language(request: HtmxHttpRequest) -> HttpResponse:
    """Switch between English and Hindi: Django's ``set_language``, then remember it.

    Django's view sets the cookie and goes back to ``next`` (or the referring
    page); a signed-in customer's choice is saved on their profile as well.
    """
    code = languages.supported(request.POST.get("language"))
    if code is None:
        return HttpResponseBadRequest(_("Unknown language."))
    response = i18n_views.set_language(request)
    languages.save_choice(request, code)
    return response
