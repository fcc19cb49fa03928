"""OkPuja's settings as they are, plus one bench-only middleware.

The middleware adds a ``Server-Timing`` header with the request's time in the
app and the part of it spent waiting on PhonePe, so the webhook benchmark can
report server time excluding the gateway call. Nothing else changes.
"""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

MIDDLEWARE = ["bench.timing.ServerTimingMiddleware", *MIDDLEWARE]
