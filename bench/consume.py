"""Consumer throughput: ordered, partitioned delivery vs nameko's per-type queue (ratio >= 0.5).

The same handler work both ways: the kernel's ``consume`` (envelope read, inbox claim,
handler recording one event, one SQLite transaction), for the same backlog of events
spread over 500 streams, waiting in the broker before the consumer starts:
- ordered (what ``@handles`` is now): partition queues behind a consistent hash exchange,
  single active consumer, one lane per stream, up to 10 workers;
- baseline (``@handles`` before it): nameko's ``@event_handler`` on one durable queue per
  event type, 10 workers, no order between events.
Rate = events / seconds from the consumer's start to the last event handled (inbox rows).
Then the ordered consumer again with a handler that fails on every event of one stream in
ten: the rate of the healthy streams' events beside it (failures are parked and retried on a
timer, so they must not hold workers: target >= half the rate without failures).
Rounds alternate; best of each is compared. Every round has a fresh vhost and database.

Replicas (PostgreSQL, the database replicas share in production): the same ordered
consumer as separate processes, two against one, each a child of this one; the backlog is
published once the replicas are up, and the rate runs from the first publish to the last
event handled. Two share the eight partitions four and four (shared/delivery.py).
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from nameko.events import event_handler  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench import domain  # noqa: E402
from bench.common import Figure, main, progress, rabbit_vhost, scratch_db, scratch_dir, spread  # noqa: E402
from shared.config import nameko_config  # noqa: E402
from shared.db import Database, inbox  # noqa: E402
from shared.delivery import Delivery  # noqa: E402
from shared.envelope import CONTENT_TYPE, Envelope  # noqa: E402
from shared.handlers import handles, kernel_of  # noqa: E402
from shared.kernel import Kernel  # noqa: E402
from shared.testing import publish_all  # noqa: E402

STREAMS = 500


def audit(event, uow):
    uow.record(f"audit-{event.id}", 0, domain.Audited,
               {"account": event.data["account"], "deposit_id": event.id})


class OrderedAudit:
    name = "benchaudit"
    kernel = Kernel(domain.AUDIT)

    @handles(domain.Deposited)
    def on_deposited(self, event, uow):
        audit(event, uow)


POISONED = {f"acct-{n:05d}" for n in range(0, 500, 10)}  # one stream in ten fails every event


class PoisonedAudit:
    """The ordered consumer with a handler that fails on every event of one stream in ten."""
    name = "benchaudit"
    kernel = Kernel(domain.AUDIT)

    @handles(domain.Deposited)
    def on_deposited(self, event, uow):
        if event.data["account"] in POISONED:
            raise RuntimeError("this stream's events always fail")
        audit(event, uow)


class PerTypeQueueAudit:
    """The delivery path ``@handles`` had before: nameko's queue per event type."""
    name = "benchaudit"
    kernel = Kernel(domain.AUDIT)

    @event_handler("benchbank", "BenchDeposited")
    def on_deposited(self, payload):
        delivery = Delivery(body=json.dumps(payload), headers={}, content_type=CONTENT_TYPE,
                            routing_key="BenchDeposited")
        return kernel_of(self).consume(self, PerTypeQueueAudit._audit, domain.Deposited, delivery)

    def _audit(self, event, uow):
        audit(event, uow)


def backlog(events: int) -> list[tuple[str, str]]:
    versions: dict[int, int] = {}
    out = []
    for n in range(events):
        account = n % STREAMS
        versions[account] = versions.get(account, 0) + 1
        envelope = Envelope.new(source="benchbank", type="BenchDeposited", subject=domain.stream(account),
                                streamversion=versions[account], schemaversion=1,
                                data=domain.deposit_data(account, versions[account]))
        out.append(("BenchDeposited", envelope.to_json()))
    return out


def one_round(service_cls, events: int, expected: int | None = None) -> float:
    """Handled events a second until ``expected`` (default: all) are in the inbox."""
    expected = events if expected is None else expected
    with scratch_dir() as tmp, scratch_db("sqlite", tmp) as url, rabbit_vhost("consume") as uri:
        domain.create_schema(url)
        config = {**nameko_config("benchaudit"), "AMQP_URI": uri, "DATABASE_URL": url,
                  "METRICS_PORT": 0, "HANDLER_BACKOFF": "0.05"}
        runner = ServiceRunner(config)
        runner.add_service(service_cls)
        runner.start()  # declares its queues
        runner.stop()
        publish_all(uri, "benchbank.events", backlog(events))
        runner = ServiceRunner(config)
        runner.add_service(service_cls)
        started = time.monotonic()
        runner.start()
        took = wait_handled(url, expected, started)
        runner.stop()
        return expected / took


