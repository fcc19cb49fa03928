"""Wire fidelity: PhonePe's official Python SDK talks to the sandbox without noticing.

The SDK pins old requests/urllib3, so it lives in its own venv at ``<repo>/.venv-sdk``, never
in the project venv. ``make test`` builds that venv before pytest starts (``make sdk-venv``,
from ``sdk-requirements.txt``), so the test run itself downloads nothing;
``sdk_check.py`` runs inside it. Under ``make test`` and in CI (``OKPUJA_REQUIRE_SDK_VENV=1``
or ``CI=true``) a missing venv fails the test; a plain ``pytest`` run skips it, saying why.
"""

import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.sandbox.conftest import (
    CALLBACK_PASSWORD,
    CALLBACK_USERNAME,
    CLIENT_ID,
    CLIENT_SECRET,
)
from tests.sandbox_process import REPO_ROOT

SDK_REQUIREMENTS = Path(__file__).with_name("sdk-requirements.txt")
SDK_PACKAGE, SDK_VERSION = re.search(
    r"^([A-Za-z0-9_.-]+)==(\S+)$", SDK_REQUIREMENTS.read_text(), re.MULTILINE
).groups()
SDK_VENV = REPO_ROOT / ".venv-sdk"
SDK_CHECK = Path(__file__).with_name("sdk_check.py")


def _clean_env():
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }


def sdk_venv_required():
    """True under make test and in CI, where the SDK check must run."""
    return (
        os.environ.get("OKPUJA_REQUIRE_SDK_VENV") == "1"
        or os.environ.get("CI", "").lower() == "true"
    )


def installed_sdk_version(python):
    """Return the SDK version installed in the venv of ``python``, or None."""
    if not python.exists():
        return None
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))",
            SDK_PACKAGE,
        ],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=60,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def sdk_python():
    """Return the .venv-sdk interpreter; fail (make test, CI) or skip when it is not built."""
    python = SDK_VENV / "bin" / "python"
    found = installed_sdk_version(python)
    if found == SDK_VERSION:
        return python
    problem = (
        f"{SDK_VENV} does not exist"
        if not python.exists()
        else f"{SDK_VENV} has {SDK_PACKAGE} {found or 'not installed'}, "
        f"not {SDK_VERSION}"
    )
    message = (
        f"{problem}: PhonePe's official SDK check needs it. `make test` builds it "
        f"before running pytest (or run `make sdk-venv`)."
    )
    if sdk_venv_required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_official_sdk_round_trip(sandbox):
    python = sdk_python()

    result = subprocess.run(
        [
            str(python),
            str(SDK_CHECK),
            "--root-url",
            sandbox.root_url,
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--client-version",
            "1",
            "--username",
            CALLBACK_USERNAME,
            "--password",
            CALLBACK_PASSWORD,
        ],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=120,
        cwd=str(REPO_ROOT),
    )

    try:
        report = json.loads(result.stdout)
    except ValueError:
        report = None
    assert result.returncode == 0 and report and report["ok"], (
        f"sdk_check.py failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}\n"
        f"sandbox log:\n{sandbox.output()[-4000:]}"
    )
    assert report["sdk_version"] == SDK_VERSION
    assert sandbox.stats()["calls"]["pay"] >= 3


def test_sdk_is_not_installed_in_the_project_venv():
    assert importlib.util.find_spec("phonepe") is None
