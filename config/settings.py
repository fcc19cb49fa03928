"""
Settings for the OkPuja storefront.

One settings module driven by environment variables (see .env.example). With
DJANGO_DEBUG off, missing secrets or gateway credentials stop start-up.
"""

import datetime
import os
import re
from email.utils import getaddresses
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
    # Before the admin: Hindi fields of the catalog (storefront/translation.py).
    "modeltranslation",
    "config.apps.OkPujaAdminConfig",
    "django.contrib.auth",
    "axes",
    "csp",
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
    "priests",
    "security",
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # django-csp's, with the usual headers built once (security/middleware.py).
    "security.middleware.CSPMiddleware",
    # Before anything reads request.POST (see security/middleware.py).
    "security.middleware.FormCharsetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed for clients that accept it (CSRF tokens are masked per
    # response, Django's BREACH mitigation).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Language from the cookie or Accept-Language; no URL prefix (README "Languages").
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in customer's saved language; the admin in English.
    "storefront.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
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
# The confirm page's poll prepares its one statement on each PostgreSQL
# connection (checkout/poll.py). Off behind a pooler that moves a client
# between server connections (PgBouncer in transaction mode).
DB_PREPARED_STATEMENTS = env_bool("DJANGO_DB_PREPARED_STATEMENTS", True)
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
    # First: refuses every sign-in of a locked account (README "Security").
    "axes.backends.AxesStandaloneBackend",
    "storefront.auth_backends.EmailOrUsernameBackend",
]
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:catalog"
LOGOUT_REDIRECT_URL = "storefront:catalog"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats per language (config/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True
# The language cookie lasts a year, like the choice it remembers.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Catalog content in Hindi (django-modeltranslation): <field>_en and <field>_hi
# columns; an empty Hindi field falls back to English.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "hi")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

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

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


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
# With DEBUG off the gateway must be chosen explicitly, and the bundled local
# sandbox (whose credentials are public) only with PHONEPE_ALLOW_LOCAL=true.
PHONEPE_ENV = (env("PHONEPE_ENV") or ("LOCAL" if DEBUG else "")).strip().upper()
if not PHONEPE_ENV:
    raise ImproperlyConfigured(
        "PHONEPE_ENV is not set. With DJANGO_DEBUG off choose SANDBOX or "
        "PRODUCTION (see .env.example)."
    )
if PHONEPE_ENV not in {"LOCAL", "SANDBOX", "PRODUCTION"}:
    raise ImproperlyConfigured("PHONEPE_ENV must be LOCAL, SANDBOX or PRODUCTION.")
PHONEPE_ALLOW_LOCAL = env_bool("PHONEPE_ALLOW_LOCAL", False)
if PHONEPE_ENV == "LOCAL" and not DEBUG and not PHONEPE_ALLOW_LOCAL:
    raise ImproperlyConfigured(
        "PHONEPE_ENV=LOCAL (the bundled sandbox, no real money) is refused with "
        "DJANGO_DEBUG off. Use SANDBOX or PRODUCTION, or set "
        "PHONEPE_ALLOW_LOCAL=true for a local test run."
    )
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
# Assign the least busy matching free priest right after each booking.
PRIESTS_AUTO_ASSIGN = env_bool("PRIESTS_AUTO_ASSIGN", False)
CHECKOUT_POLL_INTERVAL_SECONDS = env_int("CHECKOUT_POLL_INTERVAL_SECONDS", 2)
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)  # personal access tokens (docs/api.md)
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
# Credit notes (refunds of bookings) are numbered in their own series:
# CN/2026-27/00001 (16 characters, the GST limit for a document number).
CREDIT_NOTE_PREFIX = env("CREDIT_NOTE_PREFIX", "CN")
# Prices include GST. INVOICE_TAX_PERCENT is the total rate; within the
# seller's state it is split CGST + SGST, across states it is IGST. 0 prints
# no tax lines (a seller under the threshold).
INVOICE_TAX_PERCENT = env_int("INVOICE_TAX_PERCENT", 18)

# The bundled sandbox's credentials are printed in the README: never valid
# against PhonePe's UAT or production.
LOCAL_SANDBOX_CREDENTIALS = {
    "PHONEPE_CLIENT_ID": "OKPUJA_LOCAL",
    "PHONEPE_CLIENT_SECRET": "okpuja-local-secret",
    "PHONEPE_CALLBACK_USERNAME": "okpuja_webhook",
    "PHONEPE_CALLBACK_PASSWORD": "okpuja12345",
}
if not _LOCAL:
    _public = [
        name
        for name, value in LOCAL_SANDBOX_CREDENTIALS.items()
        if globals()[name] == value
    ]
    if _public:
        raise ImproperlyConfigured(
            f"PHONEPE_ENV={PHONEPE_ENV} with the bundled sandbox's public "
            "credentials: " + ", ".join(_public) + ". Use your own (see .env.example)."
        )

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
    _HTTPS = SITE_URL.startswith("https://")
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", _HTTPS)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", _HTTPS)
    # A load balancer's health check may use plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if _HTTPS else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and drops any
