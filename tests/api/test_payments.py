"""process-cart and check-booking in the API: the seed's shapes, owner-only, and
the whole payment-first flow through the API alone against the PhonePe sandbox."""

import re
import time
import urllib.parse

import pytest
import requests

from checkout.models import Booking, Payment
from storefront.models import Cart
from tests import factories
from tests.api.conftest import ApiClient, assert_error
from tests.fixtures import Shop

PROCESS = "/api/payments/process-cart/"


def check_url(payment_id):
    return f"/api/payments/{payment_id}/check-booking/"


def test_process_cart_and_check_booking_keep_the_seed_shapes(phonepe, client, shop):
    from api.tokens import issue_token

    user, cart, address = shop.customer()
    api = ApiClient(client, issue_token(user=user).raw)
    assert api.get("/api/cart/").json()["cart_id"] == cart.pk

    response = api.post(PROCESS, {"cart_id": str(cart.pk), "method": "phonepe"})
    assert response.status_code == 201
    payment = Payment.objects.get()
    assert response.json() == {
        "success": True,
        "payment_id": payment.merchant_order_id,
        "payment_url": payment.page_url,
        "amount": "2100.00",
        "status": "PENDING",
    }
    assert payment.snapshot["address"]["city"] == address.city
    assert api.get("/api/cart/").json()["status"] == "frozen"
    # Asking again while the payment can still succeed answers the same payment.
    again = api.post(PROCESS, {"cart_id": cart.pk, "method": "PHONEPE"})
    assert again.json()["payment_id"] == payment.merchant_order_id
    assert Payment.objects.count() == 1

    assert api.get(check_url(payment.merchant_order_id)).json() == {
        "success": True,
        "payment_status": "PENDING",
        "booking_created": False,
        "booking": None,
        "refund": None,
    }
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=None)
    check = api.get(check_url(payment.merchant_order_id)).json()
    booking = Booking.objects.get()
    assert check == {
        "success": True,
        "payment_status": "SUCCESS",
        "booking_created": True,
        "booking": {
            "book_id": booking.book_id,
            "status": "CONFIRMED",
            "total_amount": "2100.00",
        },
        "refund": None,
    }


def test_process_cart_uses_the_chosen_address(phonepe, api, customer, shop):
    factories.make_address(user=customer, city="Bengaluru")
    chosen = factories.make_address(user=customer, is_default=False, city="Mysuru")
    cart = factories.make_cart(
        user=customer, items=[(shop.package, shop.date, shop.slot)]
    )
    theirs = factories.make_address(user=factories.make_user())
    response = api.post(
        PROCESS, {"cart_id": cart.pk, "method": "PHONEPE", "address_id": theirs.pk}
    )
    assert_error(response, 404, "address_not_found")
    assert Payment.objects.count() == 0
    response = api.post(
        PROCESS, {"cart_id": cart.pk, "method": "PHONEPE", "address_id": chosen.pk}
    )
    assert response.status_code == 201
    assert Payment.objects.get().snapshot["address"]["city"] == "Mysuru"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "invalid_json"),
        ("[1]", 400, "invalid_json"),
        ("", 400, "invalid_json"),
        ('{"cart_id": NaN, "method": "PHONEPE"}', 400, "invalid_json"),
        ('{"cart_id": 1, "method": "\\u0000"}', 400, "invalid_json"),
        ("[" * 30000 + "]" * 30000, 400, "invalid_json"),
        ({"method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": True, "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": "-1", "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": 0, "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": 1.5, "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": "\u0662", "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": "\u00b2", "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": "9" * 40, "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": 1, "method": "CASH"}, 400, "invalid_method"),
        ({"cart_id": 1, "method": 7}, 400, "invalid_method"),
        ({"cart_id": 999999, "method": "PHONEPE"}, 404, "cart_not_found"),
    ],
)
def test_process_cart_errors(phonepe, api, body, status, code):
    assert_error(api.post(PROCESS, body), status, code)
    assert Payment.objects.count() == 0


def test_process_cart_owner_only_and_anonymous(phonepe, anon, api, shop):
    user, cart, address = shop.customer()
    body = {"cart_id": cart.pk, "method": "PHONEPE"}
    assert_error(anon.post(PROCESS, body), 401, "not_authenticated")
    assert_error(api.post(PROCESS, body), 404, "cart_not_found")
    assert Payment.objects.count() == 0
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.OPEN


