"""Fixtures of the Playwright journeys: the live server, where screenshots go
and phone/desktop sizes."""

import os
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

from checkout.fast_poll import FastPoll

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serving what gunicorn serves (config/wsgi.py):
    Django wrapped in the fast status poll, which Django's live server leaves
    out, so the journeys' confirm pages are answered by it as in production."""
    address = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(address, start=False)
    static_handler = server.thread.static_handler
    server.thread.static_handler = lambda app: static_handler(FastPoll(app))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def screenshot(page):
    """Return a function that saves full-page screenshots at phone and desktop sizes."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(name):
        original = page.viewport_size
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(
                path=str(SCREENSHOT_DIR / f"{name}-{label}.png"), full_page=True
            )
        if original:
            page.set_viewport_size(original)

    return take


@pytest.fixture
def page(page):
    """Playwright's page; the test fails if the browser reports a CSP violation."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    assert not violations, f"Content-Security-Policy violations: {violations}"
