"""Bench-only: time each request and the PhonePe calls made while serving it."""

import threading
import time

from checkout import phonepe

_local = threading.local()
_send = phonepe.PhonePeClient._send


def _timed_send(self, *args, **kwargs):
    started = time.perf_counter()
    try:
        return _send(self, *args, **kwargs)
    finally:
        _local.gateway = getattr(_local, "gateway", 0.0) + (
            time.perf_counter() - started
        )


phonepe.PhonePeClient._send = _timed_send


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _local.gateway = 0.0
        started = time.perf_counter()
        response = self.get_response(request)
        total = (time.perf_counter() - started) * 1000
        gateway = _local.gateway * 1000
        response["Server-Timing"] = f"app;dur={total:.2f}, gateway;dur={gateway:.2f}"
        return response
