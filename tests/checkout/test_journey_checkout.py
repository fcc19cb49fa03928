"""Checkout fits the puja: address for home pujas, none for temple and online
pujas (online asks for a phone number), and sankalp details on every line."""

import datetime

import pytest
from django.core import mail

from checkout import operations, services
from checkout.models import Booking, Payment
from checkout.roles import PRIESTS, ensure_staff_groups
from storefront.models import CartItem, Service
from tests import factories

pytestmark = pytest.mark.django_db


def _cart(*, kind, venue=""):
    slot = factories.make_slot(start=datetime.time(7, 0))
    service = factories.make_service(kind=kind, venue=venue, title=f"{kind} puja")
    package = factories.make_package(service=service, price_paise=110100)
    user = factories.make_user()
    cart = factories.make_cart(
        user=user, items=[(package, factories.booking_date(6), slot)]
    )
    return user, cart


def test_online_puja_pays_without_address_with_a_phone(phonepe, client):
    user, cart = _cart(kind=Service.Kind.ONLINE)
    client.force_login(user)
    page = client.get("/checkout/")
    assert b"Your phone / WhatsApp number" in page.content
    assert b"Where will the puja happen?" not in page.content

    response = client.post("/checkout/pay/", {"contact_phone": "12345"})
    assert response.status_code == 303
    assert not Payment.objects.exists()
    assert "video link" in [str(m) for m in response.wsgi_request._messages][0]

    response = client.post("/checkout/pay/", {"contact_phone": "098765 43210"})
    assert response.status_code == 303
    payment = Payment.objects.get()
    assert payment.snapshot["contact_phone"] == "+919876543210"
    assert payment.snapshot["address"] == {
        "places": [{"kind": "online"}],
        "lines": ["Online (video call)"],
    }

    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync(payment=payment, source="test")
    booking = Booking.objects.get()
    assert booking.contact_phone == "+919876543210"
    assert booking.items.get().kind == Service.Kind.ONLINE


def test_temple_puja_shows_the_temple_and_asks_no_address(phonepe, client):
    user, cart = _cart(kind=Service.Kind.TEMPLE, venue="Sri Ganesha Temple, Pune")
    client.force_login(user)
    page = client.get("/checkout/")
    assert b"Sri Ganesha Temple, Pune" in page.content
    assert b'name="address"' not in page.content
    assert b'name="contact_phone"' not in page.content
    client.post("/checkout/pay/", {})
    payment = Payment.objects.get()
    assert payment.snapshot["address"]["lines"] == ["Sri Ganesha Temple, Pune"]
    assert payment.snapshot["address"]["places"] == [
        # No Hindi name yet: the English one stands in (modeltranslation's fallback).
        {
            "kind": "temple",
            "venue": "Sri Ganesha Temple, Pune",
            "venue_hi": "Sri Ganesha Temple, Pune",
        }
    ]
    assert payment.snapshot["contact_phone"] == ""


def test_home_puja_still_needs_an_address(phonepe, client):
    user, cart = _cart(kind=Service.Kind.HOME)
    client.force_login(user)
    response = client.post("/checkout/pay/", {"contact_phone": "9876543210"})
    assert response.status_code == 303
    assert not Payment.objects.exists()
    address = factories.make_address(user=user)
    client.post("/checkout/pay/", {"address": address.pk})
    assert Payment.objects.get().snapshot["address"]["pincode"] == address.pincode


