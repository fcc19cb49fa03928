"""Festival-day load test: many customers browsing, carting, paying and polling.

Runs on demand (not in ``make test``), on loopback only, against PostgreSQL
(``DATABASE_URL``, a database of its own: demo data and customers are added):
two gunicorn processes (gunicorn.conf.py, one worker each) with the PhonePe
sandbox, the reconciler and the task worker beside them. Simulated customers
arrive evenly over the run; each browses the catalog and a puja, adds it to
the cart, signs in, pays and then pays, declines or abandons PhonePe's page
(through the sandbox's controls), and polls the confirm page until it settles.

It reports bookings per minute, p50/p99 per page and the errors, waits for
the worker and reconciler to finish, and checks the money invariants: every
completed payment has exactly one booking or a refund; no booking without a
completed payment, its total equal to the amount paid; no slot over capacity;
one confirmation email per booking. ``--record`` appends it to bench/results.md.

    DATABASE_URL=postgres://okpuja:okpuja@127.0.0.1:5432/okpuja_peak \\
        .venv/bin/python bench/peak.py --customers 300 --minutes 10 --record
"""

import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    Contention,
    git_commit,
    gunicorn,
    percentile,
    prepare_site,
    wait_until_up,
)
from tests.sandbox_process import SandboxProcess, free_port  # noqa: E402

PASSWORD = "peak-customer-pw-123"
OUTCOMES = [("pay_upi", 0.70), ("decline", 0.15), ("abandon", 0.15)]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.timings = collections.defaultdict(list)
        self.errors = collections.Counter()
        self.outcomes = collections.Counter()

    def timed(self, name, call, *args, **kwargs):
        started = time.perf_counter()
        try:
            response = call(*args, **kwargs)
        except requests.RequestException as exc:
            with self.lock:
                self.errors[f"{name}: {type(exc).__name__}"] += 1
            raise
        elapsed = time.perf_counter() - started
        with self.lock:
            self.timings[name].append(elapsed)
            if response.status_code >= 500:
                self.errors[f"{name}: HTTP {response.status_code}"] += 1
        return response


def csrf(session):
    return session.cookies.get("csrftoken", "")


