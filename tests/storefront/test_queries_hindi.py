"""Hindi pages cost the same queries as English ones (the _hi columns ride along)."""

import datetime

import pytest
from django.urls import reverse

from tests import factories
from tests.storefront.test_queries import (
    CATALOG_QUERIES,
    SERVICE_PAGE_QUERIES,
    make_services,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hindi(client):
    client.cookies["django_language"] = "hi"
    return client


@pytest.mark.parametrize("n", [10, 100])
def test_catalog_in_hindi_keeps_its_queries(hindi, django_assert_num_queries, n):
    make_services(n, factories.make_category())
    with django_assert_num_queries(CATALOG_QUERIES):
        response = hindi.get(reverse("storefront:catalog"), {"sort": "price"})
    assert '<html lang="hi-IN">' in response.content.decode()


def test_service_page_in_hindi_keeps_its_queries(hindi, django_assert_num_queries):
    service = factories.make_service()
    factories.make_package(service=service)
    for hour in (6, 8, 16):
        factories.make_slot(start=datetime.time(hour, 0), label="Sandhya")
    date = factories.booking_date(5)
    with django_assert_num_queries(SERVICE_PAGE_QUERIES):
        response = hindi.get(service.get_absolute_url(), {"date": str(date)})
    html = response.content.decode()
    assert '<html lang="hi-IN">' in html
    assert "सुबह 6:00" in html and "शाम 4:00" in html
