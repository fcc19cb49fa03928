"""The staff side of checkout in Django admin.

Everything here is read-only: no add, no edit, no delete. Staff change a
booking only through actions, and every action goes through
``checkout.operations`` (state checks, audit entry, emails after commit).
Each action and each intermediate page checks its own permission (see
``checkout.roles``), so hiding a button is never the only guard.
"""

import csv
import datetime
import json
import zoneinfo
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.http import (
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checkout import operations, refunds, services
from checkout.models import (
    AuditEntry,
    Booking,
    BookingItem,
    Payment,
    Refund,
    SlotHold,
    WebhookDelivery,
)
from checkout.roles import PRIESTS
from storefront.india import format_mobile, format_rupees
from storefront.models import Service, User

OPEN_BOOKING_STATES = [Booking.Status.CONFIRMED, Booking.Status.ASSIGNED]
OPEN_REFUND_STATES = [
    Refund.State.REQUESTED,
    Refund.State.PENDING,
    Refund.State.CONFIRMED,
]


KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")


def kolkata_today() -> datetime.date:
    """Return today's date in India, whatever the server's time zone."""
    return timezone.localdate(timezone=KOLKATA)


class ReadOnlyAdminMixin:
    """No add, change or delete: rows change only through services and actions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _admin_link(obj, label=None):
    """Link to ``obj``'s admin page (which checks its own permission)."""
    if obj is None:
        return "—"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html(
        '<a href="{}">{}</a>', url, label if label is not None else str(obj)
    )


def _refunds_table(refunds):
    if not refunds:
        return _("No refunds.")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td><strong class='refund-state refund-{}'>{}</strong></td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                refund.merchant_refund_id,
                format_rupees(refund.amount_paise),
                refund.state,
                refund.get_state_display(),
                refund.get_reason_display(),
                refund.note,
                timezone.localtime(refund.created_at).strftime("%d %b %Y %H:%M"),
            )
            for refund in refunds
        ),
    )
    return format_html(
        '<table class="refunds"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
        "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("Refund"),
        _("Amount"),
        _("State"),
        _("Reason"),
        _("Note"),
        _("Requested"),
        rows,
    )


def _audit_table(entries):
    if not entries:
        return _("No entries.")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                timezone.localtime(entry.created_at).strftime("%d %b %Y %H:%M:%S"),
                entry.action,
                f"{entry.from_state or '·'} → {entry.to_state or '·'}",
                entry.source,
                entry.actor or "—",
                entry.message,
            )
            for entry in entries
        ),
    )
    return format_html(
        '<table class="audit"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
        "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("When"),
        _("What"),
        _("State"),
        _("Source"),
        _("Who"),
        _("Details"),
        rows,
    )


def _csv_safe(value):
    """Keep spreadsheet apps from running cells as formulas."""
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


# Bookings -------------------------------------------------------------------


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
        today = kolkata_today()
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
            return queryset.filter(status__in=OPEN_BOOKING_STATES)
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
        if not value.isdigit():
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


class AssignPriestForm(forms.Form):
    priest = forms.ModelChoiceField(
        label=_("Priest"),
        queryset=User.objects.none(),
        empty_label=_("Choose a priest"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priest"].queryset = User.objects.filter(
            is_active=True, is_staff=True, groups__name=PRIESTS
        ).order_by("first_name", "last_name", "email")
        self.fields["priest"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.email} ({user.email})"
        )


