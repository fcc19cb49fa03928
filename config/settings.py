"""
Settings for the OkPuja storefront.

One settings module driven by environment variables (see .env.example). With
DJANGO_DEBUG off, missing secrets or gateway credentials stop start-up.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be an integer, got {value!r}."
        ) from exc


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (see .env.example) or run with "
            "DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    host.strip()
    for host in env("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in env("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.apps.OkPujaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "storefront",
    "checkout",
    "staffauth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed for clients that accept it (CSRF tokens are masked per
    # response, Django's BREACH mitigation).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "storefront.context_processors.site",
            ],
            # {% partialdef %} everywhere, as in Django 6 where it is built in.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the write lock instead of failing at once when the web server,
    # the reconciler and webhooks write at the same time.
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent
    # read-then-write transactions queue instead of failing with "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "storefront.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "storefront.auth_backends.EmailOrUsernameBackend",
]
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:catalog"
LOGOUT_REDIRECT_URL = "storefront:catalog"

LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Caches. "default" is shared by every process (web, workers, reconcilers):
# Redis when REDIS_URL is set, else the database (`manage.py createcachetable`).
# "local" is per process, for entries whose key names their version, so they
# never need invalidating (the catalog fragment, a settled status fragment).
REDIS_URL = env("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "okpuja_cache",
        }
    ),
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "okpuja-local",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# Tasks (checkout/tasks.py): stored in the database, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "OkPuja <bookings@okpuja.local>")

# PhonePe PG v2 (see checkout/phonepe.py and README "Payments").
PHONEPE_ENV = env("PHONEPE_ENV", "LOCAL").upper()
if PHONEPE_ENV not in {"LOCAL", "SANDBOX", "PRODUCTION"}:
    raise ImproperlyConfigured("PHONEPE_ENV must be LOCAL, SANDBOX or PRODUCTION.")
PHONEPE_BASE_URL = env("PHONEPE_BASE_URL", "")
PHONEPE_OAUTH_URL = env("PHONEPE_OAUTH_URL", "")
_LOCAL = PHONEPE_ENV == "LOCAL"
PHONEPE_CLIENT_ID = env("PHONEPE_CLIENT_ID", "OKPUJA_LOCAL" if _LOCAL else "")
PHONEPE_CLIENT_SECRET = env(
    "PHONEPE_CLIENT_SECRET", "okpuja-local-secret" if _LOCAL else ""
)
PHONEPE_CLIENT_VERSION = env("PHONEPE_CLIENT_VERSION", "1")
PHONEPE_CALLBACK_USERNAME = env(
    "PHONEPE_CALLBACK_USERNAME", "okpuja_webhook" if _LOCAL else ""
)
PHONEPE_CALLBACK_PASSWORD = env(
    "PHONEPE_CALLBACK_PASSWORD", "okpuja12345" if _LOCAL else ""
)
PHONEPE_TIMEOUT_SECONDS = float(env("PHONEPE_TIMEOUT_SECONDS", "10"))
# Total time for PhonePe calls (retries included) while a customer or a staff
# member waits on a page, and while PhonePe waits on our webhook answer.
PHONEPE_REQUEST_BUDGET_SECONDS = float(env("PHONEPE_REQUEST_BUDGET_SECONDS", "3"))
PHONEPE_WEBHOOK_BUDGET_SECONDS = float(env("PHONEPE_WEBHOOK_BUDGET_SECONDS", "0.8"))
# Checkout timing (seconds). See README "Payment timing".
PHONEPE_ORDER_EXPIRE_AFTER = env_int("PHONEPE_ORDER_EXPIRE_AFTER", 900)
CHECKOUT_HOLD_GRACE_SECONDS = env_int("CHECKOUT_HOLD_GRACE_SECONDS", 20 * 60)
CHECKOUT_POLL_INTERVAL_SECONDS = env_int("CHECKOUT_POLL_INTERVAL_SECONDS", 2)
CHECKOUT_GATEWAY_CHECK_MIN_SECONDS = env_int("CHECKOUT_GATEWAY_CHECK_MIN_SECONDS", 3)
# A payment pending this long gets "Return to PhonePe" / "Cancel this payment".
CHECKOUT_PENDING_HELP_SECONDS = env_int("CHECKOUT_PENDING_HELP_SECONDS", 30)


# Self-service cancel and reschedule. CANCEL_REFUND_BANDS: "hours:percent"
# pairs, most generous first: cancelling at least `hours` before the puja
# refunds `percent` of what was paid; later than the last band refunds nothing.
def _refund_bands(text):
    try:
        bands = [
            (int(hours), int(percent))
            for hours, percent in (
                band.split(":") for band in text.split(",") if band.strip()
            )
        ]
    except ValueError:
        raise ImproperlyConfigured(
            'CANCEL_REFUND_BANDS must look like "48:100,24:50" (hours:percent).'
        ) from None
    if any(not 0 <= percent <= 100 or hours < 0 for hours, percent in bands):
        raise ImproperlyConfigured("CANCEL_REFUND_BANDS: percents 0-100, hours >= 0.")
    return sorted(bands, reverse=True)


CANCEL_REFUND_BANDS = _refund_bands(env("CANCEL_REFUND_BANDS", "48:100,24:50"))
RESCHEDULE_MIN_HOURS = env_int("RESCHEDULE_MIN_HOURS", 24)

# The seller on tax invoices.
INVOICE_SELLER_NAME = env("INVOICE_SELLER_NAME", "OkPuja Services Pvt. Ltd.")
INVOICE_SELLER_ADDRESS = env(
    "INVOICE_SELLER_ADDRESS", "12 Temple Street, Jayanagar, Bengaluru 560011"
)
INVOICE_SELLER_STATE = env("INVOICE_SELLER_STATE", "Karnataka")
INVOICE_SELLER_GSTIN = env("INVOICE_SELLER_GSTIN", "29ABCDE1234F1Z5")
# The business as customers and PhonePe see it (About & contact page, footer);
# name, address and GSTIN default to the invoice's seller, so both agree.
BUSINESS_NAME = env("BUSINESS_NAME") or INVOICE_SELLER_NAME
BUSINESS_ADDRESS = (
    env("BUSINESS_ADDRESS") or f"{INVOICE_SELLER_ADDRESS}, {INVOICE_SELLER_STATE}"
)
BUSINESS_GSTIN = env("BUSINESS_GSTIN") or INVOICE_SELLER_GSTIN
BUSINESS_PHONE = env("BUSINESS_PHONE", "+918012345678")
BUSINESS_WHATSAPP = env("BUSINESS_WHATSAPP", "+918012345678")
BUSINESS_EMAIL = env("BUSINESS_EMAIL", "namaste@okpuja.example")
INVOICE_PREFIX = env("INVOICE_PREFIX", "OKP")
INVOICE_SAC_CODE = env("INVOICE_SAC_CODE", "999712")
# Prices include GST. INVOICE_TAX_PERCENT is the total rate; within the
# seller's state it is split CGST + SGST, across states it is IGST. 0 prints
# no tax lines (a seller under the threshold).
INVOICE_TAX_PERCENT = env_int("INVOICE_TAX_PERCENT", 18)

if not DEBUG:
    _missing = [
        name
        for name in (
            "PHONEPE_CLIENT_ID",
            "PHONEPE_CLIENT_SECRET",
            "PHONEPE_CALLBACK_USERNAME",
            "PHONEPE_CALLBACK_PASSWORD",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Missing PhonePe settings: " + ", ".join(_missing) + " (see .env.example)."
        )
    SESSION_COOKIE_SECURE = env_bool(
        "DJANGO_SECURE_COOKIES", SITE_URL.startswith("https")
    )
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "checkout": {
            "handlers": ["console"],
            "level": env("CHECKOUT_LOG_LEVEL", "INFO"),
        },
        "storefront": {"handlers": ["console"], "level": "INFO"},
    },
}
