"""Commit -> consumer-handled latency at a steady 500 events/s (target: p99 < 50 ms).

Two processes, as two services would run, both eventlet-patched nameko:
- this one runs ``benchbank`` (a nameko ``ServiceRunner`` with the ``Kernel``, so the
  outbox relay runs as the container's managed thread, woken by commits) and commits
  deposits through the kernel's unit of work (``run_unit_of_work`` with the service's
  database, store and live projection, read-version-then-record like a command) on a
  fixed schedule: commit i is due at start + i/500 s, never sleep-after-each;
- a child (``--consumer``) runs ``benchaudit``, whose ``@handles(BenchDeposited)``
  handler (inbox claim + handler + its own event, one transaction) marks the event id;
  its ``HandledClock`` dependency stamps the time after the worker returned, i.e. after
  the consumer's commit.
Latency = handled time - time right after the producer's commit returned (time.time(),
same machine). Each service has its own SQLite file; RabbitMQ is a throwaway vhost.
Warm-up, not counted: 200 priming commits at 200/s (100 with --quick), then a wait until
the consumer has handled them all (first-use costs in both processes must not leave a
backlog that the measured window inherits), then 1 s at 500/s (0.5 s with --quick).
Measured: the next 10 s of the same 500/s schedule (4 s with --quick). An event not
handled within 40 s after the schedule ends counts as infinitely late. Also printed,
without a target: where the time goes (commit -> consumer worker started, started ->
handled), the achieved commit rate and how busy the machine was.

Baseline: the same schedule with raw pika in plain interpreters (bench/raw.py): one
process publishes persistent messages of about the same size to a topic exchange (no
confirms), another consumes them from a durable queue (prefetch 10, manual ack); latency
= time after the ack - time before the publish. It is the broker/transport floor.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import math  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from sqlalchemy.engine import make_url  # noqa: E402

from bench import domain  # noqa: E402
from bench.common import (
    Figure,
    cpu_times,
    machine_load,
    percentile,
    progress,
    rabbit_vhost,
    read_json_line,
    scratch_db,
    scratch_dir,
    spawn_child,
    wait_until,
)
from bench.common import (
    main as cli,  # noqa: E402
)

RATE = 500.0
PRIME_RATE = 200.0
ACCOUNTS = 100


def service_config(uri: str, db_url: str, name: str) -> dict:
    from shared.config import nameko_config

    return {**nameko_config(name), "AMQP_URI": uri, "DATABASE_URL": db_url, "METRICS_PORT": 0}


def kernel_of(runner):
    from shared.kernel import Kernel

    container = next(iter(runner.containers))
    return next(dep for dep in container.dependencies if isinstance(dep, Kernel))


# -- the consumer process -------------------------------------------------------------

def consumer_main(uri: str, db_url: str, count: int, timeout: float) -> None:
    from nameko.runners import ServiceRunner

    domain.create_schema(db_url)
    runner = ServiceRunner(service_config(uri, db_url, "benchaudit"))
    runner.add_service(domain.BenchAudit)
    runner.start()
    container = next(iter(runner.containers))
    clock = next(dep for dep in container.dependencies if isinstance(dep, domain.HandledClock))
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + timeout
    while len(clock.handled) < count and time.monotonic() < deadline:
        eventlet.sleep(0.05)
    print(json.dumps({"handled": clock.handled, "started": clock.started}), flush=True)
    runner.stop()


# -- the producer (this process) ------------------------------------------------------

def handled_so_far(audit_url: str) -> int:
    """Events the consumer has committed, read from its inbox (its own SQLite file)."""
    conn = sqlite3.connect(make_url(audit_url).database, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM inbox").fetchone()[0]
    except sqlite3.OperationalError:  # schema not there yet
        return 0
    finally:
        conn.close()


def kernel_run(uri: str, tmp: str, prime: int, settle: int, measured: int) -> dict:
    """``prime`` commits at PRIME_RATE, wait until all are handled (both services warm and
    drained), then ``settle`` + ``measured`` commits on one fixed 500/s schedule."""
    from nameko.runners import ServiceRunner
    from sqlalchemy import select

    from shared.uow import run_unit_of_work

    total = prime + settle + measured
    with scratch_db("sqlite", tmp) as bank_url, scratch_db("sqlite", tmp) as audit_url:
        domain.create_schema(bank_url)
        consumer = spawn_child("bench.latency", "--consumer", uri, audit_url, str(total),
                               str(total / RATE + 40))
        runner = None
        try:
            assert read_json_line(consumer)["ready"]
            runner = ServiceRunner(service_config(uri, bank_url, "benchbank"))
            runner.add_service(domain.BenchBank)
            runner.start()
            kernel = kernel_of(runner)
            committed: dict[str, float] = {}

            def deposit(n: int):
                account = n % ACCOUNTS
                name = f"acct-{account:05d}"
                stream = domain.stream(account)

                def work(uow):
                    version = uow.version(stream)
                    row = uow.conn.execute(select(domain.balances.c.amount)
                                           .where(domain.balances.c.account == name)).first()
                    balance = (row.amount if row else 0) + 10
                    uow.record(stream, version, domain.Deposited,
                               {"account": name, "amount": 10, "balance": balance, "currency": "EUR"})

                _, recorded = run_unit_of_work(kernel.db, kernel.store, kernel.app.projections, work,
                                               correlation_id=str(uuid.uuid4()))
                done = time.time()
                for item in recorded:
                    committed[item.envelope.id] = done
                return recorded[0].envelope.id

            def paced(first: int, count: int, rate: float) -> tuple[list[str], int]:
                """Commit ``count`` deposits, the i-th due at start + i/rate (a fixed schedule)."""
                ids, late = [], 0
                start = time.perf_counter() + 0.05
                for i in range(count):
                    delay = start + i / rate - time.perf_counter()
                    if delay < -0.002:
                        late += 1
                    # Always yield to the hub, as a service does between two requests' workers:
                    # the relay and the AMQP consumers run in other greenthreads of this process.
                    eventlet.sleep(max(0.0, delay))
                    ids.append(deposit(first + i))
                return ids, late

            paced(0, prime, PRIME_RATE)
            wait_until(lambda: handled_so_far(audit_url) >= prime, timeout=60, interval=0.05,
                       what="primed events handled")
            paced(prime, settle, RATE)
            started, load_before = time.perf_counter(), cpu_times()
            ids, late = paced(prime + settle, measured, RATE)
            commit_span, load = time.perf_counter() - started, machine_load(load_before, cpu_times())
            result = read_json_line(consumer)
        finally:
            if runner is not None:
                runner.stop()
            if consumer.poll() is None:
                consumer.wait(60)
    handled, started_at = result["handled"], result["started"]
    missing = [i for i in ids if i not in handled]
    return {
        # an event never handled counts as infinitely late (and is reported)
        "latencies": [handled[i] - committed[i] if i in handled else math.inf for i in ids],
        "to_start": [started_at[i] - committed[i] for i in ids if i in started_at],
        "in_handler": [handled[i] - started_at[i] for i in ids if i in handled and i in started_at],
        "missing": len(missing), "late": late, "rate": measured / commit_span, "load": load,
    }


def raw_run(uri: str, warmup: int, measured: int) -> tuple[list[float], int]:
    """Latencies of the measured messages of the raw baseline, and how many never arrived."""
    total = warmup + measured
    exchange, queue = "bench.latency.raw", "bench.latency.raw.sink"
    consumer = spawn_child("bench.raw", "consume", uri, exchange, queue, str(total), str(total / RATE + 60))
    try:
        assert read_json_line(consumer)["ready"]
        publisher = spawn_child("bench.raw", "paced-publish", uri, exchange, str(RATE), str(total))
        read_json_line(publisher)
        publisher.wait(30)
        received = read_json_line(consumer)["received"]
    finally:
        if consumer.poll() is None:
            consumer.kill()
        consumer.wait(30)
    stamps = [received[str(seq)] for seq in range(warmup, total) if str(seq) in received]
    return [got - sent for sent, got in stamps], total - len(received)


def run(quick: bool) -> list[Figure]:
    seconds, settle_seconds, prime = (4, 0.5, 100) if quick else (10, 1, 200)
    settle, measured = int(settle_seconds * RATE), int(seconds * RATE)
    with scratch_dir() as tmp, rabbit_vhost("latency") as uri:
        progress(f"latency: raw pika baseline, {settle + measured:,} messages at {RATE:.0f}/s")
        raw_lat, raw_missing = raw_run(uri, settle, measured)
        progress(f"latency: kernel, {prime} priming commits, then {settle + measured:,} at {RATE:.0f}/s")
        k = kernel_run(uri, tmp, prime, settle, measured)
    ms = 1000.0
    lat = k["latencies"]
    note = (f"{len(lat):,} events over {seconds} s, after {prime} priming events and {settle_seconds} s "
            f"at rate; achieved {k['rate']:,.0f} commits/s; {k['late']} commits >2 ms behind schedule")
    if k["rate"] < 0.95 * RATE:
        note += f"; {RATE:.0f}/s NOT SUSTAINED: the producer could not keep the schedule"
    if k["missing"]:
        note += f"; {k['missing']} NEVER HANDLED (counted as infinite latency)"
    raw_note = (f"during the kernel run: {k['load']}; raw: {len(raw_lat):,} msgs"
                + (f", {raw_missing} lost" if raw_missing else ""))
    figures = [
        Figure("latency", "commit -> handled p50", percentile(lat, 50) * ms, "ms",
               "raw pika publish -> consume p50", percentile(raw_lat, 50) * ms,
               higher_is_better=False, notes=note),
        Figure("latency", "commit -> handled p99", percentile(lat, 99) * ms, "ms",
               "raw pika publish -> consume p99", percentile(raw_lat, 99) * ms,
               higher_is_better=False, target=50.0, target_kind="value", notes=raw_note),
        Figure("latency", "  info: commit -> handled max", max(lat) * ms, "ms",
               "raw max", max(raw_lat) * ms, higher_is_better=False),
        Figure("latency", "  info: commit -> consumer worker started p50 / p99",
               percentile(k["to_start"], 50) * ms, "ms", "", None, higher_is_better=False,
               notes=f"p99 {percentile(k['to_start'], 99) * ms:.1f} ms (relay + broker + nameko dispatch)"),
        Figure("latency", "  info: worker started -> handled p50 / p99",
               percentile(k["in_handler"], 50) * ms, "ms", "", None, higher_is_better=False,
               notes=f"p99 {percentile(k['in_handler'], 99) * ms:.1f} ms (parse, validate, inbox tx)"),
    ]
    return figures


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--consumer":
        consumer_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
        return
    cli(run, __doc__)


if __name__ == "__main__":
    main()
