"""Wire fidelity: PhonePe's official Python SDK talks to the sandbox without noticing.

The SDK pins old requests/urllib3, so it lives in its own venv at ``<repo>/.venv-sdk``
(created once and reused), never in the project venv. ``sdk_check.py`` runs inside it.
"""

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.sandbox.conftest import (
    CALLBACK_PASSWORD,
    CALLBACK_USERNAME,
    CLIENT_ID,
    CLIENT_SECRET,
)
from tests.sandbox_process import REPO_ROOT

SDK_PACKAGE = "phonepe-pg-sdk-python"
SDK_VERSION = "3.0.1"
SDK_VENV = REPO_ROOT / ".venv-sdk"
SDK_CHECK = Path(__file__).with_name("sdk_check.py")


def _clean_env():
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }


def sdk_python():
    """Return the .venv-sdk interpreter, creating the venv and installing the SDK once."""
    python = SDK_VENV / "bin" / "python"
    marker = SDK_VENV / f".installed-{SDK_PACKAGE}-{SDK_VERSION}"
    if marker.exists() and python.exists():
        return python
    SDK_VENV.parent.mkdir(parents=True, exist_ok=True)
    lock_path = Path(tempfile.gettempdir()) / (
        "venv-sdk-" + hashlib.sha1(str(SDK_VENV).encode()).hexdigest()[:12] + ".lock"
    )
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and python.exists():
            return python
        if not python.exists():
            base = shutil.which("python3") or sys.executable
            created = subprocess.run(
                [base, "-m", "venv", str(SDK_VENV)],
                capture_output=True,
                text=True,
                env=_clean_env(),
                timeout=300,
            )
            if created.returncode != 0:
                pytest.fail(
                    f"could not create {SDK_VENV}:\n{created.stdout}\n{created.stderr}"
                )
        installed = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                f"{SDK_PACKAGE}=={SDK_VERSION}",
            ],
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=900,
        )
        if installed.returncode != 0:
            pytest.fail(
                f"pip could not install {SDK_PACKAGE}=={SDK_VERSION} into {SDK_VENV} "
                f"(is PyPI reachable?):\n{installed.stdout[-3000:]}\n{installed.stderr[-3000:]}"
            )
        marker.touch()
    return python


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
