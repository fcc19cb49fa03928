"""GST documents: the invoice PDF in the customer's language with ₹ and Devanagari,
and the credit note of each refund of a booking (own series, owner-only, admin,
refund email). The PDFs are read back with pypdf, as a customer's viewer would."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from checkout import checks, invoice_pdf, invoices, operations, refunds, services
from checkout.models import (
    Booking,
    BookingItem,
    CreditNote,
    CreditNoteCounter,
    Invoice,
    Payment,
    Refund,
)
from storefront import services as storefront_services
from tests import factories
from tests.documents import pdf_text
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db
IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def hindi_shop(shop):
    service = shop.package.service
    service.title_hi = "गणेश पूजा"
    service.save()
    return shop


def pay(shop, sandbox, *, language="en"):
    """A booking paid by a customer with a Devanagari name and sankalp names."""
    user, cart, address = shop.customer()
    user.first_name, user.last_name, user.language = "आशा", "शर्मा", language
    user.save()
    storefront_services.save_sankalp(
        cart=cart,
        item_id=cart.items.get().pk,
        sankalp={"names": "रवि शर्मा, Meena Iyer", "gotra": "Kashyap"},
    )
    payment = services.start_payment(cart=cart, user=user, address=address)
    sandbox.settle(payment.merchant_order_id, "pay_upi")
    with TestCase.captureOnCommitCallbacks(execute=True):
        payment = services.sync_payment(payment=payment, source="test")
    assert payment.status == Payment.Status.SUCCESS, payment.failure_reason
    return Booking.objects.select_related("payment", "user").get(payment=payment)


def cancel(booking, refund_paise, *, actor=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return operations.cancel_booking(
            booking=booking, actor=actor, refund_paise=refund_paise, reason="Travel"
        )


# The invoice ---------------------------------------------------------------------------


def test_hindi_customers_invoice_is_in_hindi_with_rupee_and_devanagari(
    phonepe, hindi_shop, client
):
    booking = pay(hindi_shop, phonepe, language="hi")
    client.force_login(booking.user)
    response = client.get(f"/bookings/{booking.book_id}/invoice/")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "आशा शर्मा" in text  # the customer
    # Sankalp names, mixed scripts. (The reordered ि of "रवि" copies out with
    # a stray code: fpdf2 maps that shaped glyph to no character.)
    assert "शर्मा, Meena Iyer" in text
    assert "गणेश पूजा" in text  # the puja's Hindi title, frozen at Pay
    for label in ("कर बीजक", "बीजक संख्या:", "बिल प्राप्तकर्ता", "कर योग्य मूल्य"):
        assert label in text
    assert "का स्थान: कर्नाटक" in text  # place of supply, the state in Hindi
    # The billed-to address is rebuilt from its frozen fields in Hindi too.
    assert f"{booking.address['city']}, कर्नाटक {booking.address['pincode']}" in text
    assert "₹2,100.00" in text and "₹1,779.66" in text and "CGST @ 9%" in text
    assert "राशि शब्दों में: दो हज़ार एक सौ रुपये मात्र" in text
    assert "Invoice number" not in text and "Rupees" not in text
    assert "?" not in text and "Rs." not in text
    # GST fields stay: the seller's GSTIN, the invoice number, the SAC code.
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.language == "hi"
    assert invoice.number in text and "29ABCDE1234F1Z5" in text and "999712" in text


def test_english_customers_invoice_prints_devanagari_names_and_indian_words(
    phonepe, hindi_shop
):
    booking = pay(hindi_shop, phonepe, language="en")
    text = pdf_text(invoice_pdf.render_invoice(booking.invoice))
    assert "TAX INVOICE" in text and "कर बीजक" not in text
    assert "आशा शर्मा" in text and "Sankalp: रवि शर्मा, Meena Iyer" in text
    assert "Amount in words: Rupees Two Thousand One Hundred Only" in text
    assert "₹2,100.00" in text and "Place of supply: Karnataka" in text


def test_invoice_keeps_the_language_it_was_issued_in(phonepe, hindi_shop, client):
    booking = pay(hindi_shop, phonepe, language="hi")
    booking.user.language = "en"
    booking.user.save()
    client.force_login(booking.user)
    text = pdf_text(client.get(f"/bookings/{booking.book_id}/invoice/").content)
    assert "कर बीजक" in text


def test_the_confirmation_email_attaches_the_invoice_in_hindi(phonepe, hindi_shop):
    booking = pay(hindi_shop, phonepe, language="hi")
    [message] = [m for m in mail.outbox if booking.book_id in m.subject]
    [(name, content, mimetype)] = message.attachments
    assert name == invoices.filename(booking.invoice)
    assert "दो हज़ार एक सौ रुपये मात्र" in pdf_text(content)


@pytest.mark.parametrize(
    ("paise", "hindi", "english"),
    [
        (
            280100,
            "दो हज़ार आठ सौ एक रुपये मात्र",
            "Rupees Two Thousand Eight Hundred and One Only",
        ),
        (100, "एक रुपया मात्र", "Rupees One Only"),
        (
            12345678_50,
            "एक करोड़ तेईस लाख पैंतालीस हज़ार छः सौ अठहत्तर रुपये और पचास पैसे मात्र",
            "Rupees One Crore Twenty Three Lakh Forty Five Thousand Six Hundred "
            "and Seventy Eight and Fifty Paise Only",
        ),
        (
            150_00_00_000_00,
            "एक सौ पचास करोड़ रुपये मात्र",
            "Rupees One Hundred and Fifty Crore Only",
        ),
    ],
)
def test_amount_in_words_in_hindi_and_indian_english(paise, hindi, english):
    assert invoices.amount_in_words(paise, "hi") == hindi
    assert invoices.amount_in_words(paise) == english


# Credit notes ----------------------------------------------------------------------------


def test_staff_cancel_with_refund_issues_a_credit_note_against_the_invoice(
    phonepe, shop
):
    booking = pay(shop, phonepe)
    staff = factories.make_user(email="ops@okpuja.in", is_staff=True)
    mail.outbox.clear()
    booking, refund = cancel(booking, 105050, actor=staff)
    note = CreditNote.objects.get()
    year = invoices.financial_year(timezone.localdate())
    assert (note.refund, note.invoice, note.amount_paise) == (
        refund,
        booking.invoice,
        105050,
    )
    assert (note.financial_year, note.sequence, note.number) == (
        year,
        1,
        f"CN/{year[2:]}/00001",
    )
    assert CreditNoteCounter.objects.get(financial_year=year).last_number == 1
    # The refund itself is untouched: amount, reason, sent to PhonePe.
    assert refund.amount_paise == 105050 and refund.reason == Refund.Reason.CANCELLED
    at_phonepe = phonepe.order(booking.payment.merchant_order_id)["refunds"]
    assert [r["amount"] for r in at_phonepe] == [105050]
    text = pdf_text(invoice_pdf.render_credit_note(note))
    assert "CREDIT NOTE" in text and note.number in text
    assert f"Against tax invoice {booking.invoice.number} dated" in text
    assert refund.merchant_refund_id in text and "Reason: Booking cancelled" in text
    # 1050.50 with 18% GST inside: 890.25 taxable + 80.12 CGST + 80.13 SGST.
    figures = invoices.credit_note_figures(note)
    assert figures.taxable_paise == 89025
    assert [t.paise for t in figures.tax_lines] == [8012, 8013]
    for amount in ("₹890.25", "₹80.12", "₹80.13", "₹1,050.50", "₹2,100.00"):
        assert amount in text
    assert "Rupees One Thousand and Fifty and Fifty Paise Only" in text
    # The refund email tells the customer and carries the credit note.
    [message] = [
        m for m in mail.outbox if m.subject == "Your OkPuja refund has started"
    ]
    assert f"Your GST credit note {note.number}" in message.body
    assert f"Your GST credit note {note.number}" in message.alternatives[0][0]
    [(name, content, mimetype)] = message.attachments
    assert (
        name == f"credit-note-CN-{year[2:]}-00001.pdf" and mimetype == "application/pdf"
    )
    assert note.number in pdf_text(content)


def test_self_cancel_issues_a_hindi_credit_note_the_owner_downloads(
    phonepe, hindi_shop, client
):
    booking = pay(hindi_shop, phonepe, language="hi")
    client.force_login(booking.user)
    client.cookies["django_language"] = "hi"
    starts = datetime.datetime.combine(
        hindi_shop.date, hindi_shop.slot.start_time, tzinfo=IST
    )
    with (
        time_machine.travel(starts - datetime.timedelta(hours=30), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = client.post(f"/bookings/{booking.book_id}/cancel/")
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert note.amount_paise == 105000 and note.refund.booking == booking
    assert note.language == "hi"
    url = f"/bookings/{booking.book_id}/credit-notes/{note.pk}/"
    page = client.get(booking.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page and f"क्रेडिट नोट {note.number}" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert invoices.filename(note) in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "क्रेडिट नोट" in text and "आशा शर्मा" in text and "₹1,050.00" in text
    assert f"कर बीजक {booking.invoice.number}" in text
    assert "एक हज़ार पचास रुपये मात्र" in text
    [message] = [m for m in mail.outbox if note.number in m.body]
    assert message.attachments[0][0] == invoices.filename(note)
    # Anyone else: 404; signed out: the sign-in page.
    client.force_login(factories.make_user())
    assert client.get(url).status_code == 404
    assert client.get(f"/bookings/{booking.book_id}/invoice/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_credit_note_is_only_reachable_through_its_own_booking(phonepe, shop, client):
    first, second = pay(shop, phonepe), pay(shop, phonepe)
    cancel(first, 210000)
    note = CreditNote.objects.get()
    client.force_login(second.user)
    # The second customer's own booking with the first's credit note id: 404.
    assert (
        client.get(f"/bookings/{second.book_id}/credit-notes/{note.pk}/").status_code
        == 404
    )
    assert (
        client.get(f"/bookings/{second.book_id}/credit-notes/99999/").status_code == 404
    )


def test_cancel_without_refund_issues_no_credit_note(phonepe, shop):
    booking = pay(shop, phonepe)
    cancel(booking, 0)
    assert not CreditNote.objects.exists()
    [message] = [m for m in mail.outbox if "was cancelled" in m.subject]
    assert message.attachments == []


def test_credit_notes_are_their_own_gap_free_series_per_financial_year(
    phonepe, settings
):
    shop = Shop(capacity=4)
    first, second, third = (pay(shop, phonepe) for _ in range(3))
    with time_machine.travel(datetime.datetime(2027, 3, 31, 12, tzinfo=IST)):
        _, a = cancel(first, 100000)
        _, b = cancel(second, 50000)
    with time_machine.travel(datetime.datetime(2027, 4, 1, 12, tzinfo=IST)):
        _, c = cancel(third, 210000)
    numbers = [
        (r.credit_note.financial_year, r.credit_note.sequence, r.credit_note.number)
        for r in (a, b, c)
    ]
    assert numbers == [
        ("2026-27", 1, "CN/26-27/00001"),
        ("2026-27", 2, "CN/26-27/00002"),
        ("2027-28", 1, "CN/27-28/00001"),
    ]
    # Invoices keep their own numbers (1, 2, 3 this year), untouched by credit notes.
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3]
    settings.CREDIT_NOTE_PREFIX = "OKCN"
    _, refund = operations.cancel_booking(
        booking=pay(shop, phonepe), actor=None, refund_paise=100, reason="x"
    )
    assert refund.credit_note.number.startswith("OKCN/")


def test_issuing_a_credit_note_again_returns_the_same_one(phonepe, shop):
    booking = pay(shop, phonepe)
    _, refund = cancel(booking, 210000)
    note = refund.credit_note
    assert invoices.issue_credit_note(refund=refund, invoice=booking.invoice) == note
    assert CreditNote.objects.count() == 1
    assert CreditNoteCounter.objects.get().last_number == 1


def test_a_refund_refused_before_it_is_recorded_issues_nothing(phonepe, shop):
    booking = pay(shop, phonepe)
    refunds.request_refund(
        payment=booking.payment,
        amount_paise=200000,
        reason=Refund.Reason.OTHER,
        booking=booking,
    )
    with pytest.raises(services.CheckoutError):
        refunds.request_refund(
            payment=booking.payment,
            amount_paise=20000,  # only 100.00 is left
            reason=Refund.Reason.OTHER,
            booking=booking,
        )
    assert CreditNote.objects.count() == 1
    assert CreditNoteCounter.objects.get().last_number == 1


def test_a_refund_without_an_invoice_issues_the_invoice_first(phonepe, shop):
    booking = pay(shop, phonepe)
    Invoice.objects.all().delete()  # as if the confirmation had not gone out yet
    _, refund = cancel(booking, 210000)
    assert refund.credit_note.invoice == Invoice.objects.get(booking=booking)


def test_a_retried_refund_keeps_the_original_credit_note(phonepe, shop):
    booking = pay(shop, phonepe)
    _, refund = cancel(booking, 210000)
    Refund.objects.filter(pk=refund.pk).update(state=Refund.State.FAILED)
    refund.refresh_from_db()
    staff = factories.make_user(email="ops@okpuja.in", is_staff=True)
    new = operations.retry_refund(refund=refund, actor=staff)
    assert new.amount_paise == 210000
    assert [note.refund for note in CreditNote.objects.all()] == [refund]


# Admin ------------------------------------------------------------------------------------


def test_staff_see_and_download_the_documents_in_the_admin(phonepe, shop, client):
    from checkout.roles import SUPPORT, ensure_staff_groups

    booking = pay(shop, phonepe)
    _, refund = cancel(booking, 50000)
    note = refund.credit_note
    support = factories.make_user(email="support@okpuja.in", is_staff=True)
    support.groups.add(ensure_staff_groups()[SUPPORT])
    client.force_login(support)
    page = client.get(
        reverse("admin:checkout_booking_change", args=[booking.pk])
    ).content.decode()
    invoice_url = reverse("admin:checkout_booking_invoice", args=[booking.pk])
    note_url = reverse("admin:checkout_booking_credit_note", args=[booking.pk, note.pk])
    assert invoice_url in page and note_url in page
    assert booking.invoice.number in page and note.number in page
    response = client.get(note_url)
    assert response.status_code == 200 and note.number in pdf_text(response.content)
    response = client.get(invoice_url)
    assert booking.invoice.number in pdf_text(response.content)
    other = pay(shop, phonepe)
    assert (
        client.get(
            reverse("admin:checkout_booking_credit_note", args=[other.pk, note.pk])
        ).status_code
        == 404
    )
    # Customers never reach the admin's documents.
    client.force_login(booking.user)
    assert client.get(note_url).status_code == 302
    assert client.get(invoice_url).status_code == 302


def test_the_pdf_embeds_subset_fonts_only(phonepe, shop):
    booking = pay(shop, phonepe)
    content = invoice_pdf.render_invoice(booking.invoice)
    assert len(content) < 60_000
    assert b"NotoSans" in content and b"Helvetica" not in content


def test_booking_item_texts_follow_the_document_language(phonepe, hindi_shop):
    booking = pay(hindi_shop, phonepe, language="en")
    item = BookingItem.objects.get(booking=booking)
    assert item.service_title_hi == "गणेश पूजा"
    text = pdf_text(invoice_pdf.render_invoice(booking.invoice))
    assert item.service_title_en in text and "गणेश पूजा" not in text


@pytest.mark.parametrize(
    "invoice_prefix, credit_prefix, ids",
    [
        ("OKP", "CN", []),
        ("OKPJ", "OKCN", []),
        ("OKPUJA", "CN", ["checkout.E001"]),
        ("OK P", "CN", ["checkout.E001"]),
        ("OKP", "", ["checkout.E001"]),
        ("OKP", "OKP", ["checkout.E002"]),
    ],
)
def test_document_prefixes_that_would_break_the_16_character_limit_are_refused(
    settings, invoice_prefix, credit_prefix, ids
):
    settings.INVOICE_PREFIX = invoice_prefix
    settings.CREDIT_NOTE_PREFIX = credit_prefix
    assert [error.id for error in checks.document_prefixes()] == ids
    if not ids:
        longest = invoices.document_number(invoice_prefix, "2026-27", 99999)
        assert len(longest) <= invoices.MAX_NUMBER_LENGTH
