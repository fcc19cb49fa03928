"""The slot row locks and the room check under them, shared by Pay and settling.

``start_payment`` checks a cart's lines under these locks before holding its
slots; settling a paid payment whose holds lapsed checks them again before
booking; self-service reschedule takes the same locks.
"""

import datetime
from collections import defaultdict

from storefront import capacity
from storefront.models import Package, TimeSlot


def _check_lines_have_room(*, lines, address, slots, exclude_payment_id=None):
    """Raise SlotUnavailableError unless every snapshot line still has its priests.

    Lines of one slot are checked one after the other, each counting the
    earlier ones as already taken. The caller holds the slot row locks.
    """
    packages = Package.objects.select_related("service").in_bulk(
        {line["package_id"] for line in lines}
    )
    earlier = defaultdict(list)
    for line in lines:
        date = datetime.date.fromisoformat(line["date"])
        package = packages[line["package_id"]]
        capacity.check_slot_has_room(
            date=date,
            slot=slots[line["slot_id"]],
            priests=line["priest_count"],
            exclude_payment_id=exclude_payment_id,
            package=package,
            address=address,
            in_cart_lines=earlier[(date, line["slot_id"])],
        )
        earlier[(date, line["slot_id"])].append((package, line["priest_count"]))


def _lock_slots(slot_ids):
    """Lock the slot rows (in id order, so concurrent checkouts cannot deadlock).

    Every capacity decision for a slot happens under this lock, so two
    customers racing for the last priest of a slot are served one at a time.
    """
    return {
        slot.pk: slot
        for slot in TimeSlot.objects.select_for_update()
        .filter(pk__in=slot_ids)
        .order_by("pk")
    }
