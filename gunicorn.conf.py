"""Gunicorn settings for OkPuja in production: ``gunicorn -c gunicorn.conf.py config.wsgi``.

Requests mostly wait (on PostgreSQL, on PhonePe), so each worker process runs
threads: a slow call to PhonePe occupies one thread, not the whole worker, and
``/healthz`` still gets an answer while other requests wait. Every value can be
changed with the environment variable named next to it.
"""

import os


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes: about one per core (threads do the waiting).
workers = _int("WEB_CONCURRENCY", max(2, os.cpu_count() or 1))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 8)
# A request that takes longer than this is killed. PhonePe calls made while a
# customer waits have a budget of a few seconds, far below it.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = 5
# Recycle workers now and then, jittered so they do not all restart at once.
# Not too often: a worker's local cache (kept pages and fragments, see
# storefront/page_cache.py) starts empty, and at a few hundred requests/s a
# recycle every 2,000 requests came every few seconds.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = 2000
# No control socket: several gunicorn processes on one host would otherwise
# share its default path.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
