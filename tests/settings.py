"""Settings for the test suite: the real settings with test-only speed-ups."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("PHONEPE_ENV", "LOCAL")
os.environ.setdefault("PHONEPE_CLIENT_ID", "OKPUJA_LOCAL")
os.environ.setdefault("PHONEPE_CLIENT_SECRET", "okpuja-local-secret")
os.environ.setdefault("PHONEPE_CALLBACK_USERNAME", "okpuja_webhook")
os.environ.setdefault("PHONEPE_CALLBACK_PASSWORD", "okpuja12345")
os.environ.setdefault("PHONEPE_TIMEOUT_SECONDS", "3")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["loggers"]["checkout"]["level"] = "WARNING"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory, so live-server threads and concurrency
    # tests get real separate connections and SQLite's own locking.
    # One file per test process, so parallel runs do not share it.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(
            tempfile.gettempdir(), f"okpuja-test-{os.getpid()}.sqlite3"
        )
    }

# Serve static files from the finders (no collectstatic in tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
