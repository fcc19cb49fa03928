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
from priests.models import VideoLink
from priests.selectors import booking_team
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


def priests_assigned(
    *, booking_id, added_priest_ids=(), removed_priest_ids=(), changed=False
):
    """Tell the customer who their priests are, each new priest, and each replaced one.

    ``changed``: the booking had priests before (the customer reads "has
    changed"). Each new priest's email names their co-priests.
    """
    booking = _booking(booking_id)
    team = booking_team(booking)
    if not team:
        return
    context = {"booking": booking, "items": list(booking.items.all()), "team": team}
    send(
        user=booking.user,
        subject=format_lazy(
            _("Your priest for {book_id} has changed: {priest}")
            if changed
            else _("Your priest for {book_id}: {priest}"),
            book_id=booking.book_id,
            priest=", ".join(_name(priest) for priest in team),
        ),
        template="priest_assigned_customer",
        context={**context, "priest": team[0], "changed": changed},
    )
    for priest in team:
        if priest.pk not in added_priest_ids:
            continue
        send(
            user=priest,
            subject=format_lazy(
                _("New puja assigned: {book_id} on {date}"),
                book_id=booking.book_id,
                date=_day(booking.first_date),
            ),
            template="priest_assigned_priest",
            context={
                **context,
                "priest": priest,
                "co_priests": [p for p in team if p.pk != priest.pk],
                "items": [
                    a.item
                    for a in priest.assignments.live()
                    .filter(booking=booking)
                    .select_related("item")
                ],
            },
        )
    for previous in get_user_model().objects.filter(pk__in=removed_priest_ids):
        send(
            user=previous,
            subject=format_lazy(
                _("{book_id} has been given to another priest"),
                book_id=booking.book_id,
            ),
            template="priest_unassigned",
            context={**context, "priest": previous},
        )


def priests_released_for_customer(*, booking_id, priest_ids):
    """Tell the customer that priests of a rescheduled puja cannot come at its new time."""
    booking = _booking(booking_id)
    released = list(get_user_model().objects.filter(pk__in=priest_ids))
    if not released:
        return
    send(
        user=booking.user,
        subject=format_lazy(
            _("{book_id}: we are finding a priest for the new time"),
            book_id=booking.book_id,
        ),
        template="priest_released_customer",
        context={
            "booking": booking,
            "items": list(booking.items.all()),
            "released": released,
            "team": booking_team(booking),
        },
    )


def video_link_set(*, item_id):
    """Send the customer the video-call link of their online puja."""
    link = (
        VideoLink.objects.select_related("item__booking__user")
        .filter(item_id=item_id)
        .first()
    )
    if link is None:
        return
    booking = link.item.booking
    send(
        user=booking.user,
        subject=format_lazy(
            _("Video-call link for your puja {book_id}"), book_id=booking.book_id
        ),
        template="video_link_customer",
        context={"booking": booking, "item": link.item, "url": link.url},
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
