"""Chaos run: many customers pay while PhonePe and the servers misbehave; then the money is checked.

On demand only (not part of ``make test``). It creates its own PostgreSQL
database, migrates it and loads the demo data, then starts on 127.0.0.1:

- the PhonePe sandbox with test controls and a state file,
- two gunicorn processes (``-c gunicorn.conf.py``, 2 workers each) behind a
  tiny round-robin TCP proxy in this process (``SITE_URL`` and the webhook
  URL point at the proxy, as they would at a load balancer),
- the reconciler (``manage.py reconcile_payments --loop --interval 2``).

``--customers`` simulated customers (threads with ``requests``) then browse,
add a puja to the cart as guests, sign up (a few log in to one shared demo
account instead), add an address, press Pay (some double-click it), follow
the redirect to the sandbox's hosted page and pay, decline, leave the payment
pending or abandon it, and poll the confirm page with ``HX-Request`` like
htmx does until it settles. Meanwhile: duplicate x10, dropped, delayed and
out-of-order webhooks; a status API that hangs for some orders and errors for
others; an amount PhonePe reports differently (refund path); PhonePe's create
payment erroring for a few seconds; each gunicorn process killed with SIGKILL
(whole process group, mid-webhook where possible) and restarted; the sandbox
killed for ~20 s and restarted with the same state file.

Afterwards it expires the orders still pending at PhonePe (the abandoned
ones), waits (bounded) for the reconciler to settle everything and checks the
invariants against the database and the sandbox. It prints a report, appends
it to bench/results.md (``--no-record`` to skip) and exits 1 on any
violation. Every process it started is stopped on exit, Ctrl-C or error.

    .venv/bin/python bench/chaos.py --customers 50 --duration 240
"""

import argparse
import asyncio
import collections
import contextlib
import datetime
import heapq
import itertools
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results.md"
DEFAULT_DATABASE_URL = "postgres://okpuja:okpuja@127.0.0.1:5432/okpuja_chaos"
WEBHOOK_PATH = "/api/payments/webhook/phonepe/"
PASSWORD = "puja-secret-2026"
SHARED_ACCOUNT = ("demo@okpuja.in", "demo12345")
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
HTMX_STOP_POLLING = 286
FAULTY = "poll (status API faulty)"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class Clock:
    def __init__(self):
        self.start = time.monotonic()

    def now(self):
        return time.monotonic() - self.start


# Processes -------------------------------------------------------------------


class Processes:
    """Every child process, each in its own process group; all stopped by ``stop_all``."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.children = {}
        self.lock = threading.Lock()

    def start(self, name, command, env):
        log = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 (kept open)
        log.write(f"\n===== start {time.strftime('%H:%M:%S')} =====\n".encode())
        log.flush()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with self.lock:
            self.children[name] = (process, log, command, env)
        return process

    def restart(self, name):
        _process, log, command, env = self.children[name]
        log.close()
        return self.start(name, command, env)

    def kill(self, name, sig=signal.SIGKILL):
        process = self.children[name][0]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def alive(self, name):
        return self.children[name][0].poll() is None

    def stop_all(self):
        with self.lock:
            children = list(self.children.items())
        for _name, (process, _log, _c, _e) in children:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, (process, log, _c, _e) in children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            log.close()


def in_thread(function):
    threading.Thread(target=function, daemon=True).start()


def wait_http(url, timeout):
    """Return seconds until ``url`` answered 200, or None after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return None


# Round-robin TCP proxy (the load balancer) ------------------------------------------


class Proxy:
    """Round-robin TCP proxy on 127.0.0.1: a new connection goes to the next backend
    that accepts it, so a dead process only costs the connections it held."""

    def __init__(self, port, backends):
        self.port = port
        self.backends = backends
        self.counter = itertools.count()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="proxy")

    def start(self):
        self.thread.start()
        self.ready.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=512)
        )
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _handle(self, reader, writer):
        upstream = None
        for _ in range(len(self.backends)):
            port = self.backends[next(self.counter) % len(self.backends)]
            try:
                upstream = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), 3
                )
                break
            except (TimeoutError, OSError):
                continue
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer)
        )

    @staticmethod
    async def _pipe(reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


# Statistics seen by customers ------------------------------------------------------


class Stats:
    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.latency = collections.defaultdict(list)
        self.counts = collections.Counter()
        self.server_errors = []  # (t, method, url, status)
        self.outcomes = collections.Counter()
        self.events = []

    def add(self, kind, seconds):
        with self.lock:
            self.latency[kind].append(seconds)

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def server_error(self, method, url, status):
        with self.lock:
            self.server_errors.append((round(self.clock.now(), 1), method, url, status))

    def outcome(self, name):
        with self.lock:
            self.outcomes[name] += 1

    def event(self, text):
        line = f"t={self.clock.now():6.1f}s {text}"
        with self.lock:
            self.events.append(line)
        print("  [chaos] " + line, flush=True)


# The sandbox and its test controls ------------------------------------------------------


class Sandbox:
    def __init__(self, procs, port, env, state_file, webhook_url):
        self.procs = procs
        self.port = port
        self.root = f"http://127.0.0.1:{port}"
        self.base_url = self.root + "/apis/pg-sandbox"
        self.env = env
        self.command = [
            sys.executable,
            "-m",
            "phonepe_sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webhook-url",
            webhook_url,
            "--state-file",
            str(state_file),
            "--enable-test-controls",
            "--quiet",
        ]
        self.faults = {}  # order -> faults still to apply after a restart
        self.faults_lock = threading.Lock()
        self.webhook_records = []  # delivery records saved before each stop

    def start(self, restart=False):
        if restart:
            self.procs.restart("sandbox")
        else:
            self.procs.start("sandbox", self.command, self.env)
        if wait_http(self.root + "/healthz", 20) is None:
            raise RuntimeError("the PhonePe sandbox did not start; see its log")

    def control(self, method, path, body=None, timeout=10):
        response = requests.request(
            method,
            f"{self.root}/_sandbox/{path}",
            json=body,
            timeout=timeout,
        )
        if response.status_code >= 400:
            raise SandboxRefused(response.status_code, response.text)
        return response.json()

    def set_order_faults(self, order, **faults):
        with self.faults_lock:
            self.faults.setdefault(order, {}).update(faults)
        self.control("POST", "faults", {"order": order, **faults})

    def clear_order_faults(self, order, *keys):
        with self.faults_lock:
            current = self.faults.get(order, {})
            for key in keys:
                current.pop(key, None)
        self.control("POST", "faults", {"order": order, **dict.fromkeys(keys)})

    def reapply_faults(self):
        with self.faults_lock:
            faults = {order: dict(f) for order, f in self.faults.items() if f}
        for order, values in faults.items():
            self.control("POST", "faults", {"order": order, **values})

    def save_webhook_records(self):
        with contextlib.suppress(requests.RequestException, SandboxRefused):
            self.webhook_records.extend(self.control("GET", "webhooks", timeout=30))


class SandboxRefused(RuntimeError):
    def __init__(self, status, text):
        super().__init__(f"sandbox answered {status}: {text[:200]}")
        self.status = status


# Chaos controller: timed actions ----------------------------------------------------


class Controller:
    """Runs timed actions (fault changes, kills, restarts) on one thread."""

    def __init__(self, clock, stats):
        self.clock = clock
        self.stats = stats
        self.queue = []
        self.lock = threading.Lock()
        self.seq = itertools.count()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="chaos")
        self.kill_wanted = threading.Event()

    def at(self, when, action, label=""):
        with self.lock:
            heapq.heappush(self.queue, (when, next(self.seq), action, label))

    def after(self, delay, action, label=""):
        self.at(self.clock.now() + delay, action, label)

    def start(self):
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            with self.lock:
                due = self.queue and self.queue[0][0] <= self.clock.now()
                item = heapq.heappop(self.queue) if due else None
            if item is None:
                time.sleep(0.1)
                continue
            _when, _seq, action, label = item
            try:
                action()
            except (requests.RequestException, SandboxRefused) as exc:
                status = getattr(exc, "status", None)
                if status is not None and status in (404, 409):
                    continue  # e.g. the order already settled: nothing to do
                # The sandbox is down: try again shortly (faults outlive restarts).
                self.after(2, action, label)
            except Exception:
                self.stats.event(f"controller action {label} failed")
                traceback.print_exc()


