"""
PhonePe PG v2 (Standard Checkout) client.

The only place the storefront talks to PhonePe. Protocol facts are in
``shared/reference/phonepe-pg.md`` section 1; the same code runs against the local
sandbox, PhonePe's UAT host and production, only ``PhonePeConfig`` differs.

Calls and money:

- ``create_payment()`` opens an order on PhonePe when the customer starts checkout.
  It moves no money; the customer pays later on PhonePe's hosted page.
- ``get_order_status()`` reads the truth about an order (after the redirect back,
  on a webhook, when polling). Moves no money.
- ``refund()`` asks PhonePe to send money back to the customer. It moves money.
- ``get_refund_status()`` reads a refund's progress. Moves no money.
- ``is_valid_webhook_authorization()`` and ``parse_webhook()`` check and read a
  webhook locally; no network call.

Failures are a small hierarchy:

- ``PhonePeError``: base of every gateway failure.
- ``PhonePeUnavailable``: network error, timeout, HTTP 5xx/429 or an unreadable
  answer. Nothing is known; try again later (show a generic message, log it).
  ``PhonePeBudgetExhausted`` is one: the ``time_budget()`` the caller set ran out.
- ``PhonePeRejected(code, message, http_status)``: PhonePe answered 4xx with its
  ``code``, e.g. ``BAD_REQUEST`` or ``EXCESS_REFUND_AMOUNT``. Retrying the same
  request will not help.
- ``PhonePeOrderNotFound``: a ``PhonePeRejected`` for an unknown merchant order id.
- ``PhonePeAuthError``: the credentials were refused, or a fresh token was refused.

``PhonePeMalformedWebhook`` (a ``ValueError``, not a ``PhonePeError``) means a
webhook body could not be read.

Parsing is lenient, as PhonePe asks: unknown fields are ignored, missing or null
fields become ``None``. Amounts are integer paise; an amount is accepted as a JSON
integer, an integral float (``100.0``) or a string of digits (``"100"``), anything
else becomes ``None`` rather than a guess. Epoch-millisecond times become aware UTC
datetimes.
"""

import contextlib
import contextvars
import dataclasses
import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from security.jsonbody import InvalidJSONBody, load_json

logger = logging.getLogger("checkout.phonepe")

# (API base, OAuth base) per PHONEPE_ENV.
HOSTS = {
    "LOCAL": (
        "http://127.0.0.1:8001/apis/pg-sandbox",
        "http://127.0.0.1:8001/apis/pg-sandbox",
    ),
    "SANDBOX": (
        "https://api-preprod.phonepe.com/apis/pg-sandbox",
        "https://api-preprod.phonepe.com/apis/pg-sandbox",
    ),
    "PRODUCTION": (
        "https://api.phonepe.com/apis/pg",
        "https://api.phonepe.com/apis/identity-manager",
    ),
}

TOKEN_PATH = "/v1/oauth/token"
PAY_PATH = "/checkout/v2/pay"
ORDER_STATUS_PATH = "/checkout/v2/order/{merchant_order_id}/status"
REFUND_PATH = "/payments/v2/refund"
REFUND_STATUS_PATH = "/payments/v2/refund/{merchant_refund_id}/status"

# Waits before the 2nd and 3rd attempt of a call that met an unavailable gateway.
RETRY_DELAYS = (0.5, 1.0)

# The deadline shared by every PhonePe call inside ``time_budget()`` (None: none).
_deadline = contextvars.ContextVar("phonepe_deadline", default=None)


@contextlib.contextmanager
def time_budget(seconds):
    """Give every PhonePe call inside the block ``seconds`` in total, retries included.

    For calls made while a customer (or PhonePe's webhook) waits: each request's
    timeout shrinks to what is left, retries happen only if they fit, and once
    the budget is spent calls raise PhonePeBudgetExhausted (a PhonePeUnavailable)
    at once. Nested budgets never extend an outer one. Long retries belong to
    the reconciler, which calls without a budget.
    """
    deadline = time.monotonic() + float(seconds)
    outer = _deadline.get()
    if outer is not None:
        deadline = min(deadline, outer)
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining():
    """Seconds left in the current budget, or None outside any budget."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


# Refresh a token this long before it expires at the latest.
TOKEN_REFRESH_MARGIN = 60.0
ORDER_NOT_FOUND_CODES = frozenset(
    {"MERCHANT_ORDER_MAPPING_NOT_FOUND", "MAPPING_NOT_FOUND"}
)


# Errors ---------------------------------------------------------------------


class PhonePeError(Exception):
    """Base of every failure talking to PhonePe."""


class PhonePeUnavailable(PhonePeError):
    """PhonePe could not be reached or gave no usable answer; try again later."""


class PhonePeBudgetExhausted(PhonePeUnavailable):
    """The caller's time budget ran out before PhonePe answered (``time_budget``)."""


