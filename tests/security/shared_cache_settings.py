"""The test settings with rate-limit counters in the database cache.

For the gunicorn processes of test_rate_limits.py: tests/settings.py pins the
environment, so the shared cache and a low limit are set here instead.
"""

from tests.settings import *  # noqa: F403

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,  # noqa: F405
    }
}
RATE_LIMITS = {**RATE_LIMITS, "webhook_unauthenticated": "4/d"}  # noqa: F405
