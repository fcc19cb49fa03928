"""The priests follow their bookings' changes: cancellation, reschedule, video link."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from checkout import notifications, states
from checkout.audit import record_audit
from checkout.errors import CheckoutError
from checkout.models import Booking, BookingItem
from priests import states as assignment_states
from priests.matching import Place, Roster
from priests.models import Assignment, Priest, VideoLink
from priests.services.assignment import (
    auto_assign_after_booking,
    is_priest,
    item_window,
)
from storefront.models import Service


def release_for_cancellation(*, booking: Booking) -> list:
    """Free the priests of a booking being cancelled; tell them after the commit.

    Called by ``checkout.operations.cancel_booking`` inside its transaction.
    Return the priests' user ids.
    """
    live = list(Assignment.objects.live().filter(booking=booking))
    priest_ids = {assignment.priest_id for assignment in live}
    if booking.assigned_priest_id:
        priest_ids.add(booking.assigned_priest_id)
    priest_ids = sorted(priest_ids)
    for assignment in live:
        if assignment.status != Assignment.Status.DONE:
            assignment_states.move(
                assignment,
                Assignment.Status.RELEASED,
                source="cancellation",
                message=f"{booking.book_id} cancelled.",
                payment_id=booking.payment_id,
            )
    booking_id = booking.pk
    if priest_ids:
        transaction.on_commit(
            lambda: notifications.booking_cancelled_for_priests(
                booking_id=booking_id, priest_ids=priest_ids
            )
        )
    return priest_ids


def follow_reschedule(*, booking: Booking, item: BookingItem, actor) -> None:
    """Move the priests' time with a rescheduled puja, or free them.

    Called inside the reschedule's transaction, after ``item`` got its new
    date and slot. A priest keeps the puja when they still match and are free
    then; otherwise their place goes back to Operations' queue (and, with
    ``PRIESTS_AUTO_ASSIGN``, is filled again after the commit). The priests
    are told after the commit either way, and the customer when a priest of
    theirs cannot come at the new time.
    """
    item = BookingItem.objects.select_related("package__service", "slot").get(
        pk=item.pk
    )
    starts_at, ends_at = item_window(item)
    assignments = list(
        Assignment.objects.live()
        .filter(item=item)
        .exclude(status=Assignment.Status.DONE)
        .order_by("pk")
    )
    list(
        Priest.objects.select_for_update()
        .filter(user_id__in=[a.priest_id for a in assignments])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    roster = Roster.load(date=item.date)
    matching = roster.matching(
        service=item.package.service,
        language=item.package.language,
        place=Place.for_address(item.package.service, booking.address),
        slot_id=item.slot_id,
    )
    released = []
    for assignment in assignments:
        kept = assignment.priest_id in matching and not (
            Assignment.objects.live()
            .filter(
                priest_id=assignment.priest_id,
                starts_at__lt=ends_at,
                ends_at__gt=starts_at,
            )
            .exclude(pk=assignment.pk)
            .exists()
        )
        if kept:
            assignment.starts_at, assignment.ends_at = starts_at, ends_at
            try:
                with transaction.atomic():
                    assignment.save(update_fields=["starts_at", "ends_at"])
            except IntegrityError:
                kept = False
        if not kept:
            assignment_states.move(
                assignment,
                Assignment.Status.RELEASED,
                source="reschedule",
                actor=actor,
                message=(
                    f"Priest {assignment.priest_id} cannot take {item.service_title} "
                    "at its new time."
                ),
                payment_id=booking.payment_id,
            )
            released.append(assignment.priest_id)
        booking_id, priest_id, keep = booking.pk, assignment.priest_id, kept
        transaction.on_commit(
            lambda b=booking_id, p=priest_id, k=keep: (
                notifications.booking_rescheduled_for_priest(
                    booking_id=b, priest_id=p, kept=k
                )
            )
        )
    if not released:
        return
    booking.assigned_priest = None
    if booking.status == Booking.Status.ASSIGNED:
        states.move(
            booking,
            Booking.Status.CONFIRMED,
            source="reschedule",
            action="booking.priest_released",
            update_fields=["assigned_priest"],
            message=(
                f"{len(released)} priest(s) cannot take {item.service_title} at its "
                "new time; back in the queue."
            ),
            payload={"priest_ids": released},
            actor=actor,
        )
    else:
        booking.save(update_fields=["assigned_priest", "updated_at"])
    booking_id = booking.pk
    transaction.on_commit(
        lambda: notifications.priests_released_for_customer(
            booking_id=booking_id, priest_ids=released
        )
    )
    transaction.on_commit(lambda: auto_assign_after_booking(booking_id=booking_id))


def set_video_link(*, item: BookingItem, url: str, actor) -> VideoLink:
    """Set the video-call link of an online puja; email the customer after the commit.

    ``actor`` is staff or a priest with a live assignment on the puja (the
    caller checks who may); the link must be an https URL.
    """
    url = (url or "").strip()
    try:
        VideoLink._meta.get_field("url").run_validators(url)
        if not url:
            raise ValidationError("")
    except ValidationError:
        raise CheckoutError(
            _("Please enter a full https:// link for the video call.")
        ) from None
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=item.booking_id)
        item = BookingItem.objects.select_related("package__service").get(pk=item.pk)
        if item.package.service.kind != Service.Kind.ONLINE:
            raise CheckoutError(_("Only online pujas have a video-call link."))
        if booking.status not in states.BOOKING_OPEN_STATES:
            raise CheckoutError(
                _("Booking %(book_id)s is %(status)s; its link cannot change.")
                % {
                    "book_id": booking.book_id,
                    "status": booking.get_status_display().lower(),
                }
            )
        link = VideoLink.objects.filter(item=item).first()
        if link is not None and link.url == url:
            return link
        previous = link.url if link is not None else ""
        link, _created = VideoLink.objects.update_or_create(
            item=item, defaults={"url": url, "set_by": actor}
        )
        record_audit(
            source="priest-portal" if is_priest(actor) else "admin",
            action="booking.video_link_set",
            payment_id=booking.payment_id,
            booking=booking,
            message=f"Video link for {item.service_title}: {url}",
            payload={"item_id": item.pk, "url": url, "previous": previous},
            actor=actor,
        )
        item_id = item.pk
        transaction.on_commit(lambda: notifications.video_link_set(item_id=item_id))
    return link
