"""Safe production defaults: settings imported in a fresh process with a given env."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Strong stand-ins for the secrets .env.example leaves empty.
OWN_CREDENTIALS = {
    "PHONEPE_CLIENT_ID": "M22OKPUJAUAT",
    "PHONEPE_CLIENT_SECRET": "0f1e2d3c-uat-secret",
    "PHONEPE_CALLBACK_USERNAME": "okpuja_prod_hook",
    "PHONEPE_CALLBACK_PASSWORD": "a-long-webhook-password",
}


def clean_env(**values):
    """The process env without any setting of ours, plus ``values``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("DJANGO_", "PHONEPE_", "SITE_URL", "CACHE_URL", "REDIS_URL", "RATE_LIMIT_")
        )
        and name != "DATABASE_URL"
    }
    env["DATABASE_URL"] = "sqlite:////tmp/okpuja-settings-check.sqlite3"
    env.update(values)
    return env


def import_settings(**values):
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=clean_env(**values),
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k" + secrets.token_urlsafe(50),
    **OWN_CREDENTIALS,
}


def test_debug_off_needs_phonepe_env():
    result = import_settings(**PRODUCTION)
    assert result.returncode != 0
    assert "PHONEPE_ENV is not set" in result.stderr


def test_debug_off_refuses_the_local_sandbox_unless_allowed():
    result = import_settings(**PRODUCTION, PHONEPE_ENV="LOCAL")
    assert result.returncode != 0
    assert "PHONEPE_ALLOW_LOCAL=true" in result.stderr
    allowed = import_settings(
        **PRODUCTION, PHONEPE_ENV="LOCAL", PHONEPE_ALLOW_LOCAL="true"
    )
    assert allowed.returncode == 0, allowed.stderr


def test_debug_on_defaults_to_the_local_sandbox():
    assert import_settings(DJANGO_DEBUG="true").returncode == 0


@pytest.mark.parametrize("env", ["SANDBOX", "PRODUCTION"])
@pytest.mark.parametrize(
    ("name", "public_value"),
    [
        ("PHONEPE_CLIENT_ID", "OKPUJA_LOCAL"),
        ("PHONEPE_CALLBACK_PASSWORD", "okpuja12345"),
    ],
)
def test_real_gateways_refuse_the_sandbox_credentials(env, name, public_value):
    result = import_settings(**{**PRODUCTION, "PHONEPE_ENV": env, name: public_value})
    assert result.returncode != 0
    assert "public credentials" in result.stderr
    assert name in result.stderr


def test_missing_credentials_are_named():
    values = {**PRODUCTION, "PHONEPE_ENV": "SANDBOX", "PHONEPE_CLIENT_SECRET": ""}
    result = import_settings(**values)
    assert result.returncode != 0
    assert "PHONEPE_CLIENT_SECRET" in result.stderr


def env_example():
    """The settings in .env.example, as README tells production to use them."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z_][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def test_check_deploy_is_clean_with_the_documented_production_settings():
    values = env_example()
    assert values["DJANGO_DEBUG"] == "false"
    assert values["SITE_URL"].startswith("https://")
    values.update(OWN_CREDENTIALS)
    values["DJANGO_SECRET_KEY"] = PRODUCTION["DJANGO_SECRET_KEY"]
    values.pop("DATABASE_URL")  # check --deploy needs no database
    values = {name: value for name, value in values.items() if value != ""}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings",
            "config.settings",
        ],
        cwd=ROOT,
        env=clean_env(**values),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
