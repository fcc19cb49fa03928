"""Content-Security-Policy additions a page needs beyond the site-wide policy.

The site-wide policy (``CONTENT_SECURITY_POLICY`` in config/settings.py) lets
forms post only to this site. The checkout page's "Pay" form is answered with
a redirect to PhonePe's hosted page, which ``form-action`` also governs, so
that page alone may send the browser on to PhonePe.
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings

from checkout.phonepe import HOSTS

PAYMENT_PAGE_ORIGINS = {
    "SANDBOX": ["https://mercury-uat.phonepe.com"],
    "PRODUCTION": ["https://mercury-t2.phonepe.com", "https://mercury.phonepe.com"],
}


def payment_page_origins():
    """Return the origins of PhonePe's hosted payment page for PHONEPE_ENV."""
    if settings.PHONEPE_ENV == "LOCAL":
        base = urlsplit(settings.PHONEPE_BASE_URL or HOSTS["LOCAL"][0])
        return [f"{base.scheme}://{base.netloc}"]
    return PAYMENT_PAGE_ORIGINS[settings.PHONEPE_ENV]


def allow_payment_redirect(view):
    """Let the page this view renders post forms on to PhonePe's hosted page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response._csp_update = {"form-action": payment_page_origins()}
        return response

    return wrapped
