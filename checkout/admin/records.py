"""Records kept for the audit trail and for looking up: audit entries, slot holds
and booking items. All read-only.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from checkout.admin.display import ReadOnlyAdminMixin


class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "action",
        "states",
        "source",
        "actor",
        "payment",
        "booking",
        "refund",
        "message",
    )
    list_filter = ("source", "action", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("actor", "payment", "booking", "refund")
    search_fields = (
        "=payment__merchant_order_id",
        "=booking__book_id",
        "=refund__merchant_refund_id",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")

    @admin.display(description=_("state"))
    def states(self, entry):
        return f"{entry.from_state or '·'} → {entry.to_state or '·'}"


class SlotHoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "date",
        "slot",
        "priests",
        "state",
        "payment",
        "booking",
        "expires_at",
    )
    list_filter = ("state", ("date", admin.DateFieldListFilter))
    list_select_related = ("slot", "payment", "booking")
    search_fields = ("=payment__merchant_order_id", "=booking__book_id")


class BookingItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "booking",
        "service_title",
        "package_label",
        "language",
        "date",
        "slot_label",
    )
    list_select_related = ("booking",)
    search_fields = ("=booking__book_id", "service_title")
