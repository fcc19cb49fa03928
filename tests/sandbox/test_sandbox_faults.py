"""API faults, test-control gating, concurrency, persistence and call statistics."""

import hashlib
import json
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.sandbox.conftest import (
    CALLBACK_PASSWORD,
    CALLBACK_USERNAME,
    Api,
    http,
    pay_body,
)
from tests.sandbox_process import REPO_ROOT, SandboxProcess, free_port


def test_status_api_error_fault(sandbox, api):
    api.create("SE-1")
    sandbox.set_faults(order="SE-1", status_api="error")

    response = api.status("SE-1")

    assert response.status == 500
    assert response.json()["code"] == "INTERNAL_SERVER_ERROR"
    api.create("SE-2")
    assert api.status("SE-2").status == 200  # per-order fault only


def test_status_api_hang_fault_times_out_client(sandbox, api):
    api.create("HANG-1")
    sandbox.set_faults(status_api="hang", hang_seconds=1.0)

    with pytest.raises((TimeoutError, socket.timeout, OSError)):
        api.status("HANG-1", timeout=0.3)


def test_status_api_hang_fault_blocks_for_hang_seconds_then_answers(sandbox, api):
    api.create("HANG-2")
    sandbox.settle("HANG-2", "pay_upi")
    sandbox.set_faults(order="HANG-2", status_api="hang", hang_seconds=1.0)

    started = time.monotonic()
    response = api.status("HANG-2", timeout=5)

    assert time.monotonic() - started >= 0.95
    assert response.status == 200
    assert response.json()["state"] == "COMPLETED"


def test_status_api_hang_of_one_order_does_not_delay_another(sandbox, api):
    api.create("HANG-SLOW")
    api.create("HANG-FAST")
    sandbox.set_faults(order="HANG-SLOW", status_api="hang", hang_seconds=2.0)
    hanging = threading.Thread(target=api.status, args=("HANG-SLOW",))
    hanging.start()
    time.sleep(0.2)  # the hanging request is in the sandbox now

    started = time.monotonic()
    response = api.status("HANG-FAST")

    assert response.status == 200
    assert time.monotonic() - started < 1.0
    assert hanging.is_alive()
    hanging.join(timeout=5)


def test_status_api_slow_fault_delays_answer(sandbox, api):
    api.create("SLOW-1")
    sandbox.set_faults(order="SLOW-1", status_api="slow", delay_seconds=0.5)

    started = time.monotonic()
    response = api.status("SLOW-1")

    assert response.status == 200
    assert time.monotonic() - started >= 0.45


def test_pay_api_error_fault_creates_nothing(sandbox, api):
    sandbox.set_faults(order="PE-1", pay_api="error")

    response = api.pay(pay_body("PE-1"))

    assert response.status == 500
    assert sandbox.orders() == []


def test_refund_api_error_fault(sandbox, api):
    api.create("RE-1")
    sandbox.settle("RE-1", "pay_upi")
    sandbox.set_faults(refund_api="error")

    assert api.refund("RF-E", "RE-1", 100).status == 500
    assert api.refund_status("RF-E").status == 500


def test_slow_pay_still_creates_order_once(sandbox, api):
    sandbox.set_faults(pay_api="slow", delay_seconds=0.6)

    with pytest.raises((TimeoutError, socket.timeout, OSError)):
        api.pay(pay_body("SP-1"), timeout=0.2)
    time.sleep(0.6)
    sandbox.clear_faults()
    response = api.pay(pay_body("SP-1"))  # the client's retry

    assert response.status == 200
    assert len(sandbox.orders()) == 1


