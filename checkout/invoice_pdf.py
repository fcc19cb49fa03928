"""The tax invoice and credit note as PDF documents (fpdf2).

Text is set in Noto Sans, with Noto Sans Devanagari as the fallback font for
Hindi (names, puja titles, the labels of a Hindi document), both vendored in
``checkout/fonts`` (SIL Open Font License). HarfBuzz (``uharfbuzz``) shapes
the Devanagari, so conjuncts, matras and reph come out as they are read.
Amounts are "₹1,23,456.00" with Indian digit grouping in both languages.

Each document is drawn in its own language (``invoices.document_language``):
labels through gettext, the booking's texts (puja, tier, slot) from their
frozen English or Hindi copies, the amount in words in that language.
"""

from pathlib import Path

from django.conf import settings
from django.utils import formats as django_formats
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from checkout import invoices
from checkout.models import CreditNote, Invoice
from storefront.india import format_mobile, format_rupees

FONTS = Path(__file__).resolve().parent / "fonts"
TEXT_FONT = "NotoSans"
DEVANAGARI_FONT = "NotoSansDevanagari"
# Column widths (mm) of the items table on A4 with 10 mm margins.
WIDTHS = (8, 94, 18, 32, 38)


def render_invoice(invoice: Invoice) -> bytes:
    """Return the invoice as a PDF document in its language."""
    with translation.override(invoices.document_language(invoice)):
        return _draw_invoice(invoice)


def render_credit_note(credit_note: CreditNote) -> bytes:
    """Return the credit note as a PDF document in its language."""
    with translation.override(invoices.document_language(credit_note)):
        return _draw_credit_note(credit_note)


class _Document(FPDF):
    """An A4 page with the vendored fonts and Devanagari shaping."""

    def __init__(self, *, title: str):
        super().__init__(format="A4")
        self.set_margins(10, 10, 10)
        for style, weight in (("", "Regular"), ("B", "Bold")):
            self.add_font(TEXT_FONT, style, FONTS / f"NotoSans-{weight}.subset.ttf")
            self.add_font(
                DEVANAGARI_FONT,
                style,
                FONTS / f"NotoSansDevanagari-{weight}.subset.ttf",
            )
        self.set_fallback_fonts([DEVANAGARI_FONT], exact_match=False)
        self.set_text_shaping(True)
        self.set_title(title)
        self.set_author(settings.INVOICE_SELLER_NAME)
        self.set_lang(translation.get_language())
        self.add_page()

    def use_font(self, size=9, bold=False):
        style = "B" if bold else ""
        # Select another font first: after a text drawn wholly in the fallback
        # font, fpdf2 (2.8.9) takes the text font as still set on the page
        # and draws the next Latin text with the Devanagari font's glyphs.
        self.set_font(DEVANAGARI_FONT, style, size)
        self.set_font(TEXT_FONT, style, size)

    def line_text(self, text, *, height=5, size=9, bold=False, align="L"):
        self.use_font(size, bold)
        self.multi_cell(
            0, height, str(text), new_x="LMARGIN", new_y="NEXT", align=align
        )

    def heading(self, title: str):
        self.line_text(title, height=9, size=15, bold=True, align="C")
        self.line_text(settings.INVOICE_SELLER_NAME, height=6, size=11, bold=True)
        for line in (
            settings.INVOICE_SELLER_ADDRESS,
            _("State: %(state)s") % {"state": _(settings.INVOICE_SELLER_STATE)},
            f"GSTIN: {settings.INVOICE_SELLER_GSTIN}",
        ):
            self.line_text(line)
        self.ln(3)

    def billed_to(self, booking):
        self.ln(2)
        self.line_text(_("Billed to"), bold=True)
        customer = booking.user
        lines = [customer.get_full_name() or customer.email, customer.email]
        phone = booking.contact_phone or customer.phone
        if phone:
            lines.append(format_mobile(phone))
        lines += [line for line in booking.address_lines[1:] if line not in lines]
        for line in lines:
            self.line_text(line)
        self.ln(3)

    def items_table(self, rows, *, totals):
        """Draw the items table, then the totals under its Amount column."""
        heading = FontFace(family=TEXT_FONT, emphasis="BOLD")
        self.use_font()
        with self.table(
            col_widths=WIDTHS,
            width=sum(WIDTHS),
            text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
            headings_style=heading,
            line_height=5,
            padding=1,
        ) as table:
            head = table.row()
            for text in ("#", _("Description"), _("SAC"), _("Date"), _("Amount")):
                head.cell(text)
            for row in rows:
                cells = table.row()
                for text in row:
                    cells.cell(str(text))
        for label, text, bold in totals:
            self.use_font(bold=bold)
            self.cell(sum(WIDTHS[:-1]), 7, label, border=1, align="R")
            self.use_font(bold=bold)
            self.cell(WIDTHS[-1], 7, text, border=1, align="R")
            self.ln()
        self.ln(3)

    def words(self, paise):
        words = invoices.amount_in_words(paise, translation.get_language())
        self.line_text(_("Amount in words: %(words)s") % {"words": words}, bold=True)
        self.ln(2)

    def notes(self, lines):
        for line in lines:
            self.line_text(line, height=4, size=8)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def _date(value) -> str:
    return django_formats.date_format(value, "j F Y")


