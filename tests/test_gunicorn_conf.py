"""The production server configuration in gunicorn.conf.py starts and serves."""

import os
import runpy
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from gunicorn.config import Config

from tests.sandbox_process import free_port

ROOT = Path(__file__).resolve().parents[1]


def load(**environ):
    old = dict(os.environ)
    os.environ.update(environ)
    try:
        values = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(old)
    config = Config()
    for name, value in values.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_threads_for_waiting_requests_and_no_shared_control_socket():
    config = load()
    assert config.worker_class_str == "gthread"
    assert config.threads >= 4
    assert config.timeout == 30 and config.graceful_timeout < config.timeout
    assert config.control_socket_disable is True
    assert config.max_requests > 0 and config.max_requests_jitter > 0


def test_environment_overrides():
    config = load(WEB_CONCURRENCY="3", GUNICORN_THREADS="2", GUNICORN_TIMEOUT="45")
    assert (config.workers, config.threads, config.timeout) == (3, 2, 45)


def test_gunicorn_starts_with_the_configuration_and_answers(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "gunicorn-conf-test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PHONEPE_ENV": "LOCAL",
        "PHONEPE_ALLOW_LOCAL": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": os.devnull,
    }
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        answers = {}
        deadline = time.monotonic() + 30
        for path in ("/livez", "/healthz"):
            while True:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}{path}", timeout=2
                    ) as response:
                        answers[path] = response.status
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        log.seek(0)
                        raise AssertionError(log.read().decode()) from None
                    time.sleep(0.2)
        assert answers == {"/livez": 200, "/healthz": 200}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
