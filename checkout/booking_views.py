"""The customer's bookings: the list, one booking, its documents (invoice,
credit notes, calendar file) and self-service cancel and reschedule.

The confirm page and the payment views stay in ``views.py``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
)

from checkout import (
    calendar,
    invoice_pdf,
    invoices,
    selfservice,
    services,
)
from checkout.models import Booking, BookingItem, CreditNote
from checkout.views import _after_booking_context
from priests import selectors as priest_selectors
from storefront import formats
from storefront import services as storefront_services
from storefront.capacity import slot_availability
from storefront.exceptions import StorefrontError
from storefront.forms import ChangeCartItemForm, DateForm
from storefront.india import format_rupees


@never_cache
@login_required
@require_GET
def my_bookings(request):
    today = timezone.localdate()
    bookings = list(
        Booking.objects.filter(user=request.user).prefetch_related(
            Prefetch(
                "items",
                queryset=BookingItem.objects.order_by("date", "slot__start_time"),
            ),
            "payment__refunds",
        )
    )
    for booking in bookings:
        booking.status_text = selfservice.status_line(
            booking, list(booking.payment.refunds.all())
        )["text"]
    upcoming = sorted(
        (
            b
            for b in bookings
            if b.first_date >= today and b.status != Booking.Status.CANCELLED
        ),
        key=lambda b: (b.first_date, b.created_at),
    )
    past = sorted(
        (b for b in bookings if b not in upcoming),
        key=lambda b: b.first_date,
        reverse=True,
    )
    return render(
        request, "checkout/my_bookings.html", {"upcoming": upcoming, "past": past}
    )


def _own_booking(request, book_id):
    return get_object_or_404(
        Booking.objects.select_related("payment", "assigned_priest", "user"),
        book_id=book_id,
        user=request.user,
    )


@never_cache
@login_required
@require_GET
def booking_detail(request, book_id):
    booking = _own_booking(request, book_id)
    refunds = list(booking.payment.refunds.select_related("credit_note"))
    return render(
        request,
        "checkout/booking_detail.html",
        {
            "booking": booking,
            "items": list(booking.items.select_related("video_link")),
            "refunds": refunds,
            **_after_booking_context(booking, refunds),
        },
    )


@never_cache
@login_required
@require_GET
def booking_invoice(request, book_id):
    """The booking's tax invoice as a PDF (its owner only; 404 for anyone else)."""
    booking = _own_booking(request, book_id)
    invoice = invoices.issue_invoice(booking=booking)
    return _pdf_response(
        invoice_pdf.render_invoice(invoice), invoices.filename(invoice)
    )


@never_cache
@login_required
@require_GET
def booking_credit_note(request, book_id, credit_note_id):
    """A credit note of the booking's refund as a PDF (owner only; 404 otherwise)."""
    booking = _own_booking(request, book_id)
    credit_note = get_object_or_404(
        CreditNote.objects.select_related("invoice__booking__user", "refund"),
        pk=credit_note_id,
        invoice__booking=booking,
    )
    return _pdf_response(
        invoice_pdf.render_credit_note(credit_note), invoices.filename(credit_note)
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_GET
def booking_calendar(request, book_id):
    """The booking's pujas as an .ics file for the customer's calendar."""
    booking = _own_booking(request, book_id)
    response = HttpResponse(
        calendar.booking_ics(booking, pandits=priest_selectors.booking_team(booking)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="okpuja-{booking.book_id}.ics"'
    )
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request, book_id):
    """Show what cancelling refunds under the policy; POST cancels."""
    booking = _own_booking(request, book_id)
    quote = selfservice.cancel_quote(booking)
    if request.method == "POST":
        try:
            _booking, refund = selfservice.cancel_by_customer(
                booking=booking, user=request.user
            )
        except services.CheckoutError as exc:
            messages.error(request, exc.message)
        else:
            if refund is not None:
                messages.success(
                    request,
                    _("Your booking is cancelled. A refund of %(amount)s has started.")
                    % {"amount": format_rupees(refund.amount_paise)},
                )
            else:
                messages.success(request, _("Your booking is cancelled."))
        return redirect(booking.get_absolute_url())
    return render(
        request,
        "checkout/booking_cancel.html",
        {
            "booking": booking,
            "items": list(booking.items.all()),
            "quote": quote,
            "bands": settings.CANCEL_REFUND_BANDS,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request, book_id):
    """Pick another date and free slot for one puja of the booking; POST moves it."""
    booking = _own_booking(request, book_id)
    items = list(booking.items.select_related("slot"))
    item_id = request.POST.get("item") or request.GET.get("item") or ""
    item = next((i for i in items if str(i.pk) == item_id), items[0])
    error = None
    if request.method == "POST":
        form = ChangeCartItemForm(request.POST)
        if form.is_valid():
            try:
                selfservice.reschedule(
                    booking=booking,
                    user=request.user,
                    item_id=item.pk,
                    date=form.cleaned_data["date"],
                    slot=form.cleaned_data["slot"],
                )
            except services.CheckoutError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("%(puja)s is moved to %(date)s, %(slot)s.")
                    % {
                        "puja": item.service_title,
                        "date": formats.day(form.cleaned_data["date"]),
                        "slot": form.cleaned_data["slot"].display,
                    },
                )
                return redirect(booking.get_absolute_url())
        else:
            error = next(iter(form.errors.values()))[0]
    date_text = request.POST.get("date") or request.GET.get("date") or ""
    availability = []
    if date_text:
        form = DateForm({"date": date_text})
        if form.is_valid() and form.cleaned_data["date"]:
            try:
                storefront_services.validate_booking_date(form.cleaned_data["date"])
                # Free for this puja: priests who speak its language, perform
                # it and serve its place (what the move itself checks).
                availability = slot_availability(
                    date=form.cleaned_data["date"],
                    package=item.package,
                    address=booking.address,
                )
            except StorefrontError as exc:
                error = error or exc.message
    first, last = storefront_services.bookable_date_range()
    return render(
        request,
        "checkout/booking_reschedule.html",
        {
            "booking": booking,
            "items": items,
            "item": item,
            "allowed": selfservice.can_reschedule(booking),
            "date_text": date_text,
            "availability": availability,
            "min_date": first,
            "max_date": last,
            "error": error,
            "hours": settings.RESCHEDULE_MIN_HOURS,
        },
        status=400 if error and request.method == "POST" else 200,
    )
