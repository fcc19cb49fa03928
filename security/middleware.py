"""Refuse form bodies in a charset that cannot carry a form (e.g. UTF-16).

Django decodes ``request.POST`` in the charset the client names. A UTF-16
body cannot even be split at ``&`` and ``=``, so reading it raises
``BadRequest`` — and raises it again while the 400 page is rendered (the CSRF
check reads ``request.POST``), ending as a 500. Answer 400 before anything
reads the body.
"""

import codecs

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
