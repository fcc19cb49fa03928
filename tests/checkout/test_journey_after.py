"""After booking: timeline, invoice, calendar, WhatsApp, self-service cancel and
reschedule, and coming back from PhonePe without a session."""

import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from checkout import invoices, operations, refunds, services
from checkout.models import AuditEntry, Booking, Invoice, Payment, Refund, SlotHold
from checkout.roles import PRIESTS, ensure_staff_groups
from storefront.models import Cart
from tests import factories
from tests.documents import pdf_text
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db
IST = ZoneInfo("Asia/Kolkata")


def paid_booking(phonepe, shop, *, capture=None):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    if capture is not None:
        with capture(execute=True):
            services.sync_payment(payment=payment, source="test")
    else:
        services.sync_payment(payment=payment, source="test")
    return Booking.objects.get(payment=payment)


def make_priest():
    priest = factories.make_user(
        email="pandit.rao@okpuja.in",
        first_name="Suresh",
        last_name="Rao",
        phone="+919822233344",
    )
    priest.groups.add(ensure_staff_groups()[PRIESTS])
    factories.roster_for_every_priest()
    return priest


def starts_at(shop):
    return datetime.datetime.combine(shop.date, shop.slot.start_time, tzinfo=IST)


# Timeline, WhatsApp ----------------------------------------------------------------


def test_booking_page_shows_timeline_and_the_pandit_once_assigned(phonepe, client):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    client.force_login(booking.user)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "What happens next" in page
    assert "We assign your pandit before the puja day." in page
    operations.assign_priest(booking=booking, priest=make_priest(), actor=None)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "Suresh Rao · +919822233344" in page
    confirm = client.get(f"/confirmbooking/?order={booking.payment.merchant_order_id}")
    assert "Suresh Rao" in confirm.content.decode()


def test_whatsapp_link_shares_the_summary_without_personal_details(phonepe, client):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    client.force_login(booking.user)
    response = client.get(booking.get_absolute_url())
    url = response.context["whatsapp_url"]
    assert url.startswith("https://wa.me/?text=")
    text = unquote(url)
    assert booking.book_id in text and "Bengaluru" in text
    assert "98765" not in text and "Asha Sharma" not in text


# Calendar --------------------------------------------------------------------------


def test_ics_is_valid_with_ist_time_and_place(phonepe, client):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    client.force_login(booking.user)
    response = client.get(f"/bookings/{booking.book_id}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Kolkata"]
    [event] = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == starts_at(shop)
    assert start.utcoffset() == datetime.timedelta(hours=5, minutes=30)
    assert event.decoded("DTEND") - start == datetime.timedelta(minutes=90)
    assert "Bengaluru" in str(event["LOCATION"])
    assert booking.book_id in str(event["UID"]) and event.get("DTSTAMP")
    other = factories.make_user()
    client.force_login(other)
    assert client.get(f"/bookings/{booking.book_id}/calendar.ics").status_code == 404


# Invoice ---------------------------------------------------------------------------


