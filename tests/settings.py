"""Settings for the test suite: the real settings, pinned to the tests' own world.

The tests start their own PhonePe sandbox and live servers with fixed credentials, so
whatever the operator's shell holds (a filled-in ``.env`` loaded by direnv, say) must not
reach them. Before ``config.settings`` reads the environment, every variable that
``.env.example`` documents (and any other ``DJANGO_*``, ``PHONEPE_*``, ``CHECKOUT_*`` or
``EMAIL_*`` variable) is removed from it and the values below are put in its place. Child
processes (the sandbox, manage.py) inherit the same clean environment.

Only what the runner must choose stays environment-driven: ``DATABASE_URL`` (SQLite when
unset, PostgreSQL in CI) and ``CHROMIUM_PATH`` (tests/e2e/browser.py).
"""

import os
import re
from pathlib import Path

FROM_ENVIRONMENT = {
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
SETTING_PREFIXES = ("DJANGO_", "PHONEPE_", "CHECKOUT_", "EMAIL_")
PINNED = {
    "DJANGO_SECRET_KEY": "tests-only-secret-key-not-for-production",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]",
    "SITE_URL": "http://127.0.0.1:8000",
    # The bundled sandbox; fixtures point PHONEPE_BASE_URL at their own process.
    "PHONEPE_ENV": "LOCAL",
    "PHONEPE_ALLOW_LOCAL": "true",
    "PHONEPE_CLIENT_ID": "OKPUJA_LOCAL",
    "PHONEPE_CLIENT_SECRET": "okpuja-local-secret",
    "PHONEPE_CLIENT_VERSION": "1",
    "PHONEPE_CALLBACK_USERNAME": "okpuja_webhook",
    "PHONEPE_CALLBACK_PASSWORD": "okpuja12345",
    "PHONEPE_TIMEOUT_SECONDS": "3",
    # The shared database cache, as in production (rate-limit counters roll back
    # with each test's transaction; tests/conftest.py clears them after the others).
    "CACHE_URL": "db://",
}


def documented_variables():
    """Return the names of the variables in .env.example."""
    example = Path(__file__).resolve().parent.parent / ".env.example"
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example.read_text(), re.MULTILINE))


_documented = documented_variables()
for _name in list(os.environ):
    if _name in FROM_ENVIRONMENT:
        continue
    if _name in _documented or _name.startswith(SETTING_PREFIXES):
        del os.environ[_name]
os.environ.update(PINNED)

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run at once (after the commit); tests/scale runs the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
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
