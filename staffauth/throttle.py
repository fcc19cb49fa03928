"""Slow down password guessing on the admin sign-in.

After ``MAX_FAILURES`` failed sign-ins for one username within ``WINDOW``,
that username is locked for ``LOCKOUT`` from the last failure, even with the
right password. One IP address gets ``MAX_FAILURES_PER_IP`` failures (more,
because an office may share one address) before it is locked the same way.
Attempts refused while locked are not counted, so a lock always ends.
State lives in the database: the web tier keeps none.
"""

import datetime

from django.utils import timezone

from staffauth.models import FailedLogin

MAX_FAILURES = 5
MAX_FAILURES_PER_IP = 20
WINDOW = datetime.timedelta(minutes=15)
LOCKOUT = datetime.timedelta(minutes=15)
# Failures older than this are deleted when a new one is recorded.
KEEP = datetime.timedelta(days=1)


def _locked_until(failures, limit):
    """Return when the lock ends for these failures (newest first), or None."""
    recent = list(failures[:limit])
    if len(recent) < limit:
        return None
    newest, oldest = recent[0], recent[-1]
    if newest - oldest > WINDOW:
        return None
    return newest + LOCKOUT


def locked_until(*, username, ip, now=None):
    """Return the time a lock on this username or IP ends, or None when not locked."""
    now = now or timezone.now()
    since = now - WINDOW - LOCKOUT
    ends = []
    if username:
        ends.append(
            _locked_until(
                FailedLogin.objects.filter(
                    username_lower=username.strip().lower(), created_at__gte=since
                )
                .order_by("-created_at")
                .values_list("created_at", flat=True),
                MAX_FAILURES,
            )
        )
    if ip:
        ends.append(
            _locked_until(
                FailedLogin.objects.filter(ip=ip, created_at__gte=since)
                .order_by("-created_at")
                .values_list("created_at", flat=True),
                MAX_FAILURES_PER_IP,
            )
        )
    ends = [end for end in ends if end is not None and end > now]
    return max(ends) if ends else None


def record_failure(*, username, ip, now=None):
    now = now or timezone.now()
    FailedLogin.objects.create(
        username_lower=(username or "").strip().lower()[:254],
        ip=ip or None,
        created_at=now,
    )
    FailedLogin.objects.filter(created_at__lt=now - KEEP).delete()


def clear_failures(*, username):
    """Forget a username's failures after it signs in successfully."""
    FailedLogin.objects.filter(username_lower=(username or "").strip().lower()).delete()
