"""The site's rate limits (``security.ratelimits``) as django-ninja throttles.

ninja runs a throttle after authentication and before the body is read, so an
over-the-limit request is refused (429 with Retry-After) without being parsed,
and counts per customer whether it signs with a token or the session.
"""

import threading

from ninja.throttling import BaseThrottle

from security.ratelimits import hit


class RateLimit(BaseThrottle):
    def __init__(self, name, *, key="user_or_ip"):
        self.name = name
        self.key = key
        self._local = threading.local()

    def allow_request(self, request):
        self._local.wait = hit(request, self.name, key=self.key)
        return not self._local.wait

    def wait(self):
        return getattr(self._local, "wait", None) or None
