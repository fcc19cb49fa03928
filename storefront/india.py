"""Indian formats: rupees, mobile numbers, PIN codes, states and union territories."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

PIN_VALIDATOR = RegexValidator(
    r"^[1-9][0-9]{5}$", _("Enter a valid 6-digit PIN code (it cannot start with 0).")
)

# ISO 3166-2:IN codes, 28 states and 8 union territories (names translated for Hindi).
INDIAN_STATES = [
    ("AN", _("Andaman and Nicobar Islands")),
    ("AP", _("Andhra Pradesh")),
    ("AR", _("Arunachal Pradesh")),
    ("AS", _("Assam")),
    ("BR", _("Bihar")),
    ("CH", _("Chandigarh")),
    ("CT", _("Chhattisgarh")),
    ("DH", _("Dadra and Nagar Haveli and Daman and Diu")),
    ("DL", _("Delhi")),
    ("GA", _("Goa")),
    ("GJ", _("Gujarat")),
    ("HR", _("Haryana")),
    ("HP", _("Himachal Pradesh")),
    ("JK", _("Jammu and Kashmir")),
    ("JH", _("Jharkhand")),
    ("KA", _("Karnataka")),
    ("KL", _("Kerala")),
    ("LA", _("Ladakh")),
    ("LD", _("Lakshadweep")),
    ("MP", _("Madhya Pradesh")),
    ("MH", _("Maharashtra")),
    ("MN", _("Manipur")),
    ("ML", _("Meghalaya")),
    ("MZ", _("Mizoram")),
    ("NL", _("Nagaland")),
    ("OR", _("Odisha")),
    ("PY", _("Puducherry")),
    ("PB", _("Punjab")),
    ("RJ", _("Rajasthan")),
    ("SK", _("Sikkim")),
    ("TN", _("Tamil Nadu")),
    ("TG", _("Telangana")),
    ("TR", _("Tripura")),
    ("UP", _("Uttar Pradesh")),
    ("UT", _("Uttarakhand")),
    ("WB", _("West Bengal")),
]

_MOBILE_RE = re.compile(r"^[6-9][0-9]{9}$")


def normalise_indian_mobile(value: str) -> str:
    """Return an Indian mobile number as +91XXXXXXXXXX or raise ValidationError.

    Accepts spaces, dashes, a leading 0, 91 or +91.
    """
    digits = re.sub(r"[\s\-().]", "", value or "")
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("0091"):
        digits = digits[4:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not _MOBILE_RE.match(digits):
        raise ValidationError(
            _("Enter a valid 10-digit Indian mobile number, e.g. +91 98765 43210."),
            code="invalid_mobile",
        )
    return "+91" + digits


def format_rupees(paise: int, *, whole: bool = False) -> str:
    """Return paise as rupees with Indian digit grouping: 149900 -> ₹1,499.00.

    With ``whole``, leave out ``.00`` when there are no paise (₹1,499; ₹1,499.50
    stays): what customers read. Staff pages, audit notes and error messages
    keep the paise.
    """
    negative = paise < 0
    rupees, rem = divmod(abs(int(paise)), 100)
    digits = str(rupees)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join(groups) + "," + tail
    paise_part = "" if whole and not rem else f".{rem:02d}"
    return f"{'-' if negative else ''}₹{digits}{paise_part}"


def format_mobile(phone: str) -> str:
    """Return +919876543210 as +91 98765 43210 for display."""
    if phone and phone.startswith("+91") and len(phone) == 13:
        return f"+91 {phone[3:8]} {phone[8:]}"
    return phone
