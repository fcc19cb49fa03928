"""A booking made in Hindi: its lines frozen in both languages, its emails in Hindi."""

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import translation

from checkout import invoices, notifications, services
from checkout.models import Booking, BookingItem, Payment
from storefront import formats
from tests import factories
from tests.documents import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def hindi_shop(shop):
    service = shop.package.service
    service.title_hi = "गणेश पूजा"
    service.save()
    shop.slot.label_en = "Brahma muhurat"
    shop.slot.label_hi = "ब्रह्म मुहूर्त"
    shop.slot.save()
    return shop


def _pay(shop, sandbox, *, language):
    user, cart, address = shop.customer()
    user.language = language
    user.save()
    payment = services.start_payment(cart=cart, user=user, address=address)
    sandbox.settle(payment.merchant_order_id, "pay_upi")
    # Settled by a process in English (the reconciler, a webhook): the email
    # still follows the customer.
    with translation.override("en"), TestCase.captureOnCommitCallbacks(execute=True):
        payment = services.sync_payment(payment=payment, source="test")
    assert payment.status == Payment.Status.SUCCESS, payment.failure_reason
    return Booking.objects.get(payment=payment)


def test_booking_lines_are_frozen_in_english_and_hindi(phonepe, hindi_shop):
    booking = _pay(hindi_shop, phonepe, language="hi")
    item = BookingItem.objects.get(booking=booking)
    assert item.service_title_en == hindi_shop.package.service.title_en
    assert item.service_title_hi == "गणेश पूजा"
    assert item.package_label_en == "Basic"
    assert item.package_label_hi == "साधारण"
    assert item.language_en == "Hindi"
    assert item.language_hi == "हिन्दी"
    assert item.slot_label_en == "8:00 AM (Brahma muhurat)"
    assert item.slot_label_hi == "सुबह 8:00 (ब्रह्म मुहूर्त)"
    with translation.override("hi"):
        assert item.service_title == "गणेश पूजा"
    with translation.override("en"):
        assert item.service_title == hindi_shop.package.service.title_en


