"""The overview on the admin index: a handful of counts, each linking to its list."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from checkout import selectors
from checkout.models import Payment

register = template.Library()


@register.inclusion_tag("admin/checkout/overview.html", takes_context=True)
def checkout_overview(context):
    """Return the overview cards the signed-in staff member may follow (3 queries)."""
    user = context["request"].user
    cards = []
    if user.has_perm("checkout.view_booking"):
        counts = selectors.booking_counts(today=selectors.kolkata_today())
        bookings = reverse("admin:checkout_booking_changelist")
        cards += [
            {
                "key": "today",
                "label": _("Bookings today"),
                "count": counts["today"],
                "url": f"{bookings}?when=today&status=open",
            },
            {
                "key": "upcoming",
                "label": _("Upcoming bookings"),
                "count": counts["upcoming"],
                "url": f"{bookings}?when=upcoming&status=open",
            },
            {
                "key": "unassigned",
                "label": _("Without a priest"),
                "count": counts["unassigned"],
                "url": f"{bookings}?status=open&assigned=no",
                "alert": True,
            },
        ]
    if user.has_perm("checkout.view_payment"):
        payments = reverse("admin:checkout_payment_changelist")
        cards.append(
            {
                "key": "paid-without-booking",
                "label": _("Paid without booking"),
                "count": selectors.paid_without_booking(Payment.objects.all()).count(),
                "url": f"{payments}?attention=paid_without_booking",
                "alert": True,
            }
        )
        cards.append(
            {
                "key": "refunds-pending",
                "label": _("Refunds pending"),
                "count": selectors.refund_pending(Payment.objects.all()).count(),
                "url": f"{payments}?attention=refund_pending",
            }
        )
    return {"cards": cards}
