"""The overview on the admin index: a handful of counts, each linking to its list."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout import selectors

register = template.Library()


@register.inclusion_tag("admin/checkout/overview.html", takes_context=True)
def checkout_overview(context):
    """Return the overview cards the signed-in staff member may follow (4 queries)."""
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
        counts = selectors.payment_counts()
        cards += [
            {
                "key": "paid-without-booking",
                "label": _("Paid without booking"),
                "count": counts["paid_without_booking"],
                "url": f"{payments}?attention=paid_without_booking",
                "alert": True,
            },
            {
                "key": "refunds-pending",
                "label": _("Refunds pending"),
                "count": counts["refund_pending"],
                "url": f"{payments}?attention=refund_pending",
            },
            {
                "key": "refunds-failed",
                "label": _("Refunds failed"),
                "count": counts["refund_failed"],
                "url": f"{payments}?attention=refund_failed",
                "alert": True,
            },
        ]
    if user.has_perm("checkout.view_webhookdelivery"):
        inbox = reverse("admin:checkout_webhookdelivery_changelist")
        counts = selectors.webhook_counts()
        cards += [
            {
                "key": "webhooks-waiting",
                "label": _("Webhooks waiting to settle"),
                "count": counts["waiting"],
                "url": f"{inbox}?attention=waiting",
                "alert": True,
            },
            {
                "key": "webhooks-failed",
                "label": _("Webhooks failed (24 h)"),
                "count": counts["failed"],
                "url": f"{inbox}?attention=failed",
            },
        ]
        if user.has_perm("checkout.view_auditentry"):
            audit = reverse("admin:checkout_auditentry_changelist")
            cards.append(
                {
                    "key": "webhooks-replayed",
                    "label": _("Webhooks replayed (24 h)"),
                    "count": counts["replayed"],
                    "url": audit
                    + "?"
                    + urlencode(
                        {
                            "action": "webhook.replayed",
                            "created_at__gte": (
                                timezone.now() - selectors.RECENT
                            ).isoformat(timespec="seconds"),
                        }
                    ),
                }
            )
    return {"cards": cards}
