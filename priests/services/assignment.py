"""Assigning priests to bookings: suggestions, the plan, the no-overlap rule.

No priest is ever double-booked: ``assign_priests`` locks the booking and then
the roster rows of every priest it considers, in id order (so two assignments
of one priest are decided one at a time), and gives each booking item as many
distinct priests as its package needs (``priest_count``), each matching the
puja and free for its whole duration; one ``Assignment`` per item and priest.
On PostgreSQL the ``assignment_priest_no_overlap`` exclusion constraint
refuses an overlap even if this code were bypassed; SQLite relies on the check
here. Booking states move only through ``checkout.states.move``, assignment
states only through ``priests.states.move``.
"""

import datetime
import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from checkout import notifications, states
from checkout.errors import CheckoutError
from checkout.models import Booking, BookingItem
from checkout.roles import PRIESTS
from priests import states as assignment_states
from priests.matching import Place, Roster
from priests.models import Assignment, Priest
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

    Priests already on a booking are left out of its suggestions (they have
    their place); for a booking needing N priests, the first N fill it.

    Priests who declined a booking come last in its suggestions.

    A fixed number of queries for any number of bookings: one roster read per
    date (``rosters`` may pass them in), the items, the live assignments of
    those dates, the priests' loads and the bookings' declines.
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
    # A priest who declined a booking is suggested for it again only after
    # everyone else (they may be the only match; staff can still choose them).
    declined = set(
        Assignment.objects.filter(
            booking_id__in=[b.pk for b in bookings], status=Assignment.Status.DECLINED
        ).values_list("booking_id", "priest_id")
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
            on_booking = any(
                other == booking.pk for other, _s, _e in busy.get(priest_id, ())
            )
            clash = on_booking or any(
                other != booking.pk
                and starts_at < windows[item.pk][1]
                and ends_at > windows[item.pk][0]
                for other, starts_at, ends_at in busy.get(priest_id, ())
                for item in items
            )
            if not clash:
                free.append(priest_id)
        free.sort(key=lambda pk: ((booking.pk, pk) in declined, load.get(pk, 0), pk))
        result[booking.pk] = free
    return result


def _all(items_by_booking):
    for items in items_by_booking.values():
        yield from items


def _team_ids(booking, assignments) -> list[int]:
    ids = []
    for assignment in sorted(assignments, key=lambda a: a.pk):
        if assignment.priest_id not in ids:
            ids.append(assignment.priest_id)
    if booking.assigned_priest_id in ids:
        ids.remove(booking.assigned_priest_id)
        ids.insert(0, booking.assigned_priest_id)
    return ids


def _names(users) -> str:
    return ", ".join(str(user.get_full_name() or user.email) for user in users)


def _cannot_take(priest, item):
    return CheckoutError(
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


def _plan(*, items, windows, preferred, current, matches, busy):
    """Return {item id: [priest ids]}: each item gets ``priest_count`` distinct priests.

    For each puja, priests already on it are kept first, then the others in
    ``preferred`` order; a priest is placed only where they match and are
    free (``busy``: their other bookings' times; and their other pujas of
    this booking). Raise CheckoutError for a puja that cannot be staffed.
    """
    plan = {}
    taken = defaultdict(list)

    def free(priest_id, window):
        starts_at, ends_at = window
        return not any(
            other_start < ends_at and other_end > starts_at
            for other_start, other_end in [*busy.get(priest_id, ()), *taken[priest_id]]
        )

    for item in items:
        window = windows[item.pk]
        on_item = current.get(item.pk, ())
        order = [p for p in preferred if p in on_item] + [
            p for p in preferred if p not in on_item
        ]
        chosen = []
        for priest_id in order:
            if len(chosen) == item.priest_count:
                break
            if priest_id in matches[item.pk] and free(priest_id, window):
                chosen.append(priest_id)
                taken[priest_id].append(window)
        if len(chosen) < item.priest_count:
            raise CheckoutError(
                _(
                    "%(puja)s on %(date)s at %(slot)s needs %(needed)d priests; "
                    "only %(free)d matching priests are free then."
                )
                % {
                    "puja": item.service_title,
                    "date": formats.day(item.date),
                    "slot": item.slot_label,
                    "needed": item.priest_count,
                    "free": len(chosen),
                }
            )
        plan[item.pk] = chosen
    return plan


def assign_priests(*, booking: Booking, priests=(), actor, source="admin") -> Booking:
    """Staff the booking: every puja gets as many distinct priests as it needs.

    ``priests`` are the priests staff name, in order (the first leads). When
    they are as many as the booking needs, they are the whole team. Otherwise
    they join the team: the first takes the place of the lead when the team
    is full (a change of priest), else they fill open places; places still
    open are filled with the least busy matching free priests. Under the
    booking's row lock and the row locks of every priest considered (in id
    order), each priest is placed only on pujas they match and are free for;
    PostgreSQL's exclusion constraint refuses an overlap even if this check
    were bypassed. Tell the priests who join or leave and the customer after
    the commit. Raise CheckoutError when a named priest does not match or is
    busy, more priests are named than needed, or a puja cannot be staffed.
    """
    named = list(dict.fromkeys(priests))
    for priest in named:
        if not is_priest(priest):
            raise CheckoutError(
                _("%(name)s is not an active priest.") % {"name": priest}
            )
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
        items = list(_booking_items([booking.pk]))
        needed = max((item.priest_count for item in items), default=0)
        if len(named) > needed:
            raise CheckoutError(
                _("%(book_id)s needs %(needed)d priest(s); %(named)d were chosen.")
                % {"book_id": booking.book_id, "needed": needed, "named": len(named)}
            )
        live = list(Assignment.objects.live().filter(booking=booking))
        before = _team_ids(booking, live)
        current = defaultdict(list)
        for assignment in live:
            current[assignment.item_id].append(assignment.priest_id)
        full = booking.status == Booking.Status.ASSIGNED
        named_ids = [priest.pk for priest in named]
        replacing = len(named_ids) >= needed or (full and bool(before))
        if len(named_ids) >= needed:
            keep, dropped = [], [p for p in before if p not in named_ids]
        elif replacing:
            keep, dropped = before[1:], before[:1]
        else:
            keep, dropped = before, []
        keep = [p for p in keep if p not in named_ids]
        for item_id in current:
            current[item_id] = [p for p in current[item_id] if p not in dropped]
        rosters = {}
        matches = {}
        for item in items:
            roster = rosters.setdefault(item.date, Roster.load(date=item.date))
            matches[item.pk] = roster.matching(
                service=item.package.service,
                language=item.package.language,
                place=Place.for_address(item.package.service, booking.address),
                slot_id=item.slot_id,
            )
        for priest in named:
            for item in items:
                if priest.pk not in matches[item.pk]:
                    raise _cannot_take(priest, item)
        windows = {item.pk: item_window(item) for item in items}
        others = set().union(*matches.values()) - set(named_ids) - set(keep)
        others -= set(dropped)
        loads = _loads(others, items)
        declined = set(
            Assignment.objects.filter(
                booking=booking, status=Assignment.Status.DECLINED
            ).values_list("priest_id", flat=True)
        )
        # Least busy first; a priest who declined this booking only as a last resort.
        others = sorted(others, key=lambda pk: (pk in declined, loads.get(pk, 0), pk))
        # A new lead goes first; priests filling open places come after the
        # ones already there (the lead stays the lead).
        preferred = (
            [*named_ids, *keep, *others] if replacing else [*keep, *named_ids, *others]
        )
        if len(named_ids) >= needed:
            preferred = named_ids
        # The priests' row locks: assignments of one priest happen one at a time.
        list(
            Priest.objects.select_for_update()
            .filter(user_id__in=preferred)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        busy = defaultdict(list)
        for priest_id, book_id, starts_at, ends_at in (
            Assignment.objects.live()
            .filter(priest_id__in=preferred)
            .exclude(booking=booking)
            .filter(_overlaps(windows.values()))
            .values_list("priest_id", "booking__book_id", "starts_at", "ends_at")
        ):
            busy[priest_id].append((starts_at, ends_at))
            if priest_id in named_ids:
                raise CheckoutError(
                    _("%(priest)s is already busy then with %(book_id)s.")
                    % {
                        "priest": next(p for p in named if p.pk == priest_id),
                        "book_id": book_id,
                    }
                )
        plan = _plan(
            items=items,
            windows=windows,
            preferred=preferred,
            current=current,
            matches=matches,
            busy=busy,
        )
        placed = {p for chosen in plan.values() for p in chosen}
        for priest in named:
            if priest.pk not in placed:
                raise _cannot_take(priest, items[0])
        team = [p for p in preferred if p in placed]
        if full and set(team) == set(before) and team[:1] == before[:1]:
            raise CheckoutError(
                _("%(priest)s is already assigned to %(book_id)s.")
                % {
                    "priest": _names(named) or booking.assigned_priest,
                    "book_id": booking.book_id,
                }
            )
        # The customer reads "has changed" if the booking ever had a priest.
        changed = bool(before) or Assignment.objects.filter(booking=booking).exists()
        _apply_plan(
            booking=booking,
            items=items,
            windows=windows,
            plan=plan,
            live=live,
            actor=actor,
            source=source,
        )
        users = User.objects.in_bulk(team)
        lead = users[team[0]]
        booking.assigned_priest = lead
        users.update(User.objects.in_bulk([p for p in before if p not in users]))
        message = f"Priest(s) {_names(users[p] for p in team)} assigned."
        if before:
            message = (
                f"Priest(s) changed from {_names(users[p] for p in before)} "
                f"to {_names(users[p] for p in team)}."
            )
        states.move(
            booking,
            Booking.Status.ASSIGNED,
            source=source,
            action="booking.priest_assigned",
            update_fields=["assigned_priest"],
            message=message,
            payload={
                "priest_id": lead.pk,
                "priest_ids": team,
                "previous_priest_ids": before,
            },
            actor=actor,
        )
        booking_id = booking.pk
        added = [p for p in team if p not in before]
        removed = [p for p in before if p not in team]
        transaction.on_commit(
            lambda: notifications.priests_assigned(
                booking_id=booking_id,
                added_priest_ids=added,
                removed_priest_ids=removed,
                changed=changed,
            )
        )
    return booking


def _loads(priest_ids, items):
    """Return {priest id: live assignments in the week around ``items``' dates}."""
    dates = sorted(item.date for item in items)
    if not priest_ids or not dates:
        return {}
    return dict(
        Assignment.objects.live()
        .filter(
            priest_id__in=priest_ids,
            starts_at__date__gte=dates[0] - datetime.timedelta(days=7),
            starts_at__date__lte=dates[-1] + datetime.timedelta(days=7),
        )
        .values("priest_id")
        .annotate(n=Count("pk"))
        .values_list("priest_id", "n")
    )


def _apply_plan(*, booking, items, windows, plan, live, actor, source):
    """Release the assignments the plan drops and offer the new ones."""
    wanted = {(item_id, p) for item_id, chosen in plan.items() for p in chosen}
    for assignment in live:
        if (assignment.item_id, assignment.priest_id) in wanted:
            continue
        if assignment.status == Assignment.Status.DONE:
            raise CheckoutError(
                _("A priest already marked %(book_id)s done; it cannot be reassigned.")
                % {"book_id": booking.book_id}
            )
        assignment_states.move(
            assignment,
            Assignment.Status.RELEASED,
            source=source,
            actor=actor,
            message=f"Priest {assignment.priest_id} released: another priest takes "
            "the place.",
            payment_id=booking.payment_id,
        )
    have = {(a.item_id, a.priest_id) for a in live}
    new = [
        Assignment(
            booking=booking,
            item=item,
            priest_id=priest_id,
            starts_at=windows[item.pk][0],
            ends_at=windows[item.pk][1],
            assigned_by=actor,
        )
        for item in items
        for priest_id in plan[item.pk]
        if (item.pk, priest_id) not in have
    ]
    try:
        with transaction.atomic():
            for assignment in new:
                assignment.save()
    except IntegrityError:
        raise CheckoutError(
            _("A priest was just booked for an overlapping puja. Please try again.")
        ) from None
    for assignment in new:
        assignment_states.record_offered(
            assignment, source=source, actor=actor, payment_id=booking.payment_id
        )


def assign_priest(*, booking: Booking, priest, actor, source="admin") -> Booking:
    """Put ``priest`` on the booking's team (see ``assign_priests``).

    A booking whose team is complete gets ``priest`` as its new lead (the
    old lead is released); one with open places gets ``priest`` in one of
    them, and the other open places are filled automatically.
    """
    return assign_priests(booking=booking, priests=[priest], actor=actor, source=source)


def auto_assign(*, booking_id) -> Booking | None:
    """Staff the booking with the least busy matching free priests, if ``PRIESTS_AUTO_ASSIGN``.

    Priests already on it stay. Return the booking, or None when
    auto-assignment is off or the pujas cannot all be staffed (the booking
    then waits in Operations' "needs a priest" queue).
    """
    if not settings.PRIESTS_AUTO_ASSIGN:
        return None
    booking = Booking.objects.get(pk=booking_id)
    if booking.status != Booking.Status.CONFIRMED:
        return None
    try:
        return assign_priests(
            booking=booking, priests=[], actor=None, source="auto-assign"
        )
    except CheckoutError:
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
