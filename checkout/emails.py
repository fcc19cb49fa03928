"""Customer emails of the money path.

Sent by the tasks in ``checkout.tasks`` (after the transaction that asked for
them commits, off the request path); a failure raises, so the task is retried.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from checkout import invoices
from checkout.models import Booking, Payment, Refund

logger = logging.getLogger("checkout")


def send_templated_email(*, to, subject, template, context, attachments=()):
    """Send checkout/emails/<template>.txt with its .html alternative.

    ``attachments``: (filename, content, mimetype) triples.
    """
    context = {**context, "SITE_URL": settings.SITE_URL}
    text = render_to_string(f"checkout/emails/{template}.txt", context)
    html = render_to_string(f"checkout/emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


def send_booking_confirmation(*, booking_id, force=False):
    """Send the booking confirmation; exactly once per booking unless ``force``.

    The conditional UPDATE claims the send, so concurrent callers (webhook
    storms, polls) cannot send it twice.
    """
    bookings = Booking.objects.filter(pk=booking_id)
    if not force:
        bookings = bookings.filter(confirmation_sent_at__isnull=True)
    if not bookings.update(confirmation_sent_at=timezone.now()):
        return False
    booking = (
        Booking.objects.select_related("user", "payment")
        .prefetch_related("items")
        .get(pk=booking_id)
    )
    try:
        invoice = invoices.issue_invoice(booking=booking)
        send_templated_email(
            to=booking.user.email,
            subject=f"Your puja is booked: {booking.book_id}",
            template="booking_confirmed",
            context={"booking": booking, "items": list(booking.items.all())},
            attachments=[
                (
                    invoices.filename(invoice),
                    invoices.render_pdf(invoice),
                    "application/pdf",
                )
            ],
        )
    except Exception:
        # Give the send back, so the retry (or a resend) can claim it.
        if not force:
            Booking.objects.filter(pk=booking_id).update(confirmation_sent_at=None)
        raise
    return True


def send_payment_failed(*, payment_id):
    payment = Payment.objects.select_related("user").get(pk=payment_id)
    send_templated_email(
        to=payment.user.email,
        subject="Your OkPuja payment did not go through",
        template="payment_failed",
        context={"payment": payment},
    )


def send_refund_started(*, refund_id):
    refund = Refund.objects.select_related("payment__user", "booking").get(pk=refund_id)
    send_templated_email(
        to=refund.payment.user.email,
        subject="Your OkPuja refund has started",
        template="refund_started",
        context={"refund": refund, "payment": refund.payment},
    )


def send_booking_cancelled(*, booking_id):
    """Tell the customer their booking was cancelled (when no refund email goes out)."""
    booking = Booking.objects.select_related("user").get(pk=booking_id)
    send_templated_email(
        to=booking.user.email,
        subject=f"Your booking {booking.book_id} was cancelled",
        template="booking_cancelled",
        context={"booking": booking, "items": list(booking.items.all())},
    )
