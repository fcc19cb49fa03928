"""Read JSON request bodies without ever raising anything but ``InvalidJSONBody``.

Every JSON body the site accepts (the app API and PhonePe's webhook) goes
through ``load_json`` or ``json_body``: size and nesting are capped before the
parser runs, and whatever the parser or PostgreSQL would choke on (bad UTF-8,
``RecursionError``, NaN, NUL characters, lone surrogates) is refused here.
"""

import json
import re

from django.conf import settings
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _

# A JSON string with its escapes; removed before counting brackets.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class InvalidJSONBody(Exception):
    """The body cannot be used. ``status`` is 400, or 413 when it is too large."""

    def __init__(self, message, *, status=400, code="invalid_json"):
        super().__init__(message)
        self.message = str(message)
        self.status = status
        self.code = code


def _depth(text):
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _storable(value):
    """Return True when every string in value can be stored in PostgreSQL."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def load_json(raw, *, max_bytes=None, max_depth=None):
    """Return the JSON value in ``raw`` (bytes or str); raise InvalidJSONBody."""
    max_bytes = max_bytes or settings.JSON_BODY_MAX_BYTES
    max_depth = max_depth or settings.JSON_BODY_MAX_DEPTH
    if len(raw) > max_bytes:
        raise InvalidJSONBody(
            _("The request body is larger than %(limit)d bytes.")
            % {"limit": max_bytes},
            status=413,
            code="body_too_large",
        )
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidJSONBody(_("The request body is not UTF-8.")) from None
    else:
        text = raw
    if "\x00" in text:
        raise InvalidJSONBody(_("The request body contains a NUL character."))
    if _depth(text) > max_depth:
        raise InvalidJSONBody(
            _("The request body is nested deeper than %(limit)d levels.")
            % {"limit": max_depth}
        )
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise InvalidJSONBody(_("The request body must be JSON.")) from None
    if not _storable(value):
        raise InvalidJSONBody(
            _("The request body contains characters that cannot be stored.")
        )
    return value


def json_body(request, *, max_bytes=None, max_depth=None):
    """Return the JSON value of a request's body; raise InvalidJSONBody.

    Only ``application/json`` (or ``…+json``) is read: a form or multipart body
    sent to a JSON endpoint is refused instead of half-parsed.
    """
    content_type = request.content_type or ""
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise InvalidJSONBody(
            _("Send the request body as application/json."),
            code="unsupported_content_type",
        )
    max_bytes = max_bytes or settings.JSON_BODY_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise InvalidJSONBody(
            _("The request body is larger than %(limit)d bytes.")
            % {"limit": max_bytes},
            status=413,
            code="body_too_large",
        )
    try:
        raw = request.body
    except RawPostDataException:
        raise InvalidJSONBody(_("The request body must be JSON.")) from None
    return load_json(raw, max_bytes=max_bytes, max_depth=max_depth)
