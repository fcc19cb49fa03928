"""Reads of checkout's records for staff: queues that need attention and overview counts.

The admin (list filters) and the admin index's overview (``checkout_admin``
template tag) ask the same questions here, so a queue and its count never
disagree.
"""

import datetime
import zoneinfo

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from checkout.models import Booking, Payment, Refund
from checkout.states import REFUND_OPEN_STATES

#: Bookings that still lie ahead of the business: the puja has to happen.
OPEN_BOOKING_STATES = frozenset({Booking.Status.CONFIRMED, Booking.Status.ASSIGNED})

KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")


def kolkata_today() -> datetime.date:
    """Return today's date in India, whatever the server's time zone."""
    return timezone.localdate(timezone=KOLKATA)


def booking_counts(*, today: datetime.date) -> dict:
    """Return the open bookings of ``today``, after it, and without a priest (1 query)."""
    open_ = Q(status__in=OPEN_BOOKING_STATES)
    return Booking.objects.aggregate(
        today=Count("pk", filter=open_ & Q(first_date=today)),
        upcoming=Count("pk", filter=open_ & Q(first_date__gt=today)),
        unassigned=Count("pk", filter=open_ & Q(assigned_priest__isnull=True)),
    )


def paid_without_booking(queryset):
    """Paid payments with neither a booking nor a refund: must normally be none."""
    return queryset.filter(status=Payment.Status.SUCCESS, booking__isnull=True).exclude(
        Exists(Refund.objects.filter(payment=OuterRef("pk")))
    )


def refund_pending(queryset):
    """Payments with a refund PhonePe has not finished."""
    return queryset.filter(
        Exists(
            Refund.objects.filter(payment=OuterRef("pk"), state__in=REFUND_OPEN_STATES)
        )
    )
