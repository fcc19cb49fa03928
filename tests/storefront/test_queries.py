"""Query counts are pinned and do not grow with the number of services or lines."""

import datetime

import pytest
from django.urls import reverse

from storefront import catalog_cache
from storefront.models import Package
from tests import factories

pytestmark = pytest.mark.django_db


def make_services(n, category):
    for i in range(n):
        service = factories.make_service(category=category)
        factories.make_package(service=service, language="hi", price_paise=50100 + i)
        factories.make_package(
            service=service, tier=Package.Tier.PREMIUM, language="ta"
        )


# Anonymous visitor without a session, first request after a catalog change:
# the catalog version (shared cache), categories, count, page, prefetched
# packages. Then, until the catalog changes, none: the whole page is cached
# and the version read at most once a second (pinned here: a slow machine
# must not make the count flaky).
CATALOG_QUERIES = 5
CATALOG_QUERIES_CACHED = 0
# Signed in: the session, then the user with the cart badge's count in one
# statement (storefront/visitor.py; on PostgreSQL prepared once per
# connection, so the first request on a connection adds its PREPARE).
CATALOG_QUERIES_SIGNED_IN_CACHED = 2


@pytest.fixture(autouse=True)
def _version_read_once(monkeypatch):
    monkeypatch.setattr(catalog_cache, "VERSION_MEMO_SECONDS", 3600)


def results(response):
    html = response.content.decode()
    start = html.index('<section id="results"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("n", [10, 1000])
def test_catalog_queries_do_not_grow_with_services(
    client, django_assert_num_queries, n
):
    make_services(n, factories.make_category())
    url = reverse("storefront:catalog")
    with django_assert_num_queries(CATALOG_QUERIES):
        response = client.get(url, {"sort": "price"})
    assert response.content.decode().count('class="card service-card') == (
        10 if n == 10 else 12
    )
    with django_assert_num_queries(CATALOG_QUERIES_CACHED):
        cached = client.get(url, {"sort": "price"})
    assert results(cached) == results(response)
    client.force_login(factories.make_user(first_name="Meera"))
    client.get(url, {"sort": "price"})  # prepares the statement on PostgreSQL
    with django_assert_num_queries(CATALOG_QUERIES_SIGNED_IN_CACHED):
        signed_in = client.get(url, {"sort": "price"})
    assert "Meera" in signed_in.content.decode()
    assert results(signed_in) == results(response)


@pytest.mark.parametrize("n", [10, 1000])
def test_catalog_fragment_with_filters(client, django_assert_num_queries, n):
    make_services(n, factories.make_category(slug="ganesh"))
    with django_assert_num_queries(CATALOG_QUERIES):
        client.get(
            reverse("storefront:catalog"),
            {"category": "ganesh", "language": "ta", "q": "test puja", "page": "2"},
            HTTP_HX_REQUEST="true",
        )


# service, packages, slots, overrides, holds, is there a roster (no:
# capacity from the slots; tests/priests pins the roster's queries); the quick
# days' slots, overrides, holds and roster check (tests/storefront/test_quick_days.py)
SERVICE_PAGE_QUERIES = 10


@pytest.mark.parametrize("packages", [1, 9])
def test_service_page_queries(client, django_assert_num_queries, packages):
    service = factories.make_service()
    for i in range(packages):
        factories.make_package(
            service=service,
            tier=list(Package.Tier)[i % 3],
            language=["hi", "en", "ta"][i // 3],
        )
    for hour in (6, 8, 10, 12, 16, 18):
        factories.make_slot(start=datetime.time(hour, 0))
    date = factories.booking_date(5)
    with django_assert_num_queries(SERVICE_PAGE_QUERIES):
        client.get(service.get_absolute_url(), {"date": str(date)})


@pytest.mark.parametrize("lines", [1, 6])
def test_cart_queries_do_not_grow_with_lines(client, django_assert_num_queries, lines):
    slot = factories.make_slot()
    package = factories.make_package()
    for day in range(lines):
        client.post(
            reverse("storefront:cart-add"),
            {
                "package": package.pk,
                "date": str(factories.booking_date(day + 2)),
                "slot": slot.pk,
            },
        )
    client.get(reverse("storefront:catalog"))  # consume the flash messages
    # session, cart, lines, promo (none), active slots, messages none
    with django_assert_num_queries(4):
        response = client.get(reverse("storefront:cart"))
    assert len(response.context["totals"].lines) == lines


def test_cart_badge_is_one_query_for_a_visitor_with_a_session(
    client, django_assert_num_queries
):
    slot = factories.make_slot()
    package = factories.make_package()
    client.post(
        reverse("storefront:cart-add"),
        {
            "package": package.pk,
            "date": str(factories.booking_date(2)),
            "slot": slot.pk,
        },
    )
    client.get(reverse("storefront:catalog"))
    with django_assert_num_queries(2):  # session + badge count
        response = client.get(reverse("storefront:cart-badge"))
    assert ">1<" in response.content.decode()