def test_sankalp_is_edited_in_the_cart_frozen_at_pay_and_sent_to_the_priest(
    phonepe, client, django_capture_on_commit_callbacks
):
    user, cart = _cart(kind=Service.Kind.HOME)
    address = factories.make_address(user=user)
    item = cart.items.get()
    client.force_login(user)

    response = client.post(
        f"/cart/items/{item.pk}/sankalp/", {"names": " , "}, HTTP_HX_REQUEST="true"
    )
    assert b"Please enter at least one name." in response.content
    response = client.post(
        f"/cart/items/{item.pk}/sankalp/",
        {
            "names": "Meera Iyer ,  Arjun Iyer",
            "gotra": "Bharadwaj",
            "nakshatra": "Rohini",
            "occasion": "Griha pravesh",
            "notes": "Please bring a kalash.",
        },
        HTTP_HX_REQUEST="true",
    )
    assert b"The sankalp details were saved." in response.content
    item.refresh_from_db()
    assert item.sankalp["names"] == "Meera Iyer, Arjun Iyer"

    client.post("/checkout/pay/", {"address": address.pk})
    payment = Payment.objects.get()
    # Editing the cart afterwards is refused: the snapshot is what is booked.
    response = client.post(
        f"/cart/items/{item.pk}/sankalp/", {"names": "Someone Else"}, follow=True
    )
    assert CartItem.objects.get(pk=item.pk).sankalp["names"] == "Meera Iyer, Arjun Iyer"
    assert payment.snapshot["lines"][0]["sankalp"]["gotra"] == "Bharadwaj"

    phonepe.settle(payment.merchant_order_id, "pay_upi")
    with django_capture_on_commit_callbacks(execute=True):
        services.sync(payment=payment, source="test")
    booking = Booking.objects.get()
    assert booking.items.get().sankalp["nakshatra"] == "Rohini"
    page = client.get(booking.get_absolute_url())
    assert b"Meera Iyer, Arjun Iyer" in page.content
    assert b"Bharadwaj" in page.content
    confirmation = next(m for m in mail.outbox if "booked" in m.subject)
    assert "Meera Iyer, Arjun Iyer" in confirmation.body

    priest = make_priest()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        operations.assign_priest(booking=booking, priest=priest, actor=None)
    to_priest = next(m for m in mail.outbox if priest.email in m.to)
    assert "Please bring a kalash." in to_priest.body
    assert "Meera Iyer, Arjun Iyer" in to_priest.alternatives[0][0]


def make_priest():
    priest = factories.make_user(
        email="pandit.joshi@okpuja.in",
        first_name="Ramesh",
        last_name="Joshi",
        phone="+919811122233",
    )
    priest.groups.add(ensure_staff_groups()[PRIESTS])
    factories.roster_for_every_priest()
    return priest


def test_pay_refuses_a_line_without_sankalp_names(phonepe, client):
    user, cart = _cart(kind=Service.Kind.ONLINE)
    CartItem.objects.filter(cart=cart).update(sankalp={})
    client.force_login(user)
    page = client.get("/checkout/")
    assert b"Sankalp names missing" in page.content
    response = client.post("/checkout/pay/", {"contact_phone": "9876543210"})
    assert response.status_code == 303
    assert not Payment.objects.exists()


def test_signup_that_fails_validation_keeps_next(client):
    response = client.post(
        "/account/signup/",
        {"full_name": "", "email": "bad", "next": "/confirmbooking/?order=OKP-1"},
    )
    assert response.status_code == 200
    assert b'name="next" value="/confirmbooking/?order=OKP-1"' in response.content


def test_admin_booking_page_shows_the_sankalp(phonepe, admin_client):
    user, cart = _cart(kind=Service.Kind.ONLINE)
    payment = services.start_payment(cart=cart, user=user, contact_phone="9876543210")
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync(payment=payment, source="test")
    booking = Booking.objects.get()
    page = admin_client.get(f"/admin/checkout/booking/{booking.pk}/change/")
    assert page.status_code == 200
    assert "Asha Sharma, Ravi Sharma; gotra: Kashyap" in page.content.decode()


def test_demo_temple_pujas_name_their_temple(db):
    from django.core.management import call_command

    call_command("load_demo_data")
    temples = Service.objects.filter(kind=Service.Kind.TEMPLE)
    assert temples.exists()
    assert all("Temple" in service.venue for service in temples)
    assert not Service.objects.exclude(kind=Service.Kind.TEMPLE).exclude(venue="")
