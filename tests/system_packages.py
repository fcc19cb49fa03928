"""Install what `make test` needs from the system with apt-get, when this machine allows it.

Standard library only: the Makefile runs it with the system Python before .venv exists.
apt-get is used only when it is present and we are root or have passwordless sudo; every
install is announced first. Otherwise the caller stops with a message saying what to install.

    python3 tests/system_packages.py venv    # python3-venv for this Python, if missing
    python3 tests/system_packages.py gettext # GNU gettext (make messages), if missing
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path


def apt_prefix():
    """Return the command prefix that runs apt-get as root here, or None if we cannot."""
    apt_get = shutil.which("apt-get")
    if not apt_get:
        return None
    if os.geteuid() == 0:
        return [apt_get]
    sudo = shutil.which("sudo")
    if (
        sudo
        and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0
    ):
        return [sudo, "-n", apt_get]
    return None


def apt_install(packages, why):
    """Install Debian ``packages`` with apt-get, saying so; return False if not possible."""
    prefix = apt_prefix()
    if prefix is None:
        return False
    names = " ".join(packages)
    print(f"make test: {why}; installing Debian's {names} with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (
        ["update", "-qq"],
        ["install", "-y", "-qq", "-o", "Dpkg::Use-Pty=0", *packages],
    ):
        result = subprocess.run([*prefix, *args], env=env, check=False)
        if result.returncode != 0:
            print(
                f"make test: apt-get {args[0]} failed (exit {result.returncode}).",
                file=sys.stderr,
            )
            return False
    print(f"make test: installed {names}.", flush=True)
    return True


def ensure_venv():
    """Make ``python -m venv`` work for this interpreter (Debian splits it out)."""
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401

        return 0
    except ImportError:
        pass
    package = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    debian_python = Path(sys.executable).resolve().is_relative_to("/usr/bin")
    if debian_python and apt_install(
        [package], f"{sys.executable} cannot create virtualenvs"
    ):
        return 0
    print(
        f"{sys.executable} cannot create virtualenvs (no ensurepip).\n"
        f"Install it (Debian/Ubuntu: sudo apt-get install {package}) or run make with\n"
        f"PYTHON=/path/to/a/python3.11+ that has venv, then run make again.",
        file=sys.stderr,
    )
    return 1


def ensure_gettext():
    """Make xgettext/msgfmt available: ``makemessages``/``compilemessages`` run them."""
    if shutil.which("xgettext") and shutil.which("msgfmt"):
        return 0
    if apt_install(["gettext"], "makemessages needs GNU gettext"):
        return 0
    print(
        "GNU gettext (xgettext, msgfmt) is missing.\n"
        "Install it (Debian/Ubuntu: sudo apt-get install gettext; macOS: brew install "
        "gettext), then run make messages again.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    if sys.argv[1:] == ["venv"]:
        sys.exit(ensure_venv())
    if sys.argv[1:] == ["gettext"]:
        sys.exit(ensure_gettext())
    sys.exit(f"usage: {sys.argv[0]} venv|gettext")
