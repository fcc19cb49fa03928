"""Checkout pages, the status partial and the JSON API through the test client."""

import json

import pytest
from django.utils.cache import has_vary_header

from checkout import services
from checkout.models import Booking, Payment
from tests import factories
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def paid_booking(phonepe, shop):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    payment.refresh_from_db()
    return payment, Booking.objects.get(payment=payment)


HISTORY_RESTORE = {
    "HTTP_HX_REQUEST": "true",
    "HTTP_HX_HISTORY_RESTORE_REQUEST": "true",
}


def confirm_url(payment):
    return f"/confirmbooking/?order={payment.merchant_order_id}"


def test_checkout_page_shows_lines_address_and_pay_button(phonepe, client):
    shop = Shop()
    user, cart, address = shop.customer()
    client.force_login(user)
    response = client.get("/checkout/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pay ₹2,100 with PhonePe" in html
    assert shop.package.service.title in html
    assert "560038" in html


def test_checkout_needs_login_and_a_cart(phonepe, client):
    response = client.get("/checkout/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    client.force_login(factories.make_user())
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"].endswith("/cart/")


def test_pay_without_address_choice_is_a_message(phonepe, client):
    shop = Shop()
    user, cart, address = shop.customer()
    client.force_login(user)
    response = client.post("/checkout/pay/", {"address": "abc"}, follow=True)
    assert response.status_code == 200
    assert "choose the address" in response.content.decode()
    assert Payment.objects.count() == 0


def test_confirm_page_pending_then_booked(phonepe, client):
    shop = Shop()
    payment = shop.start()
    client.force_login(payment.user)

    pending = client.get(confirm_url(payment))
    assert pending.status_code == 200
    html = pending.content.decode()
    assert "Confirming your payment" in html
    assert 'hx-trigger="every 2s"' in html
    assert 'aria-live="polite"' in html
    assert '<meta http-equiv="refresh"' in html

    fragment = client.get(confirm_url(payment), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()

    phonepe.settle(payment.merchant_order_id, "pay_upi")
    payment.last_checked_at = None
    payment.save(update_fields=["last_checked_at"])
    done = client.get(confirm_url(payment), HTTP_HX_REQUEST="true")
    assert done.status_code == 286
    # The cart was converted: the header badge refreshes itself.
    assert json.loads(done["HX-Trigger"]) == {"cartChanged": {}}
    booking = Booking.objects.get()
    assert booking.book_id in done.content.decode()
    assert ">Confirmed<" in done.content.decode()
    assert "hx-trigger" not in done.content.decode()


def test_confirm_page_failed_offers_try_again(phonepe, client):
    shop = Shop()
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "decline", error_code="PAYMENT_ERROR")
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=None)
    client.force_login(payment.user)
    response = client.get(confirm_url(payment), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 286
    assert "Payment failed" in html and "Nothing was charged" in html
    assert "Try again" in html


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_HX_REQUEST": "true"}, HISTORY_RESTORE],
    ids=["page", "poll", "history-restore"],
)
def test_confirm_varies_on_the_htmx_headers(phonepe, client, headers):
    payment = Shop().start()
    client.force_login(payment.user)
    response = client.get(confirm_url(payment), **headers)
    assert response.status_code == 200
    assert has_vary_header(response, "HX-Request")
    assert has_vary_header(response, "HX-History-Restore-Request")


def test_history_restore_of_a_settled_payment_gets_the_whole_page(phonepe, client):
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=None)
    client.force_login(payment.user)
    response = client.get(confirm_url(payment), **HISTORY_RESTORE)
    html = response.content.decode()
    # A whole page, not a "stop polling" fragment.
    assert response.status_code == 200
    assert '<html lang="en-IN">' in html
    assert Booking.objects.get().book_id in html
    assert "HX-Trigger" not in response


def test_poll_asks_phonepe_at_most_once_per_interval(phonepe, client):
    shop = Shop()
    payment = shop.start()
    client.force_login(payment.user)
    # Creating the order counts as a check: no gateway call right after it.
    client.get(confirm_url(payment), HTTP_HX_REQUEST="true")
    assert phonepe.stats()["calls"]["status"] == 0
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=None)
    before = phonepe.stats()["calls"]["status"]
    for _ in range(5):
        client.get(confirm_url(payment), HTTP_HX_REQUEST="true")
    assert phonepe.stats()["calls"]["status"] == before + 1