def customer(n, *, bases, sandbox, stats, email, rng):
    """One customer's visit. Returns the outcome's name."""
    from checkout.models import Payment

    base = bases[n % len(bases)]
    session = requests.Session()
    # Customers come from their own addresses, through the load balancer the
    # web processes trust (DJANGO_TRUSTED_PROXY_COUNT=1): per-IP limits such as
    # the sign-in throttle count each customer, not the whole crowd as one.
    session.headers["X-Forwarded-For"] = (
        f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    )
    get = session.get
    catalog = stats.timed("catalog", get, base + "/", timeout=30).text
    slugs = sorted(set(re.findall(r'href="/pujas/([\w-]+)/"', catalog)))
    slugs = [s for s in slugs if s != "bench-puja"] or slugs
    slug = rng.choice(slugs)
    date = datetime.date.today() + datetime.timedelta(days=rng.randint(2, 20))
    page = stats.timed(
        "service page", get, f"{base}/pujas/{slug}/?date={date}", timeout=30
    ).text
    # The page offers a package as tier and language (its choices as JSON).
    choices = re.search(
        r'<script id="package-choices" type="application/json">(.*?)</script>',
        page,
        re.S,
    )
    packages = json.loads(choices.group(1)) if choices else []
    slots = re.findall(
        r'name="slot"[^>]*value="(\d+)" autocomplete="off"(?! disabled)', page
    )
    if not packages or not slots:
        return "no slot"
    package = rng.choice(packages)
    stats.timed(
        "add to cart",
        session.post,
        base + "/cart/add/",
        data={
            "csrfmiddlewaretoken": csrf(session),
            "service": slug,
            "tier": package["tier"],
            "language": package["language"],
            "date": date.isoformat(),
            "slot": rng.choice(slots),
        },
        headers={"Referer": base + "/"},
        timeout=30,
    )
    stats.timed("login page", get, base + "/account/login/", timeout=30)
    stats.timed(
        "log in",
        session.post,
        base + "/account/login/",
        data={
            "csrfmiddlewaretoken": csrf(session),
            "username": email,
            "password": PASSWORD,
            "next": "/checkout/",
        },
        headers={"Referer": base + "/account/login/"},
        timeout=30,
    )
    # Who the puja is for (the sankalp): asked of every line before paying.
    cart = stats.timed("cart page", get, base + "/cart/", timeout=30)
    for item in sorted(
        set(re.findall(r'action="/cart/items/(\d+)/sankalp/"', cart.text))
    ):
        stats.timed(
            "sankalp",
            session.post,
            f"{base}/cart/items/{item}/sankalp/",
            data={"csrfmiddlewaretoken": csrf(session), "names": "Asha, Ravi"},
            headers={"Referer": base + "/cart/"},
            timeout=30,
        )
    checkout = stats.timed("checkout page", get, base + "/checkout/", timeout=30)
    if 'action="/checkout/pay/"' not in checkout.text:
        return "cart empty (slot taken)"
    data = {"csrfmiddlewaretoken": csrf(session), "contact_phone": "+919876543210"}
    addresses = re.findall(r'name="address"[^>]*value="(\d+)"', checkout.text)
    if addresses:  # a puja at home; an online one needs only the phone
        data["address"] = addresses[0]
    pay = stats.timed(
        "pay",
        session.post,
        base + "/checkout/pay/",
        data=data,
        headers={"Referer": base + "/checkout/"},
        allow_redirects=False,
        timeout=30,
    )
    if pay.status_code != 303 or "/checkout/" in pay.headers.get("Location", ""):
        return "pay refused (slot or priest taken meanwhile)"
    payment = Payment.objects.filter(user__email=email).order_by("-created_at").first()
    roll = rng.random()
    outcome = next(
        (name for name, share in _cumulative(OUTCOMES) if roll < share), "abandon"
    )
    time.sleep(rng.uniform(2, 6))  # on PhonePe's page
    if outcome == "abandon":
        return outcome
    sandbox.settle(payment.merchant_order_id, outcome)
    confirm = f"{base}/confirmbooking/?order={payment.merchant_order_id}"
    stats.timed("confirm page", get, confirm, timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(2)
        poll = stats.timed(
            "status poll", get, confirm, headers={"HX-Request": "true"}, timeout=30
        )
        if poll.status_code == 286:
            break
    stats.timed("my bookings", get, base + "/bookings/", timeout=30)
    return outcome


def _cumulative(shares):
    total = 0.0
    for name, share in shares:
        total += share
        yield name, total


def prepare(customers):
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from storefront.models import User
    from tests import factories

    tag = f"{time.time():.0f}"
    password = make_password(PASSWORD)
    emails = []
    for n in range(customers):
        email = f"peak-{tag}-{n}@example.in"
        user = User.objects.create(
            username=email,
            email=email,
            first_name="Peak",
            phone="+919876543210",
            password=password,
        )
        factories.make_address(user=user)
        emails.append(email)
    return emails, tag


def drain(tag, timeout=180):
    """Wait until the worker has run every task and no completed payment is unresolved."""
    from django_tasks_db.models import DBTaskResult

    from checkout.models import Payment

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
        unresolved = Payment.objects.filter(
            user__email__startswith=f"peak-{tag}-",
            status=Payment.Status.SUCCESS,
            resolution="",
        ).count()
        if not waiting and not unresolved:
            return True
        time.sleep(2)
    return False


def check_invariants(tag):
    from django.db.models import Count, Sum

    from checkout.models import Booking, Payment, Refund, SlotHold
    from storefront.capacity import slot_availability
    from storefront.models import TimeSlot

    payments = Payment.objects.filter(user__email__startswith=f"peak-{tag}-")
    problems = []
    for payment in payments.filter(status=Payment.Status.SUCCESS).annotate(
        bookings=Count("booking", distinct=True),
        refund_count=Count("refunds", distinct=True),
    ):
        if not (
            (payment.bookings == 1 and payment.refund_count == 0)
            or (payment.bookings == 0 and payment.refund_count >= 1)
        ):
            problems.append(
                f"{payment}: {payment.bookings} bookings, {payment.refund_count} refunds"
            )
    bookings = Booking.objects.filter(payment__in=payments).select_related("payment")
    for booking in bookings:
        if booking.payment.status != Payment.Status.SUCCESS:
            problems.append(f"{booking.book_id} on a {booking.payment.status} payment")
        if booking.total_paise != booking.payment.amount_paise:
            problems.append(f"{booking.book_id} total differs from the amount paid")
    booked = bookings.aggregate(total=Sum("total_paise"))["total"] or 0
    paid_for_bookings = (
        payments.filter(booking__isnull=False).aggregate(total=Sum("amount_paise"))[
            "total"
        ]
        or 0
    )
    if booked != paid_for_bookings:
        problems.append(f"bookings total {booked} != paid {paid_for_bookings}")
    refunded = Refund.objects.filter(payment__in=payments, booking__isnull=True)
    for refund in refunded.select_related("payment"):
        if refund.amount_paise != refund.payment.amount_paise:
            problems.append(f"{refund} is not the amount paid")
    dates = set(
        SlotHold.objects.filter(payment__in=payments).values_list("date", flat=True)
    )
    slots = list(TimeSlot.objects.all())
    for date in sorted(dates):
        for availability in slot_availability(date=date, slots=slots):
            if availability.taken > availability.capacity:
                problems.append(
                    f"{date} {availability.slot}: {availability.taken} priests "
                    f"> capacity {availability.capacity}"
                )
    emails = confirmation_counts(bookings)
    for booking in bookings:
        if emails.get(booking.pk, 0) != 1:
            problems.append(
                f"{booking.book_id}: {emails.get(booking.pk, 0)} confirmation emails"
            )
    return {
        "payments": payments.count(),
        "paid": payments.filter(status=Payment.Status.SUCCESS).count(),
        "bookings": bookings.count(),
        "refunds": refunded.count(),
        "amount_booked": booked,
        "problems": problems,
    }


def confirmation_counts(bookings):
    """Confirmation emails sent per booking: successful tasks that sent one."""
    from django_tasks_db.models import DBTaskResult

    counts = collections.Counter()
    for result in DBTaskResult.objects.filter(
        task_path="checkout.tasks.send_booking_confirmation", status="SUCCESSFUL"
    ):
        if result.return_value is True:
            counts[result.args_kwargs["kwargs"]["booking_id"]] += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit(
            "bench/peak.py needs DATABASE_URL=postgres://... (a database of its own)"
        )

    tmp = tempfile.mkdtemp(prefix="okpuja-peak-")
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    sandbox = SandboxProcess(
        webhook_url=bases[0] + "/api/payments/webhook/phonepe/",
        webhook_delay=0.5,
        refund_step_seconds=1,
    ).start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "peak-only-secret-key",
        "PYTHONPATH": str(ROOT),
        "PHONEPE_ENV": "LOCAL",
        # The bundled sandbox with DEBUG off, as bench/run.py runs it.
        "PHONEPE_ALLOW_LOCAL": "true",
        "PHONEPE_BASE_URL": sandbox.base_url,
        "PHONEPE_OAUTH_URL": "",
        "SITE_URL": bases[0],
        "CHECKOUT_LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    os.environ.update(env)
    processes = []
    log = open(Path(tmp) / "processes.log", "w")  # noqa: SIM115
    try:
        prepare_site(env, priests=True)
        emails, tag = prepare(args.customers)
        for port in ports:
            processes.append(
                gunicorn(
                    "config.wsgi",
                    port,
                    {**env, "WEB_CONCURRENCY": "1", "DJANGO_TRUSTED_PROXY_COUNT": "1"},
                    1,
                )
            )
        for command in (["reconcile_payments", "--loop"], ["db_worker"]):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", *command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for port in ports:
            wait_until_up(port, "/livez")
        stats = Stats()
        spacing = args.minutes * 60 / args.customers
        started = time.monotonic()
        contention = Contention().start()

        def visit(n):
            time.sleep(max(0.0, started + n * spacing - time.monotonic()))
            rng = random.Random(n)
            try:
                outcome = customer(
                    n,
                    bases=bases,
                    sandbox=sandbox,
                    stats=stats,
                    email=emails[n],
                    rng=rng,
                )
            except Exception as exc:  # noqa: BLE001 - every failure is reported
                outcome = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
            finally:
                from django.db import connection

                connection.close()
            with stats.lock:
                stats.outcomes[outcome] += 1

        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(visit, range(args.customers)))
        elapsed = time.monotonic() - started
        machine = contention.stop()
        drained = drain(tag)
        invariants = check_invariants(tag)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        sandbox.stop()
        log.close()
    report(args, stats, elapsed, machine, drained, invariants)


def report(args, stats, elapsed, machine, drained, invariants):
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    minutes = elapsed / 60
    lines = [
        f"\n## Peak {stamp}, commit {git_commit()}, PostgreSQL\n",
        f"{args.customers} customers arriving evenly over {args.minutes:g} min "
        f"(ran {minutes:.1f} min); two gunicorn processes (one worker, 8 threads "
        f"each), the sandbox, one reconciler, one task worker, all on this "
        f"{os.cpu_count()}-core machine with the load generator. Contention: steal "
        f"{machine['steal_pct']:.1f}%, other processes {machine['others_cores']:.2f} "
        f"cores, load average {machine['loadavg']:.1f}.\n",
        f"Bookings: {invariants['bookings']} ({invariants['bookings'] / minutes:.1f} "
        f"per minute); payments {invariants['payments']}, completed "
        f"{invariants['paid']}, refunded {invariants['refunds']}. Outcomes: "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items()))
        + ".\n",
        "| page | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, values in stats.timings.items():
        lines.append(
            f"| {name} | {len(values)} | {statistics.median(values) * 1000:.0f} "
            f"| {percentile(values, 0.99) * 1000:.0f} |"
        )
    errors = ", ".join(f"{k}: {v}" for k, v in stats.errors.items()) or "none"
    lines += [
        "",
        f"Errors (5xx and failed connections): {errors}. Worker and reconciler "
        f"drained: {'yes' if drained else 'NO'}.",
        "",
        "Money invariants: "
        + (
            "all hold (every completed payment has exactly one booking or a refund; "
            "no booking without a completed payment; booking totals equal the amounts "
            "paid; no slot over capacity; one confirmation email per booking)."
            if not invariants["problems"]
            else "BROKEN: " + "; ".join(invariants["problems"][:20])
        ),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.record:
        with (ROOT / "bench" / "results.md").open("a") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
