"""What a priest does with their assignments from the portal: accept, decline, mark done."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout import states
from checkout.audit import record_audit
from checkout.errors import CheckoutError
from checkout.models import Booking
from priests import states as assignment_states
from priests.models import Assignment


def _lock_own(booking, priest, verb):
    """Lock an open booking the priest has a live (not yet done) assignment on."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    assignments = list(
        Assignment.objects.filter(
            booking=booking,
            priest=priest,
            status__in=[Assignment.Status.OFFERED, Assignment.Status.ACCEPTED],
        )
    )
    if booking.status not in states.BOOKING_OPEN_STATES or not assignments:
        raise CheckoutError(
            _("Booking %(book_id)s is not assigned to you; it cannot be %(verb)s.")
            % {"book_id": booking.book_id, "verb": verb}
        )
    return booking, assignments


def accept_assignment(*, booking: Booking, priest) -> Booking:
    """The priest confirms they will perform the booking's pujas."""
    with transaction.atomic():
        booking, assignments = _lock_own(booking, priest, _("accepted"))
        for assignment in assignments:
            if assignment.status == Assignment.Status.OFFERED:
                assignment_states.move(
                    assignment,
                    Assignment.Status.ACCEPTED,
                    source="priest-portal",
                    actor=priest,
                    message=f"{priest} accepted {booking.book_id}.",
                    payment_id=booking.payment_id,
                )
    return booking


def decline_assignment(*, booking: Booking, priest, reason: str) -> Booking:
    """Give the priest's place back to Operations' "needs a priest" queue, with the reason.

    Co-priests keep their places; the booking (without a lead until it is
    fully staffed again) waits for the open one.
    """
    reason = (reason or "").strip()
    if not reason:
        raise CheckoutError(_("Please say why you cannot take this puja."))
    with transaction.atomic():
        booking, assignments = _lock_own(booking, priest, _("declined"))
        for assignment in assignments:
            assignment.reason = reason[:255]
            assignment_states.move(
                assignment,
                Assignment.Status.DECLINED,
                source="priest-portal",
                actor=priest,
                message=f"{priest} declined: {reason}",
                payload={"reason": reason},
                update_fields=["reason"],
                payment_id=booking.payment_id,
            )
        # The booking waits in the queue for the open place; co-priests keep theirs.
        booking.assigned_priest = None
        payload = {"priest_id": priest.pk, "reason": reason}
        if booking.status == Booking.Status.ASSIGNED:
            states.move(
                booking,
                Booking.Status.CONFIRMED,
                source="priest-portal",
                action="booking.priest_declined",
                update_fields=["assigned_priest"],
                message=f"{priest} declined: {reason}",
                payload=payload,
                actor=priest,
            )
        else:
            booking.save(update_fields=["assigned_priest", "updated_at"])
            record_audit(
                source="priest-portal",
                action="booking.priest_declined",
                payment=booking.payment,
                booking=booking,
                from_state=booking.status,
                to_state=booking.status,
                message=f"{priest} declined: {reason}",
                payload=payload,
                actor=priest,
            )
    return booking


def complete_assignment(*, booking: Booking, priest, note: str = "") -> Booking:
    """Mark the priest's part done, once the first puja has begun.

    The booking is completed when its whole team has marked it done.
    """
    note = (note or "").strip()
    with transaction.atomic():
        booking, assignments = _lock_own(booking, priest, _("marked done"))
        if min(a.starts_at for a in assignments) > timezone.now():
            raise CheckoutError(
                _("%(book_id)s can be marked done once the puja has started.")
                % {"book_id": booking.book_id}
            )
        for assignment in assignments:
            assignment.note = note
            assignment_states.move(
                assignment,
                Assignment.Status.DONE,
                source="priest-portal",
                actor=priest,
                message=f"Done ({priest}). {note}".strip(),
                update_fields=["note"],
                payment_id=booking.payment_id,
            )
        waiting = (
            Assignment.objects.filter(booking=booking)
            .filter(status__in=[Assignment.Status.OFFERED, Assignment.Status.ACCEPTED])
            .exists()
        )
        if booking.status == Booking.Status.ASSIGNED and not waiting:
            states.move(
                booking,
                Booking.Status.COMPLETED,
                source="priest-portal",
                update_fields=[],
                message=f"Done ({priest}). {note}".strip(),
                actor=priest,
            )
    return booking