def wait_handled(url: str, expected: int, started: float, limit: float = 180) -> float:
    """Seconds from ``started`` until ``expected`` events are in the consumer's inbox."""
    db = Database(url)
    try:
        while True:
            with db.read() as conn:
                handled = conn.execute(select(func.count()).select_from(inbox)).scalar()
            if handled >= expected:
                return time.monotonic() - started
            if time.monotonic() - started > limit:
                raise RuntimeError(f"only {handled} of {expected} handled in {limit:g} s")
            eventlet.sleep(0.02)
    finally:
        db.dispose()


def replica(uri: str, url: str) -> None:
    """Child: one replica of the ordered consumer until its stdin closes."""
    from eventlet import tpool

    config = {**nameko_config("benchaudit"), "AMQP_URI": uri, "DATABASE_URL": url, "METRICS_PORT": 0}
    runner = ServiceRunner(config)
    runner.add_service(OrderedAudit)
    runner.start()
    print(json.dumps({"ready": True}), flush=True)
    tpool.execute(sys.stdin.read)
    runner.stop()


def replicas_round(count: int, events: int) -> float:
    from bench.common import read_json_line, spawn_child

    with scratch_dir() as tmp, scratch_db("postgresql", tmp) as url, rabbit_vhost("replicas") as uri:
        domain.create_schema(url)
        children = [spawn_child("bench.consume", "--replica", uri, url, stdin=subprocess.PIPE)
                    for _ in range(count)]
        try:
            for child in children:
                read_json_line(child)
            eventlet.sleep(2.5)  # the replicas hear of each other and split the partitions
            started = time.monotonic()
            publish_all(uri, "benchbank.events", backlog(events))
            took = wait_handled(url, events, started)
        finally:
            for child in children:
                child.stdin.close()
            for child in children:
                child.wait(timeout=30)
        return events / took


def run(quick: bool) -> list[Figure]:
    figures = delivery_paths(quick)
    events, rounds = (3000, 1) if quick else (8000, 2)
    one, two = [], []
    for n in range(rounds):
        one.append(replicas_round(1, events))
        two.append(replicas_round(2, events))
        progress(f"replicas round {n + 1}: two {two[-1]:,.0f}/s, one {one[-1]:,.0f}/s")
    figures.append(Figure(
        "consume", f"consumer throughput, 2 replicas (PostgreSQL, {events:,} events)", max(two),
        "events/s", "1 replica, same backlog", max(one), target=1.5,
        notes=f"two {spread(two)}; one {spread(one)}; {os.cpu_count()} cores shared by the "
              "replicas, RabbitMQ, PostgreSQL and this process"))
    return figures


def delivery_paths(quick: bool) -> list[Figure]:
    events, rounds = (2000, 1) if quick else (5000, 3)
    ordered, baseline = [], []
    for n in range(rounds):
        baseline.append(one_round(PerTypeQueueAudit, events))
        ordered.append(one_round(OrderedAudit, events))
        progress(f"round {n + 1}: ordered {ordered[-1]:,.0f}/s, per-type queue {baseline[-1]:,.0f}/s")
    healthy = events - sum(1 for n in range(events) if f"acct-{n % STREAMS:05d}" in POISONED)
    poisoned = []
    for n in range(rounds):
        poisoned.append(one_round(PoisonedAudit, events, expected=healthy))
        progress(f"round {n + 1}: healthy streams beside failing ones {poisoned[-1]:,.0f}/s")
    return [Figure("consume", f"consumer throughput, ordered ({events:,} events, {STREAMS} streams)",
                   max(ordered), "events/s", "nameko per-type queue, same handler", max(baseline),
                   target=0.5, notes=f"ordered {spread(ordered)}; per-type queue {spread(baseline)}"),
            Figure("consume", "  healthy streams while one in ten fails on every event",
                   max(poisoned), "events/s", "ordered, no failures", max(ordered), target=0.5,
                   notes=f"{spread(poisoned)}; failing streams parked, retried 4 times with "
                         "backoff from 50 ms, their later events held")]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--replica":
        replica(sys.argv[2], sys.argv[3])
    else:
        main(run, __doc__)
