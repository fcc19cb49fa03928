"""One error shape for the whole API, and the handlers that produce it.

Every error is ``{"success": false, "error": {"code", "message", "fields"}}``
with a 4xx status: ``code`` is stable and machine-readable, ``message`` is fit
for the customer, ``fields`` maps a request field to its problems (empty when
the error is not about one field). Nothing under /api/ answers HTML.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from checkout.errors import CheckoutError
from storefront import exceptions as storefront_errors

logger = logging.getLogger("api")


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    success: bool = False
    error: ErrorDetail


class ApiError(Exception):
    """Raise from an endpoint to answer with the error shape."""

    def __init__(self, status, code, message, fields=None, *, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = str(message)
        self.fields = fields or {}
        self.headers = headers or {}


def form_error(form):
    """An ApiError (400) naming the fields a Django form refused."""
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    names = sorted(fields)
    code = f"invalid_{names[0]}" if len(names) == 1 else "invalid_request"
    return ApiError(400, code, fields[names[0]][0], fields)


class BadJson(ValueError):
    """The body is not JSON the API accepts (see ``parser.GuardedParser``)."""

    def __init__(self, message, *, status=400, code="invalid_json"):
        super().__init__(message)
        self.message = str(message)
        self.status = status
        self.code = code


def error_response(status, code, message, fields=None, *, headers=None):
    response = JsonResponse(
        {
            "success": False,
            "error": {"code": code, "message": str(message), "fields": fields or {}},
        },
        status=status,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Which storefront rule broke -> (status, code).
STOREFRONT_ERRORS = [
    (storefront_errors.BookingDateError, 400, "invalid_date"),
    (storefront_errors.SlotUnavailableError, 409, "slot_unavailable"),
    (storefront_errors.PromoError, 400, "invalid_promo"),
    (storefront_errors.CartError, 409, "cart_not_editable"),
    (storefront_errors.StorefrontError, 409, "not_allowed"),
]


def _field_name(loc):
    # ninja's locations look like ("body", "payload", "cart_id") or ("query", "date").
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload")]
    return parts[0] if parts else ""


def validation_error(request, exc):
    fields = {}
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        name = _field_name(loc)
        message = error.get("msg", "Invalid value.")
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        if not name:
            # The body itself is missing or not a JSON object.
            return error_response(
                400, "invalid_json", _("The request body must be a JSON object.")
            )
        fields.setdefault(name, []).append(message)
    names = sorted(fields)
    code = f"invalid_{names[0]}" if len(names) == 1 else "invalid_request"
    message = (
        fields[names[0]][0] if len(names) == 1 else _("Some fields are not valid.")
    )
    return error_response(400, code, message, fields)


def api_error(request, exc):
    return error_response(
        exc.status, exc.code, exc.message, exc.fields, headers=exc.headers
    )


def http_error(request, exc):
    status = exc.status_code
    if isinstance(exc, AuthenticationError) or status == 401:
        return error_response(
            401,
            "not_authenticated",
            _("Log in or send a valid token: Authorization: Bearer <token>."),
        )
    if status == 429:
        wait = getattr(exc, "wait", None)
        headers = {"Retry-After": str(int(wait) + 1)} if wait else {}
        return error_response(
            429,
            "rate_limited",
            _("Too many requests. Please wait and try again."),
            headers=headers,
        )
    if isinstance(exc.__cause__, BadJson):
        cause = exc.__cause__
        return error_response(cause.status, cause.code, cause.message)
    if status == 400 and isinstance(exc.__cause__, ValueError | UnicodeDecodeError):
        return error_response(400, "invalid_json", _("The request body must be JSON."))
    if status == 403:
        return error_response(
            403, "forbidden", _("CSRF check failed: send the X-CSRFToken header.")
        )
    return error_response(status, "http_error", str(exc.message))


def not_found(request, exc):
    return error_response(404, "not_found", _("Not found."))


def storefront_error(request, exc):
    for cls, status, code in STOREFRONT_ERRORS:
        if isinstance(exc, cls):
            return error_response(status, code, exc.message)
    raise exc  # pragma: no cover - StorefrontError is the last entry


def checkout_error(request, exc):
    return error_response(409, "checkout_failed", exc.message)


def too_large(request, exc):
    return error_response(413, "body_too_large", _("The request body is too large."))


def server_error(request, exc):
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(
        500, "server_error", _("Something went wrong on our side. Please try again.")
    )


def install(api):
    api.add_exception_handler(Exception, server_error)
    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(RequestDataTooBig, too_large)
    api.add_exception_handler(storefront_errors.StorefrontError, storefront_error)
    api.add_exception_handler(CheckoutError, checkout_error)


# The error statuses each operation documents in the schema.
PUBLIC_ERRORS = {400: ErrorOut, 404: ErrorOut, 429: ErrorOut}
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**ERRORS, 409: ErrorOut, 413: ErrorOut}
