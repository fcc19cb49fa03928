"""Slot capacity: how many priests a time slot still has free on a date.

This is the one place where the storefront reads checkout's records (and the
priest roster). Imports go from checkout to storefront, never back, except
here. Both the cart (``storefront.services``) and fulfilment
(``checkout.services``, under the slot row locks) ask this module, so the two
can never disagree.

Capacity comes from the priest roster (``priests.matching``): for a package
(its language and puja), a date, a slot and a place, the priests who match and
work then, minus the priests that live holds and bookings of the slot need
from among them. ``SlotCapacityOverride`` stays a cap on the whole slot (0
closes it). Until the roster has its first priest (a fresh install), a slot
sells its ``default_capacity``, the number of priests on duty, as before.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from checkout.models import BookingItem, SlotHold
from priests.matching import (
    Demand,
    Place,
    Roster,
    RosterPriest,
    bookable_priests,
    slot_demands,
)
from priests.models import LeaveDay, Priest, ServiceArea, WeeklyAvailability
from storefront import formats, selectors
from storefront.exceptions import SlotUnavailableError
from storefront.models import Package, SlotCapacityOverride, TimeSlot


def roster_in_use() -> bool:
    """Return whether capacity comes from the roster (it has at least one priest)."""
    return Priest.objects.exists()


@dataclass(frozen=True)
class SlotAvailability:
    slot: TimeSlot
    capacity: int
    taken: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def is_full(self) -> bool:
        return self.remaining == 0


def _place(package, address):
    if package is None:
        return Place.ANYWHERE
    return Place.for_address(package.service, address)


def slot_availability(
    *,
    date: datetime.date,
    slots=None,
    exclude_payment_id=None,
    package: Package | None = None,
    address: dict | None = None,
    in_cart_lines=(),
) -> list[SlotAvailability]:
    """Return the availability of the active slots (or ``slots``) on ``date``.

    This is the only place that computes availability. With a roster: the
    priests matching ``package`` (any puja when None) at ``address`` (its
    city and PIN code; anywhere when None) who work the slot, minus those the
    live holds and bookings need, never above an override's cap. Without a
    roster: the slot's capacity (default or override) minus the priests held.
    ``exclude_payment_id`` leaves out that payment's own holds, so fulfilment
    can ask whether the slots are still its own; ``in_cart_lines``
    [(package, priests)] are the customer's other lines in the same slot.
    """
    if slots is None:
        slots = list(selectors.active_slots())
    else:
        slots = list(slots)
    slot_ids = [slot.pk for slot in slots]
    overrides = {
        override.slot_id: override.capacity
        for override in SlotCapacityOverride.objects.filter(date=date).filter(
            Q(slot__isnull=True) | Q(slot_id__in=slot_ids)
        )
    }
    holds = SlotHold.objects.live().filter(date=date, slot_id__in=slot_ids)
    if exclude_payment_id is not None:
        holds = holds.exclude(payment_id=exclude_payment_id)
    taken = dict(
        holds.values("slot_id")
        .annotate(priests=Sum("priests"))
        .values_list("slot_id", "priests")
    )
    in_cart = sum(priests for _package, priests in in_cart_lines)
    roster = Roster.load(date=date) if roster_in_use() else None
    if roster is not None:
        place = _place(package, address)
        demands = slot_demands(
            date=date, slot_ids=slot_ids, exclude_payment_id=exclude_payment_id
        )
    result = []
    for slot in slots:
        cap = overrides.get(slot.pk, overrides.get(None))
        if not slot.is_active:
            result.append(SlotAvailability(slot=slot, capacity=0, taken=0))
        elif roster is None:
            capacity = slot.default_capacity if cap is None else cap
            result.append(
                SlotAvailability(
                    slot=slot,
                    capacity=capacity,
                    taken=taken.get(slot.pk, 0) + in_cart,
                )
            )
        else:
            slot_demand = list(demands.get(slot.pk, ()))
            slot_demand += [
                Demand(
                    priests=priests,
                    service=line_package.service,
                    language=line_package.language,
                    place=place,
                )
                for line_package, priests in in_cart_lines
            ]
            free = bookable_priests(
                roster=roster,
                demands={slot.pk: slot_demand},
                package=package,
                place=place,
                slot_id=slot.pk,
            )
            if cap is not None:
                free = min(free, cap - taken.get(slot.pk, 0) - in_cart)
            result.append(SlotAvailability(slot=slot, capacity=max(free, 0), taken=0))
    return result


def check_slot_has_room(
    *,
    date: datetime.date,
    slot: TimeSlot,
    priests: int,
    exclude_payment_id=None,
    package: Package | None = None,
    address: dict | None = None,
    in_cart_lines=(),
) -> None:
    """Raise SlotUnavailableError unless ``priests`` more fit into the slot.

    ``package`` and ``address`` say who can serve them (see
    ``slot_availability``); ``in_cart_lines`` [(package, priests)] of the same
    slot are already in the customer's cart: they count against the capacity
    and are left out of the "N free" message.
    """
    (availability,) = slot_availability(
        date=date,
        slots=[slot],
        exclude_payment_id=exclude_payment_id,
        package=package,
        address=address,
        in_cart_lines=in_cart_lines,
    )
    free = availability.remaining
    if free < priests:
        if free == 0:
            message = _(
                "The %(slot)s slot on %(date)s is full. Please pick another slot."
            )
        else:
            message = _(
                "Only %(left)d priest(s) are free in the %(slot)s slot on %(date)s. "
                "Please pick another slot."
            )
        raise SlotUnavailableError(
            message % {"slot": slot.display, "date": formats.day(date), "left": free}
        )


# Days with room (the service page's quick picks) ---------------------------------


# The quick picks look this many days ahead for days with room.
QUICK_DAYS_HORIZON = 28


def next_days_with_room(
    *,
    first: datetime.date,
    last: datetime.date,
    count: int,
    package: Package | None = None,
    address: dict | None = None,
) -> list[datetime.date]:
    """Return the first ``count`` days from ``first`` (up to ``last`` and
    ``QUICK_DAYS_HORIZON`` days ahead) with room for ``package`` at ``address``."""
    span = min((last - first).days + 1, QUICK_DAYS_HORIZON)
    dates = [first + datetime.timedelta(days=n) for n in range(max(span, 0))]
    with_room = days_with_room(dates=dates, package=package, address=address)
    return [date for date in dates if date in with_room][:count]


def days_with_room(
    *,
    dates,
    package: Package | None = None,
    address: dict | None = None,
) -> set[datetime.date]:
    """Return the dates among ``dates`` on which an active slot has room for
    ``package`` (its number of priests; one without a package) at ``address``.

    The answer ``slot_availability`` gives date by date, read in a fixed
    number of queries however many dates, slots, priests and bookings: the
    slots, overrides and live holds of all the dates at once, then (with a
    roster) the roster of every weekday and the holds' demands at once.
    """
    dates = sorted(set(dates))
    if not dates:
        return set()
    slots = list(selectors.active_slots())
    slot_ids = [slot.pk for slot in slots]
    needed = package.priest_count if package is not None else 1
    overrides = defaultdict(dict)
    for date, slot_id, cap in (
        SlotCapacityOverride.objects.filter(date__in=dates)
        .filter(Q(slot__isnull=True) | Q(slot_id__in=slot_ids))
        .values_list("date", "slot_id", "capacity")
    ):
        overrides[date][slot_id] = cap
    taken = {
        (date, slot_id): priests
        for date, slot_id, priests in SlotHold.objects.live()
        .filter(date__in=dates, slot_id__in=slot_ids)
        .values("date", "slot_id")
        .annotate(priests=Sum("priests"))
        .values_list("date", "slot_id", "priests")
    }
    rosters = _rosters(dates) if roster_in_use() else None
    if rosters is not None:
        place = _place(package, address)
        demands = _demands(dates=dates, slot_ids=slot_ids)
    with_room = set()
    for date in dates:
        for slot in slots:
            cap = overrides[date].get(slot.pk, overrides[date].get(None))
            used = taken.get((date, slot.pk), 0)
            if rosters is None:
                free = (slot.default_capacity if cap is None else cap) - used
            else:
                free = bookable_priests(
                    roster=rosters[date],
                    demands={slot.pk: demands.get((date, slot.pk), [])},
                    package=package,
                    place=place,
                    slot_id=slot.pk,
                )
                if cap is not None:
                    free = min(free, cap - used)
            if free >= needed:
                with_room.add(date)
                break
    return with_room


def _rosters(dates) -> dict:
    """Return {date: Roster} for ``dates``, as ``Roster.load`` reads one date,
    in six queries however many dates."""
    weekdays = {date.weekday() for date in dates}
    rows = {
        row["pk"]: row
        for row in Priest.objects.filter(is_active=True, user__is_active=True)
        .filter(availability__weekday__in=weekdays)
        .distinct()
        .values("pk", "user_id", "languages")
    }
    ids = list(rows)
    slot_ids = defaultdict(set)
    categories = defaultdict(set)
    services = defaultdict(set)
    areas = defaultdict(list)
    on_leave = set()
    if ids:
        for priest_id, weekday, slot_id in WeeklyAvailability.objects.filter(
            priest_id__in=ids, weekday__in=weekdays
        ).values_list("priest_id", "weekday", "slot_id"):
            slot_ids[(priest_id, weekday)].add(slot_id)
        for priest_id, category_id in Priest.categories.through.objects.filter(
            priest_id__in=ids
        ).values_list("priest_id", "category_id"):
            categories[priest_id].add(category_id)
        for priest_id, service_id in Priest.services.through.objects.filter(
            priest_id__in=ids
        ).values_list("priest_id", "service_id"):
            services[priest_id].add(service_id)
        for priest_id, kind, value in ServiceArea.objects.filter(
            priest_id__in=ids
        ).values_list("priest_id", "kind", "value"):
            areas[priest_id].append((kind, value))
        on_leave = set(
            LeaveDay.objects.filter(priest_id__in=ids, date__in=dates).values_list(
                "priest_id", "date"
            )
        )
    rosters = {}
    for date in dates:
        weekday = date.weekday()
        rosters[date] = Roster(
            date=date,
            priests=[
                RosterPriest(
                    pk=pk,
                    user_id=row["user_id"],
                    languages=frozenset(row["languages"] or ()),
                    category_ids=categories[pk],
                    service_ids=services[pk],
                    areas=areas[pk],
                    slot_ids=slot_ids[(pk, weekday)],
                )
                for pk, row in rows.items()
                if slot_ids[(pk, weekday)] and (pk, date) not in on_leave
            ],
        )
    return rosters


def _demands(*, dates, slot_ids) -> dict:
    """Return {(date, slot_id): [Demand]} of the live holds on ``dates``, as
    ``slot_demands`` reads one date, in three queries however many dates."""
    holds = SlotHold.objects.live().filter(date__in=dates, slot_id__in=slot_ids)
    wanted = []
    booking_ids = set()
    for date, slot_id, snapshot, booking_id in holds.values_list(
        "date", "slot_id", "payment__snapshot", "booking_id"
    ):
        if booking_id is not None:
            booking_ids.add(booking_id)
            continue
        for line in (snapshot or {}).get("lines", ()):
            if line["slot_id"] == slot_id and line["date"] == date.isoformat():
                wanted.append(
                    (date, slot_id, line["package_id"], line["priest_count"], snapshot)
                )
    if booking_ids:
        for date, slot_id, package_id, priests, address in BookingItem.objects.filter(
            booking_id__in=booking_ids, date__in=dates, slot_id__in=slot_ids
        ).values_list(
            "date", "slot_id", "package_id", "priest_count", "booking__address"
        ):
            wanted.append((date, slot_id, package_id, priests, {"address": address}))
    packages = Package.objects.select_related("service").in_bulk(
        {package_id for _date, _slot, package_id, _n, _s in wanted}
    )
    demands = defaultdict(list)
    for date, slot_id, package_id, priests, source in wanted:
        package = packages.get(package_id)
        if package is None:
            continue
        demands[(date, slot_id)].append(
            Demand(
                priests=priests,
                service=package.service,
                language=package.language,
                place=Place.for_address(package.service, source.get("address")),
            )
        )
    return demands


def lines_without_priests(*, lines, address: dict | None, exclude_payment_id=None):
    """Return {cart line id: message} for the lines no priest can take at ``address``.

    The checkout page asks this whenever the customer picks an address, with
    the same rule Pay applies under the slot locks (``check_slot_has_room``
    per line, earlier lines of the slot counted as taken), so a line that
    Pay would refuse is flagged before the customer presses Pay.
    """
    if address is None:
        return {}
    earlier = defaultdict(list)
    problems = {}
    for line in lines:
        key = (line.date, line.slot_id)
        needed = line.package.priest_count
        try:
            check_slot_has_room(
                date=line.date,
                slot=line.slot,
                priests=needed,
                exclude_payment_id=exclude_payment_id,
                package=line.package,
                address=address,
                in_cart_lines=earlier[key],
            )
        except SlotUnavailableError:
            problems[line.pk] = _(
                "No priest for this puja is free in %(city)s on %(date)s at "
                "%(slot)s. Choose another address, or change the date or time "
                "in your cart."
            ) % {
                "city": address.get("city") or address.get("pincode", ""),
                "date": formats.day(line.date),
                "slot": line.slot.display,
            }
        earlier[key].append((line.package, needed))
    return problems
