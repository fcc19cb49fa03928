"""Everyone is told, through checkout/notifications.py: each path of a booking's priests."""

import pytest
from django.core import mail
from django.urls import reverse

from checkout import selfservice
from priests import services
from priests.models import Assignment, VideoLink
from tests import factories
from tests.priests.conftest import make_booking


@pytest.fixture
def ops(db):
    return factories.make_user(email="ops-notify@okpuja.in", is_staff=True)


def inbox(user):
    return [m.subject for m in mail.outbox if m.to == [user.email]]


def reschedule(booking, world, slot):
    selfservice.reschedule(
        booking=booking,
        user=booking.user,
        item_id=booking.items.get().pk,
        date=world.date,
        slot=slot,
    )


def test_reschedule_keeping_the_priest_tells_the_priest_only(
    world, ops, django_capture_on_commit_callbacks
):
    priest = world.priest(slots=[world.morning, world.evening])
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reschedule(booking, world, world.evening)
    assert len(inbox(priest)) == 1 and inbox(priest)[0].startswith("Rescheduled")
    assert inbox(booking.user) == []


def test_reschedule_freeing_the_priest_tells_priest_and_customer(
    world, ops, django_capture_on_commit_callbacks
):
    priest = world.priest(slots=[world.morning])
    world.priest(slots=[world.evening])
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reschedule(booking, world, world.evening)
    assert inbox(priest) == [
        f"{booking.book_id} was rescheduled; you are no longer needed"
    ]
    (customer,) = [m for m in mail.outbox if m.to == [booking.user.email]]
    assert customer.subject == (
        f"{booking.book_id}: we are finding a priest for the new time"
    )
    assert priest.get_full_name() in customer.body


def test_reschedule_with_auto_assign_tells_the_customer_the_new_priest(
    world, ops, settings, django_capture_on_commit_callbacks
):
    settings.PRIESTS_AUTO_ASSIGN = True
    priest = world.priest(slots=[world.morning])
    evening = world.priest(first_name="Evening", slots=[world.evening])
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reschedule(booking, world, world.evening)
    booking.refresh_from_db()
    assert booking.assigned_priest == evening
    subjects = inbox(booking.user)
    assert any("finding a priest" in s for s in subjects)
    assert any("has changed: Evening" in s for s in subjects)
    assert any(s.startswith("New puja assigned") for s in inbox(evening))


def test_priest_sets_video_link_customer_is_emailed_and_sees_it(
    client, world, ops, django_capture_on_commit_callbacks
):
    priest = world.priest(areas=[("online", "")])
    booking = make_booking(
        package=world.online_hindi, slot=world.morning, date=world.date
    )
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    item = booking.items.get()
    url = reverse("priests:video-link", args=[booking.book_id, item.pk])
    client.force_login(priest)
    page = client.get(reverse("priests:portal")).content.decode()
    assert "Video-call link (https)" in page
    mail.outbox.clear()
    for bad in ("http://meet.example.com/x", "javascript:alert(1)", "", "ftp://x.in"):
        client.post(url, {"url": bad})
    assert not VideoLink.objects.exists()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"url": "https://meet.example.com/okpuja-1"})
    assert response.status_code == 302
    assert VideoLink.objects.get(item=item).url == "https://meet.example.com/okpuja-1"
    (email,) = mail.outbox
    assert email.to == [booking.user.email]
    assert "https://meet.example.com/okpuja-1" in email.body
    assert (
        "https://meet.example.com/okpuja-1"
        in client.get(reverse("priests:portal")).content.decode()
    )
    client.force_login(booking.user)
    page = client.get(
        reverse("checkout:booking-detail", args=[booking.book_id])
    ).content.decode()
    assert 'href="https://meet.example.com/okpuja-1"' in page
    assert "Join the video call" in page


def test_only_the_pujas_priests_and_staff_set_the_link(
    client, world, ops, django_capture_on_commit_callbacks
):
    from checkout.roles import OPERATIONS, ensure_staff_groups

    priest = world.priest(areas=[("online", ""), ("city", "Bengaluru")])
    stranger = world.priest(areas=[("online", "")])
    booking = make_booking(
        package=world.online_hindi, slot=world.morning, date=world.date
    )
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    item = booking.items.get()
    client.force_login(stranger)
    response = client.post(
        reverse("priests:video-link", args=[booking.book_id, item.pk]),
        {"url": "https://evil.example.com/"},
    )
    assert response.status_code == 404
    # A puja at home has no video link.
    home = make_booking(package=world.hindi, slot=world.evening, date=world.date)
    services.assign_priest(booking=home, priest=priest, actor=ops)
    client.force_login(priest)
    client.post(
        reverse("priests:video-link", args=[home.book_id, home.items.get().pk]),
        {"url": "https://meet.example.com/home"},
    )
    assert not VideoLink.objects.exists()
    # Operations set it from the board.
    ops.groups.add(ensure_staff_groups()[OPERATIONS])
    client.force_login(ops)
    page = client.get(
        reverse("admin:priests_board"), {"date": world.date.isoformat()}
    ).content.decode()
    assert "Set video link" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:priests_board_video_link"),
            {"item": item.pk, "url": "https://meet.example.com/ops"},
        )
    assert VideoLink.objects.get(item=item).set_by == ops
    assert any(m.to == [booking.user.email] for m in mail.outbox)
    assert Assignment.objects.live().filter(booking=booking).count() == 1
