"""Slot capacity: how many priests a time slot still has free on a date.

This is the one place where the storefront reads checkout's records. Imports
go from checkout to storefront, never back, except here: availability is the
slot's capacity (its default or a date override) minus the priests taken by
checkout's live ``SlotHold`` rows, which cover both payments in progress and
bookings. Both the cart (``storefront.services``) and fulfilment
(``checkout.services``) ask this module, so the two can never disagree.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from checkout.models import SlotHold
from storefront import selectors
from storefront.exceptions import SlotUnavailableError
from storefront.models import SlotCapacityOverride, TimeSlot


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


def slot_availability(
    *, date: datetime.date, slots=None, exclude_payment_id=None
) -> list[SlotAvailability]:
    """Return the availability of the active slots (or ``slots``) on ``date``.

    This is the only place that computes availability: capacity (the slot's
    default or a date override) minus the priests taken by live payment holds
    and bookings. ``exclude_payment_id`` leaves out that payment's own holds,
    so fulfilment can ask whether the slots are still its own.
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
    result = []
    for slot in slots:
        if not slot.is_active:
            capacity = 0
        elif slot.pk in overrides:
            capacity = overrides[slot.pk]
        elif None in overrides:
            capacity = overrides[None]
        else:
            capacity = slot.default_capacity
        result.append(
            SlotAvailability(slot=slot, capacity=capacity, taken=taken.get(slot.pk, 0))
        )
    return result


def check_slot_has_room(
    *,
    date: datetime.date,
    slot: TimeSlot,
    priests: int,
    exclude_payment_id=None,
    in_cart: int = 0,
) -> None:
    """Raise SlotUnavailableError unless ``priests`` more fit into the slot.

    ``in_cart`` priests of the same slot are already in the customer's cart;
    they count against the capacity and are left out of the "N free" message.
    """
    (availability,) = slot_availability(
        date=date, slots=[slot], exclude_payment_id=exclude_payment_id
    )
    free = max(availability.remaining - in_cart, 0)
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
            message
            % {"slot": slot.display, "date": date.strftime("%d %b %Y"), "left": free}
        )
