"""Language middleware: the admin in English, the login's language into the cookie.

See ``storefront/languages.py`` for how a page's language is chosen.
"""

import functools

from django.conf import settings
from django.urls import get_urlconf, reverse
from django.utils import translation

from storefront.languages import COOKIE_ATTR


@functools.cache
def _admin_prefix(urlconf):
    """Where the admin lives, found once per URLconf (not reversed per request)."""
    return reverse("admin:index", urlconf=urlconf)


class PreferredLanguageMiddleware:
    """Runs after ``LocaleMiddleware``; touches neither the session nor the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        urlconf = getattr(request, "urlconf", None) or get_urlconf()
        if request.path.startswith(_admin_prefix(urlconf or settings.ROOT_URLCONF)):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        response = self.get_response(request)
        code = getattr(request, COOKIE_ATTR, None)
        if code and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
