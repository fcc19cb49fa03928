"""GST-style tax invoices of bookings: a gap-free number per financial year, and the PDF.

A booking's invoice is issued once (``issue_invoice``), when its confirmation
is sent or when the customer first downloads it, whichever comes first. The
number comes from the financial year's ``InvoiceCounter`` row, taken under its
row lock in the same transaction that stores the invoice: a rolled-back
transaction gives its number back, so the series has no gaps.

Prices on OkPuja include GST: the taxable value is worked back from what was
paid, and the tax is split CGST + SGST when the place of supply is the
seller's state, IGST otherwise (``INVOICE_*`` settings). The PDF is drawn with
fpdf2 (pure Python, kept up to date) in its core Helvetica font, which has no
rupee sign, hence "Rs.".

The invoice is a tax document and is always in English, whatever language
the customer reads the shop in: the booking's texts are taken in English
(their Hindi copies would not fit Helvetica's Latin-1).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from fpdf import FPDF
from num2words import num2words

from checkout.models import Booking, Invoice, InvoiceCounter
from storefront.india import format_mobile


def financial_year(day: datetime.date) -> str:
    """Return the Indian financial year (April to March) of ``day``, e.g. "2026-27"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def issue_invoice(*, booking: Booking) -> Invoice:
    """Return the booking's invoice, issuing it with the next number if it has none."""
    existing = Invoice.objects.filter(booking_id=booking.pk).first()
    if existing is not None:
        return existing
    year = financial_year(timezone.localdate())
    InvoiceCounter.objects.get_or_create(financial_year=year)
    with transaction.atomic():
        # The booking's lock serialises two first downloads of one booking;
        # the counter's lock serialises numbering across bookings.
        Booking.objects.select_for_update().get(pk=booking.pk)
        existing = Invoice.objects.filter(booking_id=booking.pk).first()
        if existing is not None:
            return existing
        counter = InvoiceCounter.objects.select_for_update().get(financial_year=year)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        return Invoice.objects.create(
            booking=booking,
            financial_year=year,
            sequence=counter.last_number,
            number=f"{settings.INVOICE_PREFIX}/{year}/{counter.last_number:05d}",
        )


def filename(invoice: Invoice) -> str:
    return f"invoice-{invoice.number.replace('/', '-')}.pdf"


def amount_in_words(paise: int) -> str:
    """Return an amount the Indian way: 210050 -> "Rupees Two Thousand One Hundred
    and Fifty Paise Only" (lakh and crore for large amounts)."""
    rupees, rest = divmod(int(paise), 100)

    def words(number):
        text = num2words(number, lang="en_IN").replace(",", "").replace("-", " ")
        return " ".join(
            word if word == "and" else word.capitalize() for word in text.split()
        )

    text = f"Rupees {words(rupees)}"
    if rest:
        text += f" and {words(rest)} Paise"
    return text + " Only"


def rupees(paise: int) -> str:
    """Return paise as "Rs. 1,23,456.00" (Indian digit grouping)."""
    number, rest = divmod(int(paise), 100)
    digits = str(number)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        groups.insert(0, head) if head else None
        digits = ",".join(groups) + "," + tail
    return f"Rs. {digits}.{rest:02d}"


@dataclass(frozen=True)
class TaxLine:
    label: str
    paise: int


@dataclass(frozen=True)
class InvoiceFigures:
    place_of_supply: str
    taxable_paise: int
    tax_lines: tuple[TaxLine, ...]
    total_paise: int


def place_of_supply(booking: Booking) -> str:
    """The customer's state for a puja at home; the seller's state otherwise."""
    return booking.address.get("state") or settings.INVOICE_SELLER_STATE


def figures(booking: Booking) -> InvoiceFigures:
    """Work the taxable value and tax lines back from the GST-inclusive total."""
    total = booking.total_paise
    rate = settings.INVOICE_TAX_PERCENT
    place = place_of_supply(booking)
    if not rate:
        return InvoiceFigures(place, total, (), total)
    taxable = (total * 100 * 2 + (100 + rate)) // (2 * (100 + rate))  # rounded
    tax = total - taxable
    if place.casefold() == settings.INVOICE_SELLER_STATE.casefold():
        half = rate / 2
        cgst = tax // 2
        lines = (
            TaxLine(f"CGST @ {half:g}%", cgst),
            TaxLine(f"SGST @ {half:g}%", tax - cgst),
        )
    else:
        lines = (TaxLine(f"IGST @ {rate}%", tax),)
    return InvoiceFigures(place, taxable, lines, total)