# the client sent), so Django knows the request came in over https.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front append to X-Forwarded-For; 0 = use REMOTE_ADDR.
# Decides the client address for the sign-in throttle and rate limits.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
# PhonePe's hosted page must see where the customer came from.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

# --- Caches ---------------------------------------------------------------------
# "default" is shared by every process (web, workers, reconcilers): the catalog
# version and the rate-limit counters. Django's database cache by default (table
# okpuja_cache, created by security's migration; `createcachetable` also does);
# Redis when REDIS_URL or CACHE_URL=redis://... is set. CACHE_URL=locmem://
# keeps it in one process (the test suite only).
# "local" is per process, for entries whose key names their version, so they
# never need invalidating (the catalog fragment, a settled status fragment).
CACHE_TABLE = "okpuja_cache"
_CACHE_URL = (env("CACHE_URL") or env("REDIS_URL") or "").strip()
if _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    try:
        import django_redis  # noqa: F401

        _cache = {"BACKEND": "django_redis.cache.RedisCache"}
    except ImportError:
        _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
    _cache["LOCATION"] = _CACHE_URL
elif _CACHE_URL == "locmem://":
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
elif _CACHE_URL in ("", "db://"):
    _cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
        # Past this many rows a third is dropped: keep live counters.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
else:
    raise ImproperlyConfigured(
        "CACHE_URL must be redis://..., rediss://..., db:// or locmem://."
    )
CACHES = {
    "default": _cache,
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "okpuja-local",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
RATELIMIT_USE_CACHE = "default"

# --- Sign-in throttle (django-axes; README "Security") --------------------------
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("SIGNIN_LOCKOUT_MINUTES", 15))
# Locks belong to accounts. Per client IP, sign-in attempts are rate-limited
# ("login" below) instead of locked after 5 failures: many customers share one
# address behind mobile carriers' NAT, and one of them must not lock out all.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "security.signin.account_key"
AXES_CLIENT_IP_CALLABLE = "security.signin.client_ip"
AXES_LOCKOUT_CALLABLE = "security.signin.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A lock ends when it says it does, whatever is tried meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False

# --- Rate limits: "count/period" (s, m, h, d; e.g. 20/15m) --------------------
_RATE_LIMIT_DEFAULTS = {
    "signup": "10/h",  # per IP
    "login": "30/15m",  # per IP, every sign-in form together
    "password_reset": "10/h",  # per IP
    "password_reset_email": "3/h",  # per email address
    "promo_apply": "20/10m",  # per customer (or IP)
    "pay": "10/10m",  # per customer
    "process_cart": "10/10m",  # per customer
    "check_booking": "60/m",  # per customer
    "webhook_unauthenticated": "30/m",  # per IP, bad Authorization only
}
RATE_LIMITS = {
    name: env(f"RATE_LIMIT_{name.upper()}", default).strip()
    for name, default in _RATE_LIMIT_DEFAULTS.items()
}
for _name, _rate in RATE_LIMITS.items():
    if _rate and not re.fullmatch(r"[0-9]+/[0-9]*[smhd]", _rate):
        raise ImproperlyConfigured(
            f"RATE_LIMIT_{_name.upper()} must look like 20/15m, got {_rate!r}."
        )

# --- Request bodies ---------------------------------------------------------------
JSON_BODY_MAX_BYTES = env_int("JSON_BODY_MAX_BYTES", 64 * 1024)
JSON_BODY_MAX_DEPTH = env_int("JSON_BODY_MAX_DEPTH", 32)
# PhonePe's webhooks are a few KB: larger bodies get 413.
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 64 * 1024)
# Of a delivery with a bad Authorization only this much is stored (and its size).
WEBHOOK_UNAUTHENTICATED_STORED_BYTES = env_int(
    "WEBHOOK_UNAUTHENTICATED_STORED_BYTES", 1024
)

# --- Content-Security-Policy (django-csp 4) and Permissions-Policy -------------
# No inline scripts, styles or event handlers anywhere (htmx is configured by
# a <meta>). The checkout page adds PhonePe's hosted page to form-action
# (security/csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws some icons as data: SVGs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# "Name <email>, email" in DJANGO_ADMINS: they get a mail for every 500.
ADMINS = [
    (name, address)
    for name, address in getaddresses([env("DJANGO_ADMINS", "")])
    if address
]
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Errors are seen in every mode: django.request (500s, with tracebacks) goes
# to stderr always, and to ADMINS by mail when set.
_REQUEST_HANDLERS = ["console"] + (["mail_admins"] if ADMINS else [])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler"},
    },
    "loggers": {
        "django.request": {
            "handlers": _REQUEST_HANDLERS,
            "level": "ERROR",
            "propagate": False,
        },
        "django.security": {
            "handlers": _REQUEST_HANDLERS,
            "level": "ERROR",
            "propagate": False,
        },
        "checkout": {
            "handlers": ["console"],
            "level": env("CHECKOUT_LOG_LEVEL", "INFO"),
        },
        "storefront": {"handlers": ["console"], "level": "INFO"},
    },
}
