"""Booking creation through the gateway with 50 concurrent clients, beside an RPC through
the same gateway and authentication path.

Targets (issue #8): bookings per second >= 0.5 x the echo's requests per second; booking
p99 < 100 ms.

Two different questions, so two ways of loading the system. Throughput is what 50 clients
get when each sends its next request as soon as it has an answer (closed loop): the system
is saturated, and each request's latency is then just 50 / throughput (Little's law), a
property of the queue, not of the request. Latency is measured where a chain runs: 50
clients whose requests arrive on a schedule (open loop) at half the booking throughput just
measured, each request timed from when it was due, so time spent waiting for a free client
counts (no coordinated omission).

The whole system is started as ``make run`` starts it (bench/auth.py's environment: each
service its own process, SQLite files, a throwaway RabbitMQ vhost, rate limits out of the
way), seeded with the demo chain. The bench logs in as the demo HQ admin (a counter
booking: no notice or horizon) and asks the availability API, per stylist, for the free
starts of a cut over the coming months, keeping starts an hour apart: 8 hair stylists in 3
stores, a few thousand distinct slots.
- bookings: 50 client threads, each its own keep-alive session and client address, take
  slots from one shared queue and POST /api/v1/bookings (one segment, a named stylist);
  every answer must be 201. Each booking also goes on to orders (BookingCreated -> order),
  as in production.
- echo: the same 50 clients GET /api/v1/stores/{store}/staff with the same token: the
  token check, identity's principal RPC and one booking RPC (a read), no write.
Closed loop: two rounds of each, alternating (echo first), 8 s per round (3 s with --quick),
after a warm-up of 1 s each, not counted; throughput is answers per second over the rounds.
Open loop: then two rounds of each at half that booking rate, the echo at the same rate as
the latency baseline; latency is from when a request was due to its answer.
"""
import contextlib
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import requests

from bench.auth import ADMIN_PASSWORD, address, system_env
from bench.common import (
    Figure,
    cpu_times,
    machine_load,
    median,
    percentile,
    progress,
    rabbit_vhost,
    scratch_dir,
)
from bench.common import main as cli

CLIENTS = 50
STYLISTS = [("paris-opera", "amelie"), ("paris-opera", "hugo"), ("paris-opera", "ines"),
            ("paris-opera", "lucas"), ("lyon-bellecour", "camille"), ("lyon-bellecour", "theo"),
            ("lisbon-chiado", "joao"), ("lisbon-chiado", "beatriz")]
SERVICE = "cut-and-blow-dry"


def free_slots(base: str, token: str, months: int) -> list[dict]:
    """Distinct bookable starts, an hour apart per stylist, from the availability API."""
    session, slots = requests.Session(), []
    headers = {"Authorization": f"Bearer {token}"}
    for store_id, staff_id in STYLISTS:
        first = date.today() + timedelta(days=2)
        for month in range(months):
            start = first + timedelta(days=31 * month)
            found = session.get(f"{base}/api/v1/stores/{store_id}/availability", headers=headers, timeout=30,
                                params={"service_id": SERVICE, "staff_id": staff_id,
                                        "from": start.isoformat(),
                                        "to": (start + timedelta(days=30)).isoformat()})
            found.raise_for_status()
            last = None
            for slot in found.json()["slots"]:
                moment = slot["start"]
                epoch = time.mktime(time.strptime(moment[:19], "%Y-%m-%dT%H:%M:%S"))
                if last is None or epoch - last >= 3600:
                    slots.append({"store_id": store_id, "start": moment, "service_id": SERVICE,
                                  "staff_id": staff_id, "customer_name": "Bench"})
                    last = epoch
    session.close()
    return slots


def demo_admin(base: str) -> str:
    """An access token of the demo HQ admin (counter bookings: no notice or horizon)."""
    return requests.post(f"{base}/api/v1/auth/token", timeout=30, headers={"X-Forwarded-For": address()},
                         json={"username": "admin", "password": ADMIN_PASSWORD}).json()["access_token"]


def slot_queue(base: str, token: str, quick: bool) -> tuple[queue.SimpleQueue, int]:
    """The free slots of ``free_slots`` as a queue the clients share, and how many."""
    slots = queue.SimpleQueue()
    found = free_slots(base, token, 3 if quick else 6)
    for slot in found:
        slots.put(slot)
    return slots, len(found)


def booker(base: str, slots: queue.SimpleQueue, booked=None):
    """A client request that books the next free slot (None once they run out); ``booked``
    gets each booking made."""
    def book(session, headers):
        try:
            slot = slots.get_nowait()
        except queue.Empty:
            return None
        answer = session.post(f"{base}/api/v1/bookings", json=slot, headers=headers, timeout=30)
        if answer.status_code == 201 and booked is not None:
            booked(answer.json())
        return answer.status_code == 201
    return book


def hammer(base: str, token: str, seconds: float, request) -> tuple[list[float], int, float]:
    """CLIENTS threads calling ``request(session, headers)`` for ``seconds``; returns the
    latencies of good answers, the number of bad ones and the elapsed time."""
    stop = time.monotonic() + seconds
    latencies, bad, lock = [], [0], threading.Lock()

    def client():
        session = requests.Session()
        session.headers["Content-Type"] = "application/json"
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address()}
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            ok = request(session, headers)
            if ok is None:
                break
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    bad[0] += 1
        with lock:
            latencies.extend(mine)
        session.close()

    elapsed = _run_clients(client)
    return latencies, bad[0], elapsed


