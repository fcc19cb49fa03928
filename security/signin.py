"""Hooks that make django-axes the one sign-in throttle for every form.

Failures are counted per account: whatever a person types (email in any case,
or a staff username), ``account_key`` maps it to the same key, so a lock
taken on ``/admin/login/`` also holds on ``/account/login/`` and on the
password-reset form. Names that match no account are counted the same way, so
the answer never tells whether an account exists.
"""

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_ip(request):
    """Return the client's address for throttles and rate limits.

    REMOTE_ADDR, unless ``TRUSTED_PROXY_COUNT`` proxies (that each append to
    X-Forwarded-For) stand in front: then the address the outermost trusted
    proxy saw. Anything further left in the header was written by the client.
    """
    from django.conf import settings

    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def account_key(request, credentials=None):
    """Return the throttle key of the account a sign-in names (lower-cased)."""
    typed = ""
    if credentials:
        typed = credentials.get("username") or credentials.get("email") or ""
    elif request is not None and request.method == "POST":
        typed = request.POST.get("username") or request.POST.get("email") or ""
    typed = str(typed).strip()[:254]
    if not typed:
        return ""
    user_model = get_user_model()
    lookup = {"email__iexact": typed} if "@" in typed else {"username": typed}
    user = user_model._default_manager.filter(**lookup).only("email").first()
    if user is not None and user.email:
        return user.email.lower()
    return typed.lower()


def is_locked(request, *, email):
    """Return True when the account with this email is locked by the throttle."""
    return AxesProxyHandler.is_locked(request, credentials={"username": email})


def _seconds_left(request, credentials):
    """Return the seconds until the account's lock ends (at most the cool-off)."""
    cool_off = get_cool_off(request)
    last = (
        AccessAttempt.objects.filter(username=account_key(request, credentials))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return cool_off.total_seconds()
    left = (last + cool_off - timezone.now()).total_seconds()
    return min(max(left, 1), cool_off.total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    """Answer a locked sign-in: 429 with Retry-After and the same page everywhere."""
    seconds = math.ceil(_seconds_left(request, credentials))
    minutes = max(1, math.ceil(seconds / 60))
    message = _(
        "Too many failed sign-in attempts. For your security, sign-in is locked "
        "for %(duration)s. Try again later, or reset your password."
    ) % {"duration": ngettext("%d minute", "%d minutes", minutes) % minutes}
    if request.path.startswith("/api/"):
        # Apps signing in for a token get the API's one error shape.
        response = JsonResponse(
            {
                "success": False,
                "error": {"code": "signin_locked", "message": message, "fields": {}},
            },
            status=429,
        )
    else:
        response = render(
            request,
            "429.html",
            {"message": message, "title": _("Sign-in locked")},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
