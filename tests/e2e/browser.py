"""Find the Chromium that Playwright tests launch.

Order: $CHROMIUM_PATH, then Debian's /usr/bin/chromium, then Playwright's own
browser install (``playwright install chromium``, which needs internet).
Run as a script with --ensure to install Playwright's browser when neither
exists, failing with a clear message.
"""

import os
import shutil
import subprocess
import sys

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


def ensure() -> int:
    path = system_chromium()
    if path:
        print(f"Playwright will use {path}")
        return 0
    print("No system Chromium found; installing Playwright's own browser ...")
    result = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"], check=False
    )
    if result.returncode != 0:
        print(
            "Could not install a browser for the Playwright tests.\n"
            "Install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set\n"
            "CHROMIUM_PATH to a Chromium/Chrome executable, then run make test again.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    if "--ensure" in sys.argv:
        sys.exit(ensure())
    print(system_chromium() or "playwright-bundled")
