"""The customer's language: English or Hindi, chosen per visitor, kept per customer.

Which language a page is in, first match wins:

1. The admin (``/admin/``) is always English (``PreferredLanguageMiddleware``).
2. The ``django_language`` cookie, set by the switcher in the header and footer
   (``storefront:set-language``) and at login from the customer's profile.
3. The browser's ``Accept-Language`` (Django's ``LocaleMiddleware``), so a
   first visit from a phone set to Hindi opens in Hindi.
4. English.

URLs carry no language prefix: the same link works in both languages and
pages are shared without changing the reader's choice. A signed-in customer's
choice is also saved on ``User.language``; login puts it back into the cookie,
so it follows them to another phone, and emails to them use it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}

# Set by login and the switcher on the request; the middleware writes the cookie.
COOKIE_ATTR = "_okpuja_language_cookie"


def supported(code: str | None) -> str | None:
    """Return ``code`` if it is one of the shop's languages, else ``None``."""
    if not code or not isinstance(code, str):
        return None
    try:
        code = translation.get_supported_language_variant(code)
    except LookupError:
        return None
    return code if code in SUPPORTED else None


def language_of(user) -> str:
    """Return the language to write to ``user`` in (emails), English if unknown."""
    return supported(getattr(user, "language", "")) or settings.LANGUAGE_CODE


def remember_on_login(sender, request, user, **kwargs):
    """At login: use the customer's saved language, or save the one in use.

    Connected to ``user_logged_in`` (storefront/apps.py).
    """
    saved = supported(user.language)
    if saved:
        translation.activate(saved)
        if request is not None:
            request.LANGUAGE_CODE = saved
            setattr(request, COOKIE_ATTR, saved)
        return
    current = supported(translation.get_language())
    if current:
        get_user_model().objects.filter(pk=user.pk).update(language=current)
        user.language = current


def save_choice(request, code: str) -> None:
    """Remember a language chosen with the switcher, for a signed-in customer too."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language != code:
        get_user_model().objects.filter(pk=user.pk).update(language=code)
        user.language = code
