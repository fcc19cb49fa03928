"""URLs of the storefront: catalog, services, cart, accounts and addresses."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from security import views as security_views
from storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("pujas/<slug:slug>/", views.service_detail, name="service"),
    path("pujas/<slug:slug>/slots/", views.service_slots, name="service-slots"),
    path("pujas/<slug:slug>/city/", views.set_city, name="set-city"),
    path("cart/", views.cart_detail, name="cart"),
    path("cart/badge/", views.cart_badge, name="cart-badge"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/items/<int:item_id>/remove/", views.cart_remove, name="cart-remove"),
    path("cart/items/<int:item_id>/change/", views.cart_change, name="cart-change"),
    path(
        "cart/items/<int:item_id>/slots/", views.cart_item_slots, name="cart-item-slots"
    ),
    path(
        "cart/items/<int:item_id>/sankalp/",
        views.cart_sankalp,
        name="cart-sankalp",
    ),
    path("cart/promo/", views.promo_apply, name="promo-apply"),
    path("cart/promo/remove/", views.promo_remove, name="promo-remove"),
    path("pages/<slug:slug>/", views.page_detail, name="page"),
    path("language/", views.set_language, name="set-language"),
    path("account/signup/", views.signup, name="signup"),
    path("account/login/", views.login_view, name="login"),
    path("account/logout/", views.logout_view, name="logout"),
    path(
        "account/password-reset/",
        security_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("storefront:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "account/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        security_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("storefront:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "account/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/addresses/", views.address_list, name="addresses"),
    path("account/addresses/add/", views.address_form, name="address-add"),
    path(
        "account/addresses/<int:address_id>/edit/",
        views.address_form,
        name="address-edit",
    ),
    path(
        "account/addresses/<int:address_id>/delete/",
        views.address_delete,
        name="address-delete",
    ),
    path(
        "account/addresses/<int:address_id>/default/",
        views.address_make_default,
        name="address-default",
    ),
]
