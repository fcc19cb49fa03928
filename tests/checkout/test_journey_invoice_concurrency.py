"""Invoice and credit note numbers under concurrency: gap-free and unique per
financial year, each series on its own.

Marked ``postgres``: SQLite serialises whole transactions. On PostgreSQL,
removing the counter's ``select_for_update`` in ``invoices.issue_invoice``
makes two bookings take the same number (the unique constraint then fails
one), and removing the booking's lock gives one booking two numbers.
"""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from checkout import invoices, operations, services
from checkout.models import (
    Booking,
    CreditNote,
    CreditNoteCounter,
    Invoice,
    InvoiceCounter,
)
from tests.checkout.test_concurrency import run_concurrently
from tests.fixtures import Shop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_concurrent_invoices_take_consecutive_numbers(phonepe):
    shop = Shop(capacity=8)
    bookings = []
    for _ in range(6):
        payment = shop.start()
        phonepe.settle(payment.merchant_order_id, "pay_upi")
        services.sync_payment(payment=payment, source="test")
        bookings.append(Booking.objects.get(payment=payment))
    # The confirmation emails issued invoices one at a time: start again.
    Invoice.objects.all().delete()
    InvoiceCounter.objects.all().delete()
    # Every booking twice: two first downloads of one booking race too.
    calls = [
        (lambda b=booking: invoices.issue_invoice(booking=b))
        for booking in bookings + bookings
    ]
    results = run_concurrently(calls)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Invoice.objects.count() == 6
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(
        range(1, 7)
    )
    for booking, again in zip(results[:6], results[6:], strict=True):
        assert booking.number == again.number
    assert InvoiceCounter.objects.get().last_number == 6


def test_numbering_waits_for_the_counter_row_lock(phonepe):
    """A second issuer blocks while another transaction holds the year's counter."""
    shop = Shop()
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    services.sync_payment(payment=payment, source="test")
    booking = Booking.objects.get(payment=payment)
    year = invoices.financial_year(timezone.localdate())
    Invoice.objects.all().delete()  # issued by the confirmation email
    InvoiceCounter.objects.update_or_create(
        financial_year=year, defaults={"last_number": 41}
    )
    holding, finished = threading.Event(), threading.Event()
    release = threading.Event()

    def hold_counter():
        try:
            with transaction.atomic():
                counter = InvoiceCounter.objects.select_for_update().get(
                    financial_year=year
                )
                holding.set()
                release.wait(10)
                counter.last_number = 50  # another booking took 42..50 meanwhile
                counter.save()
        finally:
            connection.close()

    def issue():
        try:
            return invoices.issue_invoice(booking=booking)
        finally:
            finished.set()
            connection.close()

    holder = threading.Thread(target=hold_counter, daemon=True)
    holder.start()
    assert holding.wait(10)
    result = {}
    issuer = threading.Thread(
        target=lambda: result.setdefault("invoice", issue()), daemon=True
    )
    issuer.start()
    assert not finished.wait(1.0), "numbering did not wait for the counter lock"
    release.set()
    holder.join(10)
    issuer.join(10)
    assert result["invoice"].sequence == 51


def test_concurrent_credit_notes_take_consecutive_numbers(phonepe):
    """Credit notes of refunds recorded at once: their own series, gap-free.

    Removing the counter's ``select_for_update`` in ``invoices._next_number``
    makes two refunds take the same number; removing the refund's lock in
    ``invoices.issue_credit_note`` gives one refund two credit notes.
    """
    shop = Shop(capacity=8)
    refunds = []
    for _ in range(5):
        payment = shop.start()
        phonepe.settle(payment.merchant_order_id, "pay_upi")
        services.sync_payment(payment=payment, source="test")
        booking = Booking.objects.get(payment=payment)
        _booking, refund = operations.cancel_booking(
            booking=booking, actor=None, refund_paise=100000, reason="test"
        )
        refunds.append(refund)
    # Each cancellation issued its credit note in turn: start the series again.
    CreditNote.objects.all().delete()
    CreditNoteCounter.objects.all().delete()
    calls = [
        (
            lambda r=refund: invoices.issue_credit_note(
                refund=r, invoice=r.booking.invoice
            )
        )
        for refund in refunds + refunds
    ]
    results = run_concurrently(calls)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert CreditNote.objects.count() == 5
    assert sorted(CreditNote.objects.values_list("sequence", flat=True)) == list(
        range(1, 6)
    )
    for first, again in zip(results[:5], results[5:], strict=True):
        assert first.number == again.number
    assert CreditNoteCounter.objects.get().last_number == 5
    # Invoices are a series of their own, untouched.
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(
        range(1, 6)
    )


def test_concurrent_cancellations_each_get_one_credit_note(phonepe):
    """Customers and staff cancelling at once through the refund path."""
    shop = Shop(capacity=8)
    bookings = []
    for _ in range(4):
        payment = shop.start()
        phonepe.settle(payment.merchant_order_id, "pay_upi")
        services.sync_payment(payment=payment, source="test")
        bookings.append(Booking.objects.get(payment=payment))
    calls = [
        (
            lambda b=booking: operations.cancel_booking(
                booking=b, actor=None, refund_paise=210000, reason="test"
            )
        )
        for booking in bookings
    ]
    results = run_concurrently(calls)
    assert [r for r in results if isinstance(r, Exception)] == []
    notes = CreditNote.objects.select_related("refund")
    assert sorted(note.sequence for note in notes) == [1, 2, 3, 4]
    assert {note.refund.booking_id for note in notes} == {b.pk for b in bookings}
