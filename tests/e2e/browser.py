"""Find the Chromium that Playwright tests launch.

Order: $CHROMIUM_PATH, then a system Chromium (/usr/bin/chromium, ...), then Playwright's
own browser. Run as a script with --ensure (``make test`` does) to make one available when
none is: Debian's ``chromium`` package with apt-get when this machine allows it (root or
passwordless sudo), else ``playwright install chromium`` (needs internet), else a clear
message. Set CHROMIUM_PATH to skip all of that.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: tests/e2e/browser.py --ensure
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.system_packages import apt_install  # noqa: E402

LAUNCH_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SYSTEM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]


def system_chromium() -> str | None:
    """Return the path of a system Chromium to use, or None for Playwright's own."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise SystemExit(f"CHROMIUM_PATH={explicit} is not an executable file.")
        return explicit
    for candidate in SYSTEM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def playwright_chromium() -> str | None:
    """Return the path of Playwright's own Chromium if it is installed, else None."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if os.access(path, os.X_OK) else None


def playwright_install() -> bool:
    """Download Playwright's own Chromium; return True when that worked."""
    print("Installing Playwright's own Chromium (playwright install chromium) ...")
    result = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"], check=False
    )
    return result.returncode == 0


def ensure() -> int:
    path = system_chromium()
    if path:
        print(f"Playwright will use {path}")
        return 0
    path = playwright_chromium()
    if path:
        print(f"Playwright will use its own Chromium at {path}")
        return 0
    if apt_install(
        ["chromium"],
        "no Chromium for the browser tests (set CHROMIUM_PATH to use another)",
    ):
        path = system_chromium()
        if path:
            print(f"Playwright will use {path}")
            return 0
    if playwright_install():
        return 0
    print(
        "Could not install a browser for the Playwright tests.\n"
        "Install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set\n"
        "CHROMIUM_PATH to a Chromium/Chrome executable, then run make test again.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    if "--ensure" in sys.argv:
        sys.exit(ensure())
    print(system_chromium() or playwright_chromium() or "none found")
