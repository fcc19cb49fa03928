"""Issue, find and revoke personal access tokens.

A token is ``okp_`` followed by 43 URL-safe characters (32 random bytes); the
database keeps only its SHA-256, so a leaked database does not leak tokens,
and the customer sees the whole token once, when it is issued.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from api.models import ApiToken

TOKEN_PREFIX = "okp_"
SHOWN_PREFIX_LENGTH = 12
MAX_TOKENS_PER_USER = 20


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def issue_token(*, user, name: str = "") -> IssuedToken:
    """Create a token for ``user``; the raw value is returned only here."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:60] or "App token",
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        key_hash=hash_token(raw),
        expires_at=now + datetime.timedelta(days=settings.API_TOKEN_DAYS),
    )
    # Keep the list short: the oldest usable tokens beyond the cap are revoked.
    stale = list(
        ApiToken.objects.usable(now=now)
        .filter(user=user)
        .values_list("pk", flat=True)[MAX_TOKENS_PER_USER:]
    )
    if stale:
        ApiToken.objects.filter(pk__in=stale).update(revoked_at=now)
    return IssuedToken(token=token, raw=raw)


def find_usable_token(raw: str) -> ApiToken | None:
    """Return the live token whose value is ``raw``, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(
        minutes=5
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
