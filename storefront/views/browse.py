"""Catalog, service page and its slots, the city of the customer's pujas,
policy pages."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from storefront import capacity, catalog_cache, page_cache, selectors, services
from storefront.capacity import slot_availability
from storefront.exceptions import BookingDateError
from storefront.forms import AddToCartForm, CatalogFilterForm, CityForm, DateForm
from storefront.models import Address, Page, Service
from storefront.templatetags.shop import money
from storefront.views.htmx import HtmxHttpRequest, _wants_fragment, vary_on_htmx

PAGE_SIZE = 12

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


# Policy pages -------------------------------------------------------------------


@require_GET
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    return render(request, "storefront/page.html", {"page": page})
