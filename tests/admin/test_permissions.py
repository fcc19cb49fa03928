"""Who reaches which admin page, action and intermediate page.

Expected answers: 200 (allowed), 403 (staff without the permission), "login"
(302 to the admin login: customers, priests (not staff; they have the priest
portal), staff with no permission at all and anonymous visitors never get in).
"""

import pytest
from django.urls import reverse

from checkout.models import AuditEntry, Booking, Refund
from tests.admin.conftest import make_bookings_fast

ROLES = ["ops", "support", "priest", "customer", "anonymous", "superuser"]

# page -> expected answer per role, in ROLES order
PAGES = {
    "index": (200, 200, "login", "login", "login", 200),
    "booking_list": (200, 200, "login", "login", "login", 200),
    "booking_detail": (200, 200, "login", "login", "login", 200),
    "booking_assign": (200, 403, "login", "login", "login", 200),
    "booking_cancel": (200, 403, "login", "login", "login", 200),
    "booking_export": (200, 403, "login", "login", "login", 200),
    "booking_add": (403, 403, "login", "login", "login", 403),
    "payment_list": (200, 200, "login", "login", "login", 200),
    "payment_detail": (200, 200, "login", "login", "login", 200),
    "refund_list": (200, 403, "login", "login", "login", 200),
    "webhook_list": (200, 403, "login", "login", "login", 200),
    "audit_list": (200, 403, "login", "login", "login", 200),
    "slothold_list": (200, 403, "login", "login", "login", 200),
}


def page_url(name, booking):
    return {
        "index": reverse("admin:index"),
        "booking_list": reverse("admin:checkout_booking_changelist"),
        "booking_detail": reverse("admin:checkout_booking_change", args=[booking.pk]),
        "booking_assign": reverse("admin:checkout_booking_assign")
        + f"?ids={booking.pk}",
        "booking_cancel": reverse("admin:checkout_booking_cancel", args=[booking.pk]),
        "booking_export": reverse("admin:checkout_booking_export"),
        "booking_add": reverse("admin:checkout_booking_add"),
        "payment_list": reverse("admin:checkout_payment_changelist"),
        "payment_detail": reverse(
            "admin:checkout_payment_change", args=[booking.payment_id]
        ),
        "refund_list": reverse("admin:checkout_refund_changelist"),
        "webhook_list": reverse("admin:checkout_webhookdelivery_changelist"),
        "audit_list": reverse("admin:checkout_auditentry_changelist"),
        "slothold_list": reverse("admin:checkout_slothold_changelist"),
    }[name]


def login_as(client, staff, role):
    user = staff.role(role)
    if user is not None:
        client.force_login(user)
    return user


def assert_answer(response, expected):
    if expected == "login":
        assert response.status_code == 302, response
        assert response["Location"].startswith(reverse("admin:login")), response[
            "Location"
        ]
    else:
        assert response.status_code == expected, (response.status_code, expected)


@pytest.fixture
def booking(staff):
    return make_bookings_fast(count=1)[0]


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(client, staff, booking, role, page):
    login_as(client, staff, role)
    response = client.get(page_url(page, booking))
    assert_answer(response, PAGES[page][ROLES.index(role)])


# POST-only buttons of the booking page: the view itself checks the permission.
POSTS = {
    "complete": (
        "checkout_booking_complete",
        (302, 403, "login", "login", "login", 302),
    ),
    "resend": ("checkout_booking_resend", (302, 302, "login", "login", "login", 302)),
    "recheck_refunds": (
        "checkout_booking_recheck_refunds",
        (302, 403, "login", "login", "login", 302),
    ),
}


@pytest.mark.parametrize("button", list(POSTS))
@pytest.mark.parametrize("role", ROLES)
def test_booking_buttons_check_permissions(
    client, staff, booking, role, button, mailoutbox
):
    login_as(client, staff, role)
    url_name, answers = POSTS[button]
    expected = answers[ROLES.index(role)]
    response = client.post(reverse(f"admin:{url_name}", args=[booking.pk]))
    assert_answer(response, expected)
    booking.refresh_from_db()
    if expected != 302:
        assert booking.status == Booking.Status.CONFIRMED
        assert mailoutbox == []
        assert not AuditEntry.objects.filter(booking=booking, source="admin").exists()


