from django.urls import path

from checkout import booking_views, views

app_name = "checkout"

urlpatterns = [
    path("checkout/", views.checkout_page, name="checkout"),
    path("checkout/pay/", views.pay, name="pay"),
    path("confirmbooking/", views.confirm_booking, name="confirm"),
    path("bookings/", booking_views.my_bookings, name="my-bookings"),
    path("confirmbooking/cancel/", views.cancel_payment, name="cancel-payment"),
    path(
        "bookings/<str:book_id>/", booking_views.booking_detail, name="booking-detail"
    ),
    path(
        "bookings/<str:book_id>/invoice/",
        booking_views.booking_invoice,
        name="booking-invoice",
    ),
    path(
        "bookings/<str:book_id>/credit-notes/<int:credit_note_id>/",
        booking_views.booking_credit_note,
        name="booking-credit-note",
    ),
    path(
        "bookings/<str:book_id>/calendar.ics",
        booking_views.booking_calendar,
        name="booking-calendar",
    ),
    path(
        "bookings/<str:book_id>/cancel/",
        booking_views.booking_cancel,
        name="booking-cancel",
    ),
    path(
        "bookings/<str:book_id>/reschedule/",
        booking_views.booking_reschedule,
        name="booking-reschedule",
    ),
    path(
        "api/payments/webhook/phonepe/", views.phonepe_webhook, name="phonepe-webhook"
    ),
]
