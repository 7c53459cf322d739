"""``make chaos``: the whole system under booking load while faults are injected, then proof
that nothing was lost, doubled or reordered. ``python -m chaos [--short] [--postgres]``.

The system starts as ``make run`` starts it (its own vhost, SQLite files or, with
``--postgres``, a PostgreSQL database per service), with every service's broker connection
through a TCP proxy, and supervised (a process that dies is restarted, as ``make run`` does).
Several clients book distinct slots through the gateway, each booking with an
Idempotency-Key that it retries on 502-504 or a dropped connection until it gets an answer,
then start and complete it (chaos/load.py), so orders has three events of each booking's
stream to handle in order.
While they run, one fault at a time:
  broker kill -9   RabbitMQ killed and started again (recovery counts from the moment it
                   accepts connections again); while it is down, /healthz must answer 200,
                   /readyz 503 naming the broker, and an API call 503 with Retry-After
                   within RPC_TIMEOUT
  proxy reset      every broker connection closed at once
  proxy latency    every broker round trip slowed
  proxy stall      broker traffic held back, then released
  kill consumer    orders (which turns bookings into orders) killed with SIGKILL
  kill producer    booking killed with SIGKILL, commits in flight
  postgres stop    PostgreSQL stopped (with --postgres)
  poison event     an invalid BookingCreated: orders must park its stream and nothing else
After each fault it waits (bounded) until every booking accepted so far has its order, and
checks: lost (an accepted booking without its order, or missing from booking's store),
duplicated (a booking with two orders, or an order without a booking), out of order (the
orders service handled a booking stream's events in other than append order) and the
recovery time: from the fault healed (the broker accepting connections again, the killed
process restarted) until a booking is accepted again and every booking accepted before has
its order. At the end, the read models rebuilt
from events must equal the live ones. It prints one table; the exit status is non-zero if
any cell but accepted and recovery is not 0, or a check failed.
"""
import argparse
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.common import rabbit_vhost, scratch_db
from chaos import checks
from chaos.checks import Evidence
from chaos.load import Load
from chaos.proxy import BrokerProxy
from shared.config import SERVICES
from shared.launcher import free_port, run_manage, start_system

ADMIN_PASSWORD = "chaos-" + uuid.uuid4().hex
RECOVERY_LIMIT = 60.0  # seconds: slower than this is a failure, not a figure
SETTLE_LIMIT = 120.0  # seconds for every accepted booking to have its order



