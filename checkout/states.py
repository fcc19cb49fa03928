"""The states of checkout's records and the only way to move them.

Every state of Payment, Cart (the moves checkout owns), SlotHold, Booking and
Refund is listed here with the moves allowed out of it and the code that makes
each move. ``move()`` checks the table, saves the record and writes the
AuditEntry in one step, so no state changes without a trace and an illegal move
raises instead of quietly corrupting the money path. Callers hold the row lock
(``select_for_update``) of the record, or of its payment, inside a transaction.
``move_rows()`` is the same for rows moved by one conditional UPDATE (which
takes their row locks itself): only the rows still in the expected state move.

ARCHITECTURE.md shows these tables; ``tests/checkout/test_states.py`` checks
that it matches.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from checkout.audit import record_audit
from checkout.models import Booking, Payment, Refund, SlotHold
from checkout.prepared import update_where
from storefront.models import Cart


class IllegalMove(Exception):
    """A state move the tables below do not allow: a bug, never a customer error."""


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    by: str  # the function that makes this move


@dataclass(frozen=True)
class StateMachine:
    name: str  # prefix of the audit action, e.g. "payment"
    model: type
    field: str
    moves: tuple[Move, ...]
    initial: str
    final: frozenset = field(default_factory=frozenset)

    def allows(self, source, target) -> bool:
        return any(m.source == source and m.target == target for m in self.moves)

    def targets(self, source) -> set:
        return {m.target for m in self.moves if m.source == source}


P, C, H, B, R = (
    Payment.Status,
    Cart.Status,
    SlotHold.State,
    Booking.Status,
    Refund.State,
)

PAYMENT = StateMachine(
    name="payment",
    model=Payment,
    field="status",
    initial=P.PENDING,
    moves=(
        Move(P.PENDING, P.SUCCESS, "services.apply_order_status (PhonePe COMPLETED)"),
        Move(
            P.PENDING,
            P.FAILED,
            "services.apply_order_status (declined, expired, unknown); "
            "services.cancel_pending_payment (the customer gave up)",
        ),
        # Failed here (expired, gateway unreachable) while PhonePe had not said
        # FAILED: a late COMPLETED still ends in a booking or a refund.
        Move(P.FAILED, P.SUCCESS, "services.apply_order_status (late COMPLETED)"),
    ),
    final=frozenset({P.SUCCESS}),
)

CART = StateMachine(
    name="cart",
    model=Cart,
    field="status",
    initial=C.OPEN,
    moves=(
        Move(C.OPEN, C.FROZEN, "services.start_payment"),
        Move(C.FROZEN, C.OPEN, "services fail/refund: no pending payment left"),
        Move(C.FROZEN, C.CONVERTED, "services.settlement (booking)"),
        # A payment that failed here unfroze the cart; PhonePe completed it late.
        Move(C.OPEN, C.CONVERTED, "services.settlement (booking) (late COMPLETED)"),
        # OPEN -> MERGED belongs to the storefront (merging a session cart at login).
    ),
    final=frozenset({C.CONVERTED, C.MERGED}),
)

SLOT_HOLD = StateMachine(
    name="hold",
    model=SlotHold,
    field="state",
    initial=H.HELD,
    moves=(
        Move(H.HELD, H.BOOKED, "services.settlement (booking)"),
        Move(H.HELD, H.RELEASED, "services: payment failed or not bookable"),
        # The hold lapsed or was released and the slot was still free when
        # PhonePe completed late.
        Move(H.RELEASED, H.BOOKED, "services.settlement (booking) (late COMPLETED)"),
        Move(H.BOOKED, H.RELEASED, "operations.cancel_booking"),
    ),
)

BOOKING = StateMachine(
    name="booking",
    model=Booking,
    field="status",
    initial=B.CONFIRMED,
    moves=(
        Move(B.CONFIRMED, B.ASSIGNED, "operations.assign_priest"),
        Move(B.ASSIGNED, B.ASSIGNED, "operations.assign_priest (another priest)"),
        # Back to Operations' "needs a priest" queue: the priest declined, or
        # cannot take a rescheduled puja.
        Move(
            B.ASSIGNED,
            B.CONFIRMED,
            "priests.services.decline_assignment / follow_reschedule",
        ),
        Move(B.CONFIRMED, B.COMPLETED, "operations.complete_booking"),
        Move(B.ASSIGNED, B.COMPLETED, "operations.complete_booking"),
        Move(B.CONFIRMED, B.CANCELLED, "operations.cancel_booking"),
        Move(B.ASSIGNED, B.CANCELLED, "operations.cancel_booking"),
    ),
    final=frozenset({B.COMPLETED, B.CANCELLED}),
)

REFUND = StateMachine(
    name="refund",
    model=Refund,
    field="state",
    initial=R.REQUESTED,
    # PhonePe's answers may arrive out of order: states only move forward.
    moves=tuple(
        Move(source, target, "refunds.submit_refund / sync_refund")
        for source, targets in {
            R.REQUESTED: (R.PENDING, R.CONFIRMED, R.COMPLETED, R.FAILED),
            R.PENDING: (R.CONFIRMED, R.COMPLETED, R.FAILED),
            R.CONFIRMED: (R.COMPLETED, R.FAILED),
        }.items()
        for target in targets
    ),
    final=frozenset({R.COMPLETED, R.FAILED}),
)

MACHINES = {m.model: m for m in (PAYMENT, CART, SLOT_HOLD, BOOKING, REFUND)}

#: Refunds that PhonePe may still complete: they count against what can be refunded.
REFUND_OPEN_STATES = frozenset({R.REQUESTED, R.PENDING, R.CONFIRMED})

#: Bookings staff can still act on (assign, complete, cancel).
BOOKING_OPEN_STATES = frozenset({B.CONFIRMED, B.ASSIGNED})


def _links(obj):
    """The audit entry's payment/booking/refund for a record."""
    if isinstance(obj, Payment):
        return {"payment": obj}
    if isinstance(obj, Booking):
        return {"payment_id": obj.payment_id, "booking": obj}
    if isinstance(obj, Refund):
        return {
            "payment_id": obj.payment_id,
            "booking_id": obj.booking_id,
            "refund": obj,
        }
    if isinstance(obj, SlotHold):
        return {"payment_id": obj.payment_id, "booking_id": obj.booking_id}
    return {}


