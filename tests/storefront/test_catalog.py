"""The catalog: filters, search, sort, pagination, HTMX fragment and polite notes."""

import re

import pytest
from django.urls import reverse
from django.utils.cache import has_vary_header

from storefront.models import Package, Service
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("storefront:catalog")


@pytest.fixture
def catalog():
    ganesh = factories.make_category(name="Ganesh", slug="ganesh", position=0)
    havan = factories.make_category(name="Havan", slug="havan", position=1)
    ganesh_puja = factories.make_service(
        category=ganesh, title="Ganesh Puja", summary="For new beginnings with modak."
    )
    factories.make_package(service=ganesh_puja, price_paise=110100, language="hi")
    factories.make_package(
        service=ganesh_puja,
        tier=Package.Tier.PREMIUM,
        price_paise=510100,
        language="ta",
    )
    homam = factories.make_service(
        category=havan,
        title="Ganapati Homam",
        kind=Service.Kind.TEMPLE,
        summary="Fire ritual.",
    )
    factories.make_package(service=homam, price_paise=310100, language="en")
    online = factories.make_service(
        category=havan,
        title="Gayatri Havan",
        kind=Service.Kind.ONLINE,
        summary="Online.",
    )
    factories.make_package(service=online, price_paise=50100, language="hi")
    # Never listed: inactive service, service with only inactive packages.
    hidden = factories.make_service(
        category=ganesh, title="Hidden Ganesh", is_active=False
    )
    factories.make_package(service=hidden)
    no_packages = factories.make_service(
        category=ganesh, title="Ganesh Without Packages"
    )
    factories.make_package(service=no_packages, is_active=False)
    return {"ganesh": ganesh_puja, "homam": homam, "online": online}


def titles(response):
    """The titles of the cards on the page, in order (read from the HTML: the
    results fragment comes from a cache, so its context is not always there)."""
    return re.findall(
        r'class="stretched-link service-link" href="[^"]*">([^<]*)</a>',
        response.content.decode(),
    )


def test_lists_active_services_with_from_price_kind_and_languages(client, catalog):
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response) == ["Ganesh Puja", "Ganapati Homam", "Gayatri Havan"]
    html = response.content.decode()
    assert "from <strong>₹1,101</strong>" in html
    assert "At temple" in html and "Online" in html
    assert "Hindi, Tamil" in html
    assert "Hidden Ganesh" not in html and "Without Packages" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "havan"}, ["Ganapati Homam", "Gayatri Havan"]),
        ({"kind": "temple"}, ["Ganapati Homam"]),
        ({"language": "ta"}, ["Ganesh Puja"]),
        ({"min_price": "1000", "max_price": "3101"}, ["Ganesh Puja", "Ganapati Homam"]),
        ({"q": "ganesh modak"}, ["Ganesh Puja"]),
        ({"q": "GANAPATI fire"}, ["Ganapati Homam"]),
        ({"q": "ganesh fire"}, ["Ganapati Homam"]),
        ({"q": "modak fire"}, []),
        ({"sort": "price"}, ["Gayatri Havan", "Ganesh Puja", "Ganapati Homam"]),
        ({"sort": "-price"}, ["Ganapati Homam", "Ganesh Puja", "Gayatri Havan"]),
        ({"sort": "name"}, ["Ganapati Homam", "Ganesh Puja", "Gayatri Havan"]),
        ({"sort": "-name"}, ["Gayatri Havan", "Ganesh Puja", "Ganapati Homam"]),
    ],
)
def test_filters_search_and_sort(client, catalog, params, expected):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert titles(response) == expected
    assert response.context["notes"] == []


def test_empty_state_has_clear_filters_link(client, catalog):
    response = client.get(URL, {"q": "nothing-matches-this"})
    assert b"No pujas match" in response.content
    assert b"Clear filters" in response.content


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"min_price": "abc"}, "Minimum price ignored: enter whole rupees"),
        ({"max_price": "-5"}, "Maximum price ignored: enter whole rupees"),
        ({"min_price": "1.5"}, "Minimum price ignored"),
        ({"min_price": "5000", "max_price": "100"}, "minimum is above the maximum"),
        ({"q": "x" * 101}, "Search ignored"),
        ({"category": "no-such"}, "Category filter ignored"),
        ({"kind": "moon"}, "Puja type filter ignored"),
        ({"language": "xx"}, "Language filter ignored"),
        ({"sort": "random()"}, "Sort order ignored"),
    ],
)
def test_invalid_filters_are_ignored_with_a_polite_note(client, catalog, params, note):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert note in response.content.decode()
    assert len(titles(response)) == 3


def test_search_of_exactly_100_characters_is_accepted(client, catalog):
    response = client.get(URL, {"q": "a" * 100})
    assert response.context["notes"] == []


@pytest.mark.parametrize(
    ("page", "expected"), [("abc", 1), ("0", 2), ("99", 2), ("2", 2)]
)
def test_bad_page_falls_back_to_first_or_last(client, page, expected):
    service = factories.make_service()
    factories.make_package(service=service)
    for _n in range(13):
        factories.make_package(
            service=factories.make_service(category=service.category)
        )
    response = client.get(URL, {"page": page})
    assert response.status_code == 200
    number = 1 if page == "abc" else expected
    assert f'aria-current="page">{number}</a>' in response.content.decode()


def test_pagination_links_keep_filters(client):
    category = factories.make_category(slug="ganesh")
    for _n in range(13):
        factories.make_package(service=factories.make_service(category=category))
    response = client.get(URL, {"category": "ganesh", "sort": "name"})
    assert "?category=ganesh&amp;sort=name&amp;page=2" in response.content.decode()
    assert len(titles(response)) == 12


def test_htmx_request_gets_only_the_results_fragment(client, catalog):
    response = client.get(URL, {"kind": "online"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "catalog-filters" not in html
    assert "Gayatri Havan" in html and "Ganesh Puja</a></h3>" not in html
    # The category chips follow out of band.
    assert 'id="category-strip" hx-swap-oob="true"' in html


HISTORY_RESTORE = {
    "HTTP_HX_REQUEST": "true",
    "HTTP_HX_HISTORY_RESTORE_REQUEST": "true",
}


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_HX_REQUEST": "true"}, HISTORY_RESTORE], ids=str
)
def test_catalog_varies_on_the_htmx_headers(client, catalog, headers):
    response = client.get(URL, {"kind": "online"}, **headers)
    assert has_vary_header(response, "HX-Request")
    assert has_vary_header(response, "HX-History-Restore-Request")


def test_history_restore_gets_the_whole_page_once(client, catalog):
    # htmx sends HX-Request with a history restore too; it needs the page.
    response = client.get(URL, {"kind": "online"}, **HISTORY_RESTORE)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en-IN">' in html and 'id="catalog-filters"' in html
    assert "Gayatri Havan" in html and "Ganesh Puja</a></h3>" not in html
    assert html.count('id="category-strip"') == 1
    assert "hx-swap-oob" not in html


def test_full_page_has_progressive_filter_form(client, catalog):
    html = client.get(URL).content.decode()
    assert '<html lang="en-IN">' in html
    assert 'method="get" action="/"' in html
    assert 'hx-target="#results"' in html and 'hx-push-url="true"' in html
    assert 'id="cart-badge"' in html and 'hx-trigger="cartChanged from:body"' in html
    assert "X-CSRFToken" in html


def test_healthz(client):
    assert client.get("/healthz").status_code == 200
