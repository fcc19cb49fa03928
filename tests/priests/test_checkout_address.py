"""Checkout re-checks the cart's priests when the customer picks another address."""

import pytest
from django.urls import reverse

from checkout.models import Payment, SlotHold
from tests import factories
from tests.priests.conftest import make_priest


@pytest.fixture
def shop(db):
    slot = factories.make_slot()
    package = factories.make_package(language="hi")
    online = factories.make_package(
        service=factories.make_service(kind="online"), language="hi"
    )
    for puja, area in ((package, ("city", "Bengaluru")), (online, ("online", ""))):
        make_priest(
            languages=["hi"],
            categories=[puja.service.category],
            areas=[area],
            slots=[slot],
        )
    user = factories.make_user()
    bengaluru = factories.make_address(user=user)
    pune = factories.make_address(
        user=user, is_default=False, city="Pune", pincode="411001", state="MH"
    )
    date = factories.booking_date(10)
    cart = factories.make_cart(
        user=user, items=[(package, date, slot), (online, date, slot)]
    )
    return {"user": user, "bengaluru": bengaluru, "pune": pune, "cart": cart}


def pay_disabled(page):
    button = page[page.index('data-testid="pay-button"') :].split(">", 1)[0]
    return "disabled" in button


def test_an_address_without_a_free_priest_flags_the_line_and_stops_pay(client, shop):
    client.force_login(shop["user"])
    url = reverse("checkout:checkout")
    page = client.get(url).content.decode()  # the default address: Bengaluru
    assert 'data-testid="line-unavailable"' not in page
    assert not pay_disabled(page)
    page = client.get(url, {"address": shop["pune"].pk}).content.decode()
    assert page.count('data-testid="line-unavailable"') == 1  # the online line is fine
    assert "No priest for this puja is free in Pune" in page
    assert pay_disabled(page)
    assert 'data-testid="pay-blocked"' in page
    # Back to Bengaluru: Pay is on again.
    page = client.get(url, {"address": shop["bengaluru"].pk}).content.decode()
    assert 'data-testid="line-unavailable"' not in page
    assert not pay_disabled(page)


def test_changing_the_address_by_htmx_rerenders_the_checkout_body(client, shop):
    client.force_login(shop["user"])
    response = client.get(
        reverse("checkout:checkout"),
        {"address": shop["pune"].pk, "contact_phone": "+919812345678"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div class="row g-4" id="checkout-body">')
    assert "<html" not in page
    assert f'value="{shop["pune"].pk}" id="address-{shop["pune"].pk}" checked' in page
    assert 'value="+919812345678"' in page
    assert pay_disabled(page)
    assert response["Vary"].count("HX-Request")


def test_pay_with_that_address_is_refused_and_nothing_is_held(client, shop, phonepe):
    client.force_login(shop["user"])
    response = client.post(
        reverse("checkout:pay"),
        {"address": shop["pune"].pk, "contact_phone": "+919812345678"},
    )
    assert response.status_code == 303
    assert f"address={shop['pune'].pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "No priest for this puja is free in Pune" in page
    assert not Payment.objects.exists() and not SlotHold.objects.exists()


def test_someone_elses_address_is_not_used(client, shop):
    other = factories.make_user()
    theirs = factories.make_address(user=other, city="Pune", pincode="411001")
    client.force_login(shop["user"])
    page = client.get(
        reverse("checkout:checkout"), {"address": theirs.pk}
    ).content.decode()
    assert "No priest for this puja is free" not in page
    assert f'value="{theirs.pk}"' not in page
    assert not pay_disabled(page)