def paced(base: str, token: str, rate: float, seconds: float, request) -> tuple[list[float], int]:
    """CLIENTS threads sending ``rate`` requests a second in all, on a schedule that does not
    wait for answers; returns each good answer's time since its request was due, and the
    number of bad ones."""
    due = [time.perf_counter() + 0.1 + k / rate for k in range(int(rate * seconds))]
    latencies, bad, lock = [], [0], threading.Lock()
    taken = iter(due)

    def client():
        session = requests.Session()
        session.headers["Content-Type"] = "application/json"
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address()}
        while True:
            with lock:
                at = next(taken, None)
            if at is None:
                break
            time.sleep(max(0.0, at - time.perf_counter()))
            ok = request(session, headers)
            if ok is None:
                break
            took = time.perf_counter() - at
            with lock:
                if ok:
                    latencies.append(took)
                else:
                    bad[0] += 1
        session.close()

    _run_clients(client)
    return latencies, bad[0]


def _run_clients(client) -> float:
    """Runs CLIENTS threads of ``client`` to the end; returns the wall time they took."""
    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - began


@contextlib.contextmanager
def demo_system(name: str, **settings: str) -> Iterator[str]:
    """The whole system as ``make run`` starts it, on a throwaway vhost and folder, seeded
    with the demo chain (``settings`` on top of bench/auth.py's environment); yields the
    gateway's base URL and stops everything afterwards."""
    from shared.launcher import run_manage, start_system

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with scratch_dir() as tmp, rabbit_vhost(name) as uri:
        env = {**system_env(uri, tmp), **settings}
        logs = Path(tmp) / "logs"
        logs.mkdir()
        progress(f"{name}: starting the system")
        system = start_system(env, logs=logs)
        try:
            run_manage(env, "seed", "all")
            yield system.gateway
        finally:
            progress(f"{name}: stopping the system")
            system.stop_all()


def measure(quick: bool) -> dict:
    round_seconds = 3 if quick else 8
    with demo_system("booking") as base:
        token = demo_admin(base)
        slots, found = slot_queue(base, token, quick)
        progress(f"booking: {found:,} free slots; {CLIENTS} clients, rounds of {round_seconds} s")
        book = booker(base, slots)

        def echo(session, headers):
            answer = session.get(f"{base}/api/v1/stores/paris-opera/staff", headers=headers, timeout=30)
            return answer.status_code == 200

        hammer(base, token, 1, echo)
        hammer(base, token, 1, book)
        out = {"echo": ([], 0, 0.0), "book": ([], 0, 0.0)}
        before = cpu_times()
        for _ in range(2):
            for name, request in (("echo", echo), ("book", book)):
                latencies, bad, elapsed = hammer(base, token, round_seconds, request)
                got = out[name]
                out[name] = (got[0] + latencies, got[1] + bad, got[2] + elapsed)
        out["load"] = machine_load(before, cpu_times())
        out["paced_rate"] = rate = 0.5 * len(out["book"][0]) / out["book"][2]
        progress(f"booking: open loop at {rate:.1f} requests/s")
        out["paced_echo"], out["paced_book"] = ([], 0), ([], 0)
        for _ in range(2):
            for name, request in (("paced_echo", echo), ("paced_book", book)):
                latencies, bad = paced(base, token, rate, round_seconds, request)
                out[name] = (out[name][0] + latencies, out[name][1] + bad)
        if slots.empty():
            raise RuntimeError(f"the {found:,} free slots ran out: the figures would be short")
        out["slots"] = found
    return out


def run(quick: bool) -> list[Figure]:
    found = measure(quick)
    (booked, failed, book_time), (echoed, echo_failed, echo_time) = found["book"], found["echo"]
    ms = 1000.0
    rate, echo_rate = len(booked) / book_time, len(echoed) / echo_time
    (paced_booked, paced_failed), (paced_echoed, paced_echo_failed) = found["paced_book"], found["paced_echo"]
    note = (f"{CLIENTS} clients; {len(booked):,} bookings ({failed} not 201), {len(echoed):,} echoes "
            f"({echo_failed} not 200); closed-loop p50 {median(booked) * ms:.0f} ms, p99 "
            f"{percentile(booked, 99) * ms:.0f} ms (echo {median(echoed) * ms:.0f} / "
            f"{percentile(echoed, 99) * ms:.0f} ms); {found['load']}")
    return [
        Figure("booking", "POST /api/v1/bookings, 50 clients, closed loop", rate, "req/s",
               "GET .../staff (auth + RPC) at 50 clients", echo_rate, target=0.5, notes=note),
        Figure("booking", f"POST /api/v1/bookings p99, 50 clients, open loop at {found['paced_rate']:.0f}/s",
               percentile(paced_booked, 99) * ms, "ms", "echo p99 at the same rate",
               percentile(paced_echoed, 99) * ms, higher_is_better=False, target=100, target_kind="value",
               notes=f"half the closed-loop booking rate; {len(paced_booked):,} bookings ({paced_failed} "
                     f"not 201), p50 {median(paced_booked) * ms:.1f} ms; echo p50 "
                     f"{median(paced_echoed) * ms:.1f} ms ({paced_echo_failed} not 200)"),
    ]


def main() -> None:
    cli(run, __doc__)


if __name__ == "__main__":
    main()