class PhonePeRejected(PhonePeError):
    """PhonePe refused the request (HTTP 4xx) with its own error code."""

    def __init__(self, code: str | None, message: str | None, http_status: int):
        self.code = code
        self.message = message
        self.http_status = http_status
        super().__init__(f"{code or 'UNKNOWN'}: {message or ''} (HTTP {http_status})")


class PhonePeOrderNotFound(PhonePeRejected):
    """PhonePe has no order (or refund) with this merchant id."""


class PhonePeAuthError(PhonePeError):
    """PhonePe refused the client credentials or a freshly issued token."""

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None
    ):
        self.code = code
        self.message = message
        self.http_status = http_status
        super().__init__(message)


class PhonePeMalformedWebhook(ValueError):
    """A webhook body is not the JSON object PhonePe sends."""


# Configuration --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PhonePeConfig:
    """
    Where and how to reach one PhonePe merchant account.

    ``base_url`` and ``oauth_url`` have no trailing slash; ``timeout`` is seconds,
    used for connecting and for each read; ``env`` is LOCAL, SANDBOX or PRODUCTION.
    """

    base_url: str
    oauth_url: str
    client_id: str
    client_secret: str = dataclasses.field(repr=False)
    client_version: str
    callback_username: str
    callback_password: str = dataclasses.field(repr=False)
    timeout: float = 10.0
    env: str = "LOCAL"


def config_from_settings() -> PhonePeConfig:
    """Return a PhonePeConfig built from the PHONEPE_* Django settings."""
    env = settings.PHONEPE_ENV.upper()
    if env not in HOSTS:
        raise ImproperlyConfigured("PHONEPE_ENV must be LOCAL, SANDBOX or PRODUCTION.")
    default_base_url, default_oauth_url = HOSTS[env]
    # PhonePe's sandbox serves OAuth on the API host, so an overridden sandbox
    # or local base URL moves OAuth with it; production has its own host.
    oauth_default = default_oauth_url
    if env != "PRODUCTION" and settings.PHONEPE_BASE_URL:
        oauth_default = settings.PHONEPE_BASE_URL
    return PhonePeConfig(
        base_url=(settings.PHONEPE_BASE_URL or default_base_url).rstrip("/"),
        oauth_url=(settings.PHONEPE_OAUTH_URL or oauth_default).rstrip("/"),
        client_id=settings.PHONEPE_CLIENT_ID,
        client_secret=settings.PHONEPE_CLIENT_SECRET,
        client_version=str(settings.PHONEPE_CLIENT_VERSION),
        callback_username=settings.PHONEPE_CALLBACK_USERNAME,
        callback_password=settings.PHONEPE_CALLBACK_PASSWORD,
        timeout=float(settings.PHONEPE_TIMEOUT_SECONDS),
        env=env,
    )


_client_lock = threading.Lock()
_client_cache = None  # (PhonePeConfig, PhonePeClient)


def get_client() -> "PhonePeClient":
    """
    Return the process-wide PhonePeClient for the current settings.

    The client (and so its cached token) is shared; a new one is built when the
    settings change, e.g. under override_settings in tests.
    """
    global _client_cache
    config = config_from_settings()
    with _client_lock:
        if _client_cache is None or _client_cache[0] != config:
            _client_cache = (config, PhonePeClient(config))
        return _client_cache[1]


# Results --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CreatedPayment:
    order_id: str | None
    state: str | None
    expire_at: datetime | None
    # PhonePe's hosted payment page; send the customer's browser here.
    redirect_url: str | None


@dataclasses.dataclass(frozen=True)
class PaymentAttempt:
    transaction_id: str | None
    payment_mode: str | None
    state: str | None
    amount_paise: int | None
    timestamp: datetime | None
    error_code: str | None
    detailed_error_code: str | None
    utr: str | None = None


