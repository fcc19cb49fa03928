"""The bookings CSV export: streamed, safe to open in a spreadsheet."""

import csv

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.utils import timezone

from checkout.models import Refund
from storefront.money import rupees_str

CSV_HEADER = [
    "book_id",
    "status",
    "customer",
    "email",
    "phone",
    "services",
    "first_date",
    "slots",
    "priest",
    "total_rupees",
    "refunded_rupees",
    "merchant_order_id",
    "created_at",
]


def csv_safe(value):
    """Keep spreadsheet apps from running cells as formulas."""
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


class _Echo:
    """A file-like object whose ``write`` returns the line, for streaming."""

    def write(self, value):
        return value


def booking_rows(queryset):
    """Yield the CSV lines (header first) of the bookings in ``queryset``."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    queryset = queryset.select_related(
        "user", "assigned_priest", "payment"
    ).prefetch_related(
        "items",
        Prefetch("refunds", queryset=Refund.objects.exclude(state=Refund.State.FAILED)),
    )
    for booking in queryset.iterator(chunk_size=500):
        refunded = sum(refund.amount_paise for refund in booking.refunds.all())
        items = list(booking.items.all())
        row = [
            booking.book_id,
            booking.get_status_display(),
            booking.user.get_full_name(),
            booking.user.email,
            booking.user.phone,
            "; ".join(item.service_title for item in items),
            booking.first_date.isoformat(),
            "; ".join(f"{item.date.isoformat()} {item.slot_label}" for item in items),
            booking.assigned_priest.email if booking.assigned_priest else "",
            rupees_str(booking.total_paise),
            rupees_str(refunded),
            booking.payment.merchant_order_id,
            timezone.localtime(booking.created_at).isoformat(timespec="seconds"),
        ]
        yield writer.writerow([csv_safe(value) for value in row])


def bookings_csv_response(queryset):
    """Return a streamed ``okpuja-bookings-<stamp>.csv`` download of ``queryset``."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(booking_rows(queryset), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="okpuja-bookings-{stamp}.csv"'
    )
    return response
