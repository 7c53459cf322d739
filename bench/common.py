"""Shared plumbing of the benchmarks (measures nothing by itself).

- ``Figure``: one printed row (figure, its same-run baseline, ratio, target, verdict);
- ``rabbit_vhost``: a throwaway RabbitMQ virtual host via the management API;
- ``scratch_db``: a throwaway SQLite file or PostgreSQL database (shared.testing);
- ``run_child``: runs a helper module in its own interpreter (used for baselines that
  must not run under eventlet's monkey patch, and for the consumer side of latency);
- small statistics helpers, and the ``BENCH-RESULT`` line a benchmark module prints
  so that ``python -m bench`` can collect its figures.

Import-light on purpose: it pulls in neither eventlet nor the kernel, so a module can
import it before or after ``eventlet.monkey_patch()`` as it needs.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH-RESULT "
RABBIT_HOST = os.environ.get("BENCH_RABBIT_HOST", "127.0.0.1")
RABBIT_PORT = int(os.environ.get("BENCH_RABBIT_PORT", "5672"))
RABBIT_API = os.environ.get("BENCH_RABBIT_API", f"http://{RABBIT_HOST}:15672/api")
RABBIT_USER = os.environ.get("BENCH_RABBIT_USER", "guest")
RABBIT_PASSWORD = os.environ.get("BENCH_RABBIT_PASSWORD", "guest")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class Figure:
    """One row of the table. ``higher_is_better`` decides how ``target`` is checked.

    ``ratio`` is always figure / baseline. ``target`` is either on the ratio
    (``target_kind="ratio"``) or on the figure itself (``target_kind="value"``).
    """
    group: str
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    higher_is_better: bool = True
    target: float | None = None
    target_kind: str = "ratio"  # "ratio" or "value"
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        checked = self.ratio if self.target_kind == "ratio" else self.value
        if checked is None:
            return False
        return checked >= self.target if self.higher_is_better else checked < self.target

    def to_json(self) -> dict:
        return asdict(self)


def main(run, doc: str) -> None:
    """Command line of every benchmark module: ``[--quick]``, then emit what ``run`` measured."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    emit(run(parser.parse_args().quick))


def emit(figures: list[Figure]) -> None:
    """The one stdout line a benchmark module prints for ``python -m bench``."""
    sys.stdout.write(RESULT_PREFIX + json.dumps([f.to_json() for f in figures]) + "\n")
    sys.stdout.flush()


def progress(message: str) -> None:
    sys.stderr.write(f"  .. {message}\n")
    sys.stderr.flush()


# -- statistics ---------------------------------------------------------------------

def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): p99 of 5000 samples is the 4950th."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    return "rounds " + "/".join(fmt.format(v) for v in values)


def wait_until(check, timeout: float, interval: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s (last: {found!r})")
        time.sleep(interval)


def cpu_times() -> tuple[int, int, int] | None:
    """(busy, steal, total) clock ticks of the whole machine so far, from /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    steal = values[7] if len(values) > 7 else 0
    total = sum(values[:8])
    return total - idle - steal, steal, total


def machine_load(before, after) -> str:
    """How busy all cores were between two ``cpu_times()`` readings, as printable text."""
    if not before or not after or after[2] == before[2]:
        return "machine load unknown"
    span = after[2] - before[2]
    return (f"machine {100 * (after[0] - before[0]) / span:.0f}% busy over {os.cpu_count()} cores, "
            f"{100 * (after[1] - before[1]) / span:.0f}% steal")


# -- RabbitMQ -----------------------------------------------------------------------

def amqp_uri(vhost: str) -> str:
    return (f"amqp://{quote(RABBIT_USER, safe='')}:{quote(RABBIT_PASSWORD, safe='')}"
            f"@{RABBIT_HOST}:{RABBIT_PORT}/{quote(vhost, safe='')}")


@contextmanager
def rabbit_vhost(label: str) -> Iterator[str]:
    """A new virtual host with full rights for the bench user; deleted (with all its
    exchanges and queues) afterwards. Yields the AMQP URI."""
    import requests

    vhost = f"bench-{label}-{uuid.uuid4().hex[:10]}"
    auth = (RABBIT_USER, RABBIT_PASSWORD)
    name = quote(vhost, safe="")
    requests.put(f"{RABBIT_API}/vhosts/{name}", auth=auth, timeout=10).raise_for_status()
    try:
        requests.put(f"{RABBIT_API}/permissions/{name}/{quote(RABBIT_USER, safe='')}", auth=auth,
                     json={"configure": ".*", "write": ".*", "read": ".*"},
                     timeout=10).raise_for_status()
        yield amqp_uri(vhost)
    finally:
        requests.delete(f"{RABBIT_API}/vhosts/{name}", auth=auth, timeout=30)


# -- databases ----------------------------------------------------------------------

@contextmanager
def scratch_dir() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-") as path:
        yield path


@contextmanager
def scratch_db(kind: str, directory: str) -> Iterator[str]:
    """A new empty database URL: ``kind`` is "sqlite" (a file in ``directory``) or
    "postgresql" (a new database on BENCH_POSTGRES_URL, dropped afterwards)."""
    from shared.testing import scratch_database

    with scratch_database(POSTGRES_URL if kind == "postgresql" else None, directory) as url:
        yield url


# -- child processes ----------------------------------------------------------------

def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env


def spawn_child(module: str, *args: str, stdin=subprocess.DEVNULL) -> subprocess.Popen:
    """Start ``python -m module args...``; its stdout is a pipe, its stderr ours."""
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=child_env(),
                            stdin=stdin, stdout=subprocess.PIPE, text=True)


def run_child(module: str, *args: str, timeout: float = 120) -> dict:
    """Run a helper to completion and return the JSON object on its last stdout line."""
    proc = spawn_child(module, *args)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} exited with {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def read_json_line(proc: subprocess.Popen) -> dict:
    """The next stdout line of a child, as JSON (children speak one object per line)."""
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"child {proc.args} ended early (exit {proc.wait()})")
    return json.loads(line)
