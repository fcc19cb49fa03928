"""GST documents of bookings: tax invoices and credit notes, their gap-free
numbers per financial year, and the figures printed on them.

A booking's invoice is issued once (``issue_invoice``), when its confirmation
is sent, when the customer first downloads it or when a refund of it is
recorded, whichever comes first. A refund of a booking gets a credit note
(``issue_credit_note``) in the same transaction that records the refund: it
reduces the invoice's value by the refunded amount. Each series takes its
next number from its financial year's counter row (``InvoiceCounter``,
``CreditNoteCounter``), under that row's lock, in the transaction that stores
the document: a rolled-back transaction gives its number back, so neither
series has gaps.

Prices on OkPuja include GST: the taxable value is worked back from what was
paid (or refunded), and the tax is split CGST + SGST when the place of supply
is the seller's state, IGST otherwise (``INVOICE_*`` settings).

Each document is written in the customer's language when it is issued
(``User.language``, as their emails): it keeps it on every download. The PDF
is drawn by ``checkout.invoice_pdf``.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from indic_numtowords import num2words as indic_num2words
from num2words import num2words

from checkout.models import (
    Booking,
    CreditNote,
    CreditNoteCounter,
    Invoice,
    InvoiceCounter,
    Refund,
)
from storefront.languages import language_of


def financial_year(day: datetime.date) -> str:
    """Return the Indian financial year (April to March) of ``day``, e.g. "2026-27"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


# GST (rule 46 of the CGST Rules) allows invoice and credit note numbers of at
# most 16 characters: letters, digits, "/" and "-". PREFIX/26-27/00001 keeps
# 5 characters for the prefix; ``checks.py`` refuses a longer prefix at start-up.
MAX_NUMBER_LENGTH = 16
MAX_PREFIX_LENGTH = MAX_NUMBER_LENGTH - len("/26-27/00001")


def document_number(prefix: str, year: str, sequence: int) -> str:
    """Return the printed number, e.g. "OKP/26-27/00001" for the year "2026-27"."""
    return f"{prefix}/{year[2:]}/{sequence:05d}"


def _next_number(counter_model, year: str) -> int:
    """Take the year's next number under its counter row's lock (in a transaction)."""
    counter = counter_model.objects.select_for_update().get(financial_year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


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
        locked = Booking.objects.select_for_update().select_related("user")
        booking = locked.get(pk=booking.pk)
        existing = Invoice.objects.filter(booking_id=booking.pk).first()
        if existing is not None:
            return existing
        sequence = _next_number(InvoiceCounter, year)
        return Invoice.objects.create(
            booking=booking,
            financial_year=year,
            sequence=sequence,
            number=document_number(settings.INVOICE_PREFIX, year, sequence),
            language=language_of(booking.user),
        )


def issue_credit_note(*, refund: Refund, invoice: Invoice) -> CreditNote:
    """Return the refund's credit note, issuing it with the next number if it has none.

    Called by ``refunds.request_refund`` inside the transaction that records
    the refund (under the payment's lock), so a refund and its credit note
    commit together or not at all. The refund's row lock makes a second call
    for the same refund return the first credit note.
    """
    existing = CreditNote.objects.filter(refund_id=refund.pk).first()
    if existing is not None:
        return existing
    year = financial_year(timezone.localdate())
    CreditNoteCounter.objects.get_or_create(financial_year=year)
    with transaction.atomic():
        Refund.objects.select_for_update().get(pk=refund.pk)
        existing = CreditNote.objects.filter(refund_id=refund.pk).first()
        if existing is not None:
            return existing
        sequence = _next_number(CreditNoteCounter, year)
        return CreditNote.objects.create(
            refund=refund,
            invoice=invoice,
            amount_paise=refund.amount_paise,
            financial_year=year,
            sequence=sequence,
            number=document_number(settings.CREDIT_NOTE_PREFIX, year, sequence),
            language=language_of(invoice.booking.user),
        )


def filename(document: Invoice | CreditNote) -> str:
    kind = "credit-note" if isinstance(document, CreditNote) else "invoice"
    return f"{kind}-{document.number.replace('/', '-')}.pdf"


# Amounts in words ------------------------------------------------------------------


def _english_words(number: int) -> str:
    text = num2words(number, lang="en_IN").replace(",", "").replace("-", " ")
    return " ".join(
        word if word == "and" else word.capitalize() for word in text.split()
    )


def _hindi_words(number: int) -> str:
    # indic-numtowords (AI4Bharat) spells up to 99 crore; above that the
    # crores are a number of their own ("एक सौ करोड़").
    if number >= 100 * 10**7:
        crores, rest = divmod(number, 10**7)
        head = f"{_hindi_words(crores)} करोड़"
        return f"{head} {_hindi_words(rest)}" if rest else head
    return indic_num2words(number, lang="hi")


def amount_in_words(paise: int, language: str = "en") -> str:
    """Return an amount in words the Indian way, in English or Hindi.

    210050 -> "Rupees Two Thousand One Hundred and Fifty Paise Only" (lakh and
    crore for large amounts); in Hindi 280100 -> "दो हज़ार आठ सौ एक रुपये मात्र".
    """
    rupees, rest = divmod(int(paise), 100)
    if language.startswith("hi"):
        text = f"{_hindi_words(rupees)} {'रुपया' if rupees == 1 else 'रुपये'}"
        if rest:
            text += f" और {_hindi_words(rest)} पैसे"
        return text + " मात्र"
    text = f"Rupees {_english_words(rupees)}"
    if rest:
        text += f" and {_english_words(rest)} Paise"
    return text + " Only"


# Tax figures -------------------------------------------------------------------------


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


def split_tax(total_paise: int, place: str) -> InvoiceFigures:
    """Work the taxable value and tax lines back from a GST-inclusive amount."""
    rate = settings.INVOICE_TAX_PERCENT
    if not rate:
        return InvoiceFigures(place, total_paise, (), total_paise)
    taxable = (total_paise * 100 * 2 + (100 + rate)) // (2 * (100 + rate))  # rounded
    tax = total_paise - taxable
    if place.casefold() == settings.INVOICE_SELLER_STATE.casefold():
        half = rate / 2
        cgst = tax // 2
        lines = (
            TaxLine(f"CGST @ {half:g}%", cgst),
            TaxLine(f"SGST @ {half:g}%", tax - cgst),
        )
    else:
        lines = (TaxLine(f"IGST @ {rate}%", tax),)
    return InvoiceFigures(place, taxable, lines, total_paise)


def figures(booking: Booking) -> InvoiceFigures:
    """Return the invoice's figures: the booking's total, GST included."""
    return split_tax(booking.total_paise, place_of_supply(booking))


def credit_note_figures(credit_note: CreditNote) -> InvoiceFigures:
    """Return the credit note's figures: the refunded amount, GST included, split
    as on the invoice it reduces."""
    booking = credit_note.invoice.booking
    return split_tax(credit_note.amount_paise, place_of_supply(booking))


def document_language(document: Invoice | CreditNote) -> str:
    """The language the document is printed in (English if it is not offered)."""
    code = document.language or settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return settings.LANGUAGE_CODE
