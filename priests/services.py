"""Assigning priests to bookings, and what priests do with their assignments.

No priest is ever double-booked: ``assign_priest`` locks the booking and then
the priest's roster row (so two assignments of one priest are decided one at
a time), checks that the priest matches every puja of the booking and has no
live assignment overlapping its times, and writes one ``Assignment`` per
booking item. On PostgreSQL the ``assignment_priest_no_overlap`` exclusion
constraint refuses an overlap even if this code were bypassed; SQLite relies
on the check here. Booking states move only through ``checkout.states.move``.
"""

import datetime
import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout import notifications, states
from checkout.audit import record_audit
from checkout.errors import CheckoutError
from checkout.models import Booking, BookingItem
from checkout.roles import PRIESTS
from priests.matching import Place, Roster
from priests.models import Assignment, LeaveDay, Priest
from storefront import formats
from storefront.models import User

IST = ZoneInfo("Asia/Kolkata")
logger = logging.getLogger("priests")


def item_window(item: BookingItem) -> tuple[datetime.datetime, datetime.datetime]:
    """Return when the puja of ``item`` starts and ends (aware datetimes)."""
    starts_at = datetime.datetime.combine(item.date, item.slot.start_time, tzinfo=IST)
    ends_at = starts_at + datetime.timedelta(
        minutes=item.package.service.duration_minutes
    )
    return starts_at, ends_at


def is_priest(user) -> bool:
    """Return whether ``user`` is an active priest with a roster entry."""
    if user is None or not user.is_active:
        return False
    return Priest.objects.filter(
        user=user, is_active=True, user__groups__name=PRIESTS
    ).exists()


def _overlaps(windows) -> Q:
    condition = Q(pk__in=[])
    for starts_at, ends_at in windows:
        condition |= Q(starts_at__lt=ends_at, ends_at__gt=starts_at)
    return condition


def _booking_items(bookings):
    return BookingItem.objects.filter(booking__in=bookings).select_related(
        "package__service", "slot"
    )


def suggest_priests(*, bookings, rosters=None) -> dict:
    """Return {booking_id: [priest user ids]} who match and are free, least busy first.

    A fixed number of queries for any number of bookings: one roster read per
    date (``rosters`` may pass them in), the items, the live assignments of
    those dates and the priests' loads.
    """
    bookings = list(bookings)
    items_by_booking = defaultdict(list)
    for item in _booking_items([b.pk for b in bookings]):
        items_by_booking[item.booking_id].append(item)
    rosters = dict(rosters or {})
    for items in items_by_booking.values():
        for item in items:
            if item.date not in rosters:
                rosters[item.date] = Roster.load(date=item.date)
    windows = {
        item.pk: item_window(item)
        for items in items_by_booking.values()
        for item in items
    }
    busy = defaultdict(list)
    if windows:
        for priest_id, booking_id, starts_at, ends_at in (
            Assignment.objects.live()
            .filter(_overlaps(windows.values()))
            .values_list("priest_id", "booking_id", "starts_at", "ends_at")
        ):
            busy[priest_id].append((booking_id, starts_at, ends_at))
    dates = sorted({item.date for item in _all(items_by_booking)})
    load = {}
    if dates:
        load = dict(
            Assignment.objects.live()
            .filter(
                starts_at__date__gte=dates[0] - datetime.timedelta(days=7),
                starts_at__date__lte=dates[-1] + datetime.timedelta(days=7),
            )
            .values("priest_id")
            .annotate(n=Count("pk"))
            .values_list("priest_id", "n")
        )
    result = {}
    for booking in bookings:
        items = items_by_booking.get(booking.pk, [])
        candidates = None
        for item in items:
            place = Place.for_address(item.package.service, booking.address)
            matching = rosters[item.date].matching(
                service=item.package.service,
                language=item.package.language,
                place=place,
                slot_id=item.slot_id,
            )
            candidates = matching if candidates is None else candidates & matching
        free = []
        for priest_id in candidates or ():
            clash = any(
                other != booking.pk
                and starts_at < windows[item.pk][1]
                and ends_at > windows[item.pk][0]
                for other, starts_at, ends_at in busy.get(priest_id, ())
                for item in items
            )
            if not clash:
                free.append(priest_id)
        free.sort(key=lambda pk: (load.get(pk, 0), pk))
        result[booking.pk] = free
    return result


