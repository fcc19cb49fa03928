"""500s are seen: a traceback on stderr in every mode, and a mail to ADMINS."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.conf import settings
from django.core import mail
from django.test import Client
from django.test.utils import override_settings, setup_test_environment

setup_test_environment()
with override_settings(ROOT_URLCONF="tests.security.urls", ALLOWED_HOSTS=["*"]):
    response = Client(raise_request_exception=False).get("/boom/")
print("status", response.status_code, "debug", settings.DEBUG)
print("mails", [message.subject for message in mail.outbox])
"""


def run_failing_request(**env):
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={
            **os.environ,
            # config.settings itself: tests.settings would pin DJANGO_ADMINS away.
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "logging-test-secret-key",
            "PHONEPE_ENV": "LOCAL",
            "PHONEPE_ALLOW_LOCAL": "true",
            "DATABASE_URL": "sqlite:////tmp/okpuja-logging-test.sqlite3",
            "CACHE_URL": "locmem://",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_500_with_debug_off_logs_its_traceback_to_stderr():
    result = run_failing_request(DJANGO_DEBUG="false", DJANGO_ADMINS="")
    assert "status 500 debug False" in result.stdout, result.stderr
    assert "Internal Server Error: /boom/" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: boom: forced failure" in result.stderr
    assert "mails []" in result.stdout


def test_a_500_is_mailed_to_admins_when_set():
    result = run_failing_request(
        DJANGO_DEBUG="false", DJANGO_ADMINS="Ops <ops@okpuja.example>"
    )
    assert "Traceback (most recent call last)" in result.stderr
    assert "Internal Server Error: /boom/" in result.stdout  # the mail's subject
