"""The admin sign-in form with database-backed throttling (see ``staffauth.throttle``)."""

import math

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from staffauth import throttle


def client_ip(request):
    """Return the address the request came from.

    REMOTE_ADDR only: X-Forwarded-For can be set by anyone unless a trusted
    proxy rewrites it, so it must not decide who is locked out.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-in attempts. For your security, sign-in is locked; "
            "please try again in %(minutes)s."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        until = throttle.locked_until(username=username, ip=ip)
        if until is not None:
            minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={
                    "minutes": ngettext("%d minute", "%d minutes", minutes) % minutes
                },
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure(username=username, ip=ip)
            raise
        throttle.clear_failures(username=username)
        return cleaned
