"""Webhook (S2S callback) delivery: background threads, retries, faults, a log of attempts."""

import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request


def callback_authorization(username, password):
    """Return PhonePe's webhook Authorization value: bare lowercase sha256 hex of "u:p"."""
    return hashlib.sha256(f"{username}:{password}".encode()).hexdigest()


def event_type(event):
    """Return the deprecated ``type`` for an event name (checkout.order.completed -> CHECKOUT_ORDER_COMPLETED)."""
    return event.replace(".", "_").upper()


def now_ms():
    return int(time.time() * 1000)


def log(message):
    sys.stderr.write(f"[phonepe-sandbox] {message}\n")
    sys.stderr.flush()


class Job:
    """One webhook to deliver: the event, its payload snapshot and the settings in force."""

    def __init__(
        self,
        *,
        event,
        payload,
        merchant_order_id,
        merchant_refund_id,
        settings,
        faults,
        generation,
        followup=None,
        authorization=None,
        resumed=False,
    ):
        self.key = secrets.token_hex(8)
        self.event = event
        self.body = {"event": event, "type": event_type(event), "payload": payload}
        self.merchant_order_id = merchant_order_id
        self.merchant_refund_id = merchant_refund_id
        self.settings = settings
        self.faults = faults
        self.generation = generation
        self.followup = followup  # (event, payload) sent after this one (reorder fault)
        self.authorization = authorization or callback_authorization(
            settings["callback_username"], settings["callback_password"]
        )
        self.resumed = resumed  # sent again after a restart (see Dispatcher.pending)

    def saved(self):
        """Return what the state file keeps of a delivery still to be made."""
        return {
            "event": self.event,
            "payload": self.body["payload"],
            "merchant_order_id": self.merchant_order_id,
            "merchant_refund_id": self.merchant_refund_id,
        }