def test_other_customers_get_404_everywhere(phonepe, client):
    shop = Shop()
    payment, booking = paid_booking(phonepe, shop)
    intruder = factories.make_user()

    # Logged out: asked to sign in and come back (test_journey_confirm covers it).
    response = client.get(confirm_url(payment))
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/confirmbooking/")
    assert client.get(confirm_url(payment), HTTP_HX_REQUEST="true").status_code == 404
    api = client.get(f"/api/payments/{payment.merchant_order_id}/check-booking/")
    assert api.status_code == 401
    # Another customer.
    client.force_login(intruder)
    assert client.get(confirm_url(payment)).status_code == 404
    assert client.get(confirm_url(payment), HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(f"/bookings/{booking.book_id}/").status_code == 404
    api = client.get(f"/api/payments/{payment.merchant_order_id}/check-booking/")
    assert api.status_code == 404
    assert api.json() == {
        "success": False,
        "error": {
            "code": "payment_not_found",
            "message": "No such payment.",
            "fields": {},
        },
    }
    assert booking.book_id not in client.get("/bookings/").content.decode()


@pytest.mark.parametrize("order", ["", "bad id!", "x" * 64, "OKP-unknown"])
def test_confirm_page_bad_order_param_is_404(phonepe, client, order):
    client.force_login(factories.make_user())
    assert client.get(f"/confirmbooking/?order={order}").status_code == 404


def test_status_partial_query_count_is_pinned_and_constant(
    phonepe, client, django_assert_num_queries
):
    shop = Shop()
    payment, booking = paid_booking(phonepe, shop)
    client.force_login(payment.user)
    client.get(confirm_url(payment), HTTP_HX_REQUEST="true")  # warm the session
    # The session, the payment, its owner and booking in one statement
    # (checkout.poll; the settled fragment comes from the per-process cache,
    # see tests/scale).
    with django_assert_num_queries(1):
        response = client.get(confirm_url(payment), HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert booking.book_id in response.content.decode()
    with django_assert_num_queries(1):
        client.get(confirm_url(payment), HTTP_HX_REQUEST="true")


def test_my_bookings_lists_upcoming_and_detail(phonepe, client):
    shop = Shop()
    payment, booking = paid_booking(phonepe, shop)
    client.force_login(payment.user)
    listing = client.get("/bookings/").content.decode()
    assert booking.book_id in listing and "Upcoming" in listing
    detail = client.get(f"/bookings/{booking.book_id}/")
    assert detail.status_code == 200
    assert "₹2,100</dd>" in detail.content.decode()


def test_my_bookings_empty_state(phonepe, client):
    client.force_login(factories.make_user())
    assert "no bookings yet" in client.get("/bookings/").content.decode()


# JSON API -------------------------------------------------------------------


def api_pay(client, body):
    return client.post(
        "/api/payments/process-cart/",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


def test_api_process_cart_and_check_booking(phonepe, client):
    shop = Shop()
    user, cart, address = shop.customer()
    client.force_login(user)

    response = api_pay(client, {"cart_id": cart.pk, "method": "PHONEPE"})

    assert response.status_code == 201
    data = response.json()
    payment = Payment.objects.get()
    assert data == {
        "success": True,
        "payment_id": payment.merchant_order_id,
        "payment_url": payment.page_url,
        "amount": "2100.00",
        "status": "PENDING",
    }
    check = client.get(
        f"/api/payments/{payment.merchant_order_id}/check-booking/"
    ).json()
    assert check == {
        "success": True,
        "payment_status": "PENDING",
        "booking_created": False,
        "booking": None,
        "refund": None,
    }
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=None)
    check = client.get(
        f"/api/payments/{payment.merchant_order_id}/check-booking/"
    ).json()
    booking = Booking.objects.get()
    assert check["payment_status"] == "SUCCESS"
    assert check["booking_created"] is True
    assert check["booking"] == {
        "book_id": booking.book_id,
        "status": "CONFIRMED",
        "total_amount": "2100.00",
    }


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "invalid_json"),
        ("[1]", 400, "invalid_json"),
        ({"method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": True, "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": "-1", "method": "PHONEPE"}, 400, "invalid_cart_id"),
        ({"cart_id": 1, "method": "CASH"}, 400, "invalid_method"),
        ({"cart_id": 999999, "method": "PHONEPE"}, 404, "cart_not_found"),
    ],
)
def test_api_process_cart_errors(phonepe, client, body, status, code):
    client.force_login(factories.make_user())
    response = api_pay(client, body)
    assert response.status_code == status
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == code
    assert Payment.objects.count() == 0


def test_api_process_cart_refuses_other_peoples_carts_and_anonymous(phonepe, client):
    shop = Shop()
    user, cart, address = shop.customer()
    assert api_pay(client, {"cart_id": cart.pk, "method": "PHONEPE"}).status_code == 401
    client.force_login(factories.make_user())
    response = api_pay(client, {"cart_id": cart.pk, "method": "PHONEPE"})
    assert response.status_code == 404
    assert Payment.objects.count() == 0


def test_api_process_cart_needs_an_address(phonepe, client):
    shop = Shop()
    user = factories.make_user()
    cart = factories.make_cart(user=user, items=[(shop.package, shop.date, shop.slot)])
    client.force_login(user)
    response = api_pay(client, {"cart_id": cart.pk, "method": "phonepe"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "address_required"


def test_no_endpoint_lets_a_customer_create_or_change_a_booking(phonepe, client):
    shop = Shop()
    payment = shop.start()
    client.force_login(payment.user)
    for url in [
        "/bookings/",
        f"/api/payments/{payment.merchant_order_id}/check-booking/",
    ]:
        assert client.post(url, {"status": "confirmed"}).status_code == 405
    assert Booking.objects.count() == 0
