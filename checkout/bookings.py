"""A paid payment's booking: its rows from the payment's snapshot, and what follows.

Called only by ``services`` (the settle paths, fast and locked), inside the
transaction that moves the payment; nothing here moves a payment's state.
"""

import datetime

from django.conf import settings
from django.db import transaction

from checkout import prepared, snapshots, tasks
from checkout.audit import record_audit
from checkout.models import Booking, BookingItem, new_book_id
from priests import services as priest_services
from storefront import services as storefront_services
from storefront.india import format_rupees


def unused_book_id():
    """Return a new BK- id not yet taken (the unique constraint backs this up)."""
    while True:
        book_id = new_book_id()
        if not Booking.objects.filter(book_id=book_id).exists():
            return book_id


def item_texts(line) -> dict:
    """Return a booking item's text fields for each language from a snapshot line.

    Snapshots from before Hindi (no ``*_hi``) give their English text to both.
    """
    fields = {}
    for name in snapshots.LINE_TEXTS:
        english = line.get(name, "")
        fields[name] = english
        for code, _name in settings.LANGUAGES:
            own = (
                english
                if code == settings.LANGUAGE_CODE
                else line.get(f"{name}_{code}")
            )
            fields[f"{name}_{code}"] = own or english
    return fields


def new_booking(*, payment, book_id):
    """Create the booking of the paid payment and its items from its snapshot."""
    snapshot = payment.snapshot
    lines = snapshot["lines"]
    # One INSERT each for the booking and its items, built once per process.
    booking = Booking(
        book_id=book_id,
        payment=payment,
        user_id=payment.user_id,
        subtotal_paise=snapshot["subtotal_paise"],
        discount_paise=snapshot["discount_paise"],
        total_paise=payment.amount_paise,
        promo_code=snapshot.get("promo_code", ""),
        address=snapshot["address"],
        contact_phone=snapshot.get("contact_phone", ""),
        first_date=min(datetime.date.fromisoformat(line["date"]) for line in lines),
    )
    prepared.insert([booking])
    prepared.insert(
        BookingItem(
            booking=booking,
            package_id=line["package_id"],
            **item_texts(line),
            date=datetime.date.fromisoformat(line["date"]),
            slot_id=line["slot_id"],
            price_paise=line["price_paise"],
            priest_count=line["priest_count"],
            kind=line.get("kind", ""),
            sankalp=line.get("sankalp", {}),
        )
        for line in lines
    )
    return booking


def booking_created(*, payment, booking, source):
    """Count the promo use, audit the booking, schedule its email (and priest)."""
    if payment.promo_id:
        storefront_services.record_promo_use(
            promo=payment.promo,
            user=payment.user,
            reference=booking.book_id,
            discount_paise=payment.snapshot["discount_paise"],
        )
    record_audit(
        source=source,
        action="booking.created",
        payment=payment,
        booking=booking,
        to_state=booking.status,
        message=f"Booking {booking.book_id} for {format_rupees(booking.total_paise)}.",
    )
    # The email is rendered and sent by a worker, off the request path.
    tasks.enqueue(tasks.send_booking_confirmation, booking_id=booking.pk)
    if settings.PRIESTS_AUTO_ASSIGN:
        booking_id = booking.pk
        transaction.on_commit(
            lambda: priest_services.auto_assign_after_booking(booking_id=booking_id)
        )
