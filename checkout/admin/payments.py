"""Payments, refunds and the webhook inbox in the admin: read-only lists and
the actions that ask PhonePe again (re-check, replay, retry a failed refund).
"""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checkout import operations, selectors
from checkout.admin.display import (
    ReadOnlyAdminMixin,
    admin_link,
    audit_table,
    refunds_table,
)
from checkout.admin.filters import PaymentAttentionFilter, WebhookAttentionFilter
from checkout.errors import CheckoutError
from checkout.models import Refund
from storefront.india import format_rupees


class RetryRefundsMixin:
    """Retrying failed refunds: allowed to whoever may cancel with a refund."""

    def has_retry_refund_permission(self, request):
        return request.user.has_perm("checkout.cancel_booking")

    def _retry_refunds(self, request, refunds):
        started, errors = [], []
        for refund in refunds:
            try:
                new = operations.retry_refund(refund=refund, actor=request.user)
            except CheckoutError as exc:
                errors.append(exc.message)
            else:
                started.append(new)
        if not started and not errors:
            self.message_user(
                request, _("No failed refund to retry was chosen."), messages.INFO
            )
        for new in started:
            self.message_user(
                request,
                _("Refund %(refund)s of %(amount)s started: %(state)s.")
                % {
                    "refund": new.merchant_refund_id,
                    "amount": format_rupees(new.amount_paise),
                    "state": new.get_state_display(),
                },
                messages.ERROR
                if new.state == Refund.State.FAILED
                else messages.SUCCESS,
            )
        for error in errors:
            self.message_user(request, error, messages.ERROR)


class PaymentAdmin(RetryRefundsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
    actions = ["recheck_action", "retry_refunds_action"]
    # The site's payment page is the customer's own; staff stay in the admin.
    view_on_site = False
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
        return admin_link(booking, booking.book_id)

    @admin.display(description=_("refunds"))
    def refunds_display(self, payment):
        return refunds_table(list(payment.refunds.order_by("created_at")))

    @admin.display(description=_("snapshot"))
    def snapshot_display(self, payment):
        return format_html(
            "<pre>{}</pre>", json.dumps(payment.snapshot, indent=2, ensure_ascii=False)
        )

    @admin.display(description=_("audit trail"))
    def audit_display(self, payment):
        return audit_table(
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
            except CheckoutError as exc:
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

    @admin.action(
        description=_("Retry their failed refunds"), permissions=["retry_refund"]
    )
    def retry_refunds_action(self, request, queryset):
        refunds = selectors.unretried_failed_refunds().filter(payment__in=queryset)
        self._retry_refunds(request, refunds.order_by("created_at"))


class RefundAdmin(RetryRefundsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
    actions = ["recheck_action", "retry_action"]

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
            except CheckoutError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if done:
            self.message_user(
                request,
                _("%(count)s refund(s) re-checked.") % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(
        description=_("Retry failed refunds (a new refund of the same amount)"),
        permissions=["retry_refund"],
    )
    def retry_action(self, request, queryset):
        self._retry_refunds(request, queryset.order_by("created_at"))


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
        WebhookAttentionFilter,
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
            except CheckoutError as exc:
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
