"""Reads of the storefront: the catalog, a service's packages, carts and slots.

Views and template context processors ask these functions instead of
building querysets themselves; writes stay in ``services`` and slot
availability in ``capacity``.
"""

from functools import reduce
from operator import add, or_

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import get_language

from storefront.models import (
    Cart,
    CartItem,
    Category,
    Language,
    Package,
    Service,
    TimeSlot,
)
from storefront.search import query_terms

CATALOG_ORDERINGS = {
    "price": ["from_price_paise", "title"],
    "-price": ["-from_price_paise", "title"],
    "name": ["title"],
    "-name": ["-title"],
    "": ["category__position", "category__name", "title"],
}


def active_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True))


def catalog_services(*, filters: dict) -> QuerySet[Service]:
    """Return the services on sale that match the catalog ``filters``.

    ``filters`` are the cleaned values of ``CatalogFilterForm`` (category,
    kind, language, min_price and max_price in whole rupees, q, sort). Each
    service carries ``from_price_paise`` (its cheapest active package) and
    ``active_packages``; services without an active package are left out.
    """
    services = (
        Service.objects.filter(is_active=True, category__is_active=True)
        .select_related("category")
        .annotate(
            from_price_paise=Min(
                "packages__price_paise", filter=Q(packages__is_active=True)
            )
        )
        .filter(from_price_paise__isnull=False)
        .prefetch_related(
            Prefetch(
                "packages",
                queryset=Package.objects.filter(is_active=True).only(
                    "id", "service_id", "language", "price_paise"
                ),
                to_attr="active_packages",
            )
        )
    )
    if "category" in filters:
        services = services.filter(category__slug=filters["category"])
    if "kind" in filters:
        services = services.filter(kind=filters["kind"])
    if "language" in filters:
        services = services.filter(
            Exists(
                Package.objects.filter(
                    service=OuterRef("pk"), is_active=True, language=filters["language"]
                )
            )
        )
    if "min_price" in filters:
        services = services.filter(from_price_paise__gte=filters["min_price"] * 100)
    if "max_price" in filters:
        services = services.filter(from_price_paise__lte=filters["max_price"] * 100)
    ordering = CATALOG_ORDERINGS[filters.get("sort", "")]
    terms = query_terms(filters.get("q", ""))
    if terms:
        services = _search(services, terms)
        if not filters.get("sort"):
            ordering = ["-relevance", *ordering]
    return services.order_by(*ordering, "pk")


def _search(services: QuerySet[Service], terms) -> QuerySet[Service]:
    """Keep services matching every term, annotated with their ``relevance``.

    A term matches a service's normalised title, its category's name or its
    text; a match in the title weighs most, then the category.
    """
    scores = []
    for spellings in terms:

        def any_of(field, spellings=spellings):
            return reduce(or_, (Q(**{f"{field}__contains": s}) for s in spellings))

        in_title = any_of("search_title")
        in_category = any_of("category__search_key")
        services = services.filter(in_title | in_category | any_of("search_text"))
        scores.append(
            Case(
                When(in_title, then=Value(4)),
                When(in_category, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    return services.annotate(relevance=reduce(add, scores))


_LANGUAGE_NAMES: dict[str, dict[str, str]] = {}


def language_names() -> dict[str, str]:
    """Return {code: name} of the package languages in the active language.

    Built once per process and language: ``get_language_display`` translates
    the lazy choice labels again on every call.
    """
    active = get_language() or ""
    names = _LANGUAGE_NAMES.get(active)
    if names is None:
        names = {code: str(label) for code, label in Language.choices}
        _LANGUAGE_NAMES[active] = names
    return names


def set_language_names(services) -> None:
    """Give each catalog service ``language_names``: its packages' languages, sorted."""
    names = language_names()
    for service in services:
        service.language_names = sorted(
            {names.get(p.language, p.language) for p in service.active_packages}
        )


def bookable_packages(*, service: Service) -> list[Package]:
    """Return the service's active packages, cheapest first."""
    return list(service.packages.filter(is_active=True).order_by("price_paise", "pk"))


def package_tiers(packages: list[Package]) -> list[dict]:
    """Summarise packages by tier for the service page: priests, samagri, prices.

    ``packages`` are a service's bookable packages; tiers come in the order
    Basic, Standard, Premium, each with the languages it is offered in.
    """
    tiers = []
    for tier in Package.Tier:
        of_tier = [package for package in packages if package.tier == tier]
        if not of_tier:
            continue
        prices = [package.price_paise for package in of_tier]
        tiers.append(
            {
                "value": tier.value,
                "label": tier.label,
                "priest_count": max(package.priest_count for package in of_tier),
                "materials_included": any(p.materials_included for p in of_tier),
                "min_price_paise": min(prices),
                "max_price_paise": max(prices),
                "languages": [package.get_language_display() for package in of_tier],
            }
        )
    return tiers


def package_languages(packages: list[Package]) -> list[tuple[str, str]]:
    """Return the (value, label) of the languages the packages are offered in."""
    offered = {package.language for package in packages}
    return [(value, label) for value, label in Language.choices if value in offered]


def active_slots() -> QuerySet[TimeSlot]:
    return TimeSlot.objects.filter(is_active=True)


def cart_items(cart: Cart) -> QuerySet[CartItem]:
    """Return the cart's lines in date and slot order, with what their pages show."""
    return cart.items.select_related("package__service__category", "slot").order_by(
        "date", "slot__start_time", "pk"
    )


def live_cart_line_count(*, user, session_key: str | None) -> int:
    """Count the lines of the live cart of ``user`` or, if anonymous, the session."""
    if user is not None and user.is_authenticated:
        items = CartItem.objects.filter(
            cart__user=user, cart__status__in=[Cart.Status.OPEN, Cart.Status.FROZEN]
        )
    elif session_key:
        items = CartItem.objects.filter(
            cart__user__isnull=True,
            cart__session_key=session_key,
            cart__status=Cart.Status.OPEN,
        )
    else:
        return 0
    return items.count()
