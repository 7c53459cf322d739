"""Payments through the gateway with 50 concurrent clients on distinct orders, beside
booking creation measured in the same run.

Targets (issue #9): payments per second >= 0.5 x bookings per second; payment p99 < 150 ms,
with the simulated provider taking 20 ms per call (PROVIDER_LATENCY=0.02: a card payment
makes two calls, authorize and capture).

The system starts as bench/booking.py starts it (each service its own process, SQLite
files, the demo chain seeded). Bookings first: 50 clients book free cut slots closed-loop
(two rounds of 8 s, 3 s with --quick), which is the baseline and also makes the orders to
pay. Then 50 clients pay those orders closed-loop, one card at the counter for the whole
bill with an Idempotency-Key each (two rounds, or until the orders run out): that is the
throughput. Latency, as for bookings, is measured open-loop: payments due on a schedule at
half the closed-loop payment rate, each timed from when it was due.
"""

import queue
import time
import uuid

from bench.booking import CLIENTS, booker, demo_admin, demo_system, hammer, paced, slot_queue
from bench.common import (
    Figure,
    cpu_times,
    machine_load,
    median,
    percentile,
    progress,
)
from bench.common import main as cli

PROVIDER_LATENCY = "0.02"


def measure(quick: bool) -> dict:
    from services.orders.domain import order_id_for_booking

    round_seconds = 3 if quick else 8
    settings = {"PROVIDER_LATENCY": PROVIDER_LATENCY, "PROVIDER_SECRET": uuid.uuid4().hex}
    with demo_system("payments", **settings) as base:
        token = demo_admin(base)
        slots, found = slot_queue(base, token, quick)
        unpaid = queue.SimpleQueue()
        progress(f"payments: {found:,} free slots; {CLIENTS} clients, rounds of {round_seconds} s")
        book = booker(base, slots, lambda made: unpaid.put((order_id_for_booking(made["booking_id"]),
                                                            made["total"])))

        def pay(session, headers):
            try:
                order_id, total = unpaid.get_nowait()
            except queue.Empty:
                return None
            answer = session.post(
                f"{base}/api/v1/orders/{order_id}/payments",
                timeout=30,
                headers={**headers, "Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
                json={"tenders": [{"kind": "card_present", "amount": total, "token": "tok_approve"}]},
            )
            return answer.status_code == 201

        hammer(base, token, 1, book)
        out = {}
        before = cpu_times()
        out["book"] = _rounds(base, token, round_seconds, book, 3)
        time.sleep(1)  # every order made from those bookings is projected by now
        hammer(base, token, 0.5, pay)
        out["pay"] = _rounds(base, token, round_seconds, pay, 2)
        out["load"] = machine_load(before, cpu_times())
        out["paced_rate"] = rate = 0.5 * len(out["pay"][0]) / out["pay"][2]
        progress(f"payments: open loop at {rate:.1f} payments/s, {unpaid.qsize():,} orders left")
        out["paced_pay"] = paced(base, token, rate, round_seconds, pay)
        out["left"] = unpaid.qsize()
    return out


def _rounds(base: str, token: str, seconds: float, request, rounds: int) -> tuple[list[float], int, float]:
    latencies, bad, elapsed = [], 0, 0.0
    for _ in range(rounds):
        got = hammer(base, token, seconds, request)
        latencies, bad, elapsed = latencies + got[0], bad + got[1], elapsed + got[2]
    return latencies, bad, elapsed


def run(quick: bool) -> list[Figure]:
    found = measure(quick)
    (booked, book_failed, book_time), (paid, pay_failed, pay_time) = found["book"], found["pay"]
    ms = 1000.0
    paced_paid, paced_failed = found["paced_pay"]
    if found["left"] == 0:
        raise RuntimeError("the orders ran out during the open-loop payments: the figures would be short")
    return [
        Figure(
            "payments",
            "POST /api/v1/orders/{id}/payments, 50 clients, closed loop",
            len(paid) / pay_time,
            "req/s",
            "POST /api/v1/bookings, 50 clients, same run",
            len(booked) / book_time,
            target=0.5,
            notes=f"{len(paid):,} card payments ({pay_failed} not 201), provider {PROVIDER_LATENCY} s a call;"
            " "
            f"closed-loop p50 {median(paid) * ms:.0f} ms; {len(booked):,} bookings ({book_failed} not "
            f"201); {found['load']}",
        ),
        Figure(
            "payments",
            f"payment p99, 50 clients, open loop at {found['paced_rate']:.0f}/s",
            percentile(paced_paid, 99) * ms,
            "ms",
            "closed-loop p50 of the same payments",
            median(paid) * ms,
            higher_is_better=False,
            target=150,
            target_kind="value",
            notes=f"half the closed-loop payment rate; {len(paced_paid):,} payments ({paced_failed} not 201),"
            " "
            f"p50 {median(paced_paid) * ms:.1f} ms",
        ),
    ]


def main() -> None:
    cli(run, __doc__)


if __name__ == "__main__":
    main()
