"""The staff side of checkout in Django admin: every registration in one place.

Everything here is read-only: no add, no edit, no delete. Staff change a
booking only through actions, and every action goes through
``checkout.operations`` (state checks, audit entry, emails after commit).
Each action and each intermediate page checks its own permission (see
``checkout.roles``), so hiding a button is never the only guard.

- ``bookings``, ``booking_pages``: bookings, their actions and own pages
- ``payments``: payments, refunds and the webhook inbox
- ``records``: audit entries, slot holds, booking items
- ``filters``, ``export``, ``display``: list filters, the CSV, shared pieces
"""

from django.contrib import admin

from checkout.admin.bookings import BookingAdmin
from checkout.admin.payments import PaymentAdmin, RefundAdmin, WebhookDeliveryAdmin
from checkout.admin.records import AuditEntryAdmin, BookingItemAdmin, SlotHoldAdmin
from checkout.models import (
    AuditEntry,
    Booking,
    BookingItem,
    Payment,
    Refund,
    SlotHold,
    WebhookDelivery,
)

admin.site.register(Booking, BookingAdmin)
admin.site.register(Payment, PaymentAdmin)
admin.site.register(Refund, RefundAdmin)
admin.site.register(WebhookDelivery, WebhookDeliveryAdmin)
admin.site.register(AuditEntry, AuditEntryAdmin)
admin.site.register(SlotHold, SlotHoldAdmin)
admin.site.register(BookingItem, BookingItemAdmin)
