"""What customers see and do after booking: the timeline, the status line,
sharing, and cancelling or rescheduling within the policy.

The policy is settings: ``CANCEL_REFUND_BANDS`` ((hours before the puja,
percent refunded), most generous first) and ``RESCHEDULE_MIN_HOURS``.
Cancelling goes through ``operations.cancel_booking``, the path staff use
(refund through ``refunds.request_refund``, every move audited). Rescheduling
decides capacity under the slot row locks Pay takes (``services._lock_slots``).
"""

import datetime
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout import operations, services, states
from checkout.audit import record_audit
from checkout.calendar import booking_place, item_starts_at
from checkout.errors import CheckoutError
from checkout.models import Booking, BookingItem, Refund, SlotHold
from checkout.refunds import refundable_paise
from priests import selectors as priest_selectors
from priests import services as priest_services
from storefront import capacity, formats
from storefront import services as storefront_services
from storefront.exceptions import SlotUnavailableError, StorefrontError
from storefront.india import format_rupees
from storefront.models import TimeSlot


def booking_items(booking: Booking) -> list[BookingItem]:
    """Return the booking's items with their slots, read once per booking instance."""
    cached = getattr(booking, "_items_with_slots", None)
    if cached is None:
        cached = list(booking.items.select_related("slot"))
        booking._items_with_slots = cached
    return cached


def booking_starts_at(booking: Booking) -> datetime.datetime:
    """Return when the booking's first puja starts (IST, aware)."""
    return min(item_starts_at(item) for item in booking_items(booking))


def sankalp_text(sankalp: dict) -> str:
    """Return a line's sankalp details as one line of text (staff pages)."""
    sankalp = sankalp or {}
    parts = [sankalp.get("names", "")]
    for key, label in (
        ("gotra", _("gotra")),
        ("nakshatra", _("nakshatra / rashi")),
        ("occasion", _("occasion")),
        ("notes", _("notes")),
    ):
        if sankalp.get(key):
            parts.append(f"{label}: {sankalp[key]}")
    return "; ".join(part for part in parts if part) or "—"


# Status and timeline ----------------------------------------------------------


def status_line(booking: Booking, refunds=None) -> dict:
    """Return the booking's status as the customer reads it, and its badge style.

    A cancelled booking reads "Cancelled · refund ₹X completed/pending", never
    "Paid" on a green badge.
    """
    if booking.status != Booking.Status.CANCELLED:
        style = "success" if booking.status != Booking.Status.COMPLETED else "secondary"
        return {"text": booking.get_status_display(), "style": style}
    if refunds is None:
        refunds = list(booking.payment.refunds.all())
    refunds = [r for r in refunds if r.booking_id == booking.pk]
    if not refunds:
        return {"text": _("Cancelled · no refund"), "style": "danger"}
    paise = sum(r.amount_paise for r in refunds if r.state != Refund.State.FAILED)
    if all(r.state == Refund.State.COMPLETED for r in refunds):
        text = _("Cancelled · refund %(amount)s completed")
    elif any(r.state == Refund.State.FAILED for r in refunds) and not paise:
        text = _("Cancelled · refund failed, our team will contact you")
    else:
        text = _("Cancelled · refund %(amount)s pending")
    return {"text": text % {"amount": format_rupees(paise)}, "style": "danger"}


@dataclass(frozen=True)
class Step:
    label: str
    detail: str
    done: bool


def timeline(booking: Booking) -> list[Step]:
    """Return paid -> pandit assigned -> puja day -> done, with what is done."""
    priest = booking.assigned_priest
    starts = booking_starts_at(booking)
    completed = booking.status == Booking.Status.COMPLETED
    if priest is not None:
        # Every pandit of the booking (packages may need several), lead first.
        priest_detail = "; ".join(
            " · ".join(filter(None, [p.get_full_name() or str(p), p.phone]))
            for p in priest_selectors.booking_team(booking)
        )
    else:
        priest_detail = _("We assign your pandit before the puja day.")
    return [
        Step(
            _("Paid"),
            format_rupees(booking.total_paise)
            + " · "
            + formats.day(timezone.localtime(booking.created_at).date()),
            True,
        ),
        Step(_("Pandit assigned"), priest_detail, priest is not None or completed),
        Step(
            _("Puja day"),
            formats.day_and_time(starts),
            completed or timezone.now() >= starts,
        ),
        Step(_("Done"), _("Blessings!") if completed else "", completed),
    ]


def whatsapp_url(booking: Booking) -> str:
    """Return a wa.me link sharing the booking's summary (no one else's details)."""
    lines = [_("Our puja is booked with OkPuja (%(id)s):") % {"id": booking.book_id}]
    for item in booking_items(booking):
        when = formats.day_and_time(item_starts_at(item))
        lines.append(f"• {item.service_title}, {when}")
    place = booking.address.get("city") or booking_place(booking)
    if place:
        lines.append(_("Where: %(place)s") % {"place": place})
    return "https://wa.me/?text=" + quote("\n".join(lines))


# Cancel -------------------------------------------------------------------------


@dataclass(frozen=True)
class CancelQuote:
    allowed: bool
    percent: int
    refund_paise: int
    hours_left: float
    # What the policy band gives, and what was refunded (or asked) before.
    policy_paise: int = 0
    refunded_paise: int = 0