def test_online_puja_needs_a_phone_not_an_address(phonepe, api, customer, shop):
    online = factories.make_package(
        service=factories.make_service(kind="online"), price_paise=50100
    )
    cart = factories.make_cart(user=customer, items=[(online, shop.date, shop.slot)])
    assert api.get("/api/cart/").json()["needs_phone"] is True
    body = {"cart_id": cart.pk, "method": "PHONEPE"}
    assert_error(api.post(PROCESS, body), 409, "checkout_failed")
    assert Payment.objects.count() == 0
    response = api.post(PROCESS, {**body, "contact_phone": "98765 43210"})
    assert response.status_code == 201, response.content
    payment = Payment.objects.get()
    assert payment.snapshot["contact_phone"] == "+919876543210"
    assert response.json()["amount"] == "501.00"


def test_process_cart_needs_an_address_and_a_filled_cart(phonepe, api, customer, shop):
    cart = factories.make_cart(
        user=customer, items=[(shop.package, shop.date, shop.slot)]
    )
    body = {"cart_id": cart.pk, "method": "PHONEPE"}
    assert_error(api.post(PROCESS, body), 400, "address_required")
    factories.make_address(user=customer)
    cart.items.all().delete()
    assert_error(api.post(PROCESS, body), 409, "checkout_failed")
    assert Payment.objects.count() == 0


def test_check_booking_owner_only(phonepe, client, anon, shop):
    from api.tokens import issue_token

    payment = shop.start()
    url = check_url(payment.merchant_order_id)
    assert_error(anon.get(url), 401, "not_authenticated")
    intruder = ApiClient(client, issue_token(user=factories.make_user()).raw)
    assert_error(intruder.get(url), 404, "payment_not_found")
    for bad in ["OKP-unknown", "bad%20id!", "x" * 64]:
        assert_error(intruder.get(check_url(bad)), 404, "payment_not_found")
    # Nobody can write a booking through it.
    owner = ApiClient(client, issue_token(user=payment.user).raw)
    assert_error(owner.post(url, {"status": "confirmed"}), 405, "method_not_allowed")
    assert Booking.objects.count() == 0


# The whole flow, as an app does it ----------------------------------------------


def _pay_on_phonepe(payment_url):
    """Press "Pay with UPI" on the sandbox's hosted PhonePe page."""
    page = requests.get(payment_url, timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    action = urllib.parse.urljoin(payment_url, "/transact/uat_v2")
    paid = requests.post(
        action, data={"token": token, "action": "pay_upi"}, allow_redirects=False
    )
    assert paid.status_code in (302, 303), paid.text


def test_whole_flow_through_the_api_alone(live_phonepe, live_server, transactional_db):
    shop = Shop()
    factories.make_user(email="asha@example.in")
    api = requests.Session()
    base = live_server.url

    token = api.post(
        f"{base}/api/auth/token/",
        json={"email": "asha@example.in", "password": "pw-for-tests-123"},
    ).json()["token"]
    api.headers["Authorization"] = f"Bearer {token}"

    slots = api.get(
        f"{base}/api/catalog/packages/{shop.package.pk}/slots/",
        params={"date": shop.date.isoformat()},
    ).json()["slots"]
    slot = next(s for s in slots if s["available"])
    cart = api.post(
        f"{base}/api/cart/items/",
        json={
            "package_id": shop.package.pk,
            "date": shop.date.isoformat(),
            "slot_id": slot["slot_id"],
        },
    )
    assert cart.status_code == 201
    assert cart.json()["needs_address"] is True
    line = cart.json()["items"][0]
    sankalp = api.put(
        f"{base}/api/cart/items/{line['id']}/sankalp/",
        json={"names": "Asha Sharma, Ravi Sharma", "gotra": "Kashyap"},
    )
    assert sankalp.status_code == 200
    address = api.post(
        f"{base}/api/addresses/",
        json={
            "full_name": "Asha Sharma",
            "phone": "9876543210",
            "line1": "12 MG Road",
            "city": "Bengaluru",
            "state": "KA",
            "pincode": "560001",
        },
    )
    assert address.status_code == 201

    started = api.post(
        f"{base}/api/payments/process-cart/",
        json={"cart_id": cart.json()["cart_id"], "method": "PHONEPE"},
    )
    assert started.status_code == 201, started.text
    started = started.json()
    assert started["amount"] == "2100.00" and started["status"] == "PENDING"

    _pay_on_phonepe(started["payment_url"])

    deadline = time.monotonic() + 15
    while True:
        check = api.get(
            f"{base}/api/payments/{started['payment_id']}/check-booking/"
        ).json()
        if check["booking_created"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert check["payment_status"] == "SUCCESS"
    assert check["booking_created"] is True
    book_id = check["booking"]["book_id"]
    assert check["booking"] == {
        "book_id": book_id,
        "status": "CONFIRMED",
        "total_amount": "2100.00",
    }
    mine = api.get(f"{base}/api/bookings/").json()
    assert [b["book_id"] for b in mine] == [book_id]
    assert api.get(f"{base}/api/cart/").json()["items"] == []
