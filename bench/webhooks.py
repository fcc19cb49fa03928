"""Webhooks that book, sent to OkPuja under two gunicorn set-ups in one run.

- The production configuration (gunicorn.conf.py: gthread workers, 8 threads
  each). Ten concurrent webhooks are all inside the server at once and share
  the two cores, so each one's server time includes the CPU the others take.
- Sync workers, the set-up issue 11 measured in. A worker serves one webhook
  at a time and the others wait in the listen queue, so the server time is
  the processing alone; the waiting shows in the client's time.

On each: a warm-up of 20 (10 at a time, so every thread has its database
connection), then N sequential and N at 10 concurrent. Reported: the server
time excluding the PhonePe status call (the bench-only ``Server-Timing``
header, bench/timing.py), with it, and the client's time.
"""

import hashlib
import http.client
import json
import threading
import time

from bench.harness import Contention, gunicorn, percentile, wait_until_up
from tests.sandbox_process import free_port

WEBHOOK_PATH = "/api/payments/webhook/phonepe/"
WARMUP = 20
CONCURRENCY = 10
SETUPS = (
    ("gunicorn.conf.py (gthread, 8 threads)", ()),
    # (gunicorn runs gthread workers instead of sync ones while threads > 1.)
    (
        "sync workers, 1 thread (issue 11's set-up)",
        ("--worker-class", "sync", "--threads", "1"),
    ),
)
AUTHORIZATION = hashlib.sha256(b"okpuja_webhook:okpuja12345").hexdigest()


def orders_needed(count):
    """Paid orders to prepare for ``count`` webhooks per row on every set-up."""
    return len(SETUPS) * (WARMUP + 2 * count)


def webhook_body(sandbox, order):
    for delivery in sandbox.webhooks(order):
        body = delivery["body"]
        if isinstance(body, str):
            body = json.loads(body)
        if body.get("event") == "checkout.order.completed":
            return json.dumps(body).encode()
    raise RuntimeError(f"the sandbox built no completed webhook for {order}")


def send(port, bodies, *, concurrency):
    """POST each body; return [(client ms, server ms, server ms excl. PhonePe,
    the server thread's CPU ms)] and the statuses."""
    timings = []
    statuses = []
    lock = threading.Lock()
    queue = list(bodies)

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            started = time.perf_counter()
            connection.request(
                "POST",
                WEBHOOK_PATH,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": AUTHORIZATION,
                },
            )
            response = connection.getresponse()
            response.read()
            client_ms = (time.perf_counter() - started) * 1000
            parts = dict(
                part.strip().split(";dur=")
                for part in response.getheader("Server-Timing", "").split(",")
                if ";dur=" in part
            )
            app = float(parts.get("app", "nan"))
            gateway = float(parts.get("gateway", "nan"))
            cpu = float(parts.get("cpu", "nan"))
            db = float(parts.get("db", "nan"))
            with lock:
                statuses.append(response.status)
                timings.append((client_ms, app, app - gateway, cpu, db))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, statuses


def run(args, *, env, sandbox, orders, port):
    """Measure on every set-up; the production one already serves on ``port``.

    ``orders`` are paid orders whose webhooks have not been delivered:
    ``orders_needed(args.webhooks)`` of them.
    """
    bodies = [webhook_body(sandbox, order) for order in orders]
    per_setup = WARMUP + 2 * args.webhooks
    rows = []
    contention = Contention().start()
    for index, (setup, options) in enumerate(SETUPS):
        mine = bodies[index * per_setup : (index + 1) * per_setup]
        server = None
        if options:
            setup_port = free_port()
            server = gunicorn("config.wsgi", setup_port, env, args.workers, *options)
            wait_until_up(setup_port, "/livez")
        else:
            setup_port = port
        try:
            rows += measure(setup, setup_port, mine, count=args.webhooks)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=20)
    machine = contention.stop()
    from checkout.models import Booking, Payment

    booked = Booking.objects.filter(payment__merchant_order_id__in=orders).count()
    paid = Payment.objects.filter(
        merchant_order_id__in=orders, status=Payment.Status.SUCCESS
    ).count()
    return {"rows": rows, "booked": booked, "paid": paid, "machine": machine}


def measure(setup, port, bodies, *, count):
    send(port, bodies[:WARMUP], concurrency=CONCURRENCY)
    bodies = bodies[WARMUP:]
    rows = []
    for name, part, concurrency in (
        (f"{count} sequential", bodies[:count], 1),
        (f"{count} at {CONCURRENCY} concurrent", bodies[count:], CONCURRENCY),
    ):
        timings, statuses = send(port, part, concurrency=concurrency)
        rows.append(
            {
                "setup": setup,
                "name": name,
                "client_p50": percentile([t[0] for t in timings], 0.5),
                "client_p99": percentile([t[0] for t in timings], 0.99),
                "server_p50": percentile([t[2] for t in timings], 0.5),
                "server_p99": percentile([t[2] for t in timings], 0.99),
                "with_gateway_p99": percentile([t[1] for t in timings], 0.99),
                "cpu_p50": percentile([t[3] for t in timings], 0.5),
                "db_p50": percentile([t[4] for t in timings], 0.5),
                "errors": sum(1 for s in statuses if s != 200),
            }
        )
        print(rows[-1], flush=True)
    return rows


def report_lines(webhooks):
    machine = webhooks["machine"]
    lines = [
        "",
        f"Webhooks that book ({webhooks['booked']} bookings for {webhooks['paid']} "
        f"paid payments; contention: steal {machine['steal_pct']:.1f}%, other "
        f"processes {machine['others_cores']:.2f} cores, load average "
        f"{machine['loadavg']:.1f}):\n",
        "| server | webhooks | server p50 ms (excl. gateway) "
        "| server p99 ms (excl. gateway) | server p99 ms (incl. gateway) "
        "| client p50 ms | client p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in webhooks["rows"]:
        lines.append(
            f"| {row['setup']} | {row['name']} | {row['server_p50']:.1f} "
            f"| {row['server_p99']:.1f} | {row['with_gateway_p99']:.1f} "
            f"| {row['client_p50']:.1f} | {row['client_p99']:.1f} "
            f"| {row['errors']} |"
        )
    return lines