def _all(items_by_booking):
    for items in items_by_booking.values():
        yield from items


def assign_priest(*, booking: Booking, priest, actor, source="admin") -> Booking:
    """Assign ``priest`` to every puja of ``booking``; tell priest(s) and customer.

    Raise CheckoutError unless the priest matches each puja (language, puja,
    place, weekly slot, not on leave) and is free for its whole duration.
    """
    if not is_priest(priest):
        raise CheckoutError(_("%(name)s is not an active priest.") % {"name": priest})
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("assigned_priest")
            .get(pk=booking.pk)
        )
        if booking.status not in states.BOOKING_OPEN_STATES:
            raise CheckoutError(
                _("Booking %(book_id)s is %(status)s; it cannot be assigned.")
                % {
                    "book_id": booking.book_id,
                    "status": booking.get_status_display().lower(),
                }
            )
        if booking.assigned_priest_id == priest.pk:
            raise CheckoutError(
                _("%(priest)s is already assigned to %(book_id)s.")
                % {"priest": priest, "book_id": booking.book_id}
            )
        # The priest's row lock: assignments of one priest happen one at a time.
        Priest.objects.select_for_update().get(user=priest)
        items = list(_booking_items([booking.pk]))
        rosters = {}
        for item in items:
            roster = rosters.setdefault(item.date, Roster.load(date=item.date))
            place = Place.for_address(item.package.service, booking.address)
            if priest.pk not in roster.matching(
                service=item.package.service,
                language=item.package.language,
                place=place,
                slot_id=item.slot_id,
            ):
                raise CheckoutError(
                    _(
                        "%(priest)s cannot take %(puja)s on %(date)s at %(slot)s "
                        "(language, puja, area, working hours or leave)."
                    )
                    % {
                        "priest": priest,
                        "puja": item.service_title,
                        "date": formats.day(item.date),
                        "slot": item.slot_label,
                    }
                )
        windows = [item_window(item) for item in items]
        clash = (
            Assignment.objects.live()
            .filter(priest=priest)
            .exclude(booking=booking)
            .filter(_overlaps(windows))
            .select_related("booking")
            .first()
        )
        if clash is not None:
            raise CheckoutError(
                _("%(priest)s is already busy then with %(book_id)s.")
                % {"priest": priest, "book_id": clash.booking.book_id}
            )
        previous = booking.assigned_priest
        Assignment.objects.live().filter(booking=booking).update(
            status=Assignment.Status.RELEASED, responded_at=timezone.now()
        )
        try:
            with transaction.atomic():
                Assignment.objects.bulk_create(
                    Assignment(
                        booking=booking,
                        item=item,
                        priest=priest,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        assigned_by=actor,
                    )
                    for item, (starts_at, ends_at) in zip(items, windows, strict=True)
                )
        except IntegrityError:
            raise CheckoutError(
                _("%(priest)s was just booked for an overlapping puja.")
                % {"priest": priest}
            ) from None
        booking.assigned_priest = priest
        message = f"Priest {priest} ({priest.email}) assigned."
        if previous is not None:
            message = f"Priest changed from {previous} to {priest} ({priest.email})."
        states.move(
            booking,
            Booking.Status.ASSIGNED,
            source=source,
            action="booking.priest_assigned",
            update_fields=["assigned_priest"],
            message=message,
            payload={
                "priest_id": priest.pk,
                "previous_priest_id": previous.pk if previous else None,
            },
            actor=actor,
        )
        booking_id, previous_id = booking.pk, previous.pk if previous else None
        transaction.on_commit(
            lambda: notifications.priest_assigned(
                booking_id=booking_id, previous_priest_id=previous_id
            )
        )
    return booking


