"""A versioned cache of the catalog's results fragment.

The catalog's cards cost most of its time (12 services, their packages and
languages, rendered). They change only when catalog data does, so the
rendered fragment is kept per process under a key that names the catalog's
version; any change to a category, service, package or capacity override
moves the version on (in the shared cache, so every process sees it) and old
entries are simply never asked for again.

The version moves from ``post_save``/``post_delete`` receivers: every write
path (services, the admin, the shell, data loads) goes through them, which an
explicit call in each would not guarantee. Writes with ``QuerySet.update()``
bypass them and must call ``bump_catalog_version()`` themselves.

A process reads the shared version at most once every ``VERSION_MEMO_SECONDS``
(with the database cache each read is a query, on every catalog request): a
change made in one process shows in the others within that second, in the
process that made it at once. The version moves again when the change
commits, so a page rendered from data not yet committed (under the version
moved inside the transaction) is never asked for afterwards.
"""

import hashlib
import time
import uuid

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

VERSION_KEY = "storefront:catalog-version"
# Entries live as long as this in each process's local cache at most.
LOCAL_TIMEOUT = 300
VERSION_MEMO_SECONDS = 1.0

# (version, when read): one tuple, replaced whole, shared by the process's threads.
_last_read = (None, 0.0)


def catalog_version() -> str:
    global _last_read
    version, read_at = _last_read
    if version is not None and time.monotonic() - read_at < VERSION_MEMO_SECONDS:
        return version
    shared = caches["default"]
    version = shared.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not shared.add(VERSION_KEY, version, timeout=None):
            version = shared.get(VERSION_KEY) or version
    _last_read = (version, time.monotonic())
    return version


def forget_version() -> None:
    """Read the shared version again on the next request (tests, a bump)."""
    global _last_read
    _last_read = (None, 0.0)


def _set_new_version() -> None:
    caches["default"].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    forget_version()


def bump_catalog_version(**_kwargs) -> None:
    _set_new_version()
    transaction.on_commit(_set_new_version)


def fragment_key(version: str, name: str, params) -> str:
    """Key for fragment ``name`` of the catalog for these query ``params``."""
    items = sorted((k, v) for k, values in params.lists() for v in values)
    digest = hashlib.sha256(repr(items).encode()).hexdigest()[:32]
    return f"catalog:{version}:{get_language()}:{name}:{digest}"


def get_or_render(key: str, render):
    local = caches["local"]
    value = local.get(key)
    if value is None:
        value = render()
        local.set(key, value, LOCAL_TIMEOUT)
    return value


def connect() -> None:
    from storefront.models import Category, Package, Service, SlotCapacityOverride

    for model in (Category, Service, Package, SlotCapacityOverride):
        post_save.connect(
            bump_catalog_version,
            sender=model,
            dispatch_uid=f"catalog-{model.__name__}-save",
        )
        post_delete.connect(
            bump_catalog_version,
            sender=model,
            dispatch_uid=f"catalog-{model.__name__}-delete",
        )
