"""Whole pages kept per process, with each visitor's CSRF token put in per response.

A page's HTML is a function of what it shows (the catalog, a booking) and of
what the header shows of the visitor: signed in or not, their name, the count
on the cart badge. When nothing else of theirs is on it (no flash message
waiting), a page is rendered once per such key and kept in the process's local
cache. The one per-response thing left is the CSRF token in its forms and in
htmx's headers: the page is rendered with a placeholder where the tokens go,
and every response gets the visitor's own (masked afresh each time, as
Django's BREACH mitigation wants, and setting the CSRF cookie as a normal
render does).

A visitor who sends no session cookie and no messages is anonymous with an
empty cart: their key costs no query, so the catalog and a service page are
served without touching the database. A visitor with a session costs what the
header costs anyway (the session, the user, the badge's count) and no
rendering.
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from storefront import catalog_cache, visitor

# Letters, digits and dashes: autoescaping leaves it as it is.
CSRF_PLACEHOLDER = "okpuja-shared-page-csrf-token"
SHARED_ATTR = "_okpuja_shared_page"
TOKEN_ENVIRON_KEY = "okpuja.csrf_token"
COUNT_ATTR = "_okpuja_page_cart_count"
ANONYMOUS = "anonymous"


def is_shared(request) -> bool:
    """Return whether this request renders a page kept for more than one response."""
    return getattr(request, SHARED_ATTR, False)


def has_nothing_of_their_own(request) -> bool:
    """No session and no messages: anonymous, with an empty cart."""
    return not _has_session(request) and not _has_messages_cookie(request)


def _has_session(request) -> bool:
    return bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME))


def _has_messages_cookie(request) -> bool:
    # A deleted cookie may still be sent, empty.
    return bool(request.COOKIES.get(CookieStorage.cookie_name))


def visitor_key(request) -> str | None:
    """Return what the header shows of this visitor, as part of a cache key.

    None when the page must be rendered for this response (a message waits).
    """
    if _has_messages_cookie(request):
        return None
    if not _has_session(request):
        setattr(request, COUNT_ATTR, 0)
        return ANONYMOUS
    if SessionStorage.session_key in request.session:
        return None
    count = getattr(request, COUNT_ATTR, None)
    if count is None:  # else counted already, with what the view read
        # A signed-in visitor's user and count in one statement, else as usual.
        count = visitor.signed_in_cart_count(request)
        if count is None:
            from storefront.context_processors import cart_count

            count = cart_count(request)
        setattr(request, COUNT_ATTR, count)
    user = request.user
    if not user.is_authenticated:
        return f"cart:{count}"
    name = hashlib.sha256(f"{user.first_name}\0{user.email}".encode()).hexdigest()[:16]
    return f"user:{user.pk}:{name}:cart:{count}"


def _with_token(request, content: bytes) -> bytes:
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder not in content:
        # No form (a pending poll's fragment before the long wait): no token,
        # and no CSRF cookie, as a render without {% csrf_token %} would.
        return content
    token = get_token(request)
    # Where it went, for a response kept whole outside Django (checkout/fast_poll.py).
    request.environ[TOKEN_ENVIRON_KEY] = token
    return content.replace(placeholder, token.encode())


def cached_page(request, key: str, render, timeout=None) -> HttpResponse:
    """Return the page kept under ``key`` (which must name everything it
    shows), rendering it with ``render()`` the first time; kept ``timeout``
    seconds at most (default ``catalog_cache.LOCAL_TIMEOUT``)."""
    local = caches["local"]
    cached = local.get(key)
    if cached is None:
        setattr(request, SHARED_ATTR, True)
        try:
            response = render()
        finally:
            setattr(request, SHARED_ATTR, False)
        if response.streaming:
            return response
        content = response.content
        if response.status_code == 200 and not response.cookies:
            local.set(
                key,
                (content, response["Content-Type"]),
                catalog_cache.LOCAL_TIMEOUT if timeout is None else timeout,
            )
        response.content = _with_token(request, content)
    else:
        response = HttpResponse(_with_token(request, cached[0]), content_type=cached[1])
    # As a page rendered for the visitor: it differs with their cookies.
    patch_vary_headers(response, ("Cookie",))
    return response


def catalog_page(vary=None, *, anonymous_only=False, timeout=None):
    """Keep the view's page per catalog version, language, URL and visitor.

    ``vary(request)`` returns more of the key (a string), or None when this
    request's page must be rendered for it (it shows live data, say).
    ``anonymous_only``: only visitors with nothing of their own get a kept
    page (the view shows more of a visitor than the header does).
    ``timeout``: seconds a page is kept at most, for a page that also shows
    live data which may lag that long.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or request.headers.get(
                "HX-Request"
            ):
                return view(request, *args, **kwargs)
            if anonymous_only and not has_nothing_of_their_own(request):
                return view(request, *args, **kwargs)
            extra = vary(request) if vary is not None else ""
            visitor = visitor_key(request) if extra is not None else None
            if visitor is None:
                return view(request, *args, **kwargs)
            digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = (
                f"page:{catalog_cache.catalog_version()}:{get_language()}:"
                f"{view.__module__}.{view.__name__}:{digest}:{extra}:{visitor}"
            )
            return cached_page(
                request, key, lambda: view(request, *args, **kwargs), timeout
            )

        return wrapped

    return decorator