@dataclasses.dataclass(frozen=True)
class OrderStatus:
    merchant_order_id: str | None
    order_id: str | None
    state: str | None
    amount_paise: int | None
    expire_at: datetime | None
    error_code: str | None
    detailed_error_code: str | None
    payment_details: list[PaymentAttempt]
    raw: dict = dataclasses.field(repr=False, compare=False)

    @property
    def is_completed(self) -> bool:
        """Return True when the customer has paid (decide only on this state)."""
        return self.state == "COMPLETED"

    @property
    def is_failed(self) -> bool:
        """Return True when the order can no longer be paid."""
        # EXPIRED is not a documented v2 state but appears in PhonePe's fixtures.
        return self.state in {"FAILED", "EXPIRED"}

    @property
    def is_pending(self) -> bool:
        """Return True while the order is not settled (including unknown states)."""
        return not (self.is_completed or self.is_failed)


@dataclasses.dataclass(frozen=True)
class RefundResult:
    refund_id: str | None
    amount_paise: int | None
    state: str | None


@dataclasses.dataclass(frozen=True)
class RefundStatus:
    merchant_refund_id: str | None
    original_merchant_order_id: str | None
    refund_id: str | None
    amount_paise: int | None
    state: str | None
    # Set when the refund FAILED, e.g. BANK_TECHNICAL_ISSUE / UT.
    error_code: str | None
    detailed_error_code: str | None
    raw: dict = dataclasses.field(repr=False, compare=False)


@dataclasses.dataclass(frozen=True)
class WebhookEvent:
    event: str
    type: str | None
    payload: dict = dataclasses.field(repr=False)
    # The order the event is about: merchantOrderId, or for refund events
    # originalMerchantOrderId.
    merchant_order_id: str | None
    merchant_refund_id: str | None
    state: str | None
    amount_paise: int | None


@dataclasses.dataclass(frozen=True)
class _AccessToken:
    access_token: str = dataclasses.field(repr=False)
    token_type: str
    # Local clock (time.time()), see PhonePeClient._fetch_token().
    issued_at: float
    expires_at: float

    @property
    def refresh_at(self):
        lifetime = self.expires_at - self.issued_at
        # Half-life comes first for any lifetime over two minutes; shorter tokens
        # (test sandboxes) still get half their life instead of a fetch per call.
        margin = min(TOKEN_REFRESH_MARGIN, lifetime / 2)
        return min(self.issued_at + lifetime / 2, self.expires_at - margin)

    @property
    def header(self):
        return f"{self.token_type} {self.access_token}"


# Lenient parsing ------------------------------------------------------------


def _str(value):
    return value if isinstance(value, str) else None


def _paise(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value.strip()):
        return int(value.strip())
    return None


