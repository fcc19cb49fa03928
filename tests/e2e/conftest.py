"""Fixtures of the Playwright journeys: where screenshots go and phone/desktop sizes."""

from pathlib import Path

import pytest

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


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
