"""Money at the edges: rupees typed into forms in, "2100.00" strings out.

Inside, every amount is an ``int`` of paise. Staff type rupees ("2100",
"2,100.50", "₹2,100.5"); ``RupeeField`` turns them into paise exactly
(``Decimal``, never ``float``) and shows stored paise as rupees again.
``rupees_str`` writes the plain "2100.00" of the JSON API and the CSV export;
``storefront.india.format_rupees`` writes "₹2,100.00" for people.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from storefront.india import format_rupees

# Whole rupees: plain digits, or grouped the Indian way ("1,00,000") or the
# western way ("100,000"); then optionally a point and decimals (counted later).
_AMOUNT_RE = re.compile(
    r"^(?:\d+|\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})(?:\.(\d+))?$",
    re.ASCII,
)
_MAX_DIGITS = 15

#: The largest amount a ``PositiveIntegerField`` of paise holds on every database.
MAX_PAISE = 2**31 - 1


def rupees_str(paise: int) -> str:
    """Return paise as a plain rupee string with two decimals: 210050 -> "2100.50"."""
    if not isinstance(paise, int) or isinstance(paise, bool):
        raise TypeError(f"paise must be an int, not {type(paise).__name__}")
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    return f"{sign}{rupees}.{rest:02d}"


def parse_rupees(text: str) -> int:
    """Return the rupee amount in ``text`` as integer paise.

    Accept "2100", "2,100.50", "₹2,100.5" and "₹ 1,00,000". Raise
    ValidationError for negative amounts, more than two decimals, or anything
    that is not an amount.
    """
    cleaned = str(text).strip().removeprefix("₹").strip()
    if cleaned.startswith("-"):
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    match = _AMOUNT_RE.match(cleaned)
    if not match or len(cleaned) > _MAX_DIGITS + 10:
        raise ValidationError(
            _("Enter an amount in rupees, e.g. 2,100.50."), code="invalid"
        )
    decimals = match.group(1) or ""
    if len(decimals) > 2:
        raise ValidationError(
            _("Use at most two decimals (paise), e.g. 2,100.50."),
            code="max_decimal_places",
        )
    digits = cleaned.replace(",", "")
    if len(digits.split(".")[0]) > _MAX_DIGITS:
        raise ValidationError(_("That amount is too large."), code="too_large")
    return int(Decimal(digits) * 100)


class RupeeField(forms.Field):
    """A rupee amount typed by staff, cleaned to ``int`` paise.

    Shows an initial value (paise) as rupees ("2100.50"), so a model form can
    put it on a ``*_paise`` field: staff see and type rupees, the model keeps
    paise.
    """

    widget = forms.TextInput
    default_error_messages = {
        "min_value": _("Enter at least %(limit)s."),
        "max_value": _("Enter at most %(limit)s."),
    }

    def __init__(self, *, min_paise=0, max_paise=MAX_PAISE, **kwargs):
        self.min_paise = min_paise
        self.max_paise = max_paise
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return parse_rupees(value)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.min_paise is not None and value < self.min_paise:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": format_rupees(self.min_paise)},
            )
        if self.max_paise is not None and value > self.max_paise:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": format_rupees(self.max_paise)},
            )

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return rupees_str(value)
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.setdefault("inputmode", "decimal")
        return attrs
