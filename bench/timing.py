"""Bench-only: time each request, the PhonePe calls and the database
statements made while serving it, and the thread's own CPU."""

import threading
import time

from django.db import connection

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


def _timed_statement(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        _local.db = getattr(_local, "db", 0.0) + (time.perf_counter() - started)


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":  # the webhooks; the pages pay nothing
            return self.get_response(request)
        _local.gateway = _local.db = 0.0
        started = time.perf_counter()
        cpu_started = time.thread_time()
        with connection.execute_wrapper(_timed_statement):
            response = self.get_response(request)
        total = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        # cpu: this thread's own CPU time. db: in the database driver's
        # execute (statements, not COMMIT). The rest of app waited for a core
        # or for the GIL held by another thread.
        response["Server-Timing"] = (
            f"app;dur={total:.2f}, gateway;dur={_local.gateway * 1000:.2f}, "
            f"cpu;dur={cpu:.2f}, db;dur={_local.db * 1000:.2f}"
        )
        return response
