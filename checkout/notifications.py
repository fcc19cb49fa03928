"""The one place that tells customers and priests what happened to a booking.

Each function runs after the transaction that made the change commits (callers
use ``transaction.on_commit``), loads what it needs and sends each message
through ``send``. Today every message is an email
(``checkout.emails.send_templated_email``); an SMS or WhatsApp provider is
added in ``send`` alone. A failed message is logged, never raised: the change
it reports has already happened. Each message is in its reader's language
(``User.language``): subjects are lazy and translated when sent.
"""

import logging

from django.contrib.auth import get_user_model
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from checkout import emails
from checkout.models import Booking
from storefront import formats

_day = lazy(formats.day, str)

logger = logging.getLogger("checkout")


def send(*, user, subject, template, context):
    """Send one message to ``user``; return whether it went out."""
    if not user.email:
        return False
    try:
        emails.send_templated_email(
            to=user.email,
            recipient=user,
            subject=subject,
            template=template,
            context=context,
        )
    except Exception:
        logger.exception("Could not send %s to %s", template, user.pk)
        return False
    return True


def _booking(booking_id):
    return (
        Booking.objects.select_related("user", "assigned_priest")
        .prefetch_related("items")
        .get(pk=booking_id)
    )


def _name(user):
    return user.get_full_name() or user.email


def priest_assigned(*, booking_id, previous_priest_id=None):
    """Tell the new priest, the customer, and a replaced priest."""
    booking = _booking(booking_id)
    priest = booking.assigned_priest
    if priest is None:
        return
    context = {"booking": booking, "items": list(booking.items.all()), "priest": priest}
    changed = previous_priest_id is not None
    send(
        user=booking.user,
        subject=format_lazy(
            _("Your priest for {book_id} has changed: {priest}")
            if changed
            else _("Your priest for {book_id}: {priest}"),
            book_id=booking.book_id,
            priest=_name(priest),
        ),
        template="priest_assigned_customer",
        context={**context, "changed": changed},
    )
    send(
        user=priest,
        subject=format_lazy(
            _("New puja assigned: {book_id} on {date}"),
            book_id=booking.book_id,
            date=_day(booking.first_date),
        ),
        template="priest_assigned_priest",
        context=context,
    )
    if changed:
        previous = get_user_model().objects.filter(pk=previous_priest_id).first()
        if previous is not None:
            send(
                user=previous,
                subject=format_lazy(
                    _("{book_id} has been given to another priest"),
                    book_id=booking.book_id,
                ),
                template="priest_unassigned",
                context={**context, "priest": previous},
            )


def booking_cancelled_for_priests(*, booking_id, priest_ids):
    """Tell the priests of a cancelled booking that they are no longer needed."""
    booking = _booking(booking_id)
    items = list(booking.items.all())
    for priest in get_user_model().objects.filter(pk__in=priest_ids):
        send(
            user=priest,
            subject=format_lazy(
                _("{book_id} on {date} was cancelled"),
                book_id=booking.book_id,
                date=_day(booking.first_date),
            ),
            template="booking_cancelled_priest",
            context={"booking": booking, "items": items, "priest": priest},
        )


def booking_rescheduled_for_priest(*, booking_id, priest_id, kept):
    """Tell a priest that a puja moved: the new time, or that it is no longer theirs."""
    booking = _booking(booking_id)
    priest = get_user_model().objects.filter(pk=priest_id).first()
    if priest is None:
        return
    send(
        user=priest,
        subject=(
            format_lazy(
                _("Rescheduled: {book_id}, now {date}"),
                book_id=booking.book_id,
                date=_day(booking.first_date),
            )
            if kept
            else format_lazy(
                _("{book_id} was rescheduled; you are no longer needed"),
                book_id=booking.book_id,
            )
        ),
        template="booking_rescheduled_priest",
        context={
            "booking": booking,
            "items": list(booking.items.all()),
            "priest": priest,
            "kept": kept,
        },
    )
