"""Catalog and slot availability: public, filtered exactly like the catalog page."""

import datetime

from checkout.models import SlotHold
from storefront.models import SlotCapacityOverride
from tests import factories
from tests.api.conftest import assert_error


def _catalog():
    havan = factories.make_category(name="Havan", slug="havan")
    griha = factories.make_category(name="Griha", slug="griha")
    ganesh = factories.make_service(category=havan, title="Ganesh Havan")
    factories.make_package(service=ganesh, price_paise=110000, language="hi")
    factories.make_package(
        service=ganesh, price_paise=250000, language="ta", tier="premium"
    )
    pravesh = factories.make_service(
        category=griha, title="Griha Pravesh", kind="temple"
    )
    factories.make_package(service=pravesh, price_paise=510000, language="en")
    hidden = factories.make_service(category=griha, title="Retired", is_active=False)
    factories.make_package(service=hidden)
    return ganesh, pravesh


def _titles(response):
    assert response.status_code == 200, response.content
    return [p["title"] for p in response.json()["results"]]


def test_categories_and_pujas(anon):
    ganesh, pravesh = _catalog()
    cats = anon.get("/api/catalog/categories/").json()
    assert {c["slug"]: c["name"] for c in cats} == {"havan": "Havan", "griha": "Griha"}

    body = anon.get("/api/catalog/pujas/", {"sort": "price"}).json()
    assert body["count"] == 2 and body["page"] == 1 and body["notes"] == []
    first = body["results"][0]
    assert first == {
        "slug": ganesh.slug,
        "title": "Ganesh Havan",
        "summary": ganesh.summary,
        "kind": "home",
        "category": "havan",
        "from_price_paise": 110000,
        "languages": ["Hindi", "Tamil"],
    }


def test_filters_are_the_catalog_pages(anon, client):
    _catalog()
    cases = [
        ({"category": "griha"}, ["Griha Pravesh"]),
        ({"kind": "temple"}, ["Griha Pravesh"]),
        ({"language": "ta"}, ["Ganesh Havan"]),
        ({"min_price": "2000"}, ["Griha Pravesh"]),
        ({"max_price": "2000", "sort": "-price"}, ["Ganesh Havan"]),
        ({"q": "pravesh"}, ["Griha Pravesh"]),
        ({"sort": "-name"}, ["Griha Pravesh", "Ganesh Havan"]),
    ]
    for params, titles in cases:
        assert _titles(anon.get("/api/catalog/pujas/", params)) == titles, params
        # The HTML catalog shows the same pujas for the same query.
        html = client.get("/", params).content.decode()
        for title in ["Griha Pravesh", "Ganesh Havan"]:
            assert (title in html) == (title in titles), (params, title)


def test_invalid_filters_are_ignored_with_notes(anon):
    _catalog()
    body = anon.get(
        "/api/catalog/pujas/",
        {"category": "nope", "min_price": "-5", "sort": "random", "q": "x" * 101},
    ).json()
    assert body["count"] == 2
    assert len(body["notes"]) == 4
    assert any("Category filter ignored" in note for note in body["notes"])
    assert_error(anon.get("/api/catalog/pujas/", {"page": "0"}), 400, "invalid_page")
    assert anon.get("/api/catalog/pujas/", {"page": "999"}).json()["page"] == 1


def test_puja_detail_lists_active_packages(anon):
    ganesh, _pravesh = _catalog()
    factories.make_package(service=ganesh, language="bn", is_active=False)
    body = anon.get(f"/api/catalog/pujas/{ganesh.slug}/").json()
    assert [p["price_paise"] for p in body["packages"]] == [110000, 250000]
    assert body["included"] == ["Sankalp", "Puja samagri", "Aarti"]
    assert_error(anon.get("/api/catalog/pujas/retired-nope/"), 404, "not_found")


def test_slot_availability(anon, customer):
    morning = factories.make_slot(start=datetime.time(8, 0), capacity=2)
    evening = factories.make_slot(start=datetime.time(18, 0), capacity=3)
    package = factories.make_package(priest_count=2)
    date = factories.booking_date(5)
    SlotCapacityOverride.objects.create(date=date, slot=evening, capacity=1)
    url = f"/api/catalog/packages/{package.pk}/slots/"
    body = anon.get(url, {"date": date.isoformat()}).json()
    assert body["package_id"] == package.pk and body["date"] == date.isoformat()
    assert body["slots"] == [
        {
            "slot_id": morning.pk,
            "label": "8:00 AM",
            "start_time": "08:00",
            "capacity": 2,
            "remaining": 2,
            "available": True,
        },
        {
            "slot_id": evening.pk,
            "label": "6:00 PM",
            "start_time": "18:00",
            "capacity": 1,
            "remaining": 1,
            "available": False,  # the package needs two priests
        },
    ]
    assert SlotHold.objects.count() == 0

    assert_error(anon.get(url, {"date": "2001-01-01"}), 400, "invalid_date")
    assert_error(anon.get(url, {"date": "tomorrow"}), 400, "invalid_date")
    assert_error(anon.get(url), 400, "invalid_date")
    far = factories.booking_date(91).isoformat()
    assert_error(anon.get(url, {"date": far}), 400, "invalid_date")
    inactive = factories.make_package(is_active=False)
    assert_error(
        anon.get(f"/api/catalog/packages/{inactive.pk}/slots/", {"date": date}),
        404,
        "not_found",
    )
