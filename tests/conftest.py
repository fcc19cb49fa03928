import os

import pytest

from tests.e2e.browser import LAUNCH_FLAGS, system_chromium

# The PhonePe sandbox, the storefront client on it and the shop (tests/fixtures.py).
pytest_plugins = ["tests.fixtures"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls from that thread are safe here because the tests drive one browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request, django_db_blocker):
    """Leave no rate-limit counters behind a test that commits (live server)."""
    yield
    marker = request.node.get_closest_marker("django_db")
    commits = {"live_server", "transactional_db"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if commits:
        from django.core.cache import cache

        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture(autouse=True)
def _fresh_local_caches():
    """Each test reads the catalog version anew (the last test's rolled back)
    and finds no page or fragment cached by another test."""
    from django.core.cache import caches

    from storefront import catalog_cache

    catalog_cache.forget_version()
    caches["local"].clear()
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = dict(browser_type_launch_args)
    path = system_chromium()
    if path:
        args["executable_path"] = path
    args["args"] = [*args.get("args", []), *LAUNCH_FLAGS]
    return args


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` prove row locks and constraints that SQLite
    cannot (it serialises whole transactions): they are skipped on SQLite, and
    under CI (``CI=true``) a run without PostgreSQL fails instead of skipping."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    reason = "needs PostgreSQL row locks (set DATABASE_URL; CI runs these)"
    for item in items:
        if item.get_closest_marker("postgres"):
            if os.environ.get("CI", "").lower() == "true":
                item.add_marker(pytest.mark.usefixtures("_fail_without_postgres"))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _fail_without_postgres():
    pytest.fail("CI must run the postgres-marked tests on PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in Hindi leaves Hindi active in this thread; start each test in English."""
    from django.utils import translation

    yield
    translation.deactivate()
