"""Command-line and environment configuration of the sandbox."""

import argparse
import dataclasses
import os

DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/api/payments/webhook/phonepe/"


@dataclasses.dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8001
    public_url: str = ""
    webhook_url: str = DEFAULT_WEBHOOK_URL
    callback_username: str = "okpuja_webhook"
    callback_password: str = "okpuja12345"
    client_id: str = "OKPUJA_LOCAL"
    client_secret: str = "okpuja-local-secret"
    client_version: str = "1"
    merchant_id: str = "OKPUJALOCAL"
    merchant_name: str = "OkPuja"
    token_ttl: float = 3600.0
    webhook_delay: float = 1.0
    webhook_retries: int = 5
    webhook_backoff: float = 2.0
    webhook_timeout: float = 5.0
    refund_step_seconds: float = 1.0
    state_file: str = ""
    enable_test_controls: bool = False
    quiet: bool = False

    # Settings that POST /_sandbox/config may change at run time, with their types.
    RUNTIME = {
        "webhook_url": str,
        "webhook_delay": float,
        "webhook_retries": int,
        "webhook_backoff": float,
        "webhook_timeout": float,
        "token_ttl": float,
        "refund_step_seconds": float,
    }

    def runtime_view(self):
        return {name: getattr(self, name) for name in self.RUNTIME}


# (option, env var, type, help)
_OPTIONS = [
    ("host", "PHONEPE_SANDBOX_HOST", str, "address to bind"),
    ("port", "PHONEPE_SANDBOX_PORT", int, "port to bind (0 picks a free one)"),
    (
        "public_url",
        "PHONEPE_SANDBOX_PUBLIC_URL",
        str,
        "origin browsers use to reach the hosted page (default http://HOST:PORT)",
    ),
    (
        "webhook_url",
        "PHONEPE_SANDBOX_WEBHOOK_URL",
        str,
        "where webhooks are POSTed ('' = none)",
    ),
    ("callback_username", "PHONEPE_CALLBACK_USERNAME", str, "webhook username"),
    ("callback_password", "PHONEPE_CALLBACK_PASSWORD", str, "webhook password"),
    ("client_id", "PHONEPE_CLIENT_ID", str, "OAuth client_id accepted"),
    ("client_secret", "PHONEPE_CLIENT_SECRET", str, "OAuth client_secret accepted"),
    ("client_version", "PHONEPE_CLIENT_VERSION", str, "OAuth client_version accepted"),
    (
        "merchant_id",
        "PHONEPE_SANDBOX_MERCHANT_ID",
        str,
        "merchantId reported in responses",
    ),
    (
        "merchant_name",
        "PHONEPE_SANDBOX_MERCHANT_NAME",
        str,
        "name shown on the hosted page",
    ),
    ("token_ttl", "PHONEPE_SANDBOX_TOKEN_TTL", float, "access token lifetime, seconds"),
    (
        "webhook_delay",
        "PHONEPE_SANDBOX_WEBHOOK_DELAY",
        float,
        "delay before a webhook, seconds",
    ),
    (
        "webhook_retries",
        "PHONEPE_SANDBOX_WEBHOOK_RETRIES",
        int,
        "retries after a failed delivery",
    ),
    (
        "webhook_backoff",
        "PHONEPE_SANDBOX_WEBHOOK_BACKOFF",
        float,
        "first retry wait, doubled each retry, seconds",
    ),
    (
        "webhook_timeout",
        "PHONEPE_SANDBOX_WEBHOOK_TIMEOUT",
        float,
        "per-attempt timeout, seconds",
    ),
    (
        "refund_step_seconds",
        "PHONEPE_SANDBOX_REFUND_STEP_SECONDS",
        float,
        "time per refund step PENDING->CONFIRMED->COMPLETED",
    ),
    (
        "state_file",
        "PHONEPE_SANDBOX_STATE_FILE",
        str,
        "JSON file that keeps orders across restarts",
    ),
]

_TRUE = {"1", "true", "yes", "on"}


def parse_args(argv=None, environ=None):
    """Return a Config from argv, falling back to environment variables, then defaults."""
    environ = os.environ if environ is None else environ
    defaults = Config()
    parser = argparse.ArgumentParser(
        prog="python -m phonepe_sandbox",
        description="Local PhonePe PG v2 sandbox (Standard Checkout wire protocol).",
    )
    for name, env, kind, help_text in _OPTIONS:
        default = getattr(defaults, name)
        if env in environ:
            default = kind(environ[env])
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=kind,
            default=default,
            help=f"{help_text} [env {env}; default {getattr(defaults, name)!r}]",
        )
    parser.add_argument(
        "--enable-test-controls",
        dest="enable_test_controls",
        action="store_true",
        default=environ.get("PHONEPE_SANDBOX_TEST_CONTROLS", "").lower() in _TRUE,
        help="serve /_sandbox/* fault controls [env PHONEPE_SANDBOX_TEST_CONTROLS=1]",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        default=environ.get("PHONEPE_SANDBOX_QUIET", "").lower() in _TRUE,
        help="do not log each request [env PHONEPE_SANDBOX_QUIET=1]",
    )
    args = parser.parse_args(argv)
    return Config(**vars(args))