# Customers ------------------------------------------------------------------------


class GiveUp(Exception):
    pass


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOT_RE = re.compile(
    r'name="slot" id="slot-\d+" value="(\d+)" autocomplete="off"( disabled)?'
)
PACKAGE_RE = re.compile(r'name="package" id="package-\d+" value="(\d+)"')
ADDRESS_RE = re.compile(r'name="address" form="pay-form" value="(\d+)"')
STATE_RE = re.compile(r'id="booking-status"[^>]*data-state="(\w+)"', re.S)
ORDER_RE = re.compile(r'data-testid="merchant-order-id">([^<]+)<')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
SANKALP_RE = re.compile(r'action="/cart/items/(\d+)/sankalp/"')


class Customer:
    def __init__(self, index, run, plan):
        self.index = index
        self.run = run
        self.plan = plan
        self.stats = run.stats
        self.session = requests.Session()
        self.base = run.site_url
        self.deadline = run.customer_deadline
        self.orders = []

    # -- HTTP ------------------------------------------------------------------------

    def http(self, method, url, *, kind, session=None, retry=True, **kwargs):
        """One request as a browser makes it; reloads after a dropped connection."""
        session = session or self.session
        if url.startswith("/"):
            url = self.base + url
        kwargs.setdefault("timeout", (5, 30))
        kwargs.setdefault("allow_redirects", False)
        is_app = url.startswith(self.base)
        attempts = 0
        while True:
            attempts += 1
            if time.monotonic() > self.deadline:
                raise GiveUp("deadline")
            started = time.monotonic()
            try:
                response = session.request(method, url, **kwargs)
            except requests.Timeout:
                self.stats.count(("app" if is_app else "sandbox") + " timeouts")
                if not retry or attempts >= 4:
                    raise GiveUp(f"timeout {method} {url}") from None
                continue
            except requests.ConnectionError:
                self.stats.count(
                    ("app" if is_app else "sandbox") + " connection errors"
                )
                if not retry or attempts >= (8 if is_app else 25):
                    raise GiveUp(f"connection {method} {url}") from None
                time.sleep(1 if is_app else 2)
                continue
            elapsed = time.monotonic() - started
            self.stats.add(kind, elapsed)
            self.stats.count(f"{'app' if is_app else 'sandbox'} requests")
            if response.status_code >= 500:
                self.stats.server_error(method, url, response.status_code)
                self.stats.count(("app" if is_app else "sandbox") + " 5xx")
                if not retry or attempts >= 3:
                    raise GiveUp(f"{response.status_code} {method} {url}")
                time.sleep(1)
                continue
            return response

    def get(self, path, kind="page", follow=True, **kwargs):
        response = self.http("GET", path, kind=kind, **kwargs)
        while response.status_code in (301, 302, 303) and follow:
            response = self.http(
                "GET",
                urllib.parse.urljoin(response.url, response.headers["Location"]),
                kind=kind,
            )
        return response

    def post_form(self, path, data, kind="form", referer_page=None):
        html = referer_page or self.get(path).text
        token = CSRF_RE.search(html)
        if token is None:
            raise GiveUp(f"no CSRF token on {path}")
        return self.http(
            "POST",
            path,
            kind=kind,
            data={"csrfmiddlewaretoken": token.group(1), **data},
        )

    # -- journey ---------------------------------------------------------------------

    def run_journey(self):
        try:
            self.stats.count("customers started")
            self.get("/")
            self.add_to_cart()
            self.sign_in()
            result = self.checkout_and_pay(self.plan["decision"])
            if result == "failed" and self.plan["retry_after_decline"]:
                self.stats.count("customers retrying after decline")
                result = self.checkout_and_pay("pay_upi", retry=True)
            self.stats.outcome(result)
        except GiveUp as exc:
            self.stats.outcome("gave up: " + str(exc).split(" ")[0])
        except Exception:
            self.stats.outcome("customer script error")
            traceback.print_exc()

    def add_to_cart(self):
        rng = self.plan["rng"]
        for _attempt in range(6):
            slug = rng.choice(self.run.service_slugs)
            page = self.get(f"/pujas/{slug}/").text
            packages = PACKAGE_RE.findall(page)
            if not packages:
                continue
            package = packages[0]
            date = rng.choice(self.run.dates)
            fragment = self.get(
                f"/pujas/{slug}/slots/?date={date}&package={package}",
                headers={"HX-Request": "true"},
            ).text
            free = [
                slot for slot, disabled in SLOT_RE.findall(fragment) if not disabled
            ]
            if not free:
                self.stats.count("slot pages with no free slot")
                continue
            response = self.post_form(
                "/cart/add/",
                {"package": package, "date": date, "slot": rng.choice(free)},
                referer_page=page,
            )
            if response.status_code == 302:
                return
            self.stats.count("add to cart refused (slot taken meanwhile)")
        raise GiveUp("no_slot")

    def sign_in(self):
        if self.plan["shared_account"]:
            email, password = SHARED_ACCOUNT
            response = self.post_form(
                "/account/login/?next=/checkout/",
                {"username": email, "password": password, "next": "/checkout/"},
            )
        else:
            email = f"chaos-{self.run.run_id}-{self.index}@example.in"
            response = self.post_form(
                "/account/signup/?next=/checkout/",
                {
                    "full_name": f"Chaos Customer{self.index}",
                    "email": email,
                    "phone": f"9{self.index:09d}",
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                    "next": "/checkout/",
                },
            )
        if response.status_code != 302:
            raise GiveUp(f"sign-in answered {response.status_code}")

    def ensure_address(self):
        page = self.get("/checkout/").text
        if ADDRESS_RE.search(page):
            return page
        response = self.post_form(
            "/account/addresses/add/?next=/checkout/",
            {
                "full_name": f"Chaos Customer{self.index}",
                "phone": f"9{self.index:09d}",
                "line1": f"{self.index} Shanti Apartments, MG Road",
                "line2": "",
                "landmark": "",
                "city": "Bengaluru",
                "state": "KA",
                "pincode": "560038",
                "is_default": "on",
                "next": "/checkout/",
            },
        )
        if response.status_code != 302:
            raise GiveUp("address refused")
        page = self.get("/checkout/").text
        if not ADDRESS_RE.search(page):
            raise GiveUp("no address on checkout page")
        return page

    def fill_sankalp(self):
        """Give each cart line the names for its sankalp (required at Pay)."""
        cart = self.get("/cart/").text
        for item in dict.fromkeys(SANKALP_RE.findall(cart)):
            response = self.post_form(
                f"/cart/items/{item}/sankalp/",
                {"names": f"Chaos Customer{self.index}", "gotra": "Kashyap"},
                referer_page=cart,
            )
            if response.status_code != 302:
                raise GiveUp(f"sankalp answered {response.status_code}")

    def press_pay(self):
        """Press Pay (twice at once for double-clickers); return PhonePe's page URL."""
        for _attempt in range(8):
            self.fill_sankalp()
            page = self.ensure_address()
            if "Your cart is empty" in page or 'data-testid="pay-button"' not in page:
                raise GiveUp("cart_gone")
            address = ADDRESS_RE.search(page).group(1)
            token = CSRF_RE.search(page).group(1)
            data = {"csrfmiddlewaretoken": token, "address": address}
            if self.plan["double_click"]:
                twin = requests.Session()
                twin.cookies.update(self.session.cookies)
                results = [None, None]

                def click(i, session, results=results, data=data):
                    try:
                        results[i] = self.http(
                            "POST",
                            "/checkout/pay/",
                            kind="pay",
                            data=data,
                            session=session,
                            retry=False,
                        )
                    except GiveUp as exc:
                        results[i] = exc

                threads = [
                    threading.Thread(target=click, args=(i, s))
                    for i, s in enumerate((self.session, twin))
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                self.stats.count("double-clicked Pay")
                locations = {
                    r.headers.get("Location", "")
                    for r in results
                    if isinstance(r, requests.Response)
                    and r.status_code == 303
                    and r.headers.get("Location", "").startswith(self.run.sandbox.root)
                }
                if len(locations) > 1:
                    self.stats.count("double click got two different PhonePe pages")
                response = next(
                    (r for r in results if isinstance(r, requests.Response)), None
                )
                if locations:
                    return locations.pop()
                if response is None:
                    time.sleep(2)
                    continue
            else:
                response = self.http("POST", "/checkout/pay/", kind="pay", data=data)
            location = response.headers.get("Location", "")
            if response.status_code == 303 and location.startswith(
                self.run.sandbox.root
            ):
                return location
            # Refused with a message (PhonePe unreachable, slot gone): read it, retry.
            self.stats.count("Pay answered with a message")
            message_page = self.get(location or "/checkout/").text
            if "is full" in message_page or "priest(s) are free" in message_page:
                raise GiveUp("slot_full_at_pay")
            time.sleep(3)
        raise GiveUp("pay_kept_failing")

    def checkout_and_pay(self, decision, retry=False):
        page_url = self.press_pay()
        hosted = self.get(page_url, kind="sandbox page", follow=False)
        if hosted.status_code != 200:
            raise GiveUp(f"hosted_page_{hosted.status_code}")
        order, token = ORDER_RE.search(hosted.text), TOKEN_RE.search(hosted.text)
        if order is None or token is None:
            # A payment already settled or expired (e.g. another device's).
            raise GiveUp("hosted_page_closed")
        order, token = order.group(1), token.group(1)
        self.orders.append(order)
        self.run.register_order(order, self.plan, decision, retry)
        if decision == "abandon":
            self.run.controller.after(
                self.plan["expire_after"],
                lambda: self.run.expire_if_pending(order),
                f"expire {order}",
            )
            return "abandoned"
        form = {"token": token, "action": decision}
        if decision == "decline":
            form["error_code"] = self.plan["rng"].choice(
                [
                    "PAYMENT_ERROR/U28",
                    "INSUFFICIENT_BALANCE/ZM",
                    "BANK_TECHNICAL_ISSUE/UT",
                ]
            )
        if decision == "pending":
            self.run.controller.after(
                self.plan["expire_after"],
                lambda: self.run.expire_if_pending(order),
                f"expire {order}",
            )
        self.run.before_settle(order, self.plan, decision)
        answer = self.http(
            "POST",
            self.run.sandbox.root + "/transact/uat_v2",
            kind="sandbox page",
            data=form,
        )
        if answer.status_code != 303:
            raise GiveUp(f"hosted_page_post_{answer.status_code}")
        faulty = not retry and self.plan["status_api"] != "normal"
        return self.poll(answer.headers["Location"], order, faulty)

    def poll(self, confirm_url, order, faulty=False):
        """Open the confirm page and poll its status region as htmx does."""
        if not confirm_url.startswith(self.base):
            raise GiveUp("redirect went elsewhere")
        page = self.get(confirm_url, kind="confirm page").text
        match = STATE_RE.search(page)
        state = match.group(1) if match else "?"
        started = time.monotonic()
        limit = started + self.run.poll_timeout
        while state == "pending":
            if time.monotonic() > min(limit, self.deadline):
                self.stats.count("customers still confirming when they left")
                return "left while pending"
            time.sleep(self.run.poll_seconds)
            response = self.http(
                "GET",
                confirm_url,
                kind=FAULTY if faulty else "poll",
                headers={
                    "HX-Request": "true",
                    "HX-Target": "booking-status",
                    "HX-Current-URL": confirm_url,
                },
            )
            match = STATE_RE.search(response.text)
            state = match.group(1) if match else "?"
            if response.status_code == HTMX_STOP_POLLING and state == "pending":
                self.stats.count("stop-polling while pending (bug)")
        self.stats.add("time to settle (customer)", time.monotonic() - started)
        return state


# The run ------------------------------------------------------------------------------


class Run:
    def __init__(self, args):
        self.args = args
        self.clock = Clock()
        self.stats = Stats(self.clock)
        self.run_id = time.strftime("%H%M%S")
        self.tmp = Path(tempfile.mkdtemp(prefix="okpuja-chaos-"))
        self.logdir = self.tmp / "logs"
        self.logdir.mkdir()
        self.procs = Processes(self.logdir)
        self.controller = Controller(self.clock, self.stats)
        self.poll_seconds = 2
        self.poll_timeout = args.poll_timeout
        self.orders = {}
        self.orders_lock = threading.Lock()
        self.kill_targets = []
        self.restart_times = []
        self.proxy = None

    # -- set-up ----------------------------------------------------------------------

    def environment(self):
        self.app_ports = [free_port(), free_port()]
        self.proxy_port = free_port()
        self.sandbox_port = free_port()
        self.site_url = f"http://127.0.0.1:{self.proxy_port}"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(
                ("DJANGO_", "PHONEPE_", "CHECKOUT_", "EMAIL_", "GUNICORN_")
            )
            and key not in ("DATABASE_URL", "WEB_CONCURRENCY")
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": "chaos-run-" + os.urandom(16).hex(),
                "DATABASE_URL": self.args.database_url,
                "SITE_URL": self.site_url,
                "PHONEPE_ENV": "LOCAL",
                "PHONEPE_ALLOW_LOCAL": "true",
                "PHONEPE_BASE_URL": f"http://127.0.0.1:{self.sandbox_port}/apis/pg-sandbox",
                "PHONEPE_CLIENT_ID": "OKPUJA_LOCAL",
                "PHONEPE_CLIENT_SECRET": "okpuja-local-secret",
                "PHONEPE_CLIENT_VERSION": "1",
                "PHONEPE_CALLBACK_USERNAME": "okpuja_webhook",
                "PHONEPE_CALLBACK_PASSWORD": "okpuja12345",
                "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
                "GUNICORN_THREADS": str(self.args.threads),
                "GUNICORN_LOG_LEVEL": "warning",
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env = env
        os.environ.update(env)

    def create_database(self):
        import psycopg2

        url = urllib.parse.urlsplit(self.args.database_url)
        name = url.path.lstrip("/")
        connection = psycopg2.connect(
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=urllib.parse.unquote(url.username or ""),
            password=urllib.parse.unquote(url.password or ""),
            dbname="postgres",
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    def manage(self, *command):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def gunicorn_command(self, port):
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ]

    def start_everything(self):
        print(f"Work directory (logs): {self.tmp}", flush=True)
        print("Creating the database, migrating, loading demo data...", flush=True)
        self.create_database()
        self.manage("migrate", "--noinput")
        self.manage("load_demo_data")
        self.manage("collectstatic", "--noinput")
        webhook_url = self.site_url + WEBHOOK_PATH
        self.sandbox = Sandbox(
            self.procs,
            self.sandbox_port,
            self.env,
            self.tmp / "sandbox-state.json",
            webhook_url,
        )
        self.sandbox.start()
        for name, port in zip(("app-a", "app-b"), self.app_ports, strict=True):
            self.procs.start(name, self.gunicorn_command(port), self.env)
        for port in self.app_ports:
            if wait_http(f"http://127.0.0.1:{port}/healthz", 60) is None:
                raise RuntimeError("a gunicorn process did not start; see its log")
        self.procs.start(
            "reconciler",
            [
                sys.executable,
                "manage.py",
                "reconcile_payments",
                "--loop",
                "--interval",
                "2",
            ],
            self.env,
        )
        self.proxy = Proxy(self.proxy_port, self.app_ports)
        self.proxy.start()
        catalog = requests.get(self.site_url + "/?kind=home", timeout=30).text
        slugs = list(dict.fromkeys(re.findall(r'href="/pujas/([\w-]+)/"', catalog)))
        # A few pujas on few dates: customers compete for the same slots (one
        # date holds ~27 priests, fewer than 50 customers want).
        self.service_slugs = slugs[:3]
        today = datetime.datetime.now(IST).date()
        self.dates = [
            (today + datetime.timedelta(days=2 + d)).isoformat()
            for d in range(self.args.dates)
        ]
        print(
            f"Up: proxy {self.site_url} -> gunicorn {self.app_ports}, sandbox "
            f"{self.sandbox.root}, pujas {self.service_slugs}, dates {self.dates}",
            flush=True,
        )

    # -- faults ----------------------------------------------------------------------

    def plans(self):
        rng = random.Random(self.args.seed)
        decisions = [
            "pay_upi",
            "pay_card",
            "pay_upi",
            "decline",
            "pending",
            "abandon",
            "pay_card",
            "pay_upi",
            "decline",
            "pay_upi",
        ]
        webhooks = [
            "normal",
            "duplicate",
            "drop",
            "delay",
            "reorder",
            "duplicate",
            "normal",
            "drop",
            "delay",
            "reorder",
        ]
        statuses = ["normal"] * 6 + ["hang", "error", "hang", "error"]
        n = self.args.customers

        def deck(values):
            # Exact proportions, combined at random (seeded).
            cards = (values * (n // len(values) + 1))[:n]
            rng.shuffle(cards)
            return cards

        decisions, webhooks, statuses = deck(decisions), deck(webhooks), deck(statuses)
        plans = []
        for index in range(n):
            report_amount = index % 17 == 5
            plans.append(
                {
                    "rng": random.Random(rng.random()),
                    # PhonePe reports another amount for a few payers: the refund path.
                    "decision": "pay_card" if report_amount else decisions[index],
                    "webhook": webhooks[index],
                    "status_api": statuses[index],
                    "report_amount": report_amount,
                    "double_click": index % 4 == 1,
                    "shared_account": index % 20 == 7,
                    "retry_after_decline": index % 3 == 0,
                    "expire_after": rng.uniform(15, 45),
                }
            )
        return plans

    def register_order(self, order, plan, decision, retry):
        with self.orders_lock:
            self.orders[order] = {
                "decision": decision,
                "retry": retry,
                **{k: plan[k] for k in ("webhook", "status_api", "report_amount")},
            }
        faults = {}
        if not retry:
            if plan["webhook"] == "duplicate":
                faults.update(webhook="duplicate", copies=10)
            elif plan["webhook"] == "drop":
                faults.update(webhook="drop")
            elif plan["webhook"] == "reorder":
                faults.update(webhook="reorder")
            elif plan["webhook"] == "delay":
                faults.update(webhook_delay=round(plan["rng"].uniform(8, 25), 1))
            if plan["status_api"] == "hang":
                faults.update(status_api="hang", hang_seconds=25)
            elif plan["status_api"] == "error":
                faults.update(status_api="error")
            if plan["report_amount"]:
                faults.update(report_amount=100)
        if faults:
            try:
                self.sandbox.set_order_faults(order, **faults)
            except (requests.RequestException, SandboxRefused):
                self.stats.count("faults not set (sandbox down)")
        if faults.get("status_api"):
            # An outage ends: the status API recovers for this order after a while.
            self.controller.after(
                self.args.status_fault_seconds,
                lambda: self.sandbox.clear_order_faults(
                    order, "status_api", "hang_seconds"
                ),
                f"heal {order}",
            )

    def before_settle(self, order, plan, decision):
        if (
            self.controller.kill_wanted.is_set()
            and plan["webhook"] == "duplicate"
            and decision.startswith("pay")
        ):
            # Ten deliveries of this order land in ~1 s: kill mid-webhook.
            self.controller.kill_wanted.clear()
            self.controller.after(1.2, lambda: in_thread(self.kill_app), "kill app")

    def expire_if_pending(self, order):
        state = self.sandbox.control("GET", f"orders/{order}")["state"]
        if state == "PENDING":
            self.sandbox.control("POST", f"orders/{order}/expire", {})
            self.stats.count("orders expired at PhonePe (abandoned/pending)")

    def kill_app(self):
        if not self.kill_targets:
            return
        name = self.kill_targets.pop(0)
        port = self.app_ports[0 if name == "app-a" else 1]
        self.procs.kill(name)
        self.stats.event(f"SIGKILL {name} (gunicorn master and workers)")
        time.sleep(self.args.restart_after)
        self.procs.restart(name)
        live = wait_http(f"http://127.0.0.1:{port}/livez", 60)
        ready = wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        self.restart_times.append((name, live, ready))
        self.stats.event(
            f"restarted {name}: /livez after {live or -1:.1f} s, /healthz after "
            f"{ready or -1:.1f} s more"
        )

    def schedule_chaos(self, phase_start):
        duration = self.args.duration
        self.kill_targets = ["app-b", "app-a"]

        def pay_api_error(on):
            self.sandbox.control("POST", "faults", {"pay_api": "error" if on else None})
            self.stats.event(
                f"PhonePe create-payment API {'erroring' if on else 'back'}"
            )

        def want_kill():
            self.controller.kill_wanted.set()
            self.stats.event(
                "waiting for a x10 webhook storm to kill a gunicorn process"
            )
            self.controller.after(15, fallback_kill, "fallback kill")

        def fallback_kill():
            if self.controller.kill_wanted.is_set():
                self.controller.kill_wanted.clear()
                in_thread(self.kill_app)

        def stop_sandbox():
            self.sandbox.save_webhook_records()
            self.procs.kill("sandbox")
            self.stats.event(
                "sandbox killed (SIGKILL); restarting in "
                f"{self.args.sandbox_outage:g} s with its state file"
            )
            time.sleep(self.args.sandbox_outage)
            self.sandbox.start(restart=True)
            self.sandbox.reapply_faults()
            self.stats.event("sandbox back")

        c = self.controller
        c.at(phase_start + 0.12 * duration, lambda: pay_api_error(True), "pay error on")
        c.at(
            phase_start + 0.12 * duration + 8,
            lambda: pay_api_error(False),
            "pay error off",
        )
        c.at(phase_start + 0.25 * duration, want_kill, "kill 1")
        c.at(
            phase_start + 0.4 * duration,
            lambda: in_thread(stop_sandbox),
            "sandbox outage",
        )
        c.at(phase_start + 0.55 * duration, want_kill, "kill 2")

    # -- customers ---------------------------------------------------------------------

    def run_customers(self):
        plans = self.plans()
        phase_start = self.clock.now()
        self.customer_deadline = time.monotonic() + self.args.duration
        self.schedule_chaos(phase_start)
        self.controller.start()
        ramp = self.args.duration * 0.5
        customers = [Customer(i, self, plan) for i, plan in enumerate(plans)]
        threads = []
        for i, customer in enumerate(customers):
            delay = ramp * i / max(1, len(customers))

            def start(customer=customer, delay=delay):
                time.sleep(delay)
                customer.run_journey()

            thread = threading.Thread(target=start, daemon=True, name=f"customer-{i}")
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(max(1, self.customer_deadline - time.monotonic() + 40))
        # Let chaos actions still queued for the customer phase finish (restarts).
        while (
            self.controller.queue
            and self.controller.queue[0][0] < phase_start + self.args.duration
        ):
            time.sleep(0.5)
        self.phase_seconds = self.clock.now() - phase_start

    # -- settling -----------------------------------------------------------------------

    def settle(self):
        """Expire what is still pending at PhonePe, heal faults, wait for the reconciler."""
        self.controller.stop.set()
        self.sandbox.control("DELETE", "faults")
        with self.sandbox.faults_lock:
            self.sandbox.faults.clear()
        expired = 0
        for order in self.sandbox.control("GET", "orders"):
            if order["state"] == "PENDING":
                with contextlib.suppress(SandboxRefused):
                    self.sandbox.control(
                        "POST", f"orders/{order['merchantOrderId']}/expire", {}
                    )
                    expired += 1
        self.stats.event(
            f"customers done; expired {expired} orders still pending at PhonePe"
        )
        import django

        django.setup()
        from checkout.models import Payment, Refund, WebhookDelivery
        from checkout.states import REFUND_OPEN_STATES

        started = time.monotonic()
        last = None
        while True:
            open_now = {
                "pending payments": Payment.objects.filter(status="pending").count(),
                "inbox received/deferred": WebhookDelivery.objects.filter(
                    outcome__in=["received", "deferred"]
                ).count(),
                "open refunds": Refund.objects.filter(
                    state__in=REFUND_OPEN_STATES
                ).count(),
            }
            if open_now != last:
                print(f"  waiting for the reconciler: {open_now}", flush=True)
                last = open_now
            if not any(open_now.values()):
                break
            if time.monotonic() - started > self.args.settle_timeout:
                break
            time.sleep(3)
        self.settle_seconds = time.monotonic() - started
        self.stats.event(f"settled after {self.settle_seconds:.0f} s: {open_now}")

    # -- invariants ------------------------------------------------------------------------

    def check(self):
        from django.db.models import Count, F, Q, Sum

        from checkout.models import (
            AuditEntry,
            Booking,
            Payment,
            Refund,
            SlotHold,
            WebhookDelivery,
        )
        from checkout.states import REFUND_OPEN_STATES
        from storefront.capacity import slot_availability
        from storefront.models import Cart, TimeSlot

        violations = collections.defaultdict(list)
        killed_pay_rows = []
        gateway = {
            o["merchantOrderId"]: o for o in self.sandbox.control("GET", "orders")
        }
        payments = {p.merchant_order_id: p for p in Payment.objects.all()}

        # 1. Every completed payment: exactly one booking or a refund.
        for order_id, order in gateway.items():
            if order["state"] != "COMPLETED":
                continue
            payment = payments.get(order_id)
            if payment is None:
                violations["completed payment unknown here"].append(order_id)
                continue
            has_booking = Booking.objects.filter(payment=payment).exists()
            refunds = list(payment.refunds.all())
            if payment.status != "success":
                violations["completed at PhonePe, not paid here"].append(order_id)
            if has_booking == bool(refunds):
                violations["completed: not exactly one of booking / refund"].append(
                    order_id
                )
            for refund in refunds:
                if refund.amount_paise != order["amount"]:
                    violations["refund amount differs from amount paid"].append(
                        order_id
                    )
        for payment in payments.values():
            if (
                payment.status == "success"
                and gateway.get(payment.merchant_order_id, {}).get("state")
                != "COMPLETED"
            ):
                violations["paid here, not completed at PhonePe"].append(
                    payment.merchant_order_id
                )
            if not payment.page_url:
                if payment.merchant_order_id in gateway:
                    continue  # created at PhonePe; the answer was lost (process killed)
                if payment.status == "failed":
                    # Its process was killed between the row and the PhonePe call;
                    # the reconciler failed it ("no record at PhonePe").
                    killed_pay_rows.append(payment.merchant_order_id)
                else:
                    violations["payment row that never reached PhonePe"].append(
                        payment.merchant_order_id
                    )

        # 2. No booking without a successful payment.
        for booking in Booking.objects.exclude(payment__status="success"):
            violations["booking without successful payment"].append(booking.book_id)
        for booking in Booking.objects.exclude(payment__resolution="booked"):
            violations["booking whose payment is not resolved 'booked'"].append(
                booking.book_id
            )

        # 3. No slot over capacity (storefront.capacity, plus bookings counted directly).
        keys = set(SlotHold.objects.values_list("date", "slot_id"))
        slots = {s.pk: s for s in TimeSlot.objects.all()}
        for date, slot_id in sorted(keys):
            (availability,) = slot_availability(date=date, slots=[slots[slot_id]])
            if availability.taken > availability.capacity:
                violations["slot over capacity"].append(
                    f"{date} {slots[slot_id]}: {availability.taken}/{availability.capacity}"
                )
        booked = (
            Booking.objects.exclude(status="cancelled")
            .values("items__date", "items__slot")
            .annotate(priests=Sum("items__priest_count"))
        )
        for row in booked:
            (availability,) = slot_availability(
                date=row["items__date"], slots=[slots[row["items__slot"]]]
            )
            if row["priests"] > availability.capacity:
                violations["bookings over capacity"].append(str(row))

        # 4. Booking totals equal amounts paid.
        for booking in Booking.objects.select_related("payment").annotate(
            items_total=Sum("items__price_paise")
        ):
            paid = gateway.get(booking.payment.merchant_order_id, {}).get("amount")
            if not (booking.total_paise == booking.payment.amount_paise == paid):
                violations["booking total differs from amount paid"].append(
                    booking.book_id
                )
            if booking.items_total != booking.subtotal_paise or (
                booking.total_paise != booking.subtotal_paise - booking.discount_paise
            ):
                violations["booking lines do not add up"].append(booking.book_id)

        # 5. One confirmation email per booking.
        sent = collections.Counter()
        for log in self.logdir.glob("*.log"):
            for match in re.finditer(
                r"^Subject: Your puja is booked: (BK-\w+)",
                log.read_text(errors="replace"),
                re.M,
            ):
                sent[match.group(1)] += 1
        book_ids = set(Booking.objects.values_list("book_id", flat=True))
        for book_id in book_ids:
            if sent[book_id] != 1:
                violations["confirmation emails != 1"].append(
                    f"{book_id}: {sent[book_id]}"
                )
        for book_id in set(sent) - book_ids:
            violations["confirmation email for no booking"].append(book_id)
        for booking in Booking.objects.filter(confirmation_sent_at__isnull=True):
            violations["booking without confirmation_sent_at"].append(booking.book_id)

        # 6. Nothing stuck after expiry.
        now = datetime.datetime.now(datetime.UTC)
        grace = datetime.timedelta(seconds=60)
        for payment in Payment.objects.filter(status="pending"):
            order = gateway.get(payment.merchant_order_id, {})
            if order.get("state") != "PENDING" or (
                payment.hold_until and payment.hold_until + grace < now
            ):
                violations["payment pending after PhonePe settled/expired it"].append(
                    f"{payment.merchant_order_id} (PhonePe {order.get('state')})"
                )
        for delivery in WebhookDelivery.objects.filter(
            outcome__in=["received", "deferred"]
        ):
            violations["inbox row left received/deferred"].append(
                f"{delivery.pk} {delivery.merchant_order_id} {delivery.outcome}"
            )
        for refund in Refund.objects.filter(state__in=REFUND_OPEN_STATES):
            violations["refund still open"].append(
                f"{refund.merchant_refund_id} {refund.state}"
            )

        # 7. No leaked holds (nor carts left frozen).
        for hold in SlotHold.objects.filter(state="held").exclude(
            payment__status="pending"
        ):
            violations["held hold of a settled payment"].append(
                f"{hold.pk} {hold.payment}"
            )
        for hold in SlotHold.objects.filter(state="booked").exclude(
            booking__payment_id=F("payment_id")
        ):
            violations["booked hold without its booking"].append(str(hold.pk))
        for hold in SlotHold.objects.filter(
            state="booked", booking__status="cancelled"
        ):
            violations["booked hold of a cancelled booking"].append(str(hold.pk))
        for cart in (
            Cart.objects.filter(status="frozen")
            .annotate(pending=Count("payments", filter=Q(payments__status="pending")))
            .filter(pending=0)
        ):
            violations["cart frozen with no pending payment"].append(str(cart.pk))

        # 8. 5xx: none seen by customers; none from the app except the webhook's 503.
        access = self.access_log()
        for t, method, url, status in self.stats.server_errors:
            violations["5xx seen by customers"].append(f"t={t} {status} {method} {url}")
        for (path, status), n in access["5xx"].items():
            if path == WEBHOOK_PATH and status == 503:
                continue
            violations["5xx in the access logs"].append(f"{status} {path} x{n}")
        for name in ("app-a", "app-b", "reconciler", "sandbox"):
            if not self.procs.alive(name):
                violations["process died on its own"].append(name)

        inbox = dict(
            WebhookDelivery.objects.values_list("outcome")
            .annotate(n=Count("pk"))
            .values_list("outcome", "n")
        )
        self.facts = {
            "payments": len(payments),
            "payments by status": dict(
                collections.Counter(p.status for p in payments.values())
            ),
            "PhonePe orders by state": dict(
                collections.Counter(o["state"] for o in gateway.values())
            ),
            "PhonePe orders with no payment row here": sorted(
                set(gateway) - set(payments)
            ),
            "bookings": len(book_ids),
            "refunds": Refund.objects.count(),
            "refunds by reason": dict(
                Refund.objects.values_list("reason")
                .annotate(n=Count("pk"))
                .values_list("reason", "n")
            ),
            "confirmation emails": sum(sent.values()),
            "Pay attempts that never reached PhonePe (audited, no row)": AuditEntry.objects.filter(
                action="payment.not_started"
            ).count(),
            "payment rows left by a killed Pay, failed by the reconciler": killed_pay_rows,
            "inbox deliveries": sum(inbox.values()),
            # Left "received" by a killed process and closed by the reconciler.
            "inbox rows closed >= 2 min after arrival": WebhookDelivery.objects.filter(
                processed_at__gte=F("received_at") + datetime.timedelta(minutes=2)
            ).count(),
            "inbox outcomes": inbox,
            "max deliveries for one order": WebhookDelivery.objects.exclude(
                merchant_order_id=""
            )
            .values("merchant_order_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("n", flat=True)
            .first(),
            "closed by the reconciler (audit source reconciler)": AuditEntry.objects.filter(
                source="reconciler"
            ).count(),
            "access log": access,
        }
        with contextlib.suppress(requests.RequestException, SandboxRefused):
            self.sandbox.webhook_records.extend(
                self.sandbox.control("GET", "webhooks", timeout=30)
            )
        records = self.sandbox.webhook_records
        self.facts["sandbox webhook attempts"] = len(records)
        self.facts["sandbox webhook attempts timed out/failed"] = sum(
            1 for r in records if r.get("status") is None and not r.get("dropped")
        )
        self.facts["sandbox webhook answers"] = dict(
            collections.Counter(str(r.get("status")) for r in records)
        )
        self.violations = {k: v for k, v in violations.items() if v}
        return self.violations

    def access_log(self):
        line_re = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')
        result = {"requests": 0, "5xx": collections.Counter(), "webhook ms": []}
        for name in ("app-a", "app-b"):
            text = (self.logdir / f"{name}.log").read_text(errors="replace")
            for method, target, status, ms in line_re.findall(text):
                path = target.split("?")[0]
                status = int(status)
                result["requests"] += 1
                if status >= 500:
                    result["5xx"][(path, status)] += 1
                if path == WEBHOOK_PATH and method == "POST":
                    result["webhook ms"].append(int(ms))
        return result

    # -- report ------------------------------------------------------------------------------

    def report(self):
        s = self.stats
        access = self.facts.pop("access log")
        webhook_ms = access["webhook ms"]
        webhook_503 = access["5xx"].get((WEBHOOK_PATH, 503), 0)
        lat = s.latency
        customers_5xx = len(s.server_errors)
        app_5xx = sum(
            n
            for (path, status), n in access["5xx"].items()
            if not (path == WEBHOOK_PATH and status == 503)
        )

        def ms(values, p):
            return f"{pct(values, p) * 1000:.0f}" if values else "-"

        load = os.getloadavg()
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "checkout",
                "storefront",
                "config",
                "phonepe_sandbox",
                "gunicorn.conf.py",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            f"## Chaos run {stamp} — commit {commit}{' (app code modified)' if dirty else ''}, "
            f"load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on {os.cpu_count()} cores",
            "",
            f"`bench/chaos.py --customers {self.args.customers} --duration {self.args.duration:g} "
            f"--seed {self.args.seed} --dates {self.args.dates}`: PostgreSQL, 2 gunicorn processes × 2 gthread workers × "
            f"{self.args.threads} threads behind a round-robin proxy, the reconciler every 2 s, "
            f"Python {platform.python_version()}. Customer phase {self.phase_seconds:.0f} s, "
            f"settling {self.settle_seconds:.0f} s.",
            "",
            "Chaos: " + "; ".join(e.split(" ", 1)[1].strip() for e in s.events),
            "",
            "| measure | value |",
            "|---|---|",
            f"| customers | {self.args.customers} ({s.counts['double-clicked Pay']} double-clicked Pay, "
            f"{s.counts['customers retrying after decline']} paid again after a decline) |",
            f"| customer outcomes | {', '.join(f'{k} {v}' for k, v in sorted(s.outcomes.items()))} |",
            f"| payments / PhonePe orders | {self.facts['payments']} "
            f"{self.facts['payments by status']} / {self.facts['PhonePe orders by state']} |",
            f"| bookings / refunds | {self.facts['bookings']} / {self.facts['refunds']} "
            f"{self.facts['refunds by reason']} |",
            f"| confirmation emails | {self.facts['confirmation emails']} |",
            f"| 5xx seen by customers | {customers_5xx} |",
            f"| 5xx in app access logs (webhook 503 excepted) | {app_5xx} |",
            f"| webhook 503 (asks PhonePe to retry) | {webhook_503} |",
            f"| confirm-page poll (HX), orders with a healthy status API, p50 / p99 / max ms | {ms(lat['poll'], 0.5)} / "
            f"{ms(lat['poll'], 0.99)} / {ms(lat['poll'], 1.0)} ({len(lat['poll'])} polls) |",
            f"| confirm-page poll (HX), orders whose status API hangs/errors (40 s) | "
            f"{ms(lat[FAULTY], 0.5)} / {ms(lat[FAULTY], 0.99)} / {ms(lat[FAULTY], 1.0)} "
            f"({len(lat[FAULTY])} polls) |",
            f"| Pay p50 / p99 ms | {ms(lat['pay'], 0.5)} / {ms(lat['pay'], 0.99)} |",
            f"| all pages p50 / p99 ms | {ms(lat['page'] + lat['form'], 0.5)} / "
            f"{ms(lat['page'] + lat['form'], 0.99)} |",
            f"| customer wait on confirm page p50 / max s | "
            f"{pct(lat['time to settle (customer)'], 0.5):.1f} / "
            f"{pct(lat['time to settle (customer)'], 1.0):.1f} |",
            f"| webhook answer (access log) p50 / p99 / max ms | "
            f"{pct(webhook_ms, 0.5) if webhook_ms else '-'} / {pct(webhook_ms, 0.99) if webhook_ms else '-'} / "
            f"{max(webhook_ms) if webhook_ms else '-'} |",
            f"| webhook deliveries: sandbox attempts / inbox rows / max per order | "
            f"{self.facts['sandbox webhook attempts']} (no answer: "
            f"{self.facts['sandbox webhook attempts timed out/failed']}) / "
            f"{self.facts['inbox deliveries']} / {self.facts['max deliveries for one order']} |",
            f"| inbox outcomes | {self.facts['inbox outcomes']}; closed >= 2 min after "
            f"arrival (left by a killed process): "
            f"{self.facts['inbox rows closed >= 2 min after arrival']} |",
            f"| Pay attempts that never reached PhonePe (no row, audited) | "
            f"{self.facts['Pay attempts that never reached PhonePe (audited, no row)']} |",
            f"| PhonePe orders with no payment row | "
            f"{len(self.facts['PhonePe orders with no payment row here'])} |",
            f"| connection errors / timeouts seen by customers (app) | "
            f"{s.counts['app connection errors']} / {s.counts['app timeouts']} |",
            "| restarts: seconds to /livez, /healthz | "
            + ", ".join(
                f"{n} {a or -1:.1f}, {b or -1:.1f}" for n, a, b in self.restart_times
            )
            + " |",
            "",
        ]
        if self.violations:
            lines.append(
                f"**Invariants: {sum(len(v) for v in self.violations.values())} violations**"
            )
            for name, items in self.violations.items():
                lines.append(f"- {name}: {len(items)} — {', '.join(items[:8])}")
        else:
            lines.append(
                "**Invariants: 0 violations** (one booking or refund per completed payment, "
                "no booking without payment, no slot over capacity, totals = amounts paid, one "
                "confirmation email per booking, nothing stuck after expiry, no leaked holds or "
                "frozen carts, no payment row that never reached PhonePe, 0 5xx except the "
                "webhook's 503)."
            )
        other = {
            k: v
            for k, v in s.counts.items()
            if k
            not in (
                "double-clicked Pay",
                "customers retrying after decline",
                "app connection errors",
                "app timeouts",
            )
        }
        lines += [
            "",
            "Other counts: " + ", ".join(f"{k} {v}" for k, v in sorted(other.items())),
        ]
        text = "\n".join(lines) + "\n"
        print("\n" + text)
        if not self.args.no_record:
            with RESULTS.open("a") as handle:
                handle.write("\n" + text)
            print(f"Recorded in {RESULTS.relative_to(ROOT)}; logs in {self.tmp}")

    def cleanup(self):
        self.controller.stop.set()
        if self.proxy is not None:
            self.proxy.stop()
        self.procs.stop_all()
        if not self.args.keep_logs and not getattr(self, "violations", None):
            shutil.rmtree(self.tmp, ignore_errors=True)


def chaos_database_url(url):
    """The same server and credentials, a database whose name says 'chaos'."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") or "okpuja"
    if "chaos" not in name:
        name += "_chaos"
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument(
        "--duration", type=float, default=240, help="seconds of the customer phase"
    )
    parser.add_argument("--settle-timeout", type=float, default=200)
    parser.add_argument("--poll-timeout", type=float, default=90)
    parser.add_argument(
        "--threads", type=int, default=4, help="gthread threads per worker"
    )
    parser.add_argument("--sandbox-outage", type=float, default=20)
    parser.add_argument("--restart-after", type=float, default=3)
    parser.add_argument("--status-fault-seconds", type=float, default=40)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument(
        "--dates", type=int, default=1, help="booking dates customers choose from"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        help="PostgreSQL server and credentials; the database is recreated, so a "
        "name without 'chaos' gets '_chaos' appended (never drops your database)",
    )
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the chaos run needs PostgreSQL (DATABASE_URL=postgres://...)")
    args.database_url = chaos_database_url(args.database_url)

    run = Run(args)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    # Also SIGINT: a shell without job control starts us with SIGINT ignored.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        run.environment()
        run.start_everything()
        run.run_customers()
        run.settle()
        violations = run.check()
        run.report()
    except KeyboardInterrupt:
        print("Interrupted; stopping every process.", file=sys.stderr)
        return 130
    finally:
        run.cleanup()
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