def test_control_paths_are_404_without_the_flag():
    # SandboxProcess always enables the controls, so start a bare process here.
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "phonepe_sandbox", "--port", str(port), "--quiet"],
        cwd=str(REPO_ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        root = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                if http("GET", root + "/healthz", timeout=1).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        for method, path in [
            ("POST", "/_sandbox/reset"),
            ("GET", "/_sandbox/stats"),
            ("GET", "/_sandbox/orders"),
            ("POST", "/_sandbox/faults"),
            ("GET", "/_sandbox/webhooks"),
        ]:
            assert http(method, root + path, json_body={}).status == 404, path
        assert (
            http(
                "POST",
                root + "/apis/pg-sandbox/v1/oauth/token",
                form={"grant_type": "x"},
            ).status
            == 400
        )
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_fifty_concurrent_status_requests(sandbox, api):
    api.create("CONC-1")
    sandbox.settle("CONC-1", "pay_upi")
    headers = api.headers()
    results = []
    lock = threading.Lock()

    def call():
        response = http(
            "GET",
            sandbox.base_url + "/checkout/v2/order/CONC-1/status",
            headers=headers,
        )
        with lock:
            results.append((response.status, response.json()["state"]))

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert results == [(200, "COMPLETED")] * 50
    assert sandbox.stats()["calls"]["status"] == 50


def test_stats_count_calls_since_reset(sandbox):
    fresh = Api(sandbox.base_url)
    fresh.create("STATS-1")
    fresh.status("STATS-1")
    fresh.status("STATS-1")

    assert sandbox.stats() == {
        "tokens_issued": 1,
        "calls": {"pay": 1, "status": 2, "refund": 0, "refund_status": 0, "token": 1},
    }
    sandbox.reset()
    assert sandbox.stats()["calls"]["status"] == 0


def test_config_changes_and_reset_restores(sandbox, receiver):
    config = sandbox.configure(webhook_delay=2.5, webhook_url="http://example.invalid/")

    assert config["webhook_delay"] == 2.5
    assert config["webhook_url"] == "http://example.invalid/"
    sandbox.reset()
    restored = sandbox.control("GET", "config")
    assert restored["webhook_url"] == receiver.url
    assert restored["webhook_delay"] == 0.05


def test_state_file_survives_restart(tmp_path):
    state_file = tmp_path / "sandbox-state.json"
    args = ("--state-file", str(state_file))
    with SandboxProcess(extra_args=args) as sandbox:
        api = Api(sandbox.base_url)
        created = api.create("PERSIST-1")
        sandbox.settle("PERSIST-1", "pay_upi")
        api.create("PERSIST-2")
        assert api.refund("RF-PERSIST", "PERSIST-1", 5000).status == 200
        token = api.token()

    assert state_file.exists()
    with SandboxProcess(extra_args=args) as sandbox:
        api = Api(sandbox.base_url)
        api._token = (
            token  # tokens survive too, so a client's cached token keeps working
        )
        status = api.status("PERSIST-1").json()
        assert status["orderId"] == created["orderId"]
        assert status["state"] == "COMPLETED"
        assert api.status("PERSIST-2").json()["state"] == "PENDING"
        assert api.refund_status("RF-PERSIST").status == 200
        assert api.refund("RF-PERSIST-2", "PERSIST-1", 149900 - 5000 + 1).status == 400


def test_sweeper_fails_expired_orders_without_any_read(tmp_path, receiver):
    state_file = tmp_path / "state.json"
    args = ("--state-file", str(state_file))
    with SandboxProcess(extra_args=args) as sandbox:
        Api(sandbox.base_url).create("SWEEP-1")
    state = json.loads(state_file.read_text())
    state["orders"]["SWEEP-1"]["expireAt"] = int(time.time() * 1000) - 1
    state_file.write_text(json.dumps(state))

    with SandboxProcess(webhook_url=receiver.url, webhook_delay=0, extra_args=args):
        [request] = receiver.wait_for(1, order="SWEEP-1", timeout=5)

    assert request["json"]["event"] == "checkout.order.failed"
    assert request["json"]["payload"]["detailedErrorCode"] == "TXN_AUTO_FAILED"
    saved = json.loads(state_file.read_text())["orders"]["SWEEP-1"]
    assert saved["state"] == "FAILED"


def wait_until(check, timeout=10):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_pending_webhook_is_resent_after_restart(tmp_path, receiver):
    state_file = tmp_path / "state.json"
    args = ("--state-file", str(state_file))
    receiver.fail_next(1000)  # the shop is down: every attempt gets a 500
    with SandboxProcess(
        webhook_url=receiver.url,
        webhook_delay=0,
        webhook_retries=100,
        webhook_backoff=0.1,
        extra_args=args,
    ) as sandbox:
        Api(sandbox.base_url).create("RESUME-1")
        sandbox.settle("RESUME-1", "pay_upi")
        receiver.wait_for(2, order="RESUME-1")  # failed and being retried
    # Stopped (SIGTERM) with the delivery still pending: the state file keeps it.
    [saved] = json.loads(state_file.read_text())["webhooks"]
    assert saved["event"] == "checkout.order.completed"
    assert saved["payload"]["state"] == "COMPLETED"

    receiver.reset()  # the shop is back
    with SandboxProcess(
        webhook_url=receiver.url, webhook_delay=0, extra_args=args
    ) as sandbox:
        [request] = receiver.wait_for(1, order="RESUME-1")
        assert request["status"] == 200
        assert request["json"]["event"] == "checkout.order.completed"
        assert request["json"]["payload"]["merchantOrderId"] == "RESUME-1"
        assert request["json"]["payload"]["state"] == "COMPLETED"
        assert request["headers"]["authorization"] == receiver_authorization()
        wait_until(lambda: sandbox.webhooks("RESUME-1"))
        [record] = sandbox.webhooks("RESUME-1")
        assert record["resumed"] is True
        assert record["status"] == 200
        # Delivered: nothing is left to resend after the next restart.
        wait_until(lambda: json.loads(state_file.read_text())["webhooks"] == [])


def test_delivered_and_given_up_webhooks_are_not_kept(tmp_path, receiver):
    state_file = tmp_path / "state.json"
    args = ("--state-file", str(state_file))
    with SandboxProcess(
        webhook_url=receiver.url,
        webhook_delay=0,
        webhook_retries=1,
        webhook_backoff=0.05,
        extra_args=args,
    ) as sandbox:
        api = Api(sandbox.base_url)
        api.create("KEPT-OK")
        sandbox.settle("KEPT-OK", "pay_upi")
        receiver.wait_for(1, order="KEPT-OK")
        receiver.fail_next(2)  # first attempt and its one retry fail: PhonePe gives up
        api.create("KEPT-GIVEN-UP")
        sandbox.settle("KEPT-GIVEN-UP", "decline")
        sandbox.wait_for_webhooks("KEPT-GIVEN-UP", 2)
        wait_until(lambda: json.loads(state_file.read_text())["webhooks"] == [])


def receiver_authorization():
    return hashlib.sha256(
        f"{CALLBACK_USERNAME}:{CALLBACK_PASSWORD}".encode()
    ).hexdigest()


def test_refund_in_progress_resumes_after_restart(tmp_path, receiver):
    state_file = tmp_path / "state.json"
    args = ("--state-file", str(state_file))
    with SandboxProcess(refund_step_seconds=60, extra_args=args) as sandbox:
        api = Api(sandbox.base_url)
        api.create("RESUME-RF")
        sandbox.settle("RESUME-RF", "pay_upi")
        assert api.refund("RF-ACCEPTED", "RESUME-RF", 1000).status == 200
        assert api.refund("RF-WAITING", "RESUME-RF", 1000).status == 200
    state = json.loads(state_file.read_text())
    state["refunds"]["RF-ACCEPTED"]["state"] = "CONFIRMED"  # stopped after accepting
    state["webhooks"] = []
    state_file.write_text(json.dumps(state))

    with SandboxProcess(
        webhook_url=receiver.url, refund_step_seconds=0.05, extra_args=args
    ):
        wait_until(lambda: len(receiver.received("RESUME-RF")) == 3)

    events = {}
    for request in receiver.received("RESUME-RF"):
        refund_id = request["json"]["payload"]["merchantRefundId"]
        events.setdefault(refund_id, []).append(request["json"]["event"])
    assert events == {
        "RF-ACCEPTED": ["pg.refund.completed"],
        "RF-WAITING": ["pg.refund.accepted", "pg.refund.completed"],
    }
