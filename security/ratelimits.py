"""Rate limits where abuse is cheap: 429 with Retry-After, nothing changed.

Counting is django-ratelimit's (``get_usage``: fixed windows per key,
staggered per client). Its counters live in the ``ratelimit`` cache, which all
web processes share: Django's database cache by default, Redis when
``REDIS_URL`` is set (see ``CACHES`` in config/settings.py). Limits are the
``RATE_LIMITS`` setting, one ``"count/period"`` per name (README "Security").
"""

import functools
import hashlib

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from security.signin import client_ip


def _ip(request):
    return client_ip(request) or ""


def _email(request):
    return (request.POST.get("email") or "").strip().lower()[:254]


def _user_or_ip(request):
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{_ip(request)}"


KEYS = {"ip": _ip, "email": _email, "user_or_ip": _user_or_ip}


def hit(request, name, *, key="ip"):
    """Count one request against limit ``name``; return seconds to wait, or 0."""
    rate = settings.RATE_LIMITS.get(name)
    value = KEYS[key](request)
    if not rate or not value:
        return 0
    usage = get_usage(
        request,
        group=f"okpuja.{name}",
        # Keys of any length or charset make a safe, short cache key.
        key=lambda _group, _request: hashlib.sha256(value.encode()).hexdigest(),
        rate=rate,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, usage["time_left"])


def too_many_requests(request, retry_after, *, api=False):
    """Return the 429 answer: JSON for the API, the 429 page otherwise."""
    message = _(
        "You have sent too many requests in a short time. "
        "Please wait a few minutes and try again."
    )
    if api:
        response = JsonResponse(
            {
                "success": False,
                "error": {"code": "rate_limited", "message": message},
            },
            status=429,
        )
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def rate_limit(*limits, methods=("POST",), api=False):
    """Decorate a view with limits given as ``(name, key)`` pairs.

    Only requests with one of ``methods`` are counted; the first limit
    exceeded answers 429 before the view runs.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                for name, key in limits:
                    retry_after = hit(request, name, key=key)
                    if retry_after:
                        return too_many_requests(request, retry_after, api=api)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
