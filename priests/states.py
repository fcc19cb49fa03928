"""The states of a priest's assignment and the only way to move them.

The same pattern as ``checkout.states``: the table lists every move allowed
out of each state and the code that makes it; ``move()`` checks the table,
saves the assignment and writes the AuditEntry (linked to the booking) in one
step, so an assignment never changes state without a trace and an illegal
move raises ``IllegalMove``. Callers hold the booking's row lock inside a
transaction. A new assignment starts OFFERED (``services`` creates it and
audits ``assignment.offered``).

    OFFERED  -> ACCEPTED   the priest accepts in the portal
    OFFERED  -> DECLINED   the priest declines (with the reason)
    ACCEPTED -> DECLINED   the priest can no longer go
    OFFERED/ACCEPTED -> RELEASED  another priest takes the place, the booking
                                  is cancelled, or a reschedule frees the priest
    OFFERED/ACCEPTED -> DONE      the priest marks the puja done
"""

from django.utils import timezone

from checkout.audit import record_audit
from checkout.states import IllegalMove, Move, StateMachine
from priests.models import Assignment

A = Assignment.Status

_RELEASE = (
    "services.assign_priests (another priest); services.release_for_cancellation; "
    "services.follow_reschedule"
)

ASSIGNMENT = StateMachine(
    name="assignment",
    model=Assignment,
    field="status",
    initial=A.OFFERED,
    moves=(
        Move(A.OFFERED, A.ACCEPTED, "services.accept_assignment"),
        Move(A.OFFERED, A.DECLINED, "services.decline_assignment"),
        Move(A.ACCEPTED, A.DECLINED, "services.decline_assignment"),
        Move(A.OFFERED, A.RELEASED, _RELEASE),
        Move(A.ACCEPTED, A.RELEASED, _RELEASE),
        Move(A.OFFERED, A.DONE, "services.complete_assignment"),
        Move(A.ACCEPTED, A.DONE, "services.complete_assignment"),
    ),
    final=frozenset({A.DECLINED, A.RELEASED, A.DONE}),
)

__all__ = ["ASSIGNMENT", "IllegalMove", "move", "record_offered"]


def _payload(assignment, payload):
    return {
        "assignment_id": assignment.pk,
        "item_id": assignment.item_id,
        "priest_id": assignment.priest_id,
        **(payload or {}),
    }


def move(
    assignment: Assignment,
    to,
    *,
    source,
    actor=None,
    message="",
    payload=None,
    update_fields=(),
    payment_id=None,
):
    """Move ``assignment`` to ``to``: check the table, save, write the audit entry.

    ``update_fields`` are other fields the caller set (saved with the status
    and ``responded_at``). Return the audit entry; raise IllegalMove for a
    move the table lacks.
    """
    previous = assignment.status
    if not ASSIGNMENT.allows(previous, to):
        raise IllegalMove(
            f"Assignment {assignment.pk}: {previous!r} -> {to!r} is not allowed."
        )
    assignment.status = to
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["status", "responded_at", *update_fields])
    return record_audit(
        source=source,
        action=f"assignment.{to}",
        from_state=previous,
        to_state=to,
        message=message or f"Assignment of priest {assignment.priest_id}: {to}.",
        payload=_payload(assignment, payload),
        actor=actor,
        booking_id=assignment.booking_id,
        payment_id=payment_id,
    )


def record_offered(assignment: Assignment, *, source, actor=None, payment_id=None):
    """Audit a new assignment (it starts in the table's initial state)."""
    return record_audit(
        source=source,
        action=f"assignment.{ASSIGNMENT.initial}",
        from_state="",
        to_state=assignment.status,
        message=f"Priest {assignment.priest_id} offered item {assignment.item_id}.",
        payload=_payload(assignment, None),
        actor=actor,
        booking_id=assignment.booking_id,
        payment_id=payment_id,
    )
