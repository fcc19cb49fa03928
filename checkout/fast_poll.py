"""The confirm page's status poll, answered before Django's request stack when
its answer is already known.

A customer's confirm page polls every two seconds while a payment settles,
and keeps polling-sized requests coming as long as it stays open, so the poll
is the page a busy day serves most. Most polls answer exactly what the one
before answered. The first poll of each answer goes through Django as any
request does (sessions, language, security headers, the view); the view says
the response may be kept (``may_keep``, with ``poll.response_key``: the order,
its owner, when the payment and its booking last changed, how long it has
waited), and this WSGI wrapper keeps the finished response (status, headers,
body) per process, under that key and the request's language and encoding
inputs (the language cookie, Accept-Language, gzip).

Every later poll is checked exactly as the view checks it, in the same one
statement (``checkout.poll``): the session row (present, not expired, its
signed data naming the payment's owner with a backend we use, an active user
and the hash of their current password), and the payment and booking as they
are now, which must give the same key (so a booking changed, a payment that
moved, a wait grown long or a PhonePe check that is due is a new key or a
full request). Only then is the kept response sent again. A response that
sets a cookie is not kept (a CSRF cookie excepted: the kept body holds a
placeholder, and each answer gets the visitor's own CSRF secret from their
cookie, masked afresh; without a valid cookie the poll goes through Django).
Anything else (another URL, a history restore, a flash message waiting, an
error) goes through Django unchanged.
"""

import hashlib
import logging
import re
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib import auth
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signals
from django.core.cache import caches
from django.http.cookie import parse_cookie
from django.middleware.csrf import (
    CSRF_SECRET_LENGTH,
    InvalidTokenFormat,
    _check_token_format,
    _mask_cipher_secret,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from checkout import poll
from storefront import page_cache, visitor

logger = logging.getLogger("checkout")

MARK = "okpuja.poll.key"  # environ: the view's key for a response that may be kept
KEEP_SECONDS = 300
ORDER_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
GZIP_RE = re.compile(r"\bgzip\b")
PLACEHOLDER = page_cache.CSRF_PLACEHOLDER.encode()


def may_keep(request, key: str | None) -> None:
    """Called by the view: this poll's response may be kept under ``key``."""
    if key is not None:
        request.environ[MARK] = key


class FastPoll:
    """WSGI wrapper: answers repeated status polls from kept responses."""

    def __init__(self, app):
        self.app = app
        self._path = None

    def __call__(self, environ, start_response):
        asked = self._asked(environ)
        if asked is None:
            return self.app(environ, start_response)
        try:
            kept = self._kept_answer(environ, asked)
        except Exception:  # never worse than the full request
            logger.exception("Fast poll failed; answering in full")
            kept = None
        if kept is not None:
            status, headers, body = kept
            start_response(status, headers)
            return [body]
        return self._in_full(environ, start_response, asked)

    # What was asked ----------------------------------------------------------

    def _asked(self, environ):
        """(order, session key, cookies, the keeping key's variant) for a
        status poll this wrapper may answer; None for anything else."""
        if self._path is None:
            self._path = reverse("checkout:confirm")
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") != self._path
            or environ.get("HTTP_HX_REQUEST") != "true"
            or environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST")
        ):
            return None
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        order = query.get("order", [""])
        if list(query) != ["order"] or len(order) != 1 or not ORDER_RE.match(order[0]):
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        if not session_key or cookies.get(CookieStorage.cookie_name):
            return None
        variant = "\0".join(
            (
                cookies.get(settings.LANGUAGE_COOKIE_NAME, ""),
                environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                "gzip"
                if GZIP_RE.search(environ.get("HTTP_ACCEPT_ENCODING", ""))
                else "",
            )
        )
        return order[0], session_key, cookies, variant

    # A kept answer -------------------------------------------------------------

    def _kept_answer(self, environ, asked):
        order, session_key, cookies, variant = asked
        local = caches["local"]
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            found = poll.read(order, session_key=session_key)
            payment = found.payment
            if payment is None or not found.session_data:
                return None
            store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
            session = store().decode(found.session_data)
            if str(session.get(auth.SESSION_KEY)) != str(
                payment.user_id
            ) or not visitor.session_user_is_valid(session, payment.user):
                return None
            key = poll.response_key(payment, timezone.now())
            if key is None:
                return None
            kept = local.get(_kept_key(key, variant))
        finally:
            signals.request_finished.send(sender=self.__class__)
        if kept is None:
            return None
        status, headers, body = kept
        if PLACEHOLDER in body:
            secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
            try:
                _check_token_format(secret)
            except InvalidTokenFormat:
                return None
            if len(secret) != CSRF_SECRET_LENGTH:
                return None
            body = body.replace(PLACEHOLDER, _mask_cipher_secret(secret).encode())
        return status, headers, body

    # Through Django ------------------------------------------------------------

    def _in_full(self, environ, start_response, asked):
        seen = {}

        def remember(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, list(headers)
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        response = self.app(environ, remember)
        key = environ.get(MARK)
        if key is None or not seen["status"].startswith(("200 ", "286 ")):
            return response
        try:
            body = b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()
        self._keep(environ, asked, key, seen["headers"], seen["status"], body)
        return [body]

    def _keep(self, environ, asked, key, headers, status, body):
        token = environ.get(page_cache.TOKEN_ENVIRON_KEY)
        kept_headers = []
        for name, value in headers:
            if name.lower() == "set-cookie":
                if token is None or not value.lstrip().startswith(
                    f"{settings.CSRF_COOKIE_NAME}="
                ):
                    return  # sets something of this visitor's: not kept
                continue  # the CSRF cookie the visitor already holds
            if name.lower() == "content-encoding" and token is not None:
                return  # compressed with the token inside: not kept
            kept_headers.append((name, value))
        if token is not None:
            body = body.replace(token.encode(), PLACEHOLDER)
        caches["local"].set(
            _kept_key(key, asked[3]), (status, kept_headers, body), KEEP_SECONDS
        )


def _kept_key(key, variant):
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32]
    return f"checkout:fastpoll:{key}:{digest}"
