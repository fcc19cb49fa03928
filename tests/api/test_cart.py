"""The cart through the API: the same rules as the cart page, owner-only."""

import datetime

from storefront.models import Cart, CartItem
from tests import factories
from tests.api.conftest import assert_error


def _shop():
    slot = factories.make_slot(start=datetime.time(8, 0), capacity=1)
    package = factories.make_package(price_paise=210000)
    return slot, package, factories.booking_date(10)


def test_add_read_change_remove(api, customer):
    slot, package, date = _shop()
    other_slot = factories.make_slot(start=datetime.time(17, 0), capacity=2)
    response = api.post(
        "/api/cart/items/",
        {"package_id": package.pk, "date": date.isoformat(), "slot_id": slot.pk},
    )
    assert response.status_code == 201
    body = response.json()
    cart = Cart.objects.get(user=customer)
    item = CartItem.objects.get()
    assert body["cart_id"] == cart.pk
    assert body["status"] == "open"
    assert body["subtotal_paise"] == body["total_paise"] == 210000
    assert body["items"] == [
        {
            "id": item.pk,
            "package_id": package.pk,
            "puja": package.service.title,
            "puja_slug": package.service.slug,
            "kind": "home",
            "tier": "basic",
            "language": "hi",
            "date": date.isoformat(),
            "slot_id": slot.pk,
            "slot": "8:00 AM",
            "price_paise": 210000,
            "priest_count": 1,
            "sankalp": None,
        }
    ]
    assert (body["needs_address"], body["needs_phone"]) == (True, False)
    assert api.get("/api/cart/").json() == body

    later = date + datetime.timedelta(days=1)
    response = api.patch(
        f"/api/cart/items/{item.pk}/",
        {"date": later.isoformat(), "slot_id": other_slot.pk},
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.date, item.slot) == (later, other_slot)

    response = api.delete(f"/api/cart/items/{item.pk}/")
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert CartItem.objects.count() == 0


def test_add_errors_change_nothing(api, customer):
    slot, package, date = _shop()
    full = factories.make_slot(start=datetime.time(10, 0), capacity=0)
    inactive = factories.make_package(is_active=False)
    base = {"package_id": package.pk, "date": date.isoformat(), "slot_id": slot.pk}
    cases = [
        ({**base, "package_id": 999999}, 404, "not_found"),
        ({**base, "slot_id": 999999}, 400, "invalid_slot_id"),
        ({**base, "slot_id": 0}, 400, "invalid_slot_id"),
        ({**base, "package_id": 2**80}, 400, "invalid_package_id"),
        ({**base, "date": "2020-01-01"}, 400, "invalid_date"),
        ({**base, "date": "31-12-2030"}, 400, "invalid_date"),
        ({**base, "slot_id": full.pk}, 409, "slot_unavailable"),
        ({**base, "package_id": inactive.pk}, 409, "cart_not_editable"),
        ({"package_id": package.pk}, 400, "invalid_request"),
        ([base], 400, "invalid_json"),
        ('{"package_id": ', 400, "invalid_json"),
        ('{"a": ' * 50 + "1" + "}" * 50, 400, "invalid_json"),
        ('{"package_id": "\\u0000"}', 400, "invalid_json"),
        ('{"package_id": "\\ud800"}', 400, "invalid_json"),
        (b'{"package_id": "\xff"}', 400, "invalid_json"),
        ('{"package_id": ' + "1" * 70_000 + "}", 413, "body_too_large"),
    ]
    for body, status, code in cases:
        assert_error(api.post("/api/cart/items/", body), status, code)
    assert CartItem.objects.count() == 0
    # A failed first add leaves no empty cart behind.
    assert Cart.objects.count() == 0


def test_a_line_already_in_the_cart_is_refused(api, customer):
    slot, package, date = _shop()
    factories.make_cart(user=customer, items=[(package, date, slot)])
    response = api.post(
        "/api/cart/items/",
        {"package_id": package.pk, "date": date.isoformat(), "slot_id": slot.pk},
    )
    assert_error(response, 409, "cart_not_editable")