def auto_assign(*, booking_id) -> Booking | None:
    """Assign the least busy matching free priest, if ``PRIESTS_AUTO_ASSIGN`` is on.

    Return the booking, or None when auto-assignment is off or nobody fits
    (the booking then waits in Operations' "needs a priest" queue).
    """
    if not settings.PRIESTS_AUTO_ASSIGN:
        return None
    booking = Booking.objects.get(pk=booking_id)
    if booking.status != Booking.Status.CONFIRMED:
        return None
    for priest_id in suggest_priests(bookings=[booking])[booking.pk]:
        try:
            return assign_priest(
                booking=booking,
                priest=User.objects.get(pk=priest_id),
                actor=None,
                source="auto-assign",
            )
        except CheckoutError:
            continue
    return None


def auto_assign_after_booking(*, booking_id) -> None:
    """Run ``auto_assign`` after a booking commits; a failure is logged, never raised.

    The booking stands whatever happens here: without a priest it waits in
    Operations' queue.
    """
    try:
        auto_assign(booking_id=booking_id)
    except Exception:
        logger.exception("Automatic assignment failed for booking %s", booking_id)


def _live_for_priest(booking, priest):
    return Assignment.objects.live().filter(booking=booking, priest=priest)


def _lock_assigned(booking, priest, verb):
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if (
        booking.status != Booking.Status.ASSIGNED
        or booking.assigned_priest_id != priest.pk
    ):
        raise CheckoutError(
            _("Booking %(book_id)s is not assigned to you; it cannot be %(verb)s.")
            % {"book_id": booking.book_id, "verb": verb}
        )
    return booking


def accept_assignment(*, booking: Booking, priest) -> Booking:
    """The priest confirms they will perform the booking's pujas."""
    with transaction.atomic():
        booking = _lock_assigned(booking, priest, _("accepted"))
        changed = (
            _live_for_priest(booking, priest)
            .filter(status=Assignment.Status.OFFERED)
            .update(status=Assignment.Status.ACCEPTED, responded_at=timezone.now())
        )
        if changed:
            record_audit(
                source="priest-portal",
                action="booking.priest_accepted",
                payment=booking.payment,
                booking=booking,
                message=f"{priest} accepted.",
                actor=priest,
            )
    return booking


