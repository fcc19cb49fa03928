"""The catalog, promo and cart admin: rupees in the forms, paise in the database,
and a cart's status that nobody sets by hand."""

import pytest
from django.urls import reverse

from storefront.models import Cart, Package, PromoCode
from tests import factories

pytestmark = pytest.mark.django_db


def package_data(service, price):
    return {
        "service": service.pk,
        "tier": Package.Tier.STANDARD,
        "language": "hi",
        "price_paise": price,
        "priest_count": 2,
        "description": "",
        "is_active": "on",
    }


@pytest.mark.parametrize(
    "typed,paise", [("2100", 210000), ("2,100.50", 210050), ("₹2,100.5", 210050)]
)
def test_package_price_is_typed_in_rupees(admin_client, typed, paise):
    service = factories.make_service()
    response = admin_client.post(
        reverse("admin:storefront_package_add"), package_data(service, typed)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    package = Package.objects.get(service=service)
    assert package.price_paise == paise
    page = admin_client.get(
        reverse("admin:storefront_package_change", args=[package.pk])
    )
    html = page.content.decode()
    assert "Price (₹)" in html
    assert f'value="{paise // 100}.{paise % 100:02d}"' in html


@pytest.mark.parametrize(
    "typed,message",
    [
        ("21.005", "Use at most two decimals (paise), e.g. 2,100.50."),
        ("-5", "The amount cannot be negative."),
        ("lots", "Enter an amount in rupees, e.g. 2,100.50."),
        ("0.50", "Enter at least ₹1.00."),
    ],
)
def test_bad_package_prices_are_refused_clearly(admin_client, typed, message):
    service = factories.make_service()
    response = admin_client.post(
        reverse("admin:storefront_package_add"), package_data(service, typed)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"price_paise": [message]}
    assert not Package.objects.filter(service=service).exists()


def test_service_page_lists_package_prices_in_rupees(admin_client):
    package = factories.make_package(price_paise=150100)
    page = admin_client.get(
        reverse("admin:storefront_service_change", args=[package.service_id])
    )
    html = page.content.decode()
    assert "Price (₹)" in html
    assert 'value="1501.00"' in html


def promo_data(**overrides):
    data = {
        "code": "DIWALI",
        "description": "",
        "kind": PromoCode.Kind.FLAT,
        "percent": "",
        "flat_paise": "₹250",
        "min_order_paise": "1,000",
        "max_discount_paise": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_promo_amounts_are_typed_in_rupees(admin_client):
    response = admin_client.post(
        reverse("admin:storefront_promocode_add"), promo_data()
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    flat = PromoCode.objects.get(code="DIWALI")
    assert (flat.flat_paise, flat.min_order_paise, flat.max_discount_paise) == (
        25000,
        100000,
        None,
    )
    response = admin_client.post(
        reverse("admin:storefront_promocode_add"),
        promo_data(
            code="PUJA10",
            kind=PromoCode.Kind.PERCENT,
            percent="10",
            flat_paise="",
            min_order_paise="0",
            max_discount_paise="500.50",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    percent = PromoCode.objects.get(code="PUJA10")
    assert (percent.min_order_paise, percent.max_discount_paise) == (0, 50050)
    page = admin_client.get(
        reverse("admin:storefront_promocode_change", args=[percent.pk])
    )
    assert 'value="500.50"' in page.content.decode()


def test_bad_promo_amount_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:storefront_promocode_add"), promo_data(flat_paise="250.555")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "flat_paise": ["Use at most two decimals (paise), e.g. 2,100.50."]
    }
    assert not PromoCode.objects.exists()


def test_cart_status_is_read_only(admin_client):
    cart = factories.make_cart(user=factories.make_user())
    url = reverse("admin:storefront_cart_change", args=[cart.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    response = admin_client.post(
        url,
        {
            "status": Cart.Status.CONVERTED,
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN
