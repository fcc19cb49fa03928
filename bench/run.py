"""Benchmark OkPuja's hot pages as ratios to a bare Django view, in one run.

Starts, on loopback only: the PhonePe sandbox, OkPuja under gunicorn
(gunicorn.conf.py, DEBUG off) and the bare project in ``bench/bare`` under the
same gunicorn configuration and database. Then, in rounds, it loads each page
for a few seconds with the same number of keep-alive connections (with wrk,
2 threads and 16 connections as issue 11 measured, when it is installed: `apt-get
install wrk`; else with Python threads, which take a larger share of the two
cores and so narrow the gaps between pages) and reports
requests/s and latency. Each page is measured right after the bare view, for
as long, and its rate is reported as a ratio to that bare rate (the median
over rounds): the machine's speed drifts within seconds. The machine's contention
(CPU steal, other processes' CPU, load average) is recorded next to the
numbers, so a noisy run shows. Then it sends webhooks that book, under the
production gunicorn configuration and under sync workers (bench/webhooks.py).

The database is ``DATABASE_URL`` when set (PostgreSQL: use a database of its
own, demo data and bench customers are added to it), else a throw-away SQLite
file. Results are appended to bench/results.md with the date and commit.

    make bench
    .venv/bin/python bench/run.py --seconds 3 --rounds 3 --concurrency 8
    .venv/bin/python bench/run.py --webhooks-only
    .venv/bin/python bench/run.py --pages status,confirm --webhooks 0 --no-record
"""

import argparse
import datetime
import http.client
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import webhooks  # noqa: E402
from bench.harness import (  # noqa: E402
    RESULTS,
    ROOT,
    Contention,
    fetch,
    git_commit,
    gunicorn,
    percentile,
    prepare_site,
    wait_until_up,
)
from tests.sandbox_process import SandboxProcess, free_port  # noqa: E402

# Load ----------------------------------------------------------------------------


def load(port, path, *, seconds, concurrency, headers=None):
    """GET ``path`` on keep-alive connections for ``seconds``; return the stats."""
    latencies = []
    errors = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers or {})
                response = connection.getresponse()
                response.read()
                ok = response.status in (200, 286)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            mine.append(time.perf_counter() - started)
            bad += not ok
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "errors": sum(errors),
    }


def wrk_load(port, path, *, seconds, concurrency, headers=None, threads=2):
    """The same measurement with wrk (C, event-driven): the load generator
    then takes far less of the machine's two cores than Python threads do,
    so the ratios say more about the pages and less about the client."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        # wrk takes whole seconds only.
        f"-d{max(1, round(seconds))}s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(
        int(n)
        for n in re.findall(
            r"(?:Non-2xx or 3xx responses|connect|read|write|timeout)[: ]+(\d+)",
            output,
        )
    )
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _wrk_ms(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _wrk_ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1)),
        "errors": errors,
    }


def _wrk_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# Set-up ----------------------------------------------------------------------------


def prepare_data(sandbox, *, webhook_payments):
    """Create (in this process, on the same database) what the pages need."""
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from checkout import services
    from checkout.models import Payment
    from storefront.models import Category, Package, Service, TimeSlot
    from tests import factories

    tag = uuid.uuid4().hex[:8]
    # One bench puja and slot, reused by later runs on the same database.
    slot, _ = TimeSlot.objects.get_or_create(
        start_time=datetime.time(5, 7),
        defaults={"default_capacity": 10_000, "label": "bench"},
    )
    service, _ = Service.objects.get_or_create(
        slug="bench-puja",
        defaults={
            "category": Category.objects.order_by("pk").first(),
            "title": "Bench Puja",
            "summary": "A puja the benchmark books.",
            "description": "A puja the benchmark books.",
            "included": "Sankalp",
            "duration_minutes": 60,
            "image": "img/services/default.svg",
        },
    )
    package, _ = Package.objects.get_or_create(
        service=service,
        tier=Package.Tier.BASIC,
        language="hi",
        defaults={"price_paise": 150100},
    )
    date = factories.booking_date(30)

    def paying_customer(n):
        user = factories.make_user(email=f"bench-{tag}-{n}@example.in")
        address = factories.make_address(user=user)
        cart = factories.make_cart(user=user, items=[(package, date, slot)])
        payment = services.start_payment(cart=cart, user=user, address=address)
        return user, payment

    owner, paid = paying_customer("paid")
    sandbox.settle(paid.merchant_order_id, "pay_upi")
    services.sync_payment(payment=paid, source="bench")
    assert Payment.objects.get(pk=paid.pk).status == Payment.Status.SUCCESS
    # The pending payment belongs to the same customer: one session for both.
    address = owner.addresses.first()
    cart = factories.make_cart(user=owner, items=[(package, date, slot)])
    pending = services.start_payment(cart=cart, user=owner, address=address)

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(owner.pk)
    # The backend a sign-in records (axes' backend, first, only refuses).
    session[BACKEND_SESSION_KEY] = "storefront.auth_backends.EmailOrUsernameBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.save()
    # And the CSRF cookie, as a browser that has loaded one of our pages holds.
    from django.middleware.csrf import _get_new_csrf_string

    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"
    )

    webhook_orders = []
    for n in range(webhook_payments):
        _user, payment = paying_customer(n)
        sandbox.settle(payment.merchant_order_id, "pay_upi")
        webhook_orders.append(payment.merchant_order_id)
    service = (
        Service.objects.filter(is_active=True).exclude(pk=service.pk).order_by("pk")
    ).first()
    return {
        "cookie": cookie,
        "paid": paid.merchant_order_id,
        "pending": pending.merchant_order_id,
        "service_slug": service.slug,
        "webhook_orders": webhook_orders,
    }


# Main ------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=2.0,
        help="per page and per bare-view measurement before it, per round",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="keep-alive connections per page (default 16 with wrk, 8 with Python)",
    )
    parser.add_argument(
        "--load",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator for the pages: wrk (2 threads; `apt-get install wrk`) "
        "or Python threads; auto: wrk when installed",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--webhooks", type=int, default=100)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose name contains one of these comma-separated "
        "words (the bare view is always measured), e.g. --pages status,confirm",
    )
    parser.add_argument(
        "--webhooks-only",
        action="store_true",
        help="skip the pages (and the bare project): measure only the webhooks",
    )
    args = parser.parse_args()
    if args.load == "auto":
        args.load = "wrk" if shutil.which("wrk") else "python"
    if args.concurrency is None:
        args.concurrency = 16 if args.load == "wrk" else 8

    tmp = tempfile.mkdtemp(prefix="okpuja-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    port, bare_port = free_port(), free_port()
    sandbox = SandboxProcess(webhook_url=None).start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key",
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "PHONEPE_ENV": "LOCAL",
        "PHONEPE_ALLOW_LOCAL": "true",
        "PHONEPE_BASE_URL": sandbox.base_url,
        "PHONEPE_OAUTH_URL": "",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "CHECKOUT_LOG_LEVEL": "WARNING",
        # No worker recycling while measuring: at bench rates the production
        # setting (every ~20,000 requests) restarted a worker, cold, every few
        # seconds, in the middle of one page's or the bare view's slice.
        "GUNICORN_MAX_REQUESTS": "0",
    }
    os.environ.update(env)
    servers = []
    try:
        prepare_site(env)
        data = prepare_data(
            sandbox,
            webhook_payments=webhooks.orders_needed(args.webhooks)
            if args.webhooks
            else 0,
        )
        servers.append(gunicorn("config.wsgi", port, env, args.workers))
        if not args.webhooks_only:
            servers.append(
                gunicorn(
                    "bench.bare.wsgi",
                    bare_port,
                    {**env, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"},
                    args.workers,
                )
            )
        wait_until_up(port, "/livez")
        if args.webhooks_only:
            rows = None
        else:
            wait_until_up(bare_port, f"/bare/{data['service_slug']}/")
            rows = run_pages(args, port, bare_port, data)
        webhook_rows = (
            webhooks.run(
                args, env=env, sandbox=sandbox, orders=data["webhook_orders"], port=port
            )
            if args.webhooks
            else None
        )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
        sandbox.stop()

    report(args, engine, rows, webhook_rows)


def run_pages(args, port, bare_port, data):
    cookie = {"Cookie": data["cookie"]}
    htmx = {"HX-Request": "true", **cookie}
    pages = [
        (
            "bare Django view (one indexed read)",
            bare_port,
            f"/bare/{data['service_slug']}/",
            {},
        ),
        ("catalog, anonymous", port, "/", {}),
        ("catalog, signed in", port, "/", cookie),
        ("service page, anonymous", port, f"/pujas/{data['service_slug']}/", {}),
        ("confirm page (paid)", port, f"/confirmbooking/?order={data['paid']}", cookie),
        ("status partial (paid)", port, f"/confirmbooking/?order={data['paid']}", htmx),
        (
            "status partial (pending)",
            port,
            f"/confirmbooking/?order={data['pending']}",
            htmx,
        ),
    ]
    wanted = [word.strip() for word in args.pages.split(",") if word.strip()]
    if wanted:
        pages = pages[:1] + [
            page for page in pages[1:] if any(word in page[0] for word in wanted)
        ]
    for _name, page_port, path, headers in pages:  # warm up, and check each page
        response, _body = fetch(page_port, path, headers)
        if response.status not in (200, 286):
            raise RuntimeError(f"{path} answered {response.status}")
        load(page_port, path, seconds=0.5, concurrency=2, headers=headers)
    measure = wrk_load if args.load == "wrk" else load
    bare_name, *bare_target = pages[0]
    results = {name: [] for name, *_ in pages}
    # Each page is measured right after a bare-view measurement of the same
    # length and compared with that one: the machine's speed drifts within
    # seconds here, so a bare rate from earlier in the round said little.
    baselines = {name: [] for name, *_ in pages[1:]}

    def one(name, page_port, path, headers, round_number):
        result = measure(
            page_port,
            path,
            seconds=args.seconds,
            concurrency=args.concurrency,
            headers=headers,
        )
        print(
            f"round {round_number + 1} {name:38} {result['rps']:7.1f} req/s  "
            f"p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
            f"errors {result['errors']}",
            flush=True,
        )
        return result

    contention = Contention().start()
    for round_number in range(args.rounds):
        for name, page_port, path, headers in pages[1:]:
            bare = one(bare_name, *bare_target, round_number)
            results[bare_name].append(bare)
            baselines[name].append(bare)
            results[name].append(one(name, page_port, path, headers, round_number))
    machine = contention.stop()
    rows = []
    for name, *_ in pages:
        runs = results[name]
        ratios = [
            run["rps"] / base["rps"]
            for run, base in zip(runs, baselines.get(name, runs), strict=True)
        ]
        rows.append(
            {
                "name": name,
                "rps": statistics.median(r["rps"] for r in runs),
                "p50": statistics.median(r["p50"] for r in runs),
                "p99": statistics.median(r["p99"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
                "ratio": statistics.median(ratios),
                "ratio_range": (min(ratios), max(ratios)),
            }
        )
    return {"pages": rows, "machine": machine}


LOADERS = {"wrk": "wrk (2 threads)", "python": "Python threads (bench/run.py load())"}


def report(args, engine, pages, webhook_rows):
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"\n## {stamp}, commit {git_commit()}, {engine}\n",
        f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; gunicorn.conf.py with {args.workers} workers"
        + ("; webhooks only (no pages).\n" if pages is None else ";"),
    ]
    if pages is not None:
        machine = pages["machine"]
        lines[-1] += (
            f" {args.rounds} rounds x {args.seconds:g} s per page, each after as long on "
            f"the bare view (its ratio is to that), {args.concurrency} "
            f"keep-alive connections from {LOADERS[args.load]}. Contention while "
            f"measuring pages: steal "
            f"{machine['steal_pct']:.1f}%, other processes "
            f"{machine['others_cores']:.2f} of {os.cpu_count()} cores, load average "
            f"{machine['loadavg']:.1f}.\n"
        )
        lines += [
            "| page | req/s | x bare (min-max over rounds) | p50 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in pages["pages"]:
            low, high = row["ratio_range"]
            lines.append(
                f"| {row['name']} | {row['rps']:.0f} | {row['ratio']:.2f} "
                f"({low:.2f}-{high:.2f}) | {row['p50']:.1f} | {row['p99']:.1f} "
                f"| {row['errors']} |"
            )
    if webhook_rows is not None:
        lines += webhooks.report_lines(webhook_rows)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_record:
        with RESULTS.open("a") as handle:
            handle.write(text)
        print(f"Recorded in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
