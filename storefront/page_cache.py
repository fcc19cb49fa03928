"""Whole pages for visitors who have nothing of their own yet.

A visitor who sends no session cookie and no flash messages is anonymous with
an empty cart and nothing to be told: the catalog or a service page they get
depends only on the catalog, the language and the URL. Such a page is rendered
once per catalog version (``storefront.catalog_cache``), language and URL
(and whatever else a view names, such as today's date) and kept in each
process's local cache. The one per-visitor thing left is the CSRF token in its
forms and in htmx's headers: the page is rendered with a placeholder where the
tokens go, and every response gets the visitor's own (masked afresh each time,
as Django's BREACH mitigation wants, and setting the CSRF cookie as a normal
render does).

A visitor with a session (a cart, a sign-in, the city of their pujas) or with
messages waiting gets the page rendered for them, as before.
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from storefront import catalog_cache

# Letters, digits and dashes: autoescaping leaves it as it is.
CSRF_PLACEHOLDER = "okpuja-shared-page-csrf-token"
SHARED_ATTR = "_okpuja_shared_page"


def is_shared(request) -> bool:
    """Return whether this request renders a page that is shared between visitors."""
    return getattr(request, SHARED_ATTR, False)


def shareable(request) -> bool:
    """Return whether the visitor can get a page shared with other visitors."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.headers.get("HX-Request")
    )


def _with_token(request, content: bytes) -> bytes:
    return content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())


def shared_for_anonymous(vary=None):
    """Serve the view's page from the local cache to visitors with nothing of their own.

    ``vary(request)`` returns more of the key (a string), or None when this
    request's page must not be shared (it shows live data, say).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not shareable(request):
                return view(request, *args, **kwargs)
            extra = vary(request) if vary is not None else ""
            if extra is None:
                return view(request, *args, **kwargs)
            digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = (
                f"shared-page:{catalog_cache.catalog_version()}:{get_language()}:"
                f"{view.__module__}.{view.__name__}:{digest}:{extra}"
            )
            local = caches["local"]
            cached = local.get(key)
            if cached is None:
                setattr(request, SHARED_ATTR, True)
                try:
                    response = view(request, *args, **kwargs)
                finally:
                    setattr(request, SHARED_ATTR, False)
                if response.streaming:
                    return response
                content = response.content
                if response.status_code == 200 and not response.cookies:
                    local.set(
                        key,
                        (content, response["Content-Type"]),
                        catalog_cache.LOCAL_TIMEOUT,
                    )
                response.content = _with_token(request, content)
            else:
                response = HttpResponse(
                    _with_token(request, cached[0]), content_type=cached[1]
                )
            # As a page rendered for the visitor: it differs with their cookies.
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapped

    return decorator
