from django.urls import path

from checkout import views

app_name = "checkout"

urlpatterns = [
    path("checkout/", views.checkout_page, name="checkout"),
    path("checkout/pay/", views.pay, name="pay"),
    path("confirmbooking/", views.confirm_booking, name="confirm"),
    path("bookings/", views.my_bookings, name="my-bookings"),
    path("bookings/<str:book_id>/", views.booking_detail, name="booking-detail"),
    path(
        "api/payments/webhook/phonepe/", views.phonepe_webhook, name="phonepe-webhook"
    ),
    path("api/payments/process-cart/", views.api_process_cart, name="api-process-cart"),
    path(
        "api/payments/<str:payment_id>/check-booking/",
        views.api_check_booking,
        name="api-check-booking",
    ),
]
