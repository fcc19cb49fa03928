"""OkPuja's settings as they are, plus one bench-only middleware.

The middleware adds a ``Server-Timing`` header to POST requests (the webhooks)
with the request's time in the app, the part of it spent waiting on PhonePe
and on the database, and the thread's own CPU, so the webhook benchmark can
report server time excluding the gateway call. GET requests (the pages,
measured against the bare view) pass straight through. Nothing else changes.
"""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

MIDDLEWARE = ["bench.timing.ServerTimingMiddleware", *MIDDLEWARE]
