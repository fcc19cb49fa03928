"""The catalog's cached results follow every catalog change that shows on the
page, and a cached page never carries another visitor's data."""

import datetime
import re

import pytest
from django.core.cache import caches
from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import mark_safe

from storefront import catalog_cache
from storefront.models import Package, SlotCapacityOverride
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("storefront:catalog")


def results(client):
    html = client.get(URL).content.decode()
    start = html.index('<section id="results"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def puja():
    category = factories.make_category(name="Ganesh")
    service = factories.make_service(category=category, title="Ganesh Puja")
    package = factories.make_package(service=service, price_paise=110100)
    return service, package


def test_cached_results_are_served_until_the_catalog_changes(client, puja):
    # htmx asks for the results only: they come from the fragment cache.
    first = client.get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert "Ganesh Puja" in first
    key = catalog_cache.fragment_key(
        catalog_cache.catalog_version(), "results-oob", QueryDict()
    )
    cached = caches["local"].get(key)
    assert cached == first
    caches["local"].set(
        key, mark_safe(cached.replace("Ganesh Puja", "Served From Cache"))
    )
    again = client.get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert "Served From Cache" in again
    factories.make_package(service=factories.make_service(title="Navagraha Shanti"))
    fresh = client.get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert "Ganesh Puja" in fresh and "Served From Cache" not in fresh


def test_price_change_shows(client, puja):
    _service, package = puja
    assert "₹1,101<" in results(client)
    package.price_paise = 250100
    package.save()
    assert "₹2,501<" in results(client)


def test_name_change_shows(client, puja):
    service, _package = puja
    assert "Ganesh Puja" in results(client)
    service.title = "Vighnaharta Puja"
    service.save()
    html = results(client)
    assert "Vighnaharta Puja" in html and "Ganesh Puja" not in html


def test_category_rename_shows(client, puja):
    service, _package = puja
    assert ">Ganesh<" in results(client)
    service.category.name = "Ganapati"
    service.category.save()
    assert ">Ganapati<" in results(client)


def test_deactivating_a_service_or_its_package_hides_it(client, puja):
    service, package = puja
    assert "Ganesh Puja" in results(client)
    service.is_active = False
    service.save()
    assert "Ganesh Puja" not in results(client)
    service.is_active = True
    service.save()
    assert "Ganesh Puja" in results(client)
    package.is_active = False
    package.save()
    assert "Ganesh Puja" not in results(client)


def test_new_package_and_deleted_package_show(client, puja):
    service, _package = puja
    assert "Hindi" in results(client) and "Tamil" not in results(client)
    extra = factories.make_package(
        service=service, tier=Package.Tier.PREMIUM, language="ta", price_paise=50100
    )
    html = results(client)
    assert "Hindi, Tamil" in html and "₹501<" in html
    extra.delete()
    assert "Tamil" not in results(client)


def test_new_service_shows(client, puja):
    results(client)
    factories.make_package(service=factories.make_service(title="Navagraha Shanti"))
    assert "Navagraha Shanti" in results(client)


def test_capacity_override_moves_the_version(client, puja):
    results(client)
    before = catalog_cache.catalog_version()
    override = SlotCapacityOverride.objects.create(
        date=factories.booking_date(3), slot=factories.make_slot(), capacity=0
    )
    assert catalog_cache.catalog_version() != before
    after_create = catalog_cache.catalog_version()
    override.delete()
    assert catalog_cache.catalog_version() != after_create


def badge(response):
    match = re.search(
        r'<span id="cart-badge" class="([^"]*)"[^>]*>(\d+)', response.content.decode()
    )
    return match.group(1), int(match.group(2))


def test_a_cached_page_never_shows_another_visitors_cart(
    client, puja, django_user_model
):
    from django.test import Client

    _service, package = puja
    slot = factories.make_slot(start=datetime.time(7, 0))
    shopper, browser = client, Client()
    browser.get(URL)  # the results are now cached
    response = shopper.post(
        reverse("storefront:cart-add"),
        {
            "package": package.pk,
            "date": factories.booking_date(5).isoformat(),
            "slot": slot.pk,
        },
    )
    assert response.status_code in (200, 302)
    classes, count = badge(shopper.get(URL))
    assert count == 1 and "is-empty" not in classes
    classes, count = badge(browser.get(URL))
    assert count == 0 and "is-empty" in classes
    # And the other way round: the shopper's page is not the browser's.
    classes, count = badge(shopper.get(URL))
    assert count == 1