def _place(place: str) -> str:
    # State names are stored in English; they are messages of storefront.india.
    return _(place)


def _item_rows(booking):
    rows = []
    for number, item in enumerate(booking.items.all(), start=1):
        description = (
            f"{item.service_title} ({item.package_label}, {item.language}), "
            f"{item.slot_label}"
        )
        names = (item.sankalp or {}).get("names")
        if names:
            description += "\n" + _("Sankalp: %(names)s") % {"names": names}
        rows.append(
            (
                number,
                description,
                settings.INVOICE_SAC_CODE,
                _date(item.date),
                format_rupees(item.price_paise),
            )
        )
    return rows


def _tax_totals(numbers):
    rows = [(_("Taxable value"), format_rupees(numbers.taxable_paise), False)]
    rows += [
        (line.label, format_rupees(line.paise), False) for line in numbers.tax_lines
    ]
    return rows


def _draw_invoice(invoice: Invoice) -> bytes:
    booking = invoice.booking
    numbers = invoices.figures(booking)
    pdf = _Document(title=_("Tax invoice %(number)s") % {"number": invoice.number})
    pdf.heading(_("TAX INVOICE"))
    for line in (
        _("Invoice number: %(number)s") % {"number": invoice.number},
        _("Invoice date: %(date)s")
        % {"date": _date(timezone.localtime(invoice.issued_at))},
        _("Booking: %(book_id)s") % {"book_id": booking.book_id},
        _("PhonePe order: %(order)s") % {"order": booking.payment.merchant_order_id},
        _("Place of supply: %(place)s") % {"place": _place(numbers.place_of_supply)},
    ):
        pdf.line_text(line)
    pdf.billed_to(booking)
    totals = [(_("Subtotal"), format_rupees(booking.subtotal_paise), False)]
    if booking.discount_paise:
        label = (
            _("Discount (%(code)s)") % {"code": booking.promo_code}
            if booking.promo_code
            else _("Discount")
        )
        totals.append((label, "- " + format_rupees(booking.discount_paise), False))
    totals += _tax_totals(numbers)
    totals.append((_("Total (paid)"), format_rupees(numbers.total_paise), True))
    pdf.items_table(_item_rows(booking), totals=totals)
    pdf.words(numbers.total_paise)
    notes = []
    if numbers.tax_lines:
        notes.append(_("Prices include GST. Tax is not payable on reverse charge."))
    notes.append(_("This is a computer-generated invoice and needs no signature."))
    pdf.notes(notes)
    return pdf.output_bytes()


def _draw_credit_note(credit_note: CreditNote) -> bytes:
    invoice = credit_note.invoice
    booking = invoice.booking
    refund = credit_note.refund
    numbers = invoices.credit_note_figures(credit_note)
    pdf = _Document(title=_("Credit note %(number)s") % {"number": credit_note.number})
    pdf.heading(_("CREDIT NOTE"))
    for line in (
        _("Credit note number: %(number)s") % {"number": credit_note.number},
        _("Credit note date: %(date)s")
        % {"date": _date(timezone.localtime(credit_note.issued_at))},
        _("Against tax invoice %(number)s dated %(date)s")
        % {
            "number": invoice.number,
            "date": _date(timezone.localtime(invoice.issued_at)),
        },
        _("Booking: %(book_id)s") % {"book_id": booking.book_id},
        _("Refund reference: %(refund)s") % {"refund": refund.merchant_refund_id},
        _("Reason: %(reason)s") % {"reason": refund.get_reason_display()},
        _("Place of supply: %(place)s") % {"place": _place(numbers.place_of_supply)},
    ):
        pdf.line_text(line)
    pdf.billed_to(booking)
    totals = [(_("Invoice value (paid)"), format_rupees(booking.total_paise), False)]
    totals += _tax_totals(numbers)
    totals.append(
        (_("Total credited (refunded)"), format_rupees(numbers.total_paise), True)
    )
    pdf.items_table(_item_rows(booking), totals=totals)
    pdf.words(numbers.total_paise)
    notes = []
    if numbers.tax_lines:
        notes.append(
            _(
                "The refunded amount includes GST: this credit note reduces the "
                "taxable value and the tax of the invoice above by the amounts shown."
            )
        )
    notes.append(_("This is a computer-generated credit note and needs no signature."))
    pdf.notes(notes)
    return pdf.output_bytes()
