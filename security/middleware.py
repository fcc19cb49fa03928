"""Security middleware: form charsets, and django-csp's headers built once.

Refuse form bodies in a charset that cannot carry a form (e.g. UTF-16).

Django decodes ``request.POST`` in the charset the client names. A UTF-16
body cannot even be split at ``&`` and ``=``, so reading it raises
``BadRequest`` — and raises it again while the 400 page is rendered (the CSRF
check reads ``request.POST``), ending as a 500. Answer 400 before anything
reads the body.
"""

import codecs

import csp.constants
import csp.middleware
import csp.utils
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponseBadRequest

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
_PROBE = "a=b&c=d"


def _form_safe(charset):
    try:
        codecs.lookup(charset)
        return _PROBE.encode("ascii").decode(charset) == _PROBE
    except (LookupError, UnicodeError, ValueError):
        return False


class FormCharsetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.content_type in FORM_TYPES:
            charset = request.content_params.get("charset")
            if charset and not _form_safe(charset):
                return HttpResponseBadRequest(
                    "Bad request: send forms as UTF-8.",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, building the usual headers once per process.

    django-csp builds the policy text afresh for every response (a nonce or a
    view's ``@csp_update`` may change it). Most of our responses use neither,
    so their headers are the same every time: those are built once (and again
    after a settings change, as in tests); any response with a nonce, a
    per-view change or an exemption goes through django-csp as before.
    """

    PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )

    def __init__(self, get_response):
        super().__init__(get_response)
        self._plain = None
        setting_changed.connect(self._forget)

    def _forget(self, *, setting, **kwargs):
        if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
            self._plain = None

    def _plain_headers(self):
        plain = self._plain
        if plain is None:
            plain = []
            for report_only, header, name in (
                (False, csp.constants.HEADER, "CONTENT_SECURITY_POLICY"),
                (
                    True,
                    csp.constants.HEADER_REPORT_ONLY,
                    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
                ),
            ):
                policy = csp.utils.build_policy(report_only=report_only)
                if policy:
                    config = getattr(settings, name, None) or {}
                    prefixes = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
                    plain.append((header, policy, prefixes))
            self._plain = plain
        return plain

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in self.PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, policy, prefixes in self._plain_headers():
            if header not in response and not request.path_info.startswith(prefixes):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = csp.middleware.CheckableLazyObject(
            self._csp_nonce_post_response
        )
        return response