def _epoch_ms(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _epoch_s(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _dict(value):
    return value if isinstance(value, dict) else {}


def _payment_attempt(data):
    return PaymentAttempt(
        transaction_id=_str(data.get("transactionId")),
        payment_mode=_str(data.get("paymentMode")),
        state=_str(data.get("state")),
        amount_paise=_paise(data.get("amount")),
        timestamp=_epoch_ms(data.get("timestamp")),
        error_code=_str(data.get("errorCode")),
        detailed_error_code=_str(data.get("detailedErrorCode")),
        utr=_str(_dict(data.get("rail")).get("utr")),
    )


def _order_status(data):
    details = data.get("paymentDetails")
    return OrderStatus(
        merchant_order_id=_str(data.get("merchantOrderId")),
        order_id=_str(data.get("orderId")),
        state=_str(data.get("state")),
        amount_paise=_paise(data.get("amount")),
        expire_at=_epoch_ms(data.get("expireAt")),
        error_code=_str(data.get("errorCode")),
        detailed_error_code=_str(data.get("detailedErrorCode")),
        payment_details=[
            _payment_attempt(item)
            for item in (details if isinstance(details, list) else [])
            if isinstance(item, dict)
        ],
        raw=data,
    )


# Client ---------------------------------------------------------------------


class PhonePeClient:
    """
    PhonePe PG v2 client for one merchant account.

    Safe to share between threads. Every HTTP request uses ``config.timeout`` for
    both connecting and reading. Business calls are retried twice more (after 0.5 s
    and 1 s) when PhonePe is unavailable: each is idempotent on PhonePe's side
    (same merchantOrderId → same order, same merchantRefundId → same refund).
    """

    def __init__(self, config: PhonePeConfig, session: requests.Session | None = None):
        self.config = config
        # What requests reads from the environment (proxies, CA bundle) is
        # read once per host here, not on every call (it walks the whole
        # environment each time); a session passed in is used as it is.
        self._environment = {}
        if session is None:
            session = requests.Session()
            self._environment = {
                base_url: session.merge_environment_settings(
                    base_url, {}, None, None, None
                )
                for base_url in {config.base_url, config.oauth_url}
            }
            # Also skips ~/.netrc, whose credentials would replace PhonePe's
            # Authorization header.
            session.trust_env = False
        self.session = session
        self._token = None
        self._token_lock = threading.Lock()

    # OAuth ------------------------------------------------------------------

    def get_token(self) -> str:
        """
        Return the access token, fetching one only when none is cached or the
        cached one is past its refresh time. Moves no money.

        A failed refresh keeps the cached token while it has not expired. Raise
        PhonePeAuthError for refused credentials, PhonePeUnavailable otherwise.
        """
        return self._get_access_token().access_token

    def _get_access_token(self):
        left = _remaining()
        if not self._token_lock.acquire(timeout=-1 if left is None else max(left, 0)):
            raise PhonePeBudgetExhausted("Waited too long for a PhonePe token.")
        try:
            return self._get_access_token_locked()
        finally:
            self._token_lock.release()

    def _get_access_token_locked(self):
        token = self._token
        now = time.time()
        if token is not None and now < token.refresh_at:
            return token
        try:
            self._token = self._fetch_token()
        except PhonePeError as exc:
            if token is None or now >= token.expires_at:
                raise
            logger.warning(
                "PhonePe token refresh failed (%s); using the cached token",
                type(exc).__name__,
            )
            return token
        return self._token

    def _invalidate_token(self, token):
        with self._token_lock:
            # Another thread may already have replaced it with a good one.
            if self._token is token:
                self._token = None

    def _fetch_token(self):
        response = self._send(
            "POST",
            self.config.oauth_url,
            TOKEN_PATH,
            data={
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "client_version": self.config.client_version,
                "grant_type": "client_credentials",
            },
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        if 400 <= response.status_code < 500 and response.status_code != 429:
            code, message = _error_fields(response)
            raise PhonePeAuthError(
                f"PhonePe refused the credentials: {code or ''} {message or ''}".strip(),
                code=code,
                http_status=response.status_code,
            )
        data = _json_object(response)
        access_token = _str(data.get("access_token"))
        if not access_token:
            raise PhonePeUnavailable("PhonePe token response has no access_token.")
        issued_at = _epoch_s(data.get("issued_at"))
        expires_at = _epoch_s(data.get("expires_at"))
        if issued_at is not None and expires_at is not None:
            lifetime = expires_at - issued_at
        else:
            lifetime = _epoch_s(data.get("expires_in")) or 0.0
        # Without a usable expiry the token serves the call at hand only.
        lifetime = max(lifetime, 0.0)
        # Anchor the lifetime on the local clock: a clock that disagrees with
        # PhonePe's would otherwise refresh on every call or far too late (a 401
        # still heals the small drift this leaves).
        now = time.time()
        return _AccessToken(
            access_token=access_token,
            token_type=_str(data.get("token_type")) or "O-Bearer",
            issued_at=now,
            expires_at=now + lifetime,
        )

    # Business calls ---------------------------------------------------------

    def create_payment(
        self,
        *,
        merchant_order_id: str,
        amount_paise: int,
        redirect_url: str,
        expire_after: int | None = None,
        message: str | None = None,
        udf: Mapping[str, str] | None = None,
    ) -> CreatedPayment:
        """
        Create a PhonePe order when the customer starts paying; return where to
        send the customer's browser. Moves no money.

        ``expire_after`` is seconds (300..3600, PhonePe's default when None);
        ``udf`` maps ``"udf1"``..``"udf15"`` to strings echoed back in statuses
        and webhooks. Retried when PhonePe is unavailable: the same
        merchant_order_id returns the same order.
        """
        payment_flow = {
            "type": "PG_CHECKOUT",
            "merchantUrls": {"redirectUrl": redirect_url},
        }
        if message is not None:
            payment_flow["message"] = message
        body = {
            "merchantOrderId": merchant_order_id,
            "amount": amount_paise,
            "paymentFlow": payment_flow,
        }
        if expire_after is not None:
            body["expireAfter"] = expire_after
        if udf:
            body["metaInfo"] = dict(udf)
        data = self._call("POST", PAY_PATH, json_body=body)
        return CreatedPayment(
            order_id=_str(data.get("orderId")),
            state=_str(data.get("state")),
            expire_at=_epoch_ms(data.get("expireAt")),
            redirect_url=_str(data.get("redirectUrl")),
        )

    def get_order_status(
        self, merchant_order_id: str, *, details: bool = False
    ) -> OrderStatus:
        """
        Return the order's current status from PhonePe: after the redirect back,
        on a webhook and when polling a pending order. Moves no money.

        Decide on ``state`` (``is_completed``/``is_failed``/``is_pending``) only.
        ``details=True`` lists every payment attempt, otherwise only the latest.
        Raise PhonePeOrderNotFound for an unknown merchant_order_id.
        """
        data = self._call(
            "GET",
            ORDER_STATUS_PATH.format(merchant_order_id=merchant_order_id),
            params={"details": "true" if details else "false"},
        )
        return _order_status(data)

    def refund(
        self,
        *,
        merchant_refund_id: str,
        original_merchant_order_id: str,
        amount_paise: int,
    ) -> RefundResult:
        """
        Ask PhonePe to refund ``amount_paise`` of a paid order. MOVES MONEY.

        The refund is idempotent by merchant_refund_id: asking again with the same
        id returns the same refund, so a retry never refunds twice. Use a new id
        only for a new refund. Raise PhonePeRejected (e.g. EXCESS_REFUND_AMOUNT)
        when PhonePe refuses it.
        """
        data = self._call(
            "POST",
            REFUND_PATH,
            json_body={
                "merchantRefundId": merchant_refund_id,
                "originalMerchantOrderId": original_merchant_order_id,
                "amount": amount_paise,
            },
        )
        return RefundResult(
            refund_id=_str(data.get("refundId")),
            amount_paise=_paise(data.get("amount")),
            state=_str(data.get("state")),
        )

    def get_refund_status(self, merchant_refund_id: str) -> RefundStatus:
        """
        Return a refund's progress (PENDING → CONFIRMED → COMPLETED | FAILED):
        on a refund webhook and when checking before re-trying. Moves no money.

        A FAILED refund carries PhonePe's ``error_code`` and ``detailed_error_code``;
        its amount was not paid out and may be refunded again under a new id.
        """
        data = self._call(
            "GET", REFUND_STATUS_PATH.format(merchant_refund_id=merchant_refund_id)
        )
        details = data.get("paymentDetails")
        first_detail = details[0] if isinstance(details, list) and details else {}
        return RefundStatus(
            merchant_refund_id=_str(data.get("merchantRefundId")),
            original_merchant_order_id=_str(data.get("originalMerchantOrderId")),
            # Some shapes carry refundId, others only the refund transaction id.
            refund_id=_str(data.get("refundId"))
            or _str(_dict(first_detail).get("transactionId")),
            amount_paise=_paise(data.get("amount")),
            state=_str(data.get("state")),
            error_code=_str(data.get("errorCode")),
            detailed_error_code=_str(data.get("detailedErrorCode")),
            raw=data,
        )

    # Webhooks ---------------------------------------------------------------

    def is_valid_webhook_authorization(self, header_value: str | None) -> bool:
        """
        Return True when a webhook's Authorization header is
        sha256hex("username:password") for the configured callback credentials.
        Surrounding whitespace and hex case are ignored; compares in constant time.
        """
        username = self.config.callback_username
        password = self.config.callback_password
        if not header_value or not username or not password:
            return False
        expected = hashlib.sha256(f"{username}:{password}".encode()).hexdigest()
        return hmac.compare_digest(
            header_value.strip().lower().encode("utf-8", "replace"), expected.encode()
        )

    def parse_webhook(self, body: bytes | str) -> WebhookEvent:
        """
        Return the WebhookEvent in a webhook body (check the Authorization header
        first). Treat it as a trigger: re-fetch the order or refund status before
        moving any state. Raise PhonePeMalformedWebhook if it cannot be read.
        """
        try:
            data = load_json(body)
        except InvalidJSONBody as exc:
            raise PhonePeMalformedWebhook(f"Webhook body: {exc.message}") from exc
        if not isinstance(data, dict):
            raise PhonePeMalformedWebhook("Webhook body is not a JSON object.")
        event = data.get("event")
        payload = data.get("payload")
        if not isinstance(event, str) or not event:
            raise PhonePeMalformedWebhook("Webhook has no event.")
        if not isinstance(payload, dict):
            raise PhonePeMalformedWebhook("Webhook has no payload object.")
        return WebhookEvent(
            event=event,
            type=_str(data.get("type")),
            payload=payload,
            merchant_order_id=_str(payload.get("merchantOrderId"))
            or _str(payload.get("originalMerchantOrderId")),
            merchant_refund_id=_str(payload.get("merchantRefundId")),
            state=_str(payload.get("state")),
            amount_paise=_paise(payload.get("amount")),
        )

    # Plumbing ---------------------------------------------------------------

    def _call(self, method, path, *, json_body=None, params=None):
        """Make a business call, retrying while PhonePe is unavailable."""
        for delay in (*RETRY_DELAYS, None):
            try:
                return self._call_once(method, path, json_body=json_body, params=params)
            except PhonePeUnavailable as exc:
                left = _remaining()
                if delay is None or isinstance(exc, PhonePeBudgetExhausted):
                    raise
                if left is not None and left < delay + 0.1:
                    raise PhonePeBudgetExhausted(
                        f"No time left to retry PhonePe after: {exc}"
                    ) from exc
                logger.info(
                    "PhonePe %s %s unavailable (%s); retrying in %.1f s",
                    method,
                    path,
                    exc,
                    delay,
                )
                time.sleep(delay)

    def _call_once(self, method, path, *, json_body, params):
        token = self._get_access_token()
        response = self._send_business(method, path, token, json_body, params)
        if response.status_code == 401:
            # Revoked or expired early: one fresh token, one more try.
            self._invalidate_token(token)
            token = self._get_access_token()
            response = self._send_business(method, path, token, json_body, params)
            if response.status_code == 401:
                raise PhonePeAuthError(
                    "PhonePe refused a freshly issued token.", http_status=401
                )
        if 400 <= response.status_code < 500 and response.status_code != 429:
            code, message = _error_fields(response)
            error_class = (
                PhonePeOrderNotFound
                if code in ORDER_NOT_FOUND_CODES
                else PhonePeRejected
            )
            raise error_class(code, message, response.status_code)
        return _json_object(response)

    def _send_business(self, method, path, token, json_body, params):
        return self._send(
            method,
            self.config.base_url,
            path,
            json=json_body,
            params=params,
            headers={
                "Authorization": token.header,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )

    def _send(self, method, base_url, path, **kwargs):
        """Send one HTTP request; raise PhonePeUnavailable on network errors."""
        started = time.monotonic()
        timeout = self.config.timeout
        left = _remaining()
        if left is not None:
            if left <= 0.05:
                raise PhonePeBudgetExhausted(
                    f"No time left to call PhonePe {method} {path}."
                )
            timeout = min(timeout, left)
        try:
            response = self.session.request(
                method,
                base_url + path,
                timeout=timeout,
                **self._environment.get(base_url, {}),
                **kwargs,
            )
        except requests.RequestException as exc:
            if left is not None and time.monotonic() - started >= timeout - 0.01:
                raise PhonePeBudgetExhausted(
                    f"PhonePe {method} {path} did not answer within the time budget."
                ) from exc
            logger.info(
                "PhonePe %s %s failed after %.0f ms: %s",
                method,
                path,
                (time.monotonic() - started) * 1000,
                type(exc).__name__,
            )
            raise PhonePeUnavailable(
                f"PhonePe unreachable: {type(exc).__name__}"
            ) from exc
        logger.info(
            "PhonePe %s %s -> %s in %.0f ms",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise PhonePeUnavailable(f"PhonePe answered HTTP {response.status_code}.")
        return response


def _json_object(response):
    try:
        data = response.json()
    except ValueError as exc:
        raise PhonePeUnavailable(
            f"PhonePe answered HTTP {response.status_code} without JSON."
        ) from exc
    if not isinstance(data, dict):
        raise PhonePeUnavailable("PhonePe answered with JSON that is not an object.")
    return data


def _error_fields(response):
    """Return (code, message) from a PhonePe error body, None for what is missing."""
    try:
        data = response.json()
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    code = _str(data.get("code")) or _str(data.get("errorCode"))
    return code, _str(data.get("message"))
