"""Rupee formatting: customers read whole rupees, staff and audit keep the paise."""

import pytest

from storefront.india import format_rupees
from storefront.templatetags.shop import money


@pytest.mark.parametrize(
    ("paise", "staff", "customer"),
    [
        (0, "₹0.00", "₹0"),
        (140100, "₹1,401.00", "₹1,401"),
        (140150, "₹1,401.50", "₹1,401.50"),
        (12345678905, "₹12,34,56,789.05", "₹12,34,56,789.05"),
        (1000000000, "₹1,00,00,000.00", "₹1,00,00,000"),
        (-50000, "-₹500.00", "-₹500"),
    ],
)
def test_whole_rupees_for_customers_paise_for_staff(paise, staff, customer):
    assert format_rupees(paise) == staff
    assert format_rupees(paise, whole=True) == customer
    assert money(paise) == customer


def test_money_filter_ignores_empty_values():
    assert money(None) == "" and money("") == "" and money("x") == ""
