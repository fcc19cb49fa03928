"""Language middleware: the admin in English, the login's language into the cookie.

See ``storefront/languages.py`` for how a page's language is chosen.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy

from storefront.languages import COOKIE_ATTR

_admin_prefix = lazy(lambda: reverse("admin:index"), str)()


class PreferredLanguageMiddleware:
    """Runs after ``LocaleMiddleware``; touches neither the session nor the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(str(_admin_prefix)):
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
