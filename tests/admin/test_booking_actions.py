"""Booking actions through the admin: their effect on the database, the audit trail and email.

Bookings are paid for on the PhonePe sandbox and settled by ``sync_payment``.
"""

import csv
import io

import pytest
from django.urls import reverse

from checkout import operations
from checkout.models import AuditEntry, Booking, SlotHold
from checkout.services import CheckoutError
from tests import factories
from tests.admin.conftest import make_bookings_fast

pytestmark = pytest.mark.django_db


def change_url(booking):
    return reverse("admin:checkout_booking_change", args=[booking.pk])


def admin_audit(booking, action):
    return list(AuditEntry.objects.filter(booking=booking, action=action))


def test_booking_page_shows_items_address_payment_refunds_and_audit(
    client, staff, paid_booking
):
    client.force_login(staff.ops)
    response = client.get(change_url(paid_booking))
    assert response.status_code == 200
    html = response.content.decode()
    assert paid_booking.book_id in html
    assert paid_booking.payment.merchant_order_id in html
    assert "Shanti Apartments" in html  # the address snapshot
    assert "₹2,100.00" in html
    assert "booking.created" in html and "payment.succeeded" in html  # audit trail
    assert "No refunds." in html
    for tool in ("tool-assign", "tool-complete", "tool-resend", "tool-cancel"):
        assert f'id="{tool}"' in html
    # Read-only: no save button.
    assert 'name="_save"' not in html


def test_support_sees_only_the_resend_button(client, staff, paid_booking):
    client.force_login(staff.support)
    html = client.get(change_url(paid_booking)).content.decode()
    assert 'id="tool-resend"' in html
    for tool in ("tool-assign", "tool-complete", "tool-cancel"):
        assert f'id="{tool}"' not in html


def test_assign_priest_on_the_intermediate_page(
    client, staff, paid_booking, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(staff.ops)
    url = reverse("admin:checkout_booking_assign") + f"?ids={paid_booking.pk}"
    page = client.get(url)
    assert page.status_code == 200
    choices = [
        str(choice) for _value, choice in page.context["form"].fields["priest"].choices
    ]
    assert any("Ramesh Sharma" in c for c in choices)
    assert not any(staff.ops.email in c for c in choices)  # only the Priests group

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:checkout_booking_assign"),
            {"ids": str(paid_booking.pk), "priest": staff.priest.pk},
        )
    assert response.status_code == 302
    assert response["Location"] == change_url(paid_booking)
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.ASSIGNED
    assert paid_booking.assigned_priest == staff.priest
    [entry] = admin_audit(paid_booking, "booking.priest_assigned")
    assert (entry.actor, entry.from_state, entry.to_state) == (
        staff.ops,
        "confirmed",
        "assigned",
    )
    recipients = sorted(message.to[0] for message in mailoutbox)
    assert recipients == sorted([paid_booking.user.email, staff.priest.email])
    customer_mail = next(m for m in mailoutbox if m.to == [paid_booking.user.email])
    assert "Ramesh Sharma" in customer_mail.body
    assert paid_booking.book_id in customer_mail.subject
    priest_mail = next(m for m in mailoutbox if m.to == [staff.priest.email])
    assert "Shanti Apartments" in priest_mail.body
    assert priest_mail.alternatives  # an HTML part too


def test_assign_rejects_a_non_priest(client, staff, paid_booking, mailoutbox):
    client.force_login(staff.ops)
    mailoutbox.clear()
    response = client.post(
        reverse("admin:checkout_booking_assign"),
        {"ids": str(paid_booking.pk), "priest": staff.support.pk},
    )
    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors
    paid_booking.refresh_from_db()
    assert paid_booking.assigned_priest is None
    assert mailoutbox == []
    with pytest.raises(CheckoutError):
        operations.assign_priest(
            booking=paid_booking, priest=staff.ops, actor=staff.ops
        )


