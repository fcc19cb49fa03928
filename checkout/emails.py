"""Customer emails of the money path.

Sent by the tasks in ``checkout.tasks`` (after the transaction that asked for
them commits, off the request path); a failure raises, so the task is retried.

Each email is written in its recipient's language (``User.language``, see
storefront/languages.py): subject and body are rendered with it active, so a
customer who booked in Hindi reads Hindi whatever language the webhook, the
reconciler, the task worker or a staff member's request runs in.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from checkout import invoice_pdf, invoices
from checkout.models import Booking, CreditNote, Payment, Refund
from storefront.languages import language_of

logger = logging.getLogger("checkout")


def send_templated_email(
    *, to, subject, template, context, recipient=None, attachments=()
):
    """Send checkout/emails/<template>.txt with its .html alternative.

    ``recipient`` (a User) chooses the language; ``subject`` may be lazy
    (``gettext_lazy``, ``format_lazy``) and is translated in that language.
    ``attachments``: (filename, content, mimetype) triples.
    """
    with translation.override(language_of(recipient)):
        context = {**context, "SITE_URL": settings.SITE_URL}
        text = render_to_string(f"checkout/emails/{template}.txt", context)
        html = render_to_string(f"checkout/emails/{template}.html", context)
        subject = str(subject)
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
        pdf = invoice_pdf.render_invoice(invoice)  # in the invoice's language
        send_templated_email(
            to=booking.user.email,
            recipient=booking.user,
            subject=format_lazy(
                _("Your puja is booked: {book_id}"), book_id=booking.book_id
            ),
            template="booking_confirmed",
            context={"booking": booking, "items": list(booking.items.all())},
            attachments=[
                (
                    invoices.filename(invoice),
                    pdf,
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
        recipient=payment.user,
        subject=_("Your OkPuja payment did not go through"),
        template="payment_failed",
        context={"payment": payment},
    )


def send_refund_started(*, refund_id):
    """Tell the customer a refund started; a booking's refund carries its credit note.

    A cancellation with a refund is told by this email (not ``booking_cancelled``).
    """
    refund = Refund.objects.select_related("payment__user", "booking").get(pk=refund_id)
    credit_note = (
        CreditNote.objects.select_related("invoice__booking__user", "refund")
        .filter(refund=refund)
        .first()
    )
    attachments = []
    if credit_note is not None:
        attachments.append(
            (
                invoices.filename(credit_note),
                invoice_pdf.render_credit_note(credit_note),
                "application/pdf",
            )
        )
    send_templated_email(
        to=refund.payment.user.email,
        recipient=refund.payment.user,
        subject=_("Your OkPuja refund has started"),
        template="refund_started",
        context={
            "refund": refund,
            "payment": refund.payment,
            "credit_note": credit_note,
        },
        attachments=attachments,
    )


def send_booking_cancelled(*, booking_id):
    """Tell the customer their booking was cancelled (when no refund email goes out)."""
    booking = Booking.objects.select_related("user").get(pk=booking_id)
    send_templated_email(
        to=booking.user.email,
        recipient=booking.user,
        subject=format_lazy(
            _("Your booking {book_id} was cancelled"), book_id=booking.book_id
        ),
        template="booking_cancelled",
        context={"booking": booking, "items": list(booking.items.all())},
    )