def move(
    obj,
    to,
    *,
    source,
    actor=None,
    message="",
    payload=None,
    action=None,
    update_fields=None,
    payment=None,
):
    """Move ``obj`` to state ``to``: check the table, save, write the audit entry.

    ``update_fields`` limits the save (the state field and ``updated_at`` are
    added); None saves the whole record, with whatever else the caller set.
    ``payment`` links a Cart's audit entry to the payment that moved it.
    Return the audit entry. Raise IllegalMove for a move the table lacks.
    """
    machine = MACHINES[type(obj)]
    previous = getattr(obj, machine.field)
    if not machine.allows(previous, to):
        raise IllegalMove(
            f"{machine.model.__name__} {obj.pk}: {previous!r} -> {to!r} is not allowed."
        )
    setattr(obj, machine.field, to)
    if update_fields is None:
        obj.save()
    else:
        fields = {machine.field, *update_fields}
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            fields.add("updated_at")
        obj.save(update_fields=sorted(fields))
    links = _links(obj)
    if payment is not None:
        links.setdefault("payment", payment)
    if isinstance(obj, Cart):
        message = message or f"Cart {obj.pk} {previous} -> {to}."
    return record_audit(
        source=source,
        action=action or f"{machine.name}.{to}",
        from_state=previous,
        to_state=to,
        message=message,
        payload=payload,
        actor=actor,
        **links,
    )


def move_rows(
    model,
    *,
    where,
    from_state,
    to,
    source,
    actor=None,
    message="",
    payload=None,
    action=None,
    values=None,
    **links,
):
    """Move the ``model`` rows matching ``where`` that are in ``from_state`` to ``to``.

    Return how many moved. One conditional UPDATE (it locks the rows and
    re-checks their state, so a row another transaction moved meanwhile is
    left alone, see ``checkout.prepared.update_where``) sets the state and
    ``values``; then
    one audit entry per moved row, linked by ``links``. Raise IllegalMove
    for a move the table lacks.
    """
    machine = MACHINES[model]
    if not machine.allows(from_state, to):
        raise IllegalMove(
            f"{machine.model.__name__}: {from_state!r} -> {to!r} is not allowed."
        )
    changes = {machine.field: to, **(values or {})}
    if any(f.name == "updated_at" for f in machine.model._meta.concrete_fields):
        changes.setdefault("updated_at", timezone.now())
    moved = update_where(model, {**where, machine.field: from_state}, changes)
    for _row in range(moved):
        record_audit(
            source=source,
            action=action or f"{machine.name}.{to}",
            from_state=from_state,
            to_state=to,
            message=message,
            payload=payload,
            actor=actor,
            **links,
        )
    return moved
