import os

import pytest

from tests.e2e.browser import LAUNCH_FLAGS, system_chromium

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls from that thread are safe here because the tests drive one browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = dict(browser_type_launch_args)
    path = system_chromium()
    if path:
        args["executable_path"] = path
    args["args"] = [*args.get("args", []), *LAUNCH_FLAGS]
    return args
