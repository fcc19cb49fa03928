"""The booking admin's own pages: assign a priest, cancel with a refund, and the
POST buttons of the detail page (complete, resend, re-check refunds, export).

Each page checks its permission itself (``_require``), whatever the button
that led there.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from checkout import invoice_pdf, invoices, operations, refunds
from checkout.admin.export import bookings_csv_response
from checkout.errors import CheckoutError
from checkout.forms import AssignPriestForm, CancelBookingForm
from checkout.models import Booking, CreditNote, Refund
from checkout.selectors import OPEN_BOOKING_STATES
from storefront.india import format_rupees


class BookingPagesMixin:
    """URLs and views of the booking admin's intermediate pages and buttons."""

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
            path(
                "<path:object_id>/invoice/",
                wrap(self.invoice_view),
                name=f"{prefix}_invoice",
            ),
            path(
                "<path:object_id>/credit-notes/<int:credit_note_id>/",
                wrap(self.credit_note_view),
                name=f"{prefix}_credit_note",
            ),
            *super().get_urls(),
        ]

    def _require(self, request, *perms):
        if not self.has_view_permission(request) or not all(
            getattr(self, f"has_{perm}_permission")(request) for perm in perms
        ):
            raise PermissionDenied

    def _change_url(self, booking):
        return reverse("admin:checkout_booking_change", args=[booking.pk])

    def assign_view(self, request):
        self._require(request, "assign_priest")
        source = request.POST if request.method == "POST" else request.GET
        ids = [
            value
            for value in source.get("ids", "").split(",")
            if value.isascii() and value.isdigit()
        ]
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
                        booking=booking,
                        priest=priest,
                        co_priests=list(form.cleaned_data["co_priests"]),
                        actor=request.user,
                    )
                    done += 1
                except CheckoutError as exc:
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
                except CheckoutError as exc:
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
                initial={"refund_amount": refundable},
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
        except CheckoutError as exc:
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
            raise CheckoutError(_("This booking has no refunds."))
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

    def invoice_view(self, request, object_id):
        """The booking's tax invoice PDF (issued now if it was not yet)."""
        self._require(request)
        booking = get_object_or_404(Booking, pk=unquote(object_id))
        invoice = invoices.issue_invoice(booking=booking)
        return _pdf_response(
            invoice_pdf.render_invoice(invoice), invoices.filename(invoice)
        )

    def credit_note_view(self, request, object_id, credit_note_id):
        """One of the booking's credit notes as a PDF."""
        self._require(request)
        credit_note = get_object_or_404(
            CreditNote.objects.select_related("invoice__booking__user", "refund"),
            pk=credit_note_id,
            invoice__booking_id=unquote(object_id),
        )
        return _pdf_response(
            invoice_pdf.render_credit_note(credit_note), invoices.filename(credit_note)
        )

    def export_view(self, request):
        self._require(request, "export_bookings")
        changelist = self.get_changelist_instance(request)
        return bookings_csv_response(changelist.get_queryset(request))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