def test_assign_action_from_the_list_goes_to_the_intermediate_page(client, staff):
    # One priest can take all three only on different days (no double-booking),
    # and only where the priest goes.
    bookings = [make_bookings_fast(count=1, days_ahead=5 + n)[0] for n in range(3)]
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(
        address={
            "full_name": "Asha",
            "phone": "+919876543210",
            "city": "Bengaluru",
            "pincode": "560038",
            "lines": ["MG Road", "Bengaluru 560038"],
        }
    )
    factories.roster_for_every_priest()
    client.force_login(staff.ops)
    response = client.post(
        reverse("admin:checkout_booking_changelist"),
        {
            "action": "assign_priest_action",
            "_selected_action": [b.pk for b in bookings],
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:checkout_booking_assign"))
    page = client.get(response["Location"])
    assert {b.pk for b in page.context["bookings"]} == {b.pk for b in bookings}
    client.post(
        reverse("admin:checkout_booking_assign"),
        {"ids": page.context["ids"], "priest": staff.priest2.pk},
    )
    assert set(
        Booking.objects.filter(pk__in=[b.pk for b in bookings]).values_list(
            "status", "assigned_priest"
        )
    ) == {("assigned", staff.priest2.pk)}


def test_reassign_changes_the_priest_and_same_priest_is_refused(staff, paid_booking):
    operations.assign_priest(booking=paid_booking, priest=staff.priest, actor=staff.ops)
    with pytest.raises(CheckoutError, match="already assigned"):
        operations.assign_priest(
            booking=paid_booking, priest=staff.priest, actor=staff.ops
        )
    booking = operations.assign_priest(
        booking=paid_booking, priest=staff.priest2, actor=staff.ops
    )
    assert booking.assigned_priest == staff.priest2
    assert "changed from" in admin_audit(booking, "booking.priest_assigned")[-1].message


def test_mark_completed_button(client, staff, paid_booking):
    client.force_login(staff.ops)
    response = client.post(
        reverse("admin:checkout_booking_complete", args=[paid_booking.pk])
    )
    assert response.status_code == 302
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.COMPLETED
    [entry] = admin_audit(paid_booking, "booking.completed")
    assert entry.actor == staff.ops
    # Completed is final: a second press is refused with a message, nothing changes.
    response = client.post(
        reverse("admin:checkout_booking_complete", args=[paid_booking.pk]), follow=True
    )
    assert "cannot be marked completed" in response.content.decode()
    assert len(admin_audit(paid_booking, "booking.completed")) == 1


def test_complete_action_reports_bookings_it_cannot_complete(client, staff):
    done, cancelled = make_bookings_fast(count=2)
    Booking.objects.filter(pk=cancelled.pk).update(status=Booking.Status.CANCELLED)
    client.force_login(staff.ops)
    response = client.post(
        reverse("admin:checkout_booking_changelist"),
        {"action": "complete_action", "_selected_action": [done.pk, cancelled.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 booking(s) marked completed." in text
    assert f"{cancelled.book_id} is cancelled" in text
    assert Booking.objects.get(pk=done.pk).status == Booking.Status.COMPLETED
    assert Booking.objects.get(pk=cancelled.pk).status == Booking.Status.CANCELLED


@pytest.mark.parametrize(
    "status,operation",
    [
        (Booking.Status.COMPLETED, "assign"),
        (Booking.Status.CANCELLED, "assign"),
        (Booking.Status.COMPLETED, "complete"),
        (Booking.Status.CANCELLED, "complete"),
        (Booking.Status.COMPLETED, "cancel"),
        (Booking.Status.CANCELLED, "cancel"),
    ],
)
def test_transitions_not_allowed(staff, status, operation):
    [booking] = make_bookings_fast(count=1, status=status)
    calls = {
        "assign": lambda: operations.assign_priest(
            booking=booking, priest=staff.priest, actor=staff.ops
        ),
        "complete": lambda: operations.complete_booking(
            booking=booking, actor=staff.ops
        ),
        "cancel": lambda: operations.cancel_booking(
            booking=booking, actor=staff.ops, refund_paise=0, reason="test"
        ),
    }
    with pytest.raises(CheckoutError):
        calls[operation]()
    booking.refresh_from_db()
    assert booking.status == status
    assert not AuditEntry.objects.filter(booking=booking).exists()


def test_resend_confirmation_sends_one_more_email(
    client, staff, paid_booking, mailoutbox, django_capture_on_commit_callbacks
):
    confirmations = [
        m for m in mailoutbox if m.subject.startswith("Your puja is booked")
    ]
    assert len(confirmations) == 1  # the one the payment sent
    client.force_login(staff.support)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:checkout_booking_resend", args=[paid_booking.pk])
        )
    assert response.status_code == 302
    confirmations = [
        m for m in mailoutbox if m.subject.startswith("Your puja is booked")
    ]
    assert len(confirmations) == 2
    assert confirmations[-1].to == [paid_booking.user.email]
    [entry] = admin_audit(paid_booking, "booking.confirmation_resent")
    assert entry.actor == staff.support


def test_resend_refused_for_a_cancelled_booking(staff, mailoutbox):
    [booking] = make_bookings_fast(count=1, status=Booking.Status.CANCELLED)
    with pytest.raises(CheckoutError, match="cancelled"):
        operations.resend_confirmation(booking=booking, actor=staff.ops)
    assert mailoutbox == []


def test_cancel_without_refund_releases_the_slot(
    client, staff, paid_booking, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(staff.ops)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:checkout_booking_cancel", args=[paid_booking.pk]),
            {"refund_amount": "0", "reason": "Customer moved the puja to next year"},
        )
    assert response.status_code == 302
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CANCELLED
    assert set(
        SlotHold.objects.filter(booking=paid_booking).values_list("state", flat=True)
    ) == {SlotHold.State.RELEASED}
    assert not paid_booking.refunds.exists()
    [entry] = admin_audit(paid_booking, "booking.cancelled")
    assert "next year" in entry.message and entry.actor == staff.ops
    assert [m.subject for m in mailoutbox] == [
        f"Your booking {paid_booking.book_id} was cancelled"
    ]
    assert mailoutbox[0].to == [paid_booking.user.email]


def test_csv_export_of_the_filtered_list(client, staff):
    make_bookings_fast(count=3, service_title="Ganesh Puja")
    make_bookings_fast(count=2, service_title="=HYPERLINK(evil)", status="completed")
    client.force_login(staff.ops)
    response = client.get(
        reverse("admin:checkout_booking_export") + "?status=completed"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "book_id"
    assert len(rows) == 3  # header + the 2 completed bookings
    assert {row[1] for row in rows[1:]} == {"Completed"}
    assert rows[1][5] == "'=HYPERLINK(evil)"  # no formulas in spreadsheets
    assert rows[1][9] == "1501.00"


def test_csv_export_action_exports_the_selection(client, staff):
    bookings = make_bookings_fast(count=3)
    client.force_login(staff.ops)
    response = client.post(
        reverse("admin:checkout_booking_changelist"),
        {"action": "export_csv_action", "_selected_action": [bookings[0].pk]},
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[0] for row in rows[1:]] == [bookings[0].book_id]


@pytest.mark.parametrize("ids", ["²", "③,1", "1²"])
def test_assign_page_and_service_filter_refuse_unicode_digits(client, staff, ids):
    """ "²" passes str.isdigit() but not int(): it used to answer 500."""
    client.force_login(staff.ops)
    assign = client.get(reverse("admin:checkout_booking_assign") + f"?ids={ids}")
    assert assign.status_code in (200, 302)
    listing = client.get(
        reverse("admin:checkout_booking_changelist") + f"?service={ids}"
    )
    assert listing.status_code in (200, 302)