def test_booking_buttons_refuse_get(client, staff, booking):
    client.force_login(staff.ops)
    response = client.get(reverse("admin:checkout_booking_complete", args=[booking.pk]))
    assert response.status_code == 405
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


@pytest.mark.parametrize("role", ["support"])
def test_intermediate_pages_refuse_posts_without_permission(
    client, staff, booking, role
):
    refused = 403 if role == "support" else 302  # priests: to the admin login
    client.force_login(staff.role(role))
    assign = client.post(
        reverse("admin:checkout_booking_assign"),
        {"ids": str(booking.pk), "priest": staff.priest.pk},
    )
    cancel = client.post(
        reverse("admin:checkout_booking_cancel", args=[booking.pk]),
        {"refund_amount": "1501.00", "reason": "test"},
    )
    assert assign.status_code == refused
    assert cancel.status_code == refused
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.assigned_priest is None
    assert not Refund.objects.exists()


def actions_offered(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {
        choice
        for choice, _label in response.context["action_form"].fields["action"].choices
    }


def test_actions_offered_per_role(client, staff, booking):
    bookings = reverse("admin:checkout_booking_changelist")
    payments = reverse("admin:checkout_payment_changelist")
    webhooks = reverse("admin:checkout_webhookdelivery_changelist")
    client.force_login(staff.ops)
    assert actions_offered(client, bookings) == {
        "",
        "assign_priest_action",
        "complete_action",
        "cancel_action",
        "resend_confirmation_action",
        "recheck_refunds_action",
        "export_csv_action",
    }
    assert actions_offered(client, payments) == {
        "",
        "recheck_action",
        "retry_refunds_action",
    }
    assert actions_offered(client, reverse("admin:checkout_refund_changelist")) == {
        "",
        "recheck_action",
        "retry_action",
    }
    assert actions_offered(client, webhooks) == {"", "replay_action"}
    client.force_login(staff.support)
    assert actions_offered(client, bookings) == {"", "resend_confirmation_action"}
    response = client.get(payments)
    assert (
        "action_form" not in response.context or response.context["action_form"] is None
    )


@pytest.mark.parametrize(
    "action",
    ["complete_action", "cancel_action", "assign_priest_action", "export_csv_action"],
)
def test_support_cannot_run_operations_actions_by_posting(
    client, staff, booking, action
):
    client.force_login(staff.support)
    response = client.post(
        reverse("admin:checkout_booking_changelist"),
        {"action": action, "_selected_action": [booking.pk]},
    )
    # An action the user may not run is not a choice: nothing happens.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:checkout_booking_changelist")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not AuditEntry.objects.filter(booking=booking, source="admin").exists()


@pytest.mark.parametrize("role", ["ops", "support", "superuser"])
def test_no_way_to_edit_or_delete_a_booking(client, staff, booking, role):
    client.force_login(staff.role(role))
    url = reverse("admin:checkout_booking_change", args=[booking.pk])
    response = client.post(url, {"status": "completed", "total_paise": 1})
    assert response.status_code == 403
    delete = client.post(
        reverse("admin:checkout_booking_delete", args=[booking.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.total_paise == 150100


@pytest.mark.parametrize("role", ["ops", "superuser"])
def test_payments_are_read_only(client, staff, booking, role):
    client.force_login(staff.role(role))
    payment = booking.payment
    response = client.post(
        reverse("admin:checkout_payment_change", args=[payment.pk]),
        {"amount_paise": 100, "status": "failed"},
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:checkout_payment_add")).status_code == 403
    delete = client.post(
        reverse("admin:checkout_payment_delete", args=[payment.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    payment.refresh_from_db()
    assert (payment.amount_paise, payment.status) == (150100, "success")