class CancelBookingForm(forms.Form):
    refund_amount = forms.CharField(
        label=_("Refund (₹)"),
        max_length=20,
        help_text=_("In rupees, e.g. 1499.50. 0 cancels without a refund."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept in the audit trail and sent to PhonePe with the refund."),
    )

    def __init__(self, *args, refundable_paise, **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable_paise = refundable_paise

    def clean_refund_amount(self):
        try:
            paise = operations.parse_rupees(self.cleaned_data["refund_amount"])
        except services.CheckoutError as exc:
            raise forms.ValidationError(exc.message) from None
        if 0 < paise < 100:
            raise forms.ValidationError(_("A refund must be at least ₹1.00."))
        if paise > self.refundable_paise:
            raise forms.ValidationError(
                _("At most %(left)s can be refunded.")
                % {"left": format_rupees(self.refundable_paise)}
            )
        return paise


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
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

    def _require(self, request, *perms):
        if not self.has_view_permission(request) or not all(
            getattr(self, f"has_{perm}_permission")(request) for perm in perms
        ):
            raise PermissionDenied

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
            _admin_link(payment, payment.merchant_order_id),
            payment.get_status_display(),
            format_rupees(payment.amount_paise),
        )

    @admin.display(description=_("still refundable"))
    def refundable(self, booking):
        return format_rupees(refunds.refundable_paise(booking.payment))

    @admin.display(description=_("refunds"))
    def refunds_display(self, booking):
        return _refunds_table(list(booking.refunds.order_by("created_at")))

    @admin.display(description=_("audit trail"))
    def audit_display(self, booking):
        entries = (
            AuditEntry.objects.filter(
                Q(booking=booking) | Q(payment_id=booking.payment_id)
            )
            .select_related("actor")
            .order_by("created_at", "pk")
        )
        return _audit_table(list(entries))

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
                and booking.refunds.filter(state__in=OPEN_REFUND_STATES).exists(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": self.has_export_bookings_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # URLs of the intermediate pages and the detail-page buttons

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("assign/", wrap(self.assign_view), name=f"{prefix}_assign"),
            path("export/", wrap(self.export_view), name=f"{prefix}_export"),
            path(
                "<path:object_id>/cancel/",
                wrap(self.cancel_view),
                name=f"{prefix}_cancel",
            ),
            path(
                "<path:object_id>/complete/",
                wrap(self.complete_view),
                name=f"{prefix}_complete",
            ),
            path(
                "<path:object_id>/resend/",
                wrap(self.resend_view),
                name=f"{prefix}_resend",
            ),
            path(
                "<path:object_id>/recheck-refunds/",
                wrap(self.recheck_refunds_view),
                name=f"{prefix}_recheck_refunds",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, booking):
        return reverse("admin:checkout_booking_change", args=[booking.pk])

    def _report(self, request, done, errors, success_message):
        if done:
            self.message_user(
                request, success_message % {"count": done}, messages.SUCCESS
            )
        for error in errors:
            self.message_user(request, error, messages.ERROR)

    def assign_view(self, request):
        self._require(request, "assign_priest")
        source = request.POST if request.method == "POST" else request.GET
        ids = [value for value in source.get("ids", "").split(",") if value.isdigit()]
        bookings = list(
            Booking.objects.filter(pk__in=ids).select_related("user", "assigned_priest")
        )
        if not bookings:
            self.message_user(
                request, _("Choose at least one booking."), messages.WARNING
            )
            return HttpResponseRedirect(reverse("admin:checkout_booking_changelist"))
        form = AssignPriestForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            priest = form.cleaned_data["priest"]
            done, errors = 0, []
            for booking in bookings:
                try:
                    operations.assign_priest(
                        booking=booking, priest=priest, actor=request.user
                    )
                    done += 1
                except services.CheckoutError as exc:
                    errors.append(exc.message)
            if done:
                self.message_user(
                    request,
                    _(
                        "%(priest)s assigned to %(count)s booking(s); customer and priest emailed."
                    )
                    % {"priest": priest.get_full_name() or priest.email, "count": done},
                    messages.SUCCESS,
                )
            for error in errors:
                self.message_user(request, error, messages.ERROR)
            if len(bookings) == 1:
                return HttpResponseRedirect(self._change_url(bookings[0]))
            return HttpResponseRedirect(reverse("admin:checkout_booking_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Assign a priest"),
            "bookings": bookings,
            "ids": ",".join(str(booking.pk) for booking in bookings),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/checkout/booking/assign_priest.html", context
        )

    def cancel_view(self, request, object_id):
        self._require(request, "cancel_booking")
        booking = get_object_or_404(
            Booking.objects.select_related("user", "payment", "assigned_priest"),
            pk=unquote(object_id),
        )
        if booking.status not in OPEN_BOOKING_STATES:
            self.message_user(
                request,
                _("%(book_id)s is %(status)s; it cannot be cancelled.")
                % {
                    "book_id": booking.book_id,
                    "status": booking.get_status_display().lower(),
                },
                messages.ERROR,
            )
            return HttpResponseRedirect(self._change_url(booking))
        refundable = refunds.refundable_paise(booking.payment)
        if request.method == "POST":
            form = CancelBookingForm(request.POST, refundable_paise=refundable)
            if form.is_valid():
                try:
                    booking, refund = operations.cancel_booking(
                        booking=booking,
                        actor=request.user,
                        refund_paise=form.cleaned_data["refund_amount"],
                        reason=form.cleaned_data["reason"],
                    )
                except services.CheckoutError as exc:
                    form.add_error(None, exc.message)
                else:
                    if refund is None:
                        message = _("%(book_id)s cancelled without a refund.") % {
                            "book_id": booking.book_id
                        }
                    else:
                        message = _(
                            "%(book_id)s cancelled. Refund %(refund)s of %(amount)s: %(state)s."
                        ) % {
                            "book_id": booking.book_id,
                            "refund": refund.merchant_refund_id,
                            "amount": format_rupees(refund.amount_paise),
                            "state": refund.get_state_display(),
                        }
                    level = messages.SUCCESS
                    if refund is not None and refund.state == Refund.State.FAILED:
                        level = messages.ERROR
                    self.message_user(request, message, level)
                    return HttpResponseRedirect(self._change_url(booking))
        else:
            form = CancelBookingForm(
                initial={
                    "refund_amount": f"{refundable // 100}.{refundable % 100:02d}"
                },
                refundable_paise=refundable,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Cancel %(book_id)s") % {"book_id": booking.book_id},
            "booking": booking,
            "original": booking,
            "refundable": format_rupees(refundable),
            "paid": format_rupees(booking.payment.amount_paise),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/checkout/booking/cancel_booking.html", context
        )

    def _single_booking_post(self, request, object_id, perm, operation, success):
        """Run one staff operation on one booking from a POST button; PRG back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._require(request, perm)
        booking = get_object_or_404(Booking, pk=unquote(object_id))
        try:
            operation(booking=booking, actor=request.user)
        except services.CheckoutError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request, success % {"book_id": booking.book_id}, messages.SUCCESS
            )
        return HttpResponseRedirect(self._change_url(booking))

    @staticmethod
    def _recheck_booking_refunds(*, booking, actor):
        refunds = list(booking.refunds.order_by("created_at"))
        if not refunds:
            raise services.CheckoutError(_("This booking has no refunds."))
        for refund in refunds:
            operations.recheck_refund(refund=refund, actor=actor)

    def complete_view(self, request, object_id):
        return self._single_booking_post(
            request,
            object_id,
            "complete_booking",
            operations.complete_booking,
            _("%(book_id)s marked completed."),
        )

    def resend_view(self, request, object_id):
        return self._single_booking_post(
            request,
            object_id,
            "resend_confirmation",
            operations.resend_confirmation,
            _("Confirmation for %(book_id)s sent again."),
        )

    def recheck_refunds_view(self, request, object_id):
        return self._single_booking_post(
            request,
            object_id,
            "recheck_payment",
            self._recheck_booking_refunds,
            _("Refunds of %(book_id)s re-checked with PhonePe."),
        )

    def export_view(self, request):
        self._require(request, "export_bookings")
        changelist = self.get_changelist_instance(request)
        return self._csv_response(changelist.get_queryset(request))

    # Actions

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
            except services.CheckoutError as exc:
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
            except services.CheckoutError as exc:
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
            except services.CheckoutError as exc:
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
        return self._csv_response(queryset)

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

    def _csv_rows(self, queryset):
        writer = csv.writer(_Echo())
        yield writer.writerow(self.CSV_HEADER)
        queryset = queryset.select_related(
            "user", "assigned_priest", "payment"
        ).prefetch_related(
            "items",
            Prefetch(
                "refunds", queryset=Refund.objects.exclude(state=Refund.State.FAILED)
            ),
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
                "; ".join(
                    f"{item.date.isoformat()} {item.slot_label}" for item in items
                ),
                booking.assigned_priest.email if booking.assigned_priest else "",
                f"{booking.total_paise // 100}.{booking.total_paise % 100:02d}",
                f"{refunded // 100}.{refunded % 100:02d}",
                booking.payment.merchant_order_id,
                timezone.localtime(booking.created_at).isoformat(timespec="seconds"),
            ]
            yield writer.writerow([_csv_safe(value) for value in row])

    def _csv_response(self, queryset):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(
            self._csv_rows(queryset), content_type="text/csv"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="okpuja-bookings-{stamp}.csv"'
        )
        return response


# Payments -------------------------------------------------------------------


class PaymentAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("paid_without_booking", _("Paid without booking")),
            ("refund_pending", _("Refund pending")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "paid_without_booking":
                return paid_without_booking(queryset)
            case "refund_pending":
                return refund_pending(queryset)
        return queryset


def paid_without_booking(queryset):
    """Paid payments with neither a booking nor a refund: must normally be none."""
    return queryset.filter(status=Payment.Status.SUCCESS, booking__isnull=True).exclude(
        Exists(Refund.objects.filter(payment=OuterRef("pk")))
    )


def refund_pending(queryset):
    """Payments with a refund PhonePe has not finished."""
    return queryset.filter(
        Exists(
            Refund.objects.filter(payment=OuterRef("pk"), state__in=OPEN_REFUND_STATES)
        )
    )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "merchant_order_id",
        "customer",
        "amount",
        "status",
        "resolution",
        "booking_link",
        "gateway_state",
        "created_at",
    )
    list_filter = (
        PaymentAttentionFilter,
        "status",
        "resolution",
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("user", "booking")
    search_fields = (
        "=merchant_order_id",
        "user__email",
        "user__phone",
        "=booking__book_id",
    )
    date_hierarchy = "created_at"
    actions = ["recheck_action"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "merchant_order_id",
                    "customer",
                    "amount",
                    "status",
                    "resolution",
                    "failure_reason",
                    "booking_link",
                )
            },
        ),
        (
            _("PhonePe"),
            {
                "fields": (
                    "gateway_order_id",
                    "gateway_state",
                    "gateway_error_code",
                    "expires_at",
                    "hold_until",
                    "next_check_at",
                    "last_checked_at",
                    "check_count",
                )
            },
        ),
        (_("Refunds"), {"fields": ("refunds_display",)}),
        (_("Snapshot at pay time"), {"fields": ("snapshot_display",)}),
        (_("Audit trail"), {"fields": ("audit_display",)}),
    )
    readonly_fields = (
        "merchant_order_id",
        "customer",
        "amount",
        "status",
        "resolution",
        "failure_reason",
        "booking_link",
        "gateway_order_id",
        "gateway_state",
        "gateway_error_code",
        "expires_at",
        "hold_until",
        "next_check_at",
        "last_checked_at",
        "check_count",
        "refunds_display",
        "snapshot_display",
        "audit_display",
    )

    def has_recheck_payment_permission(self, request):
        return request.user.has_perm("checkout.recheck_payment")

    @admin.display(description=_("customer"), ordering="user__email")
    def customer(self, payment):
        return payment.user.email

    @admin.display(description=_("amount"), ordering="amount_paise")
    def amount(self, payment):
        return format_rupees(payment.amount_paise)

    @admin.display(description=_("booking"))
    def booking_link(self, payment):
        booking = getattr(payment, "booking", None)
        if booking is None:
            return "—"
        return _admin_link(booking, booking.book_id)

    @admin.display(description=_("refunds"))
    def refunds_display(self, payment):
        return _refunds_table(list(payment.refunds.order_by("created_at")))

    @admin.display(description=_("snapshot"))
    def snapshot_display(self, payment):
        return format_html(
            "<pre>{}</pre>", json.dumps(payment.snapshot, indent=2, ensure_ascii=False)
        )

    @admin.display(description=_("audit trail"))
    def audit_display(self, payment):
        return _audit_table(
            list(
                payment.audit_entries.select_related("actor").order_by(
                    "created_at", "pk"
                )
            )
        )

    @admin.action(
        description=_("Re-check with PhonePe"), permissions=["recheck_payment"]
    )
    def recheck_action(self, request, queryset):
        changed, errors = 0, []
        for payment in queryset:
            before = (payment.status, payment.resolution)
            try:
                payment = operations.recheck_payment(
                    payment=payment, actor=request.user
                )
            except services.CheckoutError as exc:
                errors.append(exc.message)
                continue
            if (payment.status, payment.resolution) != before:
                changed += 1
        total = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(total)s payment re-checked with PhonePe; %(changed)s changed.",
                "%(total)s payments re-checked with PhonePe; %(changed)s changed.",
                total,
            )
            % {"total": total - len(errors), "changed": changed},
            messages.SUCCESS,
        )
        for error in errors:
            self.message_user(request, error, messages.ERROR)


# Refunds, webhooks, audit, holds, items ------------------------------------


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "merchant_refund_id",
        "payment",
        "booking",
        "amount",
        "state",
        "reason",
        "created_by",
        "created_at",
        "updated_at",
    )
    list_filter = ("state", "reason", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("payment", "booking", "created_by")
    search_fields = (
        "=merchant_refund_id",
        "=payment__merchant_order_id",
        "=booking__book_id",
    )
    actions = ["recheck_action"]

    def has_recheck_payment_permission(self, request):
        return request.user.has_perm("checkout.recheck_payment")

    @admin.display(description=_("amount"), ordering="amount_paise")
    def amount(self, refund):
        return format_rupees(refund.amount_paise)

    @admin.action(
        description=_("Re-check with PhonePe"), permissions=["recheck_payment"]
    )
    def recheck_action(self, request, queryset):
        done = 0
        for refund in queryset.select_related("payment", "booking"):
            try:
                operations.recheck_refund(refund=refund, actor=request.user)
                done += 1
            except services.CheckoutError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if done:
            self.message_user(
                request,
                _("%(count)s refund(s) re-checked.") % {"count": done},
                messages.SUCCESS,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "received_at",
        "event",
        "merchant_order_id",
        "merchant_refund_id",
        "authenticated",
        "outcome",
        "http_status",
        "short_error",
    )
    list_filter = (
        "authenticated",
        "outcome",
        "event",
        ("received_at", admin.DateFieldListFilter),
    )
    search_fields = ("=merchant_order_id", "=merchant_refund_id")
    date_hierarchy = "received_at"
    actions = ["replay_action"]

    def has_replay_webhook_permission(self, request):
        return request.user.has_perm("checkout.replay_webhook")

    @admin.display(description=_("error"))
    def short_error(self, delivery):
        return (delivery.error or "")[:80]

    @admin.action(
        description=_("Replay (process again)"), permissions=["replay_webhook"]
    )
    def replay_action(self, request, queryset):
        for delivery in queryset:
            try:
                result = operations.replay_webhook(
                    delivery=delivery, actor=request.user
                )
            except services.CheckoutError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.message_user(
                request,
                _("Delivery %(id)s replayed: HTTP %(status)s %(message)s")
                % {
                    "id": delivery.pk,
                    "status": result.http_status,
                    "message": result.message,
                },
                messages.SUCCESS if result.http_status == 200 else messages.WARNING,
            )


@admin.register(AuditEntry)
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


@admin.register(SlotHold)
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


@admin.register(BookingItem)
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