def _latin1(text) -> str:
    # The PDF's core font is Latin-1: keep names typed in other scripts legible
    # as "?" rather than failing the download.
    return str(text).replace("₹", "Rs. ").encode("latin-1", "replace").decode("latin-1")


def render_pdf(invoice: Invoice) -> bytes:
    """Return the invoice as a PDF document, in English."""
    with translation.override(settings.LANGUAGE_CODE):
        return _render_pdf(invoice)


def _render_pdf(invoice: Invoice) -> bytes:
    booking = invoice.booking
    items = list(booking.items.all())
    numbers = figures(booking)
    customer = booking.user
    pdf = FPDF(format="A4")
    pdf.set_title(f"Tax invoice {invoice.number}")
    pdf.set_author(settings.INVOICE_SELLER_NAME)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, "TAX INVOICE", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, _latin1(settings.INVOICE_SELLER_NAME), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in (
        settings.INVOICE_SELLER_ADDRESS,
        f"State: {settings.INVOICE_SELLER_STATE}",
        f"GSTIN: {settings.INVOICE_SELLER_GSTIN}",
    ):
        pdf.cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    issued = timezone.localtime(invoice.issued_at)
    left = [
        f"Invoice number: {invoice.number}",
        f"Invoice date: {issued:%d %b %Y}",
        f"Booking: {booking.book_id}",
        f"PhonePe order: {booking.payment.merchant_order_id}",
        f"Place of supply: {numbers.place_of_supply}",
    ]
    for line in left:
        pdf.cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Billed to", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    billed = [customer.get_full_name() or customer.email, customer.email]
    phone = booking.contact_phone or customer.phone
    if phone:
        billed.append(format_mobile(phone))
    billed += [
        line for line in booking.address.get("lines", [])[1:] if line not in billed
    ]
    for line in billed:
        pdf.cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    widths = (10, 92, 22, 30, 36)
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(
        widths, ("#", "Description", "SAC", "Date", "Amount"), strict=True
    ):
        pdf.cell(width, 7, head, border=1, align="R" if head == "Amount" else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for number, item in enumerate(items, start=1):
        description = (
            f"{item.service_title} ({item.package_label}, {item.language}), "
            f"{item.slot_label}"
        )
        row = (
            str(number),
            description[:60],
            settings.INVOICE_SAC_CODE,
            f"{item.date:%d %b %Y}",
            rupees(item.price_paise),
        )
        for width, text, align in zip(
            widths, row, ("L", "L", "L", "L", "R"), strict=True
        ):
            pdf.cell(width, 7, _latin1(text), border=1, align=align)
        pdf.ln()

    def total_row(label, paise, bold=False):
        pdf.set_font("Helvetica", "B" if bold else "", 9)
        pdf.cell(sum(widths[:-1]), 7, _latin1(label), border=1, align="R")
        pdf.cell(widths[-1], 7, _latin1(paise), border=1, align="R")
        pdf.ln()

    total_row("Subtotal", rupees(booking.subtotal_paise))
    if booking.discount_paise:
        label = f"Discount ({booking.promo_code})" if booking.promo_code else "Discount"
        total_row(label, "- " + rupees(booking.discount_paise))
    total_row("Taxable value", rupees(numbers.taxable_paise))
    for line in numbers.tax_lines:
        total_row(line.label, rupees(line.paise))
    total_row("Total (paid)", rupees(numbers.total_paise), bold=True)
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 9)
    pdf.multi_cell(
        0,
        5,
        _latin1(f"Amount in words: {amount_in_words(numbers.total_paise)}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "", 8)
    pdf.ln(2)
    if numbers.tax_lines:
        pdf.multi_cell(
            0,
            4,
            "Prices include GST. Tax is not payable on reverse charge.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.multi_cell(
        0,
        4,
        "This is a computer-generated invoice and needs no signature.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