def test_another_customers_cart_lines_are_404(api, customer):
    slot, package, date = _shop()
    theirs = factories.make_cart(
        user=factories.make_user(), items=[(package, date, slot)]
    )
    item = theirs.items.get()
    # Without a cart of my own, and with one.
    assert_error(api.delete(f"/api/cart/items/{item.pk}/"), 404, "cart_not_found")
    factories.make_cart(user=customer)
    assert_error(api.delete(f"/api/cart/items/{item.pk}/"), 404, "item_not_found")
    response = api.patch(
        f"/api/cart/items/{item.pk}/", {"date": date.isoformat(), "slot_id": slot.pk}
    )
    assert_error(response, 404, "item_not_found")
    assert theirs.items.count() == 1
    assert api.get("/api/cart/").json()["items"] == []


def test_promo_apply_and_remove(api, customer):
    slot, package, date = _shop()
    promo = factories.make_promo(code="DIWALI10", percent=10)
    factories.make_promo(code="OLD", is_active=False)
    cart = factories.make_cart(user=customer, items=[(package, date, slot)])
    response = api.post("/api/cart/promo/", {"code": " diwali10 "})
    assert response.status_code == 200
    body = response.json()
    assert body["promo"] == {"code": "DIWALI10", "error": None}
    assert (body["discount_paise"], body["total_paise"]) == (21000, 189000)
    cart.refresh_from_db()
    assert cart.promo == promo

    assert_error(api.post("/api/cart/promo/", {"code": "NOPE"}), 400, "invalid_promo")
    assert_error(api.post("/api/cart/promo/", {"code": "OLD"}), 400, "invalid_promo")
    assert_error(api.post("/api/cart/promo/", {"code": "X" * 31}), 400, "invalid_promo")
    cart.refresh_from_db()
    assert cart.promo == promo

    response = api.delete("/api/cart/promo/")
    assert response.status_code == 200
    assert response.json()["promo"] is None
    cart.refresh_from_db()
    assert cart.promo is None


def test_a_frozen_cart_cannot_be_changed(api, customer):
    slot, package, date = _shop()
    cart = factories.make_cart(user=customer, items=[(package, date, slot)])
    Cart.objects.filter(pk=cart.pk).update(status=Cart.Status.FROZEN)
    item = cart.items.get()
    assert api.get("/api/cart/").json()["status"] == "frozen"
    assert_error(api.delete(f"/api/cart/items/{item.pk}/"), 409, "cart_not_editable")
    assert_error(api.delete("/api/cart/promo/"), 409, "cart_not_editable")
    assert cart.items.count() == 1


def test_cart_needs_authentication(anon, db):
    assert_error(anon.get("/api/cart/"), 401, "not_authenticated")
    assert_error(anon.post("/api/cart/items/", {}), 401, "not_authenticated")


def test_sankalp_of_a_line(api, customer):
    slot, package, date = _shop()
    cart = factories.make_cart(user=customer, items=[(package, date, slot)])
    item = cart.items.get()
    url = f"/api/cart/items/{item.pk}/sankalp/"
    error = assert_error(api.put(url, {"names": " , "}), 400, "invalid_names")
    assert list(error["fields"]) == ["names"]
    response = api.put(
        url, {"names": "Asha,  Ravi Sharma", "gotra": "Kashyap", "notes": "Early"}
    )
    assert response.status_code == 200
    assert response.json()["items"][0]["sankalp"] == {
        "names": "Asha, Ravi Sharma",
        "gotra": "Kashyap",
        "nakshatra": "",
        "occasion": "",
        "notes": "Early",
    }
    item.refresh_from_db()
    assert item.has_sankalp
    theirs = factories.make_cart(
        user=factories.make_user(), items=[(package, date, slot)]
    ).items.get()
    assert_error(
        api.put(f"/api/cart/items/{theirs.pk}/sankalp/", {"names": "Mallory"}),
        404,
        "item_not_found",
    )
    theirs.refresh_from_db()
    assert theirs.sankalp.get("names") != "Mallory"
