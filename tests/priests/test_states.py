"""Assignment states move only through priests/states.py: checked, saved, audited."""

import datetime

import pytest
import time_machine

from checkout import operations
from checkout.models import AuditEntry
from priests import services, states
from priests.models import Assignment
from tests import factories
from tests.priests.conftest import make_booking


@pytest.fixture
def ops(db):
    return factories.make_user(email="ops-states-priests@okpuja.in", is_staff=True)


def assignment_actions(booking):
    return list(
        AuditEntry.objects.filter(booking=booking, action__startswith="assignment.")
        .order_by("pk")
        .values_list("action", "from_state", "to_state")
    )


def test_an_illegal_transition_is_refused_and_changes_nothing(world, ops):
    priest = world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    services.decline_assignment(booking=booking, priest=priest, reason="Fever")
    assignment = Assignment.objects.get(booking=booking)
    before = AuditEntry.objects.count()
    for target in (Assignment.Status.ACCEPTED, Assignment.Status.DONE):
        with pytest.raises(states.IllegalMove):
            states.move(assignment, target, source="test")
    assert Assignment.objects.get(pk=assignment.pk).status == "declined"
    assert AuditEntry.objects.count() == before
    assert not states.ASSIGNMENT.allows("done", "released")
    assert states.ASSIGNMENT.final == {"declined", "released", "done"}


def test_every_status_change_is_audited_with_its_states(world, ops):
    first, second = world.priest(), world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=first, actor=ops)
    services.accept_assignment(booking=booking, priest=first)
    services.assign_priest(booking=booking, priest=second, actor=ops)
    start = Assignment.objects.live().get(booking=booking).starts_at
    with time_machine.travel(start + datetime.timedelta(minutes=95)):
        services.complete_assignment(booking=booking, priest=second, note="")
    assert assignment_actions(booking) == [
        ("assignment.offered", "", "offered"),
        ("assignment.accepted", "offered", "accepted"),
        ("assignment.released", "accepted", "released"),
        ("assignment.offered", "", "offered"),
        ("assignment.done", "offered", "done"),
    ]
    entry = AuditEntry.objects.filter(action="assignment.accepted").get()
    assert entry.actor == first and entry.payload["priest_id"] == first.pk


def test_cancellation_and_reschedule_releases_go_through_the_table(world, ops):
    from checkout import selfservice

    priest = world.priest(slots=[world.morning])
    world.priest(slots=[world.evening])
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    selfservice.reschedule(
        booking=booking,
        user=booking.user,
        item_id=booking.items.get().pk,
        date=world.date,
        slot=world.evening,
    )
    assert assignment_actions(booking)[-1] == (
        "assignment.released",
        "offered",
        "released",
    )
    other = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=other, priest=priest, actor=ops)
    operations.cancel_booking(booking=other, actor=ops, refund_paise=0, reason="x")
    assert assignment_actions(other)[-1] == (
        "assignment.released",
        "offered",
        "released",
    )


def test_the_states_table_lists_every_status():
    listed = {m.source for m in states.ASSIGNMENT.moves} | {
        m.target for m in states.ASSIGNMENT.moves
    }
    assert listed == set(Assignment.Status.values)


def test_architecture_document_shows_the_assignment_table():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "ARCHITECTURE.md").read_text()
    section = re.search(r"^### Assignment\b.*?(?=^### |\Z)", text, re.M | re.S)
    assert section
    rows = set(re.findall(r"^\| `(\w+)` \| `(\w+)` \|", section.group(0), re.M))
    assert rows == {(m.source, m.target) for m in states.ASSIGNMENT.moves}
