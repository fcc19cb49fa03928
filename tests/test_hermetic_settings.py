"""The suite ignores the operator's environment (tests/settings.py pins what it needs).

Runs a small part of the suite in a child pytest with every variable of .env.example set to
a wrong value, as an operator's shell with a filled-in .env would have them, and expects it
to pass: a PhonePe payment through the sandbox process with its webhook (credentials,
callback credentials, email) and the browser journey against a live server (SITE_URL,
cookies, DEBUG). The one exception is DATABASE_URL, which the runner chooses; the child
runs on its own SQLite file so it never shares the outer run's test database.
"""

import os
import re
import subprocess
import sys

import pytest

from tests.sandbox_process import REPO_ROOT

pytestmark = pytest.mark.e2e

CHILD_TESTS = [
    "tests/checkout/test_money_path.py::test_success_webhook_books_once_with_one_email",
    "tests/e2e/test_checkout_journey.py::test_customer_books_and_pays",
]
WRONG = {
    "DJANGO_SECRET_KEY": "operator-secret-key",
    "DJANGO_DEBUG": "true",
    "DJANGO_ALLOWED_HOSTS": "okpuja.invalid",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://okpuja.invalid",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_CONN_MAX_AGE": "600",
    "SITE_URL": "https://okpuja.invalid",
    "PHONEPE_ENV": "SANDBOX",
    "PHONEPE_BASE_URL": "http://127.0.0.1:9/apis/pg-sandbox",
    "PHONEPE_OAUTH_URL": "http://127.0.0.1:9/apis/identity-manager",
    "PHONEPE_CLIENT_ID": "OPERATOR_CLIENT",
    "PHONEPE_CLIENT_SECRET": "operator-secret",
    "PHONEPE_CLIENT_VERSION": "7",
    "PHONEPE_CALLBACK_USERNAME": "operator_hook",
    "PHONEPE_CALLBACK_PASSWORD": "operator12345",
    "PHONEPE_TIMEOUT_SECONDS": "30",
    "PHONEPE_REQUEST_BUDGET_SECONDS": "60",
    "PHONEPE_WEBHOOK_BUDGET_SECONDS": "60",
    "PHONEPE_ORDER_EXPIRE_AFTER": "300",
    "CHECKOUT_HOLD_GRACE_SECONDS": "1",
    "CHECKOUT_POLL_INTERVAL_SECONDS": "60",
    "CHECKOUT_GATEWAY_CHECK_MIN_SECONDS": "3600",
    "CHECKOUT_LOG_LEVEL": "DEBUG",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.okpuja.invalid",
    "EMAIL_PORT": "1",
    "EMAIL_HOST_USER": "operator",
    "EMAIL_HOST_PASSWORD": "operator-password",
    "EMAIL_USE_TLS": "true",
    "EMAIL_FROM": "Operator <operator@okpuja.invalid>",
}


def hostile_environment():
    """Return every .env.example variable (but DATABASE_URL) set to a wrong value."""
    example = (REPO_ROOT / ".env.example").read_text()
    env = {}
    for name, value in re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", example, re.MULTILINE):
        if name == "DATABASE_URL":
            continue
        if name in WRONG:
            env[name] = WRONG[name]
        elif value.strip().lower() in {"true", "false"}:
            env[name] = "false" if value.strip().lower() == "true" else "true"
        elif value.strip().isdigit():
            env[name] = "1"
        else:
            env[name] = f"operator-{name.lower()}"
    return env


def test_hostile_environment_covers_every_documented_variable():
    example = (REPO_ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    assert set(hostile_environment()) == documented - {"DATABASE_URL"}


def test_suite_passes_with_the_operators_environment_set_to_wrong_values():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(hostile_environment())
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CHILD_TESTS],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(REPO_ROOT),
        timeout=600,
    )
    assert result.returncode == 0, (
        f"child pytest failed (exit {result.returncode}):\n"
        f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    )
    assert f"{len(CHILD_TESTS)} passed" in result.stdout, result.stdout[-3000:]