class Dispatcher:
    """Send webhooks in background threads and record every attempt."""

    def __init__(self, on_pending_change=None):
        self._lock = threading.Lock()
        self._deliveries = []
        self._pending = {}  # Job.key -> Job scheduled and not yet delivered or given up
        self._next_id = 1
        self.generation = 0
        # Attempts on the wire (request sent, response not yet read).
        self._sending = 0
        self._idle = threading.Condition(self._lock)
        # Called (with no lock held) when a job becomes pending or stops being pending.
        self.on_pending_change = on_pending_change

    # -- records ---------------------------------------------------------------------------

    def clear(self):
        """Forget every delivery and make in-flight jobs stop before their next attempt."""
        with self._lock:
            self._deliveries = []
            self._pending = {}
            self._next_id = 1
            self.generation += 1

    def wait_until_idle(self, timeout):
        """Wait (up to ``timeout`` s) until no attempt is on the wire; return whether so.

        After ``clear`` no new attempt starts, but one already sent may still be
        answered by the receiver; a reset waits for it so that no delivery of the
        old generation reaches the receiver afterwards.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._sending == 0, timeout=timeout)

    def pending(self):
        """Return the saved form of every delivery still to be made, oldest first."""
        with self._lock:
            return [job.saved() for job in self._pending.values()]

    def _pending_changed(self):
        if self.on_pending_change is not None:
            self.on_pending_change()

    def deliveries(self, merchant_order_id=None):
        with self._lock:
            return [
                dict(record)
                for record in self._deliveries
                if merchant_order_id is None
                or record["merchant_order_id"] == merchant_order_id
            ]

    def _record(self, job, *, attempt, copy, url, status, error, sent_at, extra=None):
        with self._lock:
            if job.generation != self.generation:
                return None
            record = {
                "id": self._next_id,
                "event": job.event,
                "merchant_order_id": job.merchant_order_id,
                "merchant_refund_id": job.merchant_refund_id,
                "attempt": attempt,
                "copy": copy,
                "url": url,
                "status": status,
                "error": error,
                "sent_at": sent_at,
                "authorization": job.authorization,
                "body": job.body,
            }
            if job.resumed:
                record["resumed"] = True
            if extra:
                record.update(extra)
            self._next_id += 1
            self._deliveries.append(record)
        log(
            f"webhook {job.event} order={job.merchant_order_id}"
            + (f" refund={job.merchant_refund_id}" if job.merchant_refund_id else "")
            + f" attempt={attempt} copy={copy} -> {status if status is not None else error}"
        )
        return dict(record)

    # -- sending ---------------------------------------------------------------------------

    def schedule(self, job):
        """Deliver ``job`` after the configured delay, in the background, honouring faults.

        The job is pending until it is delivered (2xx), its retries run out or it is
        dropped by a fault; pending jobs are kept in the state file and resumed on start.
        """
        with self._lock:
            self._pending[job.key] = job
        self._pending_changed()
        threading.Thread(
            target=self._run, args=(job,), daemon=True, name="webhook"
        ).start()

    def send_now(self, job):
        """Make one synchronous attempt (no delay, no retries); return its record."""
        return self._attempt(job, attempt=1, copy=1)

    def _run(self, job):
        try:
            self._run_job(job)
        finally:
            with self._lock:
                done = self._pending.pop(job.key, None) is not None
            if done:
                self._pending_changed()

    def _run_job(self, job):
        mode = job.faults.get("webhook") or "normal"
        delay = job.faults.get("webhook_delay")
        if delay is None:
            delay = job.settings["webhook_delay"]
        if mode == "drop":
            self._record(
                job,
                attempt=1,
                copy=1,
                url=job.settings["webhook_url"],
                status=None,
                error="dropped by fault",
                sent_at=now_ms(),
                extra={"dropped": True},
            )
            return
        time.sleep(max(0.0, delay))
        if mode == "duplicate":
            copies = max(1, int(job.faults.get("copies") or 2))
            barrier = threading.Barrier(copies)
            threads = [
                threading.Thread(
                    target=self._deliver,
                    args=(job, n, barrier),
                    daemon=True,
                    name="webhook-copy",
                )
                for n in range(1, copies + 1)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return
        self._deliver(job, 1)
        if mode == "reorder" and job.followup is not None:
            event, payload = job.followup
            stale = Job(
                event=event,
                payload=payload,
                merchant_order_id=job.merchant_order_id,
                merchant_refund_id=job.merchant_refund_id,
                settings=job.settings,
                faults={},
                generation=job.generation,
            )
            self._deliver(stale, 1)

    def _deliver(self, job, copy, barrier=None):
        retries = max(0, int(job.settings["webhook_retries"]))
        backoff = float(job.settings["webhook_backoff"])
        for attempt in range(1, retries + 2):
            if job.generation != self.generation:
                return False
            if barrier is not None and attempt == 1:
                try:
                    barrier.wait(timeout=5)
                except threading.BrokenBarrierError:
                    pass
            record = self._attempt(job, attempt=attempt, copy=copy)
            if record is None:
                return False
            if record["status"] is not None and 200 <= record["status"] < 300:
                return True
            if not job.settings["webhook_url"]:
                return False
            if attempt <= retries:
                time.sleep(backoff * (2 ** (attempt - 1)))
        return False

    def _attempt(self, job, *, attempt, copy):
        url = job.settings["webhook_url"]
        sent_at = now_ms()
        if not url:
            return self._record(
                job,
                attempt=attempt,
                copy=copy,
                url=url,
                status=None,
                error="no webhook URL configured",
                sent_at=sent_at,
            )
        data = json.dumps(job.body).encode()
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": job.authorization,
                "User-Agent": "PhonePe-Sandbox-Webhook/1.0",
            },
        )
        status, error = None, None
        with self._lock:
            if job.generation != self.generation:
                return None
            self._sending += 1
        try:
            with urllib.request.urlopen(
                request, timeout=job.settings["webhook_timeout"]
            ) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            error = f"HTTP {exc.code}"
            exc.close()
        except Exception as exc:  # connection refused, timeout, bad URL...
            error = f"{type(exc).__name__}: {exc}"
        finally:
            with self._idle:
                self._sending -= 1
                self._idle.notify_all()
        return self._record(
            job,
            attempt=attempt,
            copy=copy,
            url=url,
            status=status,
            error=error,
            sent_at=sent_at,
        )
