"""What the bench scripts share: the servers they start, readiness, the
machine's contention while measuring, percentiles and the commit measured."""

import http.client
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"


# Machine contention -------------------------------------------------------------


def _cpu_times():
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    busy = user + nice + system + irq + softirq
    return {"busy": busy, "idle": idle + iowait, "steal": steal}


def _process_jiffies():
    """{pid: (ppid, utime + stime)} for every process we may read."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                text = handle.read()
        except OSError:
            continue
        rest = text.rsplit(")", 1)[1].split()
        found[int(entry)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
    return found


def _ours(processes):
    ours = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _jiffies) in processes.items():
            if ppid in ours and pid not in ours:
                ours.add(pid)
                grew = True
    return ours


class Contention:
    """CPU steal and other processes' CPU between start() and stop()."""

    def start(self):
        self.cpu = _cpu_times()
        self.processes = _process_jiffies()
        return self

    def stop(self):
        cpu = _cpu_times()
        processes = _process_jiffies()
        ours = _ours(processes) | _ours(self.processes)
        total = sum(cpu[k] - self.cpu[k] for k in cpu) or 1
        others = sum(
            jiffies - self.processes[pid][1]
            for pid, (_ppid, jiffies) in processes.items()
            if pid not in ours and pid in self.processes
        )
        cores = os.cpu_count() or 1
        return {
            "steal_pct": 100 * (cpu["steal"] - self.cpu["steal"]) / total,
            "others_cores": cores * max(0, others) / total,
            "busy_pct": 100 * (cpu["busy"] - self.cpu["busy"]) / total,
            "loadavg": os.getloadavg()[0],
        }


# Measuring ---------------------------------------------------------------------


def percentile(values, p):
    """Nearest rank: p99 of 100 values is the 99th smallest (not the largest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * p) - 1)]


def fetch(port, path, headers=None, method="GET", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def wait_until_up(port, path):
    for _ in range(300):
        try:
            response, _body = fetch(port, path)
            if response.status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not answer {path}")


# Set-up ----------------------------------------------------------------------------


def prepare_site(env, *, priests=False):
    """Migrate the database, add the cache table, demo data (and the demo
    priests, who make slots bookable at an address) and static files."""
    for command in (
        ["migrate", "--noinput"],
        ["createcachetable"],
        ["load_demo_data"],
        *([["load_demo_priests"]] if priests else []),
        ["collectstatic", "--noinput"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def gunicorn(module, port, env, workers, *options):
    """Start ``module`` under gunicorn.conf.py; ``options`` override it (e.g.
    ``--worker-class sync``)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            module,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *options,
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def git_commit():
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            # (The results file itself does not count: each run appends to it.)
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":!bench/results.md",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