def cancel_quote(booking: Booking, *, refunds=None, now=None) -> CancelQuote:
    """Return what cancelling now would refund, from ``CANCEL_REFUND_BANDS``.

    Money already refunded on the booking's payment (a goodwill refund by
    staff, say) counts towards what the band gives: the refund is the band's
    amount minus that, never more than is still refundable. ``refunds``: the
    payment's refunds when the caller has read them already.
    """
    now = now or timezone.now()
    if booking.status not in states.BOOKING_OPEN_STATES:
        return CancelQuote(False, 0, 0, 0)
    hours_left = (booking_starts_at(booking) - now).total_seconds() / 3600
    if hours_left <= 0:
        return CancelQuote(False, 0, 0, hours_left)
    percent = next(
        (p for hours, p in settings.CANCEL_REFUND_BANDS if hours_left >= hours), 0
    )
    policy = booking.total_paise * percent // 100
    if refunds is None:
        left = refundable_paise(booking.payment)
    else:
        asked = sum(r.amount_paise for r in refunds if r.state != Refund.State.FAILED)
        left = max(booking.payment.amount_paise - asked, 0)
    refunded = booking.payment.amount_paise - left
    refund = min(max(policy - refunded, 0), left)
    if refund < 100:
        refund = 0
    return CancelQuote(True, percent, refund, hours_left, policy, refunded)


def cancel_by_customer(*, booking: Booking, user) -> tuple[Booking, Refund | None]:
    """Cancel the customer's own booking and refund what the policy gives back."""
    if booking.user_id != user.pk:
        raise CheckoutError(_("This booking is not yours."))
    quote_now = cancel_quote(booking)
    if not quote_now.allowed:
        raise CheckoutError(
            _("This booking can no longer be cancelled here. Please contact us.")
        )
    return operations.cancel_booking(
        booking=booking,
        actor=user,
        refund_paise=quote_now.refund_paise,
        reason=f"Cancelled by the customer {quote_now.hours_left:.0f} h before the "
        f"puja ({quote_now.percent}% refund under the policy"
        + (
            f", {format_rupees(quote_now.refunded_paise)} refunded before"
            if quote_now.refunded_paise
            else ""
        )
        + ")",
        source="customer",
    )


# Reschedule ----------------------------------------------------------------------


def can_reschedule(booking: Booking, *, now=None) -> bool:
    now = now or timezone.now()
    if booking.status not in states.BOOKING_OPEN_STATES:
        return False
    limit = datetime.timedelta(hours=settings.RESCHEDULE_MIN_HOURS)
    return booking_starts_at(booking) - now >= limit


def reschedule(
    *, booking: Booking, user, item_id: int, date: datetime.date, slot: TimeSlot
) -> BookingItem:
    """Move one puja of the booking to another free slot of the same package.

    Allowed until ``RESCHEDULE_MIN_HOURS`` before the puja, free of charge.
    The slots' rows are locked (as at Pay) while capacity is checked and the
    booked hold moves. Raise CheckoutError when not allowed or full.
    """
    if booking.user_id != user.pk:
        raise CheckoutError(_("This booking is not yours."))
    try:
        storefront_services.validate_booking_date(date)
    except StorefrontError as exc:
        raise CheckoutError(exc.message) from None
    if not slot.is_active:
        raise CheckoutError(_("That time slot is not offered."))
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        item = BookingItem.objects.select_related("slot", "package").get(
            pk=item_id, booking=booking
        )
        if not can_reschedule(booking):
            raise CheckoutError(
                _(
                    "Pujas can be rescheduled here until %(hours)s hours before they "
                    "start. Please contact us."
                )
                % {"hours": settings.RESCHEDULE_MIN_HOURS}
            )
        if item_starts_at(item) - timezone.now() < datetime.timedelta(
            hours=settings.RESCHEDULE_MIN_HOURS
        ):
            raise CheckoutError(_("This puja is too close to be rescheduled here."))
        if (item.date, item.slot_id) == (date, slot.pk):
            raise CheckoutError(_("That is already the date and time of this puja."))
        slots = services._lock_slots({item.slot_id, slot.pk})
        try:
            capacity.check_slot_has_room(
                date=date,
                slot=slots[slot.pk],
                priests=item.priest_count,
                package=item.package,
                address=booking.address,
            )
        except SlotUnavailableError as exc:
            raise CheckoutError(exc.message) from None
        old_hold = SlotHold.objects.select_for_update().get(
            booking=booking,
            date=item.date,
            slot_id=item.slot_id,
            state=SlotHold.State.BOOKED,
        )
        if old_hold.priests > item.priest_count:
            old_hold.priests -= item.priest_count
            old_hold.save(update_fields=["priests"])
            SlotHold.objects.create(
                payment_id=booking.payment_id,
                booking=booking,
                date=date,
                slot=slot,
                priests=item.priest_count,
                state=SlotHold.State.BOOKED,
                expires_at=old_hold.expires_at,
            )
        else:
            old_hold.date = date
            old_hold.slot = slot
            old_hold.save(update_fields=["date", "slot"])
        before = f"{item.date:%d %b %Y} {item.slot_label}"
        item.date = date
        item.slot = slot
        item.slot_label = slot.display
        item.save(update_fields=["date", "slot", "slot_label"])
        booking.first_date = min(i.date for i in booking.items.all())
        booking.save(update_fields=["first_date", "updated_at"])
        # The priest's time moves with the puja, or the priest is freed.
        priest_services.follow_reschedule(booking=booking, item=item, actor=user)
        record_audit(
            source="customer",
            action="booking.rescheduled",
            payment=booking.payment,
            booking=booking,
            from_state=booking.status,
            to_state=booking.status,
            message=f"{item.service_title}: {before} -> {date:%d %b %Y} "
            f"{slot.display}.",
            payload={"item_id": item.pk, "date": date.isoformat(), "slot_id": slot.pk},
            actor=user,
        )
    return item
