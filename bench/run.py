"""Benchmark the storefront's hot pages under gunicorn on loopback.

Creates a throw-away SQLite database with the demo data, starts gunicorn on a
free loopback port, sends a bounded number of requests from a thread pool to
each page and appends the results (requests/s, p50/p95/p99 latency) to
bench/results.md. Only 127.0.0.1 is ever contacted.

    make bench                     # or: .venv/bin/python bench/run.py --requests 400
"""

import argparse
import concurrent.futures
import datetime
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(url, *, total, concurrency):
    session = requests.Session()
    session.get(url, timeout=10)  # warm up

    def one(_):
        started = time.perf_counter()
        response = session.get(url, timeout=10)
        elapsed = time.perf_counter() - started
        return response.status_code, elapsed

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(total)))
    wall = time.perf_counter() - started
    latencies = sorted(elapsed for _status, elapsed in results)
    errors = sum(1 for status, _elapsed in results if status != 200)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "rps": total / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="okpuja-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key",
        "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        "PYTHONPATH": str(ROOT),
    }
    python = sys.executable
    for command in (
        ["migrate", "--noinput"],
        ["load_demo_data"],
        ["collectstatic", "--noinput"],
    ):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        catalog = requests.get(base + "/", timeout=10).text
        slug = catalog.split('href="/pujas/', 1)[1].split("/", 1)[0]
        pages = {
            "GET /healthz": "/healthz",
            "GET / (catalog)": "/",
            "GET /?q=puja&sort=price&page=2": "/?q=puja&sort=price&page=2",
            f"GET /pujas/{slug}/": f"/pujas/{slug}/",
        }
        rows = []
        for name, path in pages.items():
            result = measure(
                base + path, total=args.requests, concurrency=args.concurrency
            )
            rows.append((name, result))
            print(
                f"{name:40} {result['rps']:8.1f} req/s  p50 {result['p50']:6.1f} ms  "
                f"p95 {result['p95']:6.1f} ms  errors {result['errors']}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)

    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        f"\n## {stamp} — {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, gunicorn {args.workers} workers, SQLite, "
        f"{args.requests} requests × {args.concurrency} concurrent\n",
        "| page | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
            f"| {r['errors']} |"
        )
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nRecorded by `make bench` (bench/run.py). Loopback only; "
            "numbers are for comparing changes on the same machine, not absolute capacity.\n"
        )
    with RESULTS.open("a") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"Recorded in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
