"""Bookings in the admin: the list, the detail page and the bulk actions.

Bookings are read-only; staff change them only through actions and the
intermediate pages (``booking_pages``), each of which goes through
``checkout.operations`` and checks its own permission.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from checkout import operations, refunds
from checkout.admin.booking_pages import BookingPagesMixin
from checkout.admin.display import admin_link, audit_table, refunds_table
from checkout.admin.export import bookings_csv_response
from checkout.admin.filters import (
    AssignedFilter,
    BookingStatusFilter,
    ServiceFilter,
    WhenFilter,
)
from checkout.errors import CheckoutError
from checkout.models import AuditEntry, Booking, BookingItem, Invoice, Refund
from checkout.selectors import OPEN_BOOKING_STATES
from checkout.selfservice import sankalp_text
from checkout.states import REFUND_OPEN_STATES
from storefront.india import format_mobile, format_rupees


class BookingItemInline(admin.TabularInline):
    model = BookingItem
    extra = 0
    can_delete = False
    fields = (
        "service_title",
        "package_label",
        "language",
        "date",
        "slot_label",
        "priest_count",
        "price",
        "sankalp_details",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("price"))
    def price(self, item):
        return format_rupees(item.price_paise)

    @admin.display(description=_("sankalp"))
    def sankalp_details(self, item):
        return sankalp_text(item.sankalp)


class BookingAdmin(BookingPagesMixin, admin.ModelAdmin):
    list_display = (
        "book_id",
        "customer",
        "services",
        "first_date",
        "slots",
        "status",
        "assigned_priest",
        "amount",
        "refund_state",
    )
    list_display_links = ("book_id",)
    list_filter = (BookingStatusFilter, WhenFilter, ServiceFilter, AssignedFilter)
    list_select_related = ("user", "assigned_priest", "payment")
    search_fields = (
        "=book_id",
        "user__email",
        "user__phone",
        "=payment__merchant_order_id",
    )
    search_help_text = _(
        "Book id (BK-…), customer email or mobile, or PhonePe order id."
    )
    date_hierarchy = "first_date"
    ordering = ("-created_at",)
    # The site's booking page is the customer's own; staff stay in the admin.
    view_on_site = False
    list_per_page = 50
    inlines = [BookingItemInline]
    actions = [
        "assign_priest_action",
        "complete_action",
        "cancel_action",
        "resend_confirmation_action",
        "recheck_refunds_action",
        "export_csv_action",
    ]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "book_id",
                    "status",
                    "assigned_priest",
                    "customer_details",
                    "first_date",
                    "created_at",
                )
            },
        ),
        (_("Where"), {"fields": ("address_display",)}),
        (_("Money"), {"fields": ("amount_breakdown", "payment_link", "refundable")}),
        (_("Refunds"), {"fields": ("refunds_display",)}),
        (_("Tax documents"), {"fields": ("documents_display",)}),
        (_("Audit trail"), {"fields": ("audit_display",)}),
    )
    readonly_fields = (
        "book_id",
        "status",
        "assigned_priest",
        "customer_details",
        "first_date",
        "created_at",
        "address_display",
        "amount_breakdown",
        "payment_link",
        "refundable",
        "refunds_display",
        "documents_display",
        "audit_display",
    )

    # Permissions: bookings are read-only forms; changes go through actions.

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_assign_priest_permission(self, request):
        return request.user.has_perm("checkout.assign_priest")

    def has_complete_booking_permission(self, request):
        return request.user.has_perm("checkout.complete_booking")

    def has_cancel_booking_permission(self, request):
        return request.user.has_perm("checkout.cancel_booking")

    def has_resend_confirmation_permission(self, request):
        return request.user.has_perm("checkout.resend_confirmation")

    def has_recheck_payment_permission(self, request):
        return request.user.has_perm("checkout.recheck_payment")

    def has_export_bookings_permission(self, request):
        return request.user.has_perm("checkout.export_bookings")

    # Lists

    def get_queryset(self, request):
        latest_refund = Refund.objects.filter(booking=OuterRef("pk")).order_by(
            "-created_at"
        )
        return (
            super()
            .get_queryset(request)
            .select_related("user", "assigned_priest", "payment")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=BookingItem.objects.only(
                        "booking_id", "service_title", "date", "slot_label", "slot_id"
                    ).order_by("date", "slot__start_time", "pk"),
                )
            )
            .annotate(latest_refund_state=Subquery(latest_refund.values("state")[:1]))
        )

    @admin.display(description=_("customer"), ordering="user__email")
    def customer(self, booking):
        user = booking.user
        name = user.get_full_name()
        if name:
            return format_html("{}<br><small>{}</small>", name, user.email)
        return user.email

    @admin.display(description=_("services"))
    def services(self, booking):
        return ", ".join(
            dict.fromkeys(item.service_title for item in booking.items.all())
        )

    @admin.display(description=_("slot"))
    def slots(self, booking):
        labels = [
            f"{item.slot_label}"
            if item.date == booking.first_date
            else f"{item.date:%d %b} {item.slot_label}"
            for item in booking.items.all()
        ]
        return ", ".join(dict.fromkeys(labels))

    @admin.display(description=_("amount"), ordering="total_paise")
    def amount(self, booking):
        return format_rupees(booking.total_paise)

    @admin.display(description=_("refund"))
    def refund_state(self, booking):
        state = getattr(booking, "latest_refund_state", None)
        if not state:
            return "—"
        return Refund.State(state).label

    # Detail

    @admin.display(description=_("customer"))
    def customer_details(self, booking):
        user = booking.user
        return format_html(
            "{}<br>{}<br>{}",
            user.get_full_name() or "—",
            user.email,
            format_mobile(user.phone) or "—",
        )

    @admin.display(description=_("address"))
    def address_display(self, booking):
        address = booking.address or {}
        lines = address.get("lines") or [
            address.get("full_name", ""),
            format_mobile(address.get("phone", "")),
        ]
        # The snapshot's lines already hold the name and the mobile number.
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description=_("amount"))
    def amount_breakdown(self, booking):
        if booking.discount_paise:
            return format_html(
                "{} − {} ({}) = <strong>{}</strong>",
                format_rupees(booking.subtotal_paise),
                format_rupees(booking.discount_paise),
                booking.promo_code or _("promo"),
                format_rupees(booking.total_paise),
            )
        return format_html("<strong>{}</strong>", format_rupees(booking.total_paise))

    @admin.display(description=_("payment"))
    def payment_link(self, booking):
        payment = booking.payment
        return format_html(
            "{} — {} ({})",
            admin_link(payment, payment.merchant_order_id),
            payment.get_status_display(),
            format_rupees(payment.amount_paise),
        )

    @admin.display(description=_("still refundable"))
    def refundable(self, booking):
        return format_rupees(refunds.refundable_paise(booking.payment))

    @admin.display(description=_("refunds"))
    def refunds_display(self, booking):
        return refunds_table(list(booking.refunds.order_by("created_at")))

    @admin.display(description=_("tax documents"))
    def documents_display(self, booking):
        """The invoice and credit notes with download links (PDF in the
        customer's language)."""
        invoice = Invoice.objects.filter(booking=booking).first()
        invoice_url = reverse("admin:checkout_booking_invoice", args=[booking.pk])
        if invoice is None:
            return format_html(
                '{} <a href="{}">{}</a>',
                _("Invoice not issued yet."),
                invoice_url,
                _("Issue and download"),
            )
        rows = [
            (
                invoice_url,
                _("Tax invoice"),
                invoice.number,
                format_rupees(booking.total_paise),
                timezone.localtime(invoice.issued_at).strftime("%d %b %Y"),
                "",
            )
        ]
        for note in invoice.credit_notes.select_related("refund").order_by("pk"):
            rows.append(
                (
                    reverse(
                        "admin:checkout_booking_credit_note",
                        args=[booking.pk, note.pk],
                    ),
                    _("Credit note"),
                    note.number,
                    format_rupees(note.amount_paise),
                    timezone.localtime(note.issued_at).strftime("%d %b %Y"),
                    note.refund.merchant_refund_id,
                )
            )
        body = format_html_join(
            "",
            '<tr><td>{}</td><td><a href="{}" data-testid="document-pdf">{}</a></td>'
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (kind, url, number, amount, issued, refund)
                for url, kind, number, amount, issued, refund in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("document"),
            _("number (PDF)"),
            _("amount"),
            _("issued"),
            _("refund"),
            body,
        )

    @admin.display(description=_("audit trail"))
    def audit_display(self, booking):
        entries = (
            AuditEntry.objects.filter(
                Q(booking=booking) | Q(payment_id=booking.payment_id)
            )
            .select_related("actor")
            .order_by("created_at", "pk")
        )
        return audit_table(list(entries))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        booking = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {})}
        if booking is not None:
            is_open = booking.status in OPEN_BOOKING_STATES
            extra_context["booking_tools"] = {
                "assign": is_open and self.has_assign_priest_permission(request),
                "complete": is_open and self.has_complete_booking_permission(request),
                "cancel": is_open and self.has_cancel_booking_permission(request),
                "resend": booking.status != Booking.Status.CANCELLED
                and self.has_resend_confirmation_permission(request),
                "recheck_refunds": self.has_recheck_payment_permission(request)
                and booking.refunds.filter(state__in=REFUND_OPEN_STATES).exists(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": self.has_export_bookings_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # Actions

    def _report(self, request, done, errors, success_message):
        if done:
            self.message_user(
                request, success_message % {"count": done}, messages.SUCCESS
            )
        for error in errors:
            self.message_user(request, error, messages.ERROR)

    @admin.action(description=_("Assign a priest"), permissions=["assign_priest"])
    def assign_priest_action(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(
            reverse("admin:checkout_booking_assign") + "?" + urlencode({"ids": ids})
        )

    @admin.action(description=_("Mark completed"), permissions=["complete_booking"])
    def complete_action(self, request, queryset):
        done, errors = 0, []
        for booking in queryset:
            try:
                operations.complete_booking(booking=booking, actor=request.user)
                done += 1
            except CheckoutError as exc:
                errors.append(exc.message)
        self._report(request, done, errors, _("%(count)s booking(s) marked completed."))

    @admin.action(description=_("Cancel with refund"), permissions=["cancel_booking"])
    def cancel_action(self, request, queryset):
        bookings = list(queryset[:2])
        if len(bookings) != 1:
            self.message_user(
                request,
                _("Cancel one booking at a time (choose exactly one)."),
                messages.WARNING,
            )
            return None
        return HttpResponseRedirect(
            reverse("admin:checkout_booking_cancel", args=[bookings[0].pk])
        )

    @admin.action(
        description=_("Resend the confirmation email"),
        permissions=["resend_confirmation"],
    )
    def resend_confirmation_action(self, request, queryset):
        done, errors = 0, []
        for booking in queryset:
            try:
                operations.resend_confirmation(booking=booking, actor=request.user)
                done += 1
            except CheckoutError as exc:
                errors.append(exc.message)
        self._report(
            request,
            done,
            errors,
            _("Confirmation sent again for %(count)s booking(s)."),
        )

    @admin.action(
        description=_("Re-check refunds with PhonePe"), permissions=["recheck_payment"]
    )
    def recheck_refunds_action(self, request, queryset):
        done, errors = 0, []
        refunds = Refund.objects.filter(booking__in=queryset).select_related(
            "payment", "booking"
        )
        for refund in refunds:
            try:
                operations.recheck_refund(refund=refund, actor=request.user)
                done += 1
            except CheckoutError as exc:
                errors.append(exc.message)
        if not done and not errors:
            self.message_user(
                request, _("The chosen bookings have no refunds."), messages.INFO
            )
        self._report(
            request, done, errors, _("%(count)s refund(s) re-checked with PhonePe.")
        )

    @admin.action(description=_("Export as CSV"), permissions=["export_bookings"])
    def export_csv_action(self, request, queryset):
        return bookings_csv_response(queryset)
