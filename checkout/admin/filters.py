"""List filters of the booking and payment lists."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from checkout import selectors
from checkout.models import Booking, BookingItem
from storefront.models import Service


class WhenFilter(admin.SimpleListFilter):
    """Puja date relative to today in India."""

    title = _("puja date")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("today", _("Today")),
            ("upcoming", _("Upcoming (from tomorrow)")),
            ("past", _("Past")),
        ]

    def queryset(self, request, queryset):
        today = selectors.kolkata_today()
        match self.value():
            case "today":
                return queryset.filter(first_date=today)
            case "upcoming":
                return queryset.filter(first_date__gt=today)
            case "past":
                return queryset.filter(first_date__lt=today)
        return queryset


class BookingStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("Open (confirmed or assigned)")), *Booking.Status.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.filter(status__in=selectors.OPEN_BOOKING_STATES)
        if value in Booking.Status.values:
            return queryset.filter(status=value)
        return queryset


class ServiceFilter(admin.SimpleListFilter):
    title = _("service")
    parameter_name = "service"

    def lookups(self, request, model_admin):
        return [
            (str(pk), title) for pk, title in Service.objects.values_list("pk", "title")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not (value.isascii() and value.isdigit()):
            return queryset.none()
        return queryset.filter(
            Exists(
                BookingItem.objects.filter(
                    booking=OuterRef("pk"), package__service_id=value
                )
            )
        )


class AssignedFilter(admin.SimpleListFilter):
    title = _("priest")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("yes", _("Assigned")), ("no", _("Not assigned"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(assigned_priest__isnull=False)
        if self.value() == "no":
            return queryset.filter(assigned_priest__isnull=True)
        return queryset


class WebhookAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Waiting to settle")),
            ("failed", _("Failed (last 24 h)")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "waiting":
                return selectors.webhooks_waiting(queryset)
            case "failed":
                return selectors.webhooks_failed(queryset)
        return queryset


class PaymentAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("paid_without_booking", _("Paid without booking")),
            ("refund_pending", _("Refund pending")),
            ("refund_failed", _("Refund failed")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "paid_without_booking":
                return selectors.paid_without_booking(queryset)
            case "refund_pending":
                return selectors.refund_pending(queryset)
            case "refund_failed":
                return selectors.refund_failed(queryset)
        return queryset
