"""The API's JSON parser: hostile bodies are a 400, never a 500."""

import json

from ninja.parser import Parser

from api.errors import BadJson

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 8


def _depth(value, level=1):
    if level > MAX_DEPTH:
        raise BadJson("The request body is nested too deeply.")
    if isinstance(value, str):
        if "\x00" in value:
            raise BadJson("The request body contains a NUL character.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
            raise BadJson("The request body cannot be stored.") from None
    if isinstance(value, dict):
        for key, item in value.items():
            _depth(key, level)
            _depth(item, level + 1)
    elif isinstance(value, list):
        for item in value:
            _depth(item, level + 1)


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


class GuardedParser(Parser):
    def parse_body(self, request):
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise BadJson(
                "Send the request body as application/json.",
                code="unsupported_content_type",
            )
        body = request.body
        if len(body) > MAX_BODY_BYTES:
            raise BadJson(
                "The request body is too large.", status=413, code="body_too_large"
            )
        if b"\x00" in body:
            raise BadJson("The request body contains a NUL byte.")
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise BadJson("The request body must be JSON.") from exc
        _depth(data)
        if not isinstance(data, dict):
            # Every body of this API is a JSON object.
            raise BadJson("The request body must be a JSON object.")
        return data
