"""Pieces every checkout admin page shares: read-only admins, links, record tables."""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from checkout.models import Refund
from storefront.india import format_rupees


class ReadOnlyAdminMixin:
    """No add, change or delete: rows change only through services and actions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def admin_link(obj, label=None):
    """Link to ``obj``'s admin page (which checks its own permission)."""
    if obj is None:
        return "—"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html(
        '<a href="{}">{}</a>', url, label if label is not None else str(obj)
    )


def refunds_table(refunds):
    if not refunds:
        return _("No refunds.")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td><strong class='refund-state refund-{}'>{}</strong>"
        "{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                refund.merchant_refund_id,
                format_rupees(refund.amount_paise),
                refund.state,
                refund.get_state_display(),
                # Why PhonePe refused it: what staff need before retrying.
                format_html(
                    "<br><small class='refund-error'>{}</small>", refund.last_error
                )
                if refund.state == Refund.State.FAILED and refund.last_error
                else "",
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


def audit_table(entries):
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
