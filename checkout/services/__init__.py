"""The money path: start_payment -> sync -> settle -> book, or refund.

``payments`` starts a payment (freezes the cart, holds its slots, creates
the PhonePe order) and cancels a pending one; ``settlement`` is ``sync``, the
only code that moves a payment to a final state and the only code that
creates a booking (or starts the refund when the booking is blocked);
``slots`` holds the slot row locks and room check both use.

Callers use ``from checkout import services`` and the names below. Callers
that tests replace (``reconcile`` calls ``services.sync_payment``) look the
name up here; ``capacity`` and ``phonepe`` are the modules themselves, so a
patch of ``services.capacity.check_slot_has_room`` reaches the room check.
"""

from checkout import phonepe
from checkout.audit import record_audit
from checkout.errors import CheckoutError
from checkout.services.payments import (
    cancel_pending_payment,
    new_merchant_order_id,
    start_payment,
)
from checkout.services.settlement import (
    FAILURE_MESSAGES,
    GATEWAY_FAILED_STATES,
    LATE_COMPLETION_WINDOW,
    UNKNOWN_ORDER_GRACE,
    SyncResult,
    apply_order_status,
    next_check_at,
    next_check_delay,
    payment_can_change,
    sync,
    sync_payment,
)
from checkout.services.slots import _lock_slots
from storefront import capacity

__all__ = [
    "FAILURE_MESSAGES",
    "GATEWAY_FAILED_STATES",
    "LATE_COMPLETION_WINDOW",
    "UNKNOWN_ORDER_GRACE",
    "CheckoutError",
    "SyncResult",
    "_lock_slots",
    "apply_order_status",
    "cancel_pending_payment",
    "capacity",
    "new_merchant_order_id",
    "next_check_at",
    "next_check_delay",
    "payment_can_change",
    "phonepe",
    "record_audit",
    "start_payment",
    "sync",
    "sync_payment",
]