def decline_assignment(*, booking: Booking, priest, reason: str) -> Booking:
    """Give the booking back to Operations' "needs a priest" queue, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise CheckoutError(_("Please say why you cannot take this puja."))
    with transaction.atomic():
        booking = _lock_assigned(booking, priest, _("declined"))
        _live_for_priest(booking, priest).update(
            status=Assignment.Status.DECLINED,
            reason=reason[:255],
            responded_at=timezone.now(),
        )
        booking.assigned_priest = None
        states.move(
            booking,
            Booking.Status.CONFIRMED,
            source="priest-portal",
            action="booking.priest_declined",
            update_fields=["assigned_priest"],
            message=f"{priest} declined: {reason}",
            payload={"priest_id": priest.pk, "reason": reason},
            actor=priest,
        )
    return booking


def complete_assignment(*, booking: Booking, priest, note: str = "") -> Booking:
    """Mark the booking completed by its priest, once its first puja has begun."""
    note = (note or "").strip()
    with transaction.atomic():
        booking = _lock_assigned(booking, priest, _("marked done"))
        assignments = list(_live_for_priest(booking, priest))
        if not assignments or min(a.starts_at for a in assignments) > timezone.now():
            raise CheckoutError(
                _("%(book_id)s can be marked done once the puja has started.")
                % {"book_id": booking.book_id}
            )
        _live_for_priest(booking, priest).update(
            status=Assignment.Status.DONE, note=note, responded_at=timezone.now()
        )
        states.move(
            booking,
            Booking.Status.COMPLETED,
            source="priest-portal",
            update_fields=[],
            message=f"Done ({priest}). {note}".strip(),
            actor=priest,
        )
    return booking


def release_for_cancellation(*, booking: Booking) -> list:
    """Free the priests of a booking being cancelled; tell them after the commit.

    Called by ``checkout.operations.cancel_booking`` inside its transaction.
    Return the priests' user ids.
    """
    priest_ids = set(
        Assignment.objects.live()
        .filter(booking=booking)
        .values_list("priest_id", flat=True)
    )
    if booking.assigned_priest_id:
        priest_ids.add(booking.assigned_priest_id)
    priest_ids = sorted(priest_ids)
    Assignment.objects.live().filter(booking=booking).exclude(
        status=Assignment.Status.DONE
    ).update(status=Assignment.Status.RELEASED, responded_at=timezone.now())
    booking_id = booking.pk
    if priest_ids:
        transaction.on_commit(
            lambda: notifications.booking_cancelled_for_priests(
                booking_id=booking_id, priest_ids=priest_ids
            )
        )
    return priest_ids


def follow_reschedule(*, booking: Booking, item: BookingItem, actor) -> None:
    """Move the priest's time with a rescheduled puja, or free the priest.

    Called inside the reschedule's transaction, after ``item`` got its new
    date and slot. The priest keeps the puja when they still match and are
    free then; otherwise the booking goes back to Operations' queue. The
    priest is told after the commit either way.
    """
    item = BookingItem.objects.select_related("package__service", "slot").get(
        pk=item.pk
    )
    starts_at, ends_at = item_window(item)
    for assignment in list(
        Assignment.objects.live()
        .filter(item=item)
        .exclude(status=Assignment.Status.DONE)
    ):
        Priest.objects.select_for_update().get(user_id=assignment.priest_id)
        roster = Roster.load(date=item.date)
        place = Place.for_address(item.package.service, booking.address)
        kept = assignment.priest_id in roster.matching(
            service=item.package.service,
            language=item.package.language,
            place=place,
            slot_id=item.slot_id,
        ) and not (
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
            assignment.status = Assignment.Status.RELEASED
            assignment.responded_at = timezone.now()
            assignment.save(update_fields=["status", "responded_at"])
            if (
                booking.status == Booking.Status.ASSIGNED
                and booking.assigned_priest_id == assignment.priest_id
            ):
                booking.assigned_priest = None
                states.move(
                    booking,
                    Booking.Status.CONFIRMED,
                    source="reschedule",
                    action="booking.priest_released",
                    update_fields=["assigned_priest"],
                    message=(
                        f"{assignment.priest} cannot take {item.service_title} at "
                        "its new time; back in the queue."
                    ),
                    payload={"priest_id": assignment.priest_id},
                    actor=actor,
                )
        booking_id, priest_id, keep = booking.pk, assignment.priest_id, kept
        transaction.on_commit(
            lambda b=booking_id, p=priest_id, k=keep: (
                notifications.booking_rescheduled_for_priest(
                    booking_id=b, priest_id=p, kept=k
                )
            )
        )


def add_leave_day(*, priest, date: datetime.date, reason: str = "") -> LeaveDay:
    """Mark ``date`` as a leave day, unless the priest has a puja that day."""
    profile = Priest.objects.get(user=priest)
    if date < timezone.localdate():
        raise CheckoutError(_("Leave days cannot be in the past."))
    with transaction.atomic():
        Priest.objects.select_for_update().get(pk=profile.pk)
        if (
            Assignment.objects.live()
            .filter(priest=priest, starts_at__date=date)
            .exclude(status=Assignment.Status.DONE)
            .exists()
        ):
            raise CheckoutError(
                _(
                    "You have a puja on %(date)s. Please ask Operations to reassign "
                    "it before taking leave."
                )
                % {"date": formats.day(date)}
            )
        leave, _created = LeaveDay.objects.get_or_create(
            priest=profile, date=date, defaults={"reason": reason.strip()[:120]}
        )
    return leave


def remove_leave_day(*, priest, date: datetime.date) -> None:
    LeaveDay.objects.filter(priest__user=priest, date=date).delete()
