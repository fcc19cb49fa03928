"""Catalog and slot availability: public, the same reads as the HTML pages."""

import datetime

from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from api.errors import PUBLIC_ERRORS
from api.schemas import (
    ID_MAX,
    CategoryOut,
    PackageOut,
    PujaOut,
    PujaPageOut,
    PujaSummaryOut,
    SlotAvailabilityOut,
    SlotOut,
)
from storefront import capacity, selectors
from storefront import services as storefront_services
from storefront.forms import CatalogFilterForm
from storefront.models import Package, Service
from storefront.views import PAGE_SIZE

router = Router(tags=["catalog"])


class CatalogFilters(Schema):
    q: str = ""
    category: str = ""
    kind: str = ""
    language: str = ""
    min_price: str = ""
    max_price: str = ""
    sort: str = ""
    page: int = Field(1, ge=1, le=100000)


def _package_out(package):
    return PackageOut(
        id=package.pk,
        tier=package.tier,
        language=package.language,
        language_name=str(package.get_language_display()),
        price_paise=package.price_paise,
        priest_count=package.priest_count,
        materials_included=package.materials_included,
        description=package.description,
    )


@router.get(
    "/categories/",
    response={200: list[CategoryOut], **PUBLIC_ERRORS},
    auth=None,
    summary="Active categories",
)
def categories(request):
    return [
        CategoryOut(slug=c.slug, name=c.name, description=c.description)
        for c in selectors.active_categories()
    ]


@router.get(
    "/pujas/",
    response={200: PujaPageOut, **PUBLIC_ERRORS},
    auth=None,
    summary="Pujas on sale, filtered as on the catalog page",
)
def pujas(request, filters: Query[CatalogFilters]):
    """Filters are those of the catalog page; an invalid one is ignored and
    explained in ``notes``. Prices (``min_price``, ``max_price``) are whole rupees;
    ``sort`` is one of price, -price, name, -name."""
    data = QueryDict(mutable=True)
    for name, value in filters.dict().items():
        if name != "page" and value:
            data[name] = value
    form = CatalogFilterForm(data, categories=selectors.active_categories())
    cleaned, notes = form.filters_and_notes()
    paginator = Paginator(selectors.catalog_services(filters=cleaned), PAGE_SIZE)
    page = paginator.get_page(max(filters.page, 1))
    selectors.set_language_names(page.object_list)
    return PujaPageOut(
        count=paginator.count,
        page=page.number,
        num_pages=paginator.num_pages,
        notes=[str(note) for note in notes],
        results=[
            PujaSummaryOut(
                slug=s.slug,
                title=s.title,
                summary=s.summary,
                kind=s.kind,
                category=s.category.slug,
                from_price_paise=s.from_price_paise,
                languages=s.language_names,
            )
            for s in page.object_list
        ],
    )


def _active_service(slug):
    return get_object_or_404(
        Service.objects.select_related("category"),
        slug=slug,
        is_active=True,
    )


@router.get(
    "/pujas/{slug}/",
    response={200: PujaOut, **PUBLIC_ERRORS},
    auth=None,
    summary="One puja with its packages",
)
def puja(request, slug: str):
    service = _active_service(slug)
    return PujaOut(
        slug=service.slug,
        title=service.title,
        summary=service.summary,
        description=service.description,
        kind=service.kind,
        category=service.category.slug,
        duration_minutes=service.duration_minutes,
        included=service.included_items,
        packages=[
            _package_out(p) for p in selectors.bookable_packages(service=service)
        ],
    )


@router.get(
    "/packages/{package_id}/slots/",
    response={200: SlotAvailabilityOut, **PUBLIC_ERRORS},
    auth=None,
    summary="Free priests per time slot for a package on a date",
)
def slots(
    request,
    date: datetime.date,
    package_id: int = Path(..., ge=1, le=ID_MAX),
    city: str = Query("", max_length=80),
    pincode: str = Query("", pattern=r"^([1-9][0-9]{5})?$"),
):
    """``date`` is YYYY-MM-DD, from tomorrow up to 90 days ahead (India time).

    Counts the priests who can perform this package (its puja and language):
    for a puja at home, those serving ``city`` or ``pincode`` when given (as
    the service page does for the customer's city), otherwise anywhere."""
    package = get_object_or_404(
        Package.objects.select_related("service"),
        pk=package_id,
        is_active=True,
        service__is_active=True,
    )
    storefront_services.validate_booking_date(date)
    return SlotAvailabilityOut(
        package_id=package.pk,
        date=date,
        slots=[
            SlotOut(
                slot_id=a.slot.pk,
                label=a.slot.display,
                start_time=a.slot.start_time.strftime("%H:%M"),
                capacity=a.capacity,
                remaining=a.remaining,
                available=a.remaining >= package.priest_count,
            )
            for a in capacity.slot_availability(
                date=date,
                package=package,
                address={"city": city.strip(), "pincode": pincode}
                if (city.strip() or pincode)
                else None,
            )
        ],
    )
