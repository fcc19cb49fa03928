"""Money at the edges: the rupee form field and the "2100.00" formatter."""

import pytest
from django import forms

from storefront.money import MAX_PAISE, RupeeField, rupees_str


class AmountForm(forms.Form):
    amount = RupeeField(label="Amount (₹)")
    optional = RupeeField(required=False, min_paise=100)


def clean(typed, field="amount"):
    form = AmountForm({"amount": "1", field: typed})
    form.is_valid()
    return form


@pytest.mark.parametrize(
    "typed,paise",
    [
        ("2100", 210000),
        ("2,100.50", 210050),
        ("₹2,100.5", 210050),
        ("₹ 2,100.05", 210005),
        (" 2100 ", 210000),
        ("1,00,000", 10000000),
        ("100,000", 10000000),
        ("12,34,567.89", 123456789),
        ("0", 0),
        ("0.01", 1),
        ("0.1", 10),
        # Exact where binary floats are not: 0.29 * 100 == 28.999999999999996.
        ("0.29", 29),
        ("1234567.89", 123456789),
    ],
)
def test_rupees_clean_to_exact_paise(typed, paise):
    form = clean(typed)
    assert form.errors == {}
    assert form.cleaned_data["amount"] == paise
    assert type(form.cleaned_data["amount"]) is int


@pytest.mark.parametrize(
    "typed,message",
    [
        ("-1", "The amount cannot be negative."),
        ("-0.50", "The amount cannot be negative."),
        ("₹-5", "The amount cannot be negative."),
        ("1.234", "Use at most two decimals (paise), e.g. 2,100.50."),
        ("2,100.505", "Use at most two decimals (paise), e.g. 2,100.50."),
        ("abc", "Enter an amount in rupees, e.g. 2,100.50."),
        ("1e3", "Enter an amount in rupees, e.g. 2,100.50."),
        ("NaN", "Enter an amount in rupees, e.g. 2,100.50."),
        ("Infinity", "Enter an amount in rupees, e.g. 2,100.50."),
        ("1.", "Enter an amount in rupees, e.g. 2,100.50."),
        (".5", "Enter an amount in rupees, e.g. 2,100.50."),
        ("1,2", "Enter an amount in rupees, e.g. 2,100.50."),
        ("1,,000", "Enter an amount in rupees, e.g. 2,100.50."),
        ("12,3456", "Enter an amount in rupees, e.g. 2,100.50."),
        ("₹", "Enter an amount in rupees, e.g. 2,100.50."),
        ("1 000", "Enter an amount in rupees, e.g. 2,100.50."),
        ("١٢٣", "Enter an amount in rupees, e.g. 2,100.50."),
        ("9" * 40, "Enter an amount in rupees, e.g. 2,100.50."),
        ("9" * 16, "That amount is too large."),
        ("21474836.48", "Enter at most ₹2,14,74,836.47."),
        ("", "This field is required."),
    ],
)
def test_rupees_reject_bad_input_with_a_clear_message(typed, message):
    form = clean(typed)
    assert form.errors == {"amount": [message]}


def test_limits_and_optional_amounts():
    assert clean("", field="optional").cleaned_data["optional"] is None
    assert clean("0.99", field="optional").errors == {
        "optional": ["Enter at least ₹1.00."]
    }
    assert clean("21474836.47").cleaned_data["amount"] == MAX_PAISE


def test_paise_show_as_rupees_and_typed_text_is_kept():
    unbound = AmountForm(initial={"amount": 210050})
    assert unbound["amount"].value() == "2100.50"
    assert 'inputmode="decimal"' in str(unbound["amount"])
    bound = AmountForm({"amount": "₹2,100.5"})
    assert bound["amount"].value() == "₹2,100.5"
    # Typing the same amount differently is no change.
    assert not AmountForm(
        {"amount": "2,100.50"}, initial={"amount": 210050}
    ).has_changed()


@pytest.mark.parametrize(
    "paise,text",
    [
        (0, "0.00"),
        (1, "0.01"),
        (99, "0.99"),
        (210000, "2100.00"),
        (210050, "2100.50"),
        (12345678901, "123456789.01"),
        (-150, "-1.50"),
    ],
)
def test_rupees_str(paise, text):
    assert rupees_str(paise) == text


@pytest.mark.parametrize("value", [21.5, "2100", None, True])
def test_rupees_str_takes_only_int_paise(value):
    with pytest.raises(TypeError):
        rupees_str(value)
