"""make test brings its own browser: tests/e2e/browser.py --ensure and tests/system_packages.py.

apt-get, sudo and Playwright's driver are outside this process, so they are replaced: a fake
apt-get on PATH records its arguments and "installs" chromium into the same folder.
"""

import shutil
import stat
import sys

import pytest

from tests import system_packages
from tests.e2e import browser

FAKE_APT = """#!/bin/sh
echo "$@" >> "{log}"
case "$1" in
  update) exit {update_exit} ;;
  install)
    [ {install_exit} = 0 ] || exit {install_exit}
    printf '#!/bin/sh\\n' > "{bin}/chromium"; {chmod} +x "{bin}/chromium" ;;
esac
"""


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A machine with no Chromium anywhere; returns helpers to add apt-get or sudo."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    chmod = shutil.which("chmod")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", [])
    monkeypatch.setattr(browser, "playwright_chromium", lambda: None)
    downloads = []

    def playwright_install():
        downloads.append(True)
        return False

    monkeypatch.setattr(browser, "playwright_install", playwright_install)
    monkeypatch.setattr(system_packages.os, "geteuid", lambda: 0)

    class Machine:
        def add_apt(self, update_exit=0, install_exit=0):
            script = bin_dir / "apt-get"
            script.write_text(
                FAKE_APT.format(
                    log=log,
                    bin=bin_dir,
                    chmod=chmod,
                    update_exit=update_exit,
                    install_exit=install_exit,
                )
            )
            script.chmod(script.stat().st_mode | stat.S_IEXEC)

        def add_sudo(self, works):
            script = bin_dir / "sudo"
            script.write_text(
                f'#!/bin/sh\n[ "$2" = true ] && exit {0 if works else 1}\nshift\nexec "$@"\n'
            )
            script.chmod(script.stat().st_mode | stat.S_IEXEC)

        def apt_calls(self):
            return log.read_text().splitlines() if log.exists() else []

        chromium = bin_dir / "chromium"
        playwright_downloads = downloads

    return Machine()


def test_root_with_apt_installs_debian_chromium_and_says_so(machine, capsys):
    machine.add_apt()

    assert browser.ensure() == 0

    out = capsys.readouterr().out
    assert "installing Debian's chromium with apt-get" in out
    assert f"Playwright will use {machine.chromium}" in out
    assert machine.apt_calls() == [
        "update -qq",
        "install -y -qq -o Dpkg::Use-Pty=0 chromium",
    ]
    assert machine.playwright_downloads == []


def test_passwordless_sudo_installs_through_sudo(machine, monkeypatch, capsys):
    monkeypatch.setattr(system_packages.os, "geteuid", lambda: 1000)
    machine.add_apt()
    machine.add_sudo(works=True)

    assert browser.ensure() == 0
    assert machine.apt_calls() == [
        "update -qq",
        "install -y -qq -o Dpkg::Use-Pty=0 chromium",
    ]


def test_without_root_or_sudo_nothing_is_installed_and_the_message_is_clear(
    machine, monkeypatch, capsys
):
    monkeypatch.setattr(system_packages.os, "geteuid", lambda: 1000)
    machine.add_apt()
    machine.add_sudo(works=False)

    assert browser.ensure() == 1

    assert machine.apt_calls() == []
    assert machine.playwright_downloads == [True]
    assert (
        "Could not install a browser for the Playwright tests"
        in capsys.readouterr().err
    )


def test_without_apt_get_falls_back_to_playwright_then_the_message(machine, capsys):
    assert browser.ensure() == 1

    assert machine.playwright_downloads == [True]
    captured = capsys.readouterr()
    assert "apt-get" not in captured.out
    assert "CHROMIUM_PATH" in captured.err


def test_failing_apt_get_is_reported_and_not_trusted(machine, capsys):
    machine.add_apt(install_exit=100)

    assert browser.ensure() == 1

    assert machine.apt_calls() == [
        "update -qq",
        "install -y -qq -o Dpkg::Use-Pty=0 chromium",
    ]
    captured = capsys.readouterr()
    assert "apt-get install failed (exit 100)" in captured.err
    assert "Could not install a browser" in captured.err


def test_chromium_path_wins_and_installs_nothing(
    machine, monkeypatch, tmp_path, capsys
):
    machine.add_apt()
    own = tmp_path / "my-chrome"
    own.write_text("#!/bin/sh\n")
    own.chmod(0o755)
    monkeypatch.setenv("CHROMIUM_PATH", str(own))

    assert browser.ensure() == 0

    assert f"Playwright will use {own}" in capsys.readouterr().out
    assert machine.apt_calls() == []
    assert machine.playwright_downloads == []


def test_venv_check_passes_when_this_python_has_venv(machine):
    assert system_packages.ensure_venv() == 0
    assert machine.apt_calls() == []


def test_debian_python_without_venv_gets_its_venv_package(machine, monkeypatch):
    monkeypatch.setitem(sys.modules, "ensurepip", None)
    monkeypatch.setattr(sys, "executable", "/usr/bin/python3")
    machine.add_apt()

    assert system_packages.ensure_venv() == 0

    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert machine.apt_calls() == [
        "update -qq",
        f"install -y -qq -o Dpkg::Use-Pty=0 python{minor}-venv",
    ]


def test_other_python_without_venv_is_told_what_to_install(
    machine, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "ensurepip", None)
    monkeypatch.setattr(sys, "executable", "/opt/python/bin/python3")
    machine.add_apt()

    assert system_packages.ensure_venv() == 1

    assert machine.apt_calls() == []
    assert "cannot create virtualenvs" in capsys.readouterr().err