def test_confirmation_email_is_in_the_customers_language(phonepe, hindi_shop):
    booking = _pay(hindi_shop, phonepe, language="hi")
    [message] = [m for m in mail.outbox if booking.book_id in m.subject]
    assert message.subject == f"आपकी पूजा बुक हो गई: {booking.book_id}"
    with translation.override("hi"):
        day = formats.day(booking.first_date)
    for text in (message.body, message.alternatives[0][0]):
        assert "नमस्ते" in text
        assert "आपकी पूजा बुक हो गई" in text
        assert "गणेश पूजा" in text
        assert f"{day}, सुबह 8:00 (ब्रह्म मुहूर्त)" in text.replace("<br>", ", ")
        assert "चुकाई गई राशि" in text
        assert "Namaste" not in text and "Amount paid" not in text
    assert '<html lang="hi-IN">' in message.alternatives[0][0]
    # The attached invoice is in Hindi too (tests/checkout/test_invoice_documents.py).
    [(name, pdf, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and pdf.startswith(b"%PDF")
    assert booking.invoice.language == "hi"
    text = pdf_text(pdf)
    assert "कर बीजक" in text and "गणेश पूजा" in text and "रुपये मात्र" in text


def test_confirmation_email_in_english_for_an_english_customer(phonepe, hindi_shop):
    booking = _pay(hindi_shop, phonepe, language="en")
    [message] = [m for m in mail.outbox if booking.book_id in m.subject]
    assert message.subject == f"Your puja is booked: {booking.book_id}"
    assert "गणेश पूजा" not in message.body


def test_priest_email_follows_the_priests_language(phonepe, hindi_shop):
    booking = _pay(hindi_shop, phonepe, language="en")
    priest = factories.make_user(first_name="Ramesh", last_name="Sharma", language="hi")
    mail.outbox.clear()
    booking.assigned_priest = priest
    booking.save()
    notifications.priests_assigned(booking_id=booking.pk, added_priest_ids=[priest.pk])
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[booking.user.email].startswith(
        f"Your priest for {booking.book_id}: Ramesh Sharma"
    )
    with translation.override("hi"):
        expected = (
            f"नई पूजा सौंपी गई: {booking.book_id}, {formats.day(booking.first_date)}"
        )
    assert subjects[priest.email] == expected


def test_a_failed_payment_reads_in_the_readers_language(phonepe, hindi_shop, client):
    user, cart, address = hindi_shop.customer()
    payment = services.start_payment(cart=cart, user=user, address=address)
    phonepe.settle(
        payment.merchant_order_id, "decline", error_code="INSUFFICIENT_BALANCE"
    )
    with translation.override("hi"):  # settled during a poll from a Hindi page
        payment = services.sync_payment(payment=payment, source="test")
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == "Your bank reported insufficient balance."
    with translation.override("hi"):
        assert payment.failure_text == "आपके बैंक ने बताया कि खाते में पर्याप्त राशि नहीं है।"
    client.force_login(user)
    client.cookies["django_language"] = "hi"
    page = client.get(payment.get_absolute_url()).content.decode()
    assert "भुगतान विफल" in page
    assert "आपके बैंक ने बताया कि खाते में पर्याप्त राशि नहीं है।" in page
    assert "कोई पैसा नहीं कटा।" in page


# The place frozen at Pay is data; each reader sees it in their language ----------


def test_address_paid_in_hindi_is_frozen_as_language_neutral_data(
    phonepe, hindi_shop, client, settings
):
    settings.INVOICE_SELLER_STATE = "Karnataka"
    user, cart, address = hindi_shop.customer()
    with translation.override("hi"):
        payment = services.start_payment(cart=cart, user=user, address=address)
    frozen = payment.snapshot["address"]
    assert frozen["state"] == "Karnataka" and frozen["state_code"] == "KA"
    assert "Near Ganesh Temple" in frozen["lines"]
    assert "Bengaluru, Karnataka 560038" in frozen["lines"]
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    booking = Booking.objects.get(payment=payment)
    # The invoice's place of supply is the seller's state: CGST + SGST.
    figures = invoices.figures(booking)
    assert figures.place_of_supply == "Karnataka"
    assert [line.label.split()[0] for line in figures.tax_lines] == ["CGST", "SGST"]

    client.force_login(user)
    page = client.get(booking.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "Near Ganesh Temple<br>Bengaluru, Karnataka 560038" in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "Ganesh Temple के पास<br>Bengaluru, कर्नाटक 560038" in page
    assert "Karnataka" not in page.split("<address>")[1].split("</address>")[0]


def test_online_place_renders_in_the_readers_language(phonepe, hindi_shop):
    online = factories.make_package(
        service=factories.make_service(title="Online Rudrabhishek", kind="online"),
        price_paise=110100,
    )
    temple = factories.make_service(title="Temple Abhishek", kind="temple")
    temple.venue_en = "Sri Ganesha Temple, Jayanagar"
    temple.venue_hi = "श्री गणेश मंदिर, जयनगर"
    temple.save()
    at_temple = factories.make_package(service=temple, price_paise=150100)
    user = factories.make_user(language="hi")
    cart = factories.make_cart(
        user=user,
        items=[
            (online, hindi_shop.date, hindi_shop.slot),
            (at_temple, hindi_shop.date, hindi_shop.slot),
        ],
    )
    with translation.override("hi"):
        payment = services.start_payment(
            cart=cart, user=user, address=None, contact_phone="98470 12345"
        )
    frozen = payment.snapshot["address"]
    assert frozen["places"] == [
        {"kind": "online"},
        {
            "kind": "temple",
            "venue": "Sri Ganesha Temple, Jayanagar",
            "venue_hi": "श्री गणेश मंदिर, जयनगर",
        },
    ]
    assert frozen["lines"] == ["Online (video call)", "Sri Ganesha Temple, Jayanagar"]
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.sync_payment(payment=payment, source="test")
    booking = Booking.objects.get(payment=payment)
    with translation.override("en"):
        assert booking.address_lines == frozen["lines"]
    with translation.override("hi"):
        assert booking.address_lines == ["ऑनलाइन (वीडियो कॉल)", "श्री गणेश मंदिर, जयनगर"]
    [message] = [m for m in mail.outbox if booking.book_id in m.subject]
    assert "ऑनलाइन (वीडियो कॉल), श्री गणेश मंदिर, जयनगर" in message.body


def test_cancel_page_reads_naturally_in_hindi(phonepe, hindi_shop, client, settings):
    booking = _pay(hindi_shop, phonepe, language="hi")
    client.force_login(booking.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    page = client.get(f"/bookings/{booking.book_id}/cancel/").content.decode()
    assert "आपने <strong>₹2,100</strong> चुकाए।" in page
    assert "आपको ₹2,100 (100%) वापस मिलेंगे।" in page
    assert "You paid" not in page
