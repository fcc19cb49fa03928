"""Reads of checkout's records for staff: queues that need attention and overview counts.

The admin (list filters) and the admin index's overview (``checkout_admin``
template tag) ask the same questions here, so a queue and its count never
disagree.
"""

import datetime
import zoneinfo

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from checkout.models import AuditEntry, Booking, Payment, Refund, WebhookDelivery
from checkout.states import REFUND_OPEN_STATES

#: How far back the overview counts failed and replayed webhook deliveries.
RECENT = datetime.timedelta(hours=24)

#: Bookings that still lie ahead of the business: the puja has to happen.
OPEN_BOOKING_STATES = frozenset({Booking.Status.CONFIRMED, Booking.Status.ASSIGNED})

#: The audit action that marks a failed refund as retried (``operations.retry_refund``).
REFUND_RETRIED = "refund.retried"

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


def unretried_failed_refunds():
    """Failed refunds that nobody has retried yet: the customer still waits for money."""
    return Refund.objects.filter(state=Refund.State.FAILED).exclude(
        Exists(AuditEntry.objects.filter(refund=OuterRef("pk"), action=REFUND_RETRIED))
    )


def _paid_without_booking():
    # A failed refund gives nothing back, so it does not count as one.
    return Q(status=Payment.Status.SUCCESS, booking__isnull=True) & ~Exists(
        Refund.objects.filter(payment=OuterRef("pk")).exclude(state=Refund.State.FAILED)
    )


def _refund_pending():
    return Exists(
        Refund.objects.filter(payment=OuterRef("pk"), state__in=REFUND_OPEN_STATES)
    )


def _refund_failed():
    return Exists(unretried_failed_refunds().filter(payment=OuterRef("pk")))


def paid_without_booking(queryset):
    """Paid payments with neither a booking nor a refund that can still pay the
    customer back: must normally be none."""
    return queryset.filter(_paid_without_booking())


def refund_pending(queryset):
    """Payments with a refund PhonePe has not finished."""
    return queryset.filter(_refund_pending())


def refund_failed(queryset):
    """Payments with a failed refund that has not been retried."""
    return queryset.filter(_refund_failed())


def payment_counts() -> dict:
    """Return how many payments need attention, by queue (1 query)."""
    return Payment.objects.aggregate(
        paid_without_booking=Count("pk", filter=_paid_without_booking()),
        refund_pending=Count("pk", filter=_refund_pending()),
        refund_failed=Count("pk", filter=_refund_failed()),
    )


def _delivery_waiting(now):
    """Accepted but not settled yet (deferred), or left by a process that died."""
    Outcome = WebhookDelivery.Outcome
    return Q(outcome=Outcome.DEFERRED) | Q(
        outcome=Outcome.RECEIVED,
        received_at__lte=now - WebhookDelivery.STUCK_AFTER,
    )


def _delivery_failed(now):
    """Recent authenticated deliveries that did not settle: PhonePe unreachable
    (503, PhonePe resends) or an error."""
    Outcome = WebhookDelivery.Outcome
    return Q(
        outcome__in=[Outcome.RETRY, Outcome.ERROR],
        received_at__gte=now - RECENT,
    )


def webhooks_waiting(queryset, *, now=None):
    return queryset.filter(_delivery_waiting(now or timezone.now()))


def webhooks_failed(queryset, *, now=None):
    return queryset.filter(_delivery_failed(now or timezone.now()))


def webhook_counts(*, now=None) -> dict:
    """Return the inbox's waiting and recently failed deliveries, and recent
    replays by staff (1 query)."""
    now = now or timezone.now()
    counts = WebhookDelivery.objects.aggregate(
        waiting=Count("pk", filter=_delivery_waiting(now)),
        failed=Count("pk", filter=_delivery_failed(now)),
    )
    counts["replayed"] = AuditEntry.objects.filter(
        action="webhook.replayed", created_at__gte=now - RECENT
    ).count()
    return counts