def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def say(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    fault: str
    accepted: int
    lost: int
    duplicated: int
    out_of_order: int
    recovery: float | None
    note: str = ""


def settle(load: Load, evidence: Evidence, before: float) -> tuple[int, int]:
    """Wait until every booking accepted before ``before`` has its order; (lost, duplicated)."""
    return checks.settle(evidence, lambda: {b for b, at in load.accepted_copy().items() if at < before},
                         SETTLE_LIMIT)


def recovered(load: Load, healed_at: float) -> float | None:
    deadline = healed_at + RECOVERY_LIMIT
    while time.monotonic() < deadline:
        first = min((at for at in load.accepted_copy().values() if at >= healed_at), default=None)
        if first is not None:
            return first - healed_at
        time.sleep(0.05)
    return None


def rabbit_pid() -> int | None:
    found = subprocess.run(["pgrep", "-f", "beam.smp.*rabbit"], capture_output=True, text=True)
    pids = [int(p) for p in found.stdout.split()]
    return pids[0] if pids else None


def while_broker_is_down(gateway: str, token: str, rpc_timeout: float) -> list[str]:
    """What the gateway must answer with the broker gone; the failures, if any."""
    failures = []
    health = requests.get(f"{gateway}/healthz", timeout=5)
    if health.status_code != 200:
        failures.append(f"/healthz answered {health.status_code} with the broker down")
    ready = requests.get(f"{gateway}/readyz", timeout=10)
    if ready.status_code != 503 or "broker" not in ready.json().get("failed", {}):
        failures.append(f"/readyz answered {ready.status_code} {ready.text[:200]} with the broker down")
    started = time.monotonic()
    call = requests.get(f"{gateway}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                        timeout=rpc_timeout + 5)
    took = time.monotonic() - started
    if call.status_code != 503 or "Retry-After" not in call.headers or took > rpc_timeout + 1:
        failures.append(f"an API call answered {call.status_code} in {took:.1f} s "
                        f"(headers {dict(call.headers)}) with the broker down")
    return failures


def restart_broker(probe) -> float:
    pid = rabbit_pid()
    if pid is None:
        raise RuntimeError("no local RabbitMQ process to kill (broker kill -9 needs one)")
    os.kill(pid, signal.SIGKILL)
    while port_open(5672):
        time.sleep(0.1)
    time.sleep(1)
    probe()
    subprocess.run(["rabbitmq-server", "-detached"], check=True, capture_output=True)
    deadline = time.monotonic() + 120
    while not port_open(5672):
        if time.monotonic() > deadline:
            raise RuntimeError("RabbitMQ did not come back within 120 s")
        time.sleep(0.1)
    healed = time.monotonic()
    subprocess.run(["rabbitmq-plugins", "enable", "rabbitmq_management",
                    "rabbitmq_consistent_hash_exchange"], capture_output=True)
    return healed


def postgres(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
                   check=True, capture_output=True)


def poison(amqp_uri: str) -> str:
    from shared.envelope import Envelope
    from shared.testing import publish_raw

    booking_id = f"poison-{uuid.uuid4().hex[:8]}"
    envelope = Envelope.new(source="booking", type="BookingCreated", subject=f"booking-{booking_id}",
                            streamversion=1, schemaversion=1,
                            data={"booking_id": booking_id, "price": {"amount_minor": -1}})
    publish_raw(amqp_uri, "booking.events", "BookingCreated", envelope.to_json())
    return f"booking-{booking_id}"


def run(short: bool, on_postgres: bool) -> int:
    hold = 3.0 if short else 5.0
    clients = 4 if short else 8
    tmp = Path(os.environ.get("CHAOS_DIR") or f"/tmp/chaos-{uuid.uuid4().hex[:8]}")
    tmp.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    failures: list[str] = []
    with rabbit_vhost("chaos") as direct_uri, contextlib.ExitStack() as stack:
        proxy = BrokerProxy()
        stack.callback(proxy.close)
        uri = proxy.uri(direct_uri)
        env = {**os.environ, "AMQP_URI": uri, "VAR_DIR": str(tmp), "GATEWAY_PORT": str(free_port()),
               "RPC_TIMEOUT": "3", "READY_TIMEOUT": "1", "AUTH_SECRET": uuid.uuid4().hex * 2,
               "DEMO_ADMIN_PASSWORD": ADMIN_PASSWORD, "ACCESS_TOKEN_TTL": "3600",
               "RATE_LIMIT_PER_USER": "0", "RATE_LIMIT_PER_ADDRESS": "0",
               "RATE_LIMIT_PUBLIC_WRITES": "0", "LOG_LEVEL": "INFO"}
        urls = {}
        for service in SERVICES:
            env[f"{service.upper()}_METRICS_PORT"] = str(free_port())
            urls[service] = (stack.enter_context(scratch_db("postgresql", str(tmp)))
                             if on_postgres else f"sqlite:///{tmp / service}.db")
            env[f"{service.upper()}_DATABASE_URL"] = urls[service]
        say(f"starting the system ({'PostgreSQL' if on_postgres else 'SQLite'}), logs in {tmp}")
        system = start_system(env, logs=tmp)
        stack.callback(system.stop_all)
        restarts: list[str] = []
        supervising = threading.Event()

        def supervise():
            while not supervising.is_set():
                system.supervise(lambda line, flush=True: (restarts.append(line), say(line)))
                time.sleep(0.2)

        threading.Thread(target=supervise, daemon=True).start()
        stack.callback(supervising.set)
        run_manage(env, "seed", "all")
        token = requests.post(f"{system.gateway}/api/v1/auth/token", timeout=10, json={
            "username": "admin", "password": ADMIN_PASSWORD}).json()["access_token"]
        load = Load([system.gateway], token, clients, walk=True, prefix="chaos")
        evidence = Evidence(urls)
        load.start()
        time.sleep(hold)

        def kill(name: str):
            def inject():
                system.procs[name].send_signal(signal.SIGKILL)
                time.sleep(0.5)
                return time.monotonic()  # the supervisor restarts it: recovery counts from here
            return inject

        def through_proxy(start, end):
            def inject():
                start()
                time.sleep(hold)
                end()
                return time.monotonic()
            return inject

        def probe():
            failures.extend(while_broker_is_down(system.gateway, token, float(env["RPC_TIMEOUT"])))

        faults = [("broker kill -9", lambda: restart_broker(probe)),
                  ("proxy reset", through_proxy(proxy.reset, lambda: None)),
                  ("proxy latency 200 ms", through_proxy(lambda: proxy.delay(0.2), lambda: proxy.delay(0))),
                  ("proxy stall", through_proxy(proxy.stall, proxy.flow)),
                  ("kill -9 consumer (orders)", kill("orders")),
                  ("kill -9 producer (booking)", kill("booking"))]
        if on_postgres:
            faults.append(("postgres stopped", through_proxy(
                lambda: postgres("stop"), lambda: (time.sleep(10 if short else 27), postgres("start")))))
        poisoned = None
        for name, inject in itertools.chain(faults, [("poison event", None)]):
            count = len(load.accepted)
            say(f"fault: {name}")
            if inject is None:
                poisoned = poison(uri)
                healed = time.monotonic()
            else:
                healed = inject()
            accepting = recovered(load, healed)
            settle(load, evidence, healed)  # what was accepted before healing has its order
            caught_up = time.monotonic() - healed
            recovery = None if accepting is None else max(accepting, caught_up)
            time.sleep(hold)
            lost, duplicated = settle(load, evidence, time.monotonic())
            disorder = evidence.out_of_order()
            rows.append(Row(name, len(load.accepted) - count, lost - sum(r.lost for r in rows),
                            duplicated - sum(r.duplicated for r in rows),
                            disorder - sum(r.out_of_order for r in rows), recovery))
            if recovery is None:
                failures.append(f"{name}: no booking accepted within {RECOVERY_LIMIT:g} s of healing")
        load.stop()
        lost, duplicated = settle(load, evidence, time.monotonic())
        parked = evidence.parked()
        if [p["stream_id"] for p in parked] != [poisoned]:
            failures.append(f"orders should have parked exactly the poison stream, has {parked}")
        for service, projection in (("booking", "bookings"), ("orders", "orders")):
            live = run_manage(env, "checksum", service, projection).split()[-1]
            rebuilt = run_manage(env, "rebuild", service, projection).split()[-1]
            if live != rebuilt:
                failures.append(f"{service}.{projection}: rebuilt {rebuilt} != live {live}")
        print_table(rows, load, lost, duplicated, restarts)
    if any(r.lost or r.duplicated or r.out_of_order for r in rows) or lost or duplicated:
        failures.append("commands lost, duplicated or reordered")
    for failure in failures:
        print(f"FAILED: {failure}")
    print("chaos: " + ("all checks passed" if not failures else f"{len(failures)} check(s) failed"))
    return 1 if failures else 0


def print_table(rows: list[Row], load: Load, lost: int, duplicated: int, restarts: list) -> None:
    header = ("fault", "accepted", "lost", "duplicated", "out of order", "recovery s")
    cells = [(r.fault, str(r.accepted), str(r.lost), str(r.duplicated), str(r.out_of_order),
              "-" if r.recovery is None else f"{r.recovery:.1f}") for r in rows]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
    print()
    for line in [header, tuple("-" * w for w in widths), *cells]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    print(f"\nin all: {len(load.accepted)} bookings accepted ({len(load.walked)} walked to completion), "
          f"{lost} lost, {duplicated} duplicated; "
          f"{load.gave_up} requests gave up after 90 s of retries; refused {dict(load.refused)}; "
          f"{sum('restarted' in r for r in restarts)} process restarts by the supervisor, none by hand")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="fewer clients, shorter faults (CI)")
    parser.add_argument("--postgres", action="store_true", help="every database on PostgreSQL")
    args = parser.parse_args()
    return run(args.short, args.postgres)


if __name__ == "__main__":
    sys.exit(main())