def test_invoice_pdf_for_the_owner_only_and_numbered_once(phonepe, client, settings):
    settings.INVOICE_SELLER_GSTIN = "29AAACO1234K1Z9"
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    client.force_login(booking.user)
    response = client.get(f"/bookings/{booking.book_id}/invoice/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    invoice = Invoice.objects.get(booking=booking)
    year = invoices.financial_year(datetime.date.today())
    assert invoice.number == f"OKP/{year[2:]}/00001"
    assert len(invoice.number) <= 16
    assert invoice.number.replace("/", "-") in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "29AAACO1234K1Z9" in text and invoice.number in text
    assert "Rupees Two Thousand One Hundred Only" in text
    assert "Place of supply: Karnataka" in text and "CGST @ 9%" in text
    assert "TAX INVOICE" in text and "₹2,100.00" in text and "Rs." not in text
    # A second download is the same invoice, not a new number.
    client.get(f"/bookings/{booking.book_id}/invoice/")
    assert Invoice.objects.count() == 1
    client.force_login(factories.make_user())
    assert client.get(f"/bookings/{booking.book_id}/invoice/").status_code == 404
    client.logout()
    assert client.get(f"/bookings/{booking.book_id}/invoice/").status_code == 302


def test_invoice_series_is_per_financial_year_and_gap_free(phonepe):
    shop = Shop(capacity=4)
    first, second = paid_booking(phonepe, shop), paid_booking(phonepe, shop)
    with time_machine.travel(datetime.datetime(2027, 3, 31, 12, tzinfo=IST)):
        a = invoices.issue_invoice(booking=first)
    with time_machine.travel(datetime.datetime(2027, 4, 1, 12, tzinfo=IST)):
        b = invoices.issue_invoice(booking=second)
        assert invoices.issue_invoice(booking=second) == b
    assert (a.financial_year, a.sequence) == ("2026-27", 1)
    assert (b.financial_year, b.sequence) == ("2027-28", 1)


def test_amount_in_words_and_tax_split(settings):
    assert invoices.amount_in_words(210000) == "Rupees Two Thousand One Hundred Only"
    assert invoices.amount_in_words(12345678_50) == (
        "Rupees One Crore Twenty Three Lakh Forty Five Thousand Six Hundred "
        "and Seventy Eight and Fifty Paise Only"
    )
    booking = Booking(total_paise=118000, address={"state": "Maharashtra"})
    settings.INVOICE_TAX_PERCENT = 18
    numbers = invoices.figures(booking)
    assert numbers.taxable_paise == 100000
    assert [(t.label, t.paise) for t in numbers.tax_lines] == [("IGST @ 18%", 18000)]
    booking.address = {"lines": ["Online (video call)"]}
    numbers = invoices.figures(booking)
    assert numbers.place_of_supply == "Karnataka"
    assert [t.paise for t in numbers.tax_lines] == [9000, 9000]


def test_confirmation_email_carries_the_invoice(
    phonepe, django_capture_on_commit_callbacks
):
    booking = paid_booking(phonepe, Shop(), capture=django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if "booked" in m.subject]
    [(filename, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-")
    assert filename == f"invoice-{booking.invoice.number.replace('/', '-')}.pdf"


# Self-service cancel ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours_before", "percent"), [(72, 100), (47, 50), (30, 50), (10, 0)]
)
def test_self_cancel_refunds_what_the_policy_band_gives(
    phonepe, client, hours_before, percent, django_capture_on_commit_callbacks
):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    priest = make_priest()
    operations.assign_priest(booking=booking, priest=priest, actor=None)
    client.force_login(booking.user)
    moment = starts_at(shop) - datetime.timedelta(hours=hours_before)
    with time_machine.travel(moment, tick=False):
        page = client.get(f"/bookings/{booking.book_id}/cancel/")
        assert page.context["quote"].refund_paise == 210000 * percent // 100
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/bookings/{booking.book_id}/cancel/")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not SlotHold.objects.filter(state=SlotHold.State.BOOKED).exists()
    assert AuditEntry.objects.filter(
        booking=booking, action="booking.cancelled", source="customer"
    ).exists()
    # The pandit is told.
    assert any(priest.email in m.to and "cancelled" in m.subject for m in mail.outbox)
    refunds = list(Refund.objects.filter(booking=booking))
    at_phonepe = phonepe.order(booking.payment.merchant_order_id)["refunds"]
    detail = client.get(booking.get_absolute_url()).content.decode()
    if percent:
        [refund] = refunds
        assert refund.amount_paise == 210000 * percent // 100
        assert [r["amount"] for r in at_phonepe] == [refund.amount_paise]
        amount = f"₹{refund.amount_paise // 100:,}.00"
        assert f"Cancelled · refund {amount} pending" in detail
    else:
        assert refunds == [] and at_phonepe == []
        assert "Cancelled · no refund" in detail
    assert "text-bg-success" not in detail and ">Paid<" not in detail
    listing = client.get("/bookings/").content.decode()
    assert ("refund ₹" if percent else "Cancelled · no refund") in listing


@pytest.mark.parametrize(
    ("hours_before", "refunded_before", "expected"),
    [
        # 100% band: all that is left comes back.
        (72, 50000, 160000),
        # 50% band gives 1,050: minus the 500 refunded before.
        (30, 50000, 55000),
        # 50% band, but 1,200 was refunded before: nothing more.
        (30, 120000, 0),
    ],
)
def test_self_cancel_after_a_partial_refund_by_staff(
    phonepe, client, hours_before, refunded_before, expected
):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    staff = factories.make_user(email="ops@okpuja.in", is_staff=True)
    refunds.request_refund(
        payment=booking.payment,
        amount_paise=refunded_before,
        reason=Refund.Reason.OTHER,
        note="Goodwill: the pandit came late",
        booking=booking,
        actor=staff,
    )
    client.force_login(booking.user)
    moment = starts_at(shop) - datetime.timedelta(hours=hours_before)
    with time_machine.travel(moment, tick=False):
        page = client.get(f"/bookings/{booking.book_id}/cancel/")
        quote = page.context["quote"]
        assert (quote.refund_paise, quote.refunded_paise) == (
            expected,
            refunded_before,
        )
        text = page.content.decode()
        assert f"₹{refunded_before // 100:,} of it has already been refunded" in text
        if expected:
            assert f"You get back ₹{expected // 100:,} more" in text
        else:
            assert "nothing more comes back" in text
        response = client.post(f"/bookings/{booking.book_id}/cancel/", follow=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    amounts = sorted(r.amount_paise for r in Refund.objects.filter(booking=booking))
    at_phonepe = phonepe.order(booking.payment.merchant_order_id)["refunds"]
    assert amounts == sorted([refunded_before] + ([expected] if expected else []))
    assert sorted(r["amount"] for r in at_phonepe) == amounts
    assert sum(amounts) <= booking.payment.amount_paise
    shown = response.content.decode()
    if expected:
        assert f"A refund of ₹{expected // 100:,}.00 has started." in shown, shown[
            shown.find("alert") :
        ][:600]
    else:
        assert "Your booking is cancelled." in shown
    assert f"Cancelled · refund ₹{sum(amounts) // 100:,}" in shown


def test_cancel_after_the_puja_started_is_refused(phonepe, client):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    client.force_login(booking.user)
    with time_machine.travel(starts_at(shop) + datetime.timedelta(minutes=1)):
        client.post(f"/bookings/{booking.book_id}/cancel/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_someone_else_cannot_cancel_or_reschedule(phonepe, client):
    booking = paid_booking(phonepe, Shop())
    client.force_login(factories.make_user())
    assert client.post(f"/bookings/{booking.book_id}/cancel/").status_code == 404
    assert client.get(f"/bookings/{booking.book_id}/reschedule/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# Reschedule ---------------------------------------------------------------------------


def test_reschedule_shows_only_priests_who_can_do_this_puja(phonepe, client):
    from tests.priests.conftest import make_priest as make_roster_priest

    shop = Shop()
    booking = paid_booking(phonepe, shop)
    # The roster starts after the booking: one priest, who speaks Tamil only.
    make_roster_priest(
        languages=["ta"],
        categories=[shop.package.service.category],
        slots=[shop.slot],
    )
    new_date = shop.date + datetime.timedelta(days=2)
    client.force_login(booking.user)
    page = client.get(
        f"/bookings/{booking.book_id}/reschedule/?date={new_date.isoformat()}"
    ).content.decode()
    assert "— Full" in page and "1 free" not in page
    response = client.post(
        f"/bookings/{booking.book_id}/reschedule/",
        {"date": new_date.isoformat(), "slot": shop.slot.pk},
    )
    assert response.status_code == 400
    assert booking.items.get().date == shop.date


def test_reschedule_moves_the_puja_and_its_hold(phonepe, client):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    other_slot = factories.make_slot(start=datetime.time(17, 0), capacity=1)
    new_date = shop.date + datetime.timedelta(days=2)
    client.force_login(booking.user)
    page = client.get(
        f"/bookings/{booking.book_id}/reschedule/?date={new_date.isoformat()}"
    )
    assert "1 free" in page.content.decode()
    response = client.post(
        f"/bookings/{booking.book_id}/reschedule/",
        {"date": new_date.isoformat(), "slot": other_slot.pk},
    )
    assert response.status_code == 302
    item = booking.items.get()
    assert (item.date, item.slot) == (new_date, other_slot)
    hold = SlotHold.objects.get(booking=booking)
    assert (hold.date, hold.slot, hold.state) == (new_date, other_slot, "booked")
    booking.refresh_from_db()
    assert booking.first_date == new_date
    assert AuditEntry.objects.filter(action="booking.rescheduled").count() == 1


def test_reschedule_into_a_full_slot_is_refused(phonepe, client):
    shop = Shop(capacity=1)
    booking = paid_booking(phonepe, shop)
    later = shop.date + datetime.timedelta(days=1)
    other = Shop.__new__(Shop)
    other.slot, other.package, other.date = shop.slot, shop.package, later
    paid_booking(phonepe, other)  # takes the only priest on the later date
    client.force_login(booking.user)
    response = client.post(
        f"/bookings/{booking.book_id}/reschedule/",
        {"date": later.isoformat(), "slot": shop.slot.pk},
    )
    assert response.status_code == 400
    assert "is full" in response.context["error"]
    item = booking.items.get()
    assert item.date == shop.date


def test_reschedule_closes_the_policy_window(phonepe, client):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    client.force_login(booking.user)
    with time_machine.travel(starts_at(shop) - datetime.timedelta(hours=23)):
        response = client.post(
            f"/bookings/{booking.book_id}/reschedule/",
            {
                "date": (shop.date + datetime.timedelta(days=1)).isoformat(),
                "slot": shop.slot.pk,
            },
        )
    assert response.status_code == 400
    assert booking.items.get().date == shop.date


# Back from PhonePe -----------------------------------------------------------------


def test_return_without_a_session_signs_in_then_shows_the_booking(phonepe, client):
    shop = Shop()
    booking = paid_booking(phonepe, shop)
    url = f"/confirmbooking/?order={booking.payment.merchant_order_id}"
    response = client.get(url)
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.context["next"] == url
    response = client.post(
        response["Location"],
        {"username": booking.user.email, "password": "pw-for-tests-123", "next": url},
    )
    assert response["Location"] == url
    assert booking.book_id in client.get(url).content.decode()
    client.force_login(factories.make_user())
    assert client.get(url).status_code == 404


def test_long_pending_payment_offers_a_way_out_and_cancel_releases(
    phonepe, client, settings
):
    shop = Shop()
    payment = shop.start()
    client.force_login(payment.user)
    url = f"/confirmbooking/?order={payment.merchant_order_id}"
    assert "Cancel this payment" not in client.get(url).content.decode()
    with time_machine.travel(payment.created_at + datetime.timedelta(seconds=31)):
        page = client.get(url).content.decode()
        assert "taking longer than usual" in page
        assert "we will email you" in page
        assert "Return to PhonePe" in page and payment.page_url in page
        response = client.post("/confirmbooking/cancel/", {"order": "OKP-nope"})
        assert response.status_code == 404
        response = client.post(
            "/confirmbooking/cancel/", {"order": payment.merchant_order_id}
        )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Cart.objects.get(pk=payment.cart_id).status == Cart.Status.OPEN
    assert not SlotHold.objects.filter(payment=payment, state="held").exists()
    assert AuditEntry.objects.filter(
        payment=payment, action="payment.failed", source="customer"
    ).exists()


def test_long_pending_payment_after_its_order_expired_offers_only_cancel(
    phonepe, client
):
    payment = Shop().start()
    client.force_login(payment.user)
    url = f"/confirmbooking/?order={payment.merchant_order_id}"
    with time_machine.travel(payment.expires_at + datetime.timedelta(seconds=5)):
        page = client.get(url).content.decode()
    assert "taking longer than usual" in page
    assert "Return to PhonePe" not in page and payment.page_url not in page
    assert "Cancel this payment" in page


def test_cancel_of_a_payment_phonepe_completed_books_it_instead(phonepe, client):
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    client.force_login(payment.user)
    client.post("/confirmbooking/cancel/", {"order": payment.merchant_order_id})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS
    assert Booking.objects.filter(payment=payment).exists()


def test_another_customer_cannot_cancel_a_payment(phonepe, client):
    payment = Shop().start()
    client.force_login(factories.make_user())
    response = client.post(
        "/confirmbooking/cancel/", {"order": payment.merchant_order_id}
    )
    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
