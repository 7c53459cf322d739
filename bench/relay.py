"""Outbox relay publish rate vs. a raw pika loop (target: ratio >= 0.5).

Setup: a SQLite event store pre-filled with 20,000 ``BenchDeposited`` events (10,000 with
--quick; rows as ``EventStore.append`` stores them, see bench.domain.bulk_fill); a
throwaway RabbitMQ vhost with the relay's exchange ``benchbank.events`` and one durable
queue bound to it with ``#``, so every message is routed to (and persisted in) a queue
for both contenders.

Figure: events/s of ``OutboxRelay.publish_pending()`` from cursor 0 to the head of the
store (a fresh relay each round: lease, 500-event batches read from the store, pipelined
publisher confirms, cursor moved per batch), in this eventlet-patched process, as the
relay runs inside a nameko service.

Baseline: a raw pika ``BlockingConnection`` loop in a plain interpreter (bench/raw.py)
publishing the same stored bodies, routing keys and properties (delivery_mode 2) to the
same exchange, WITHOUT confirms. Both timed spans include opening the connection.
Extra (no target): the same raw pika loop inside this eventlet-patched process, to show
what the green socket layer alone costs.

Rounds alternate the contenders; the queue is drained and purged between runs; the
figure is each contender's best round (the machine is noisy; all rounds are printed).
Also printed, without a target: publisher CPU time per message (less sensitive to noise).
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import subprocess  # noqa: E402
import time  # noqa: E402

import pika  # noqa: E402
from sqlalchemy import update  # noqa: E402

from bench import domain  # noqa: E402
from bench.common import (
    Figure,
    median,
    progress,
    rabbit_vhost,
    read_json_line,
    scratch_db,
    scratch_dir,
    spawn_child,
    spread,
    wait_until,
)
from bench.common import (
    main as cli,  # noqa: E402
)
from shared.db import Database, cursors  # noqa: E402
from shared.envelope import CONTENT_TYPE  # noqa: E402
from shared.eventstore import EventStore  # noqa: E402
from shared.relay import OutboxRelay, exchange_for  # noqa: E402

SINK = "bench.relay.sink"


def _raw_loop_in_process(uri: str, exchange: str, rows, service: str) -> float:
    started = time.perf_counter()
    conn = pika.BlockingConnection(pika.URLParameters(uri))
    channel = conn.channel()
    for event_id, event_type, envelope in rows:
        channel.basic_publish(exchange, event_type, envelope, pika.BasicProperties(
            content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
            message_id=event_id, type=event_type, app_id=service))
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def run(quick: bool) -> list[Figure]:
    events = 10_000 if quick else 20_000
    rounds = 3 if quick else 5
    service = domain.BANK.name
    exchange = exchange_for(service)
    with scratch_dir() as tmp, scratch_db("sqlite", tmp) as url, rabbit_vhost("relay") as uri:
        domain.create_schema(url)
        db = Database(url)
        store = EventStore(service)
        progress(f"relay: storing {events:,} events")
        domain.bulk_fill(db, events)
        with db.read() as conn:
            rows = [(r.event_id, r.event_type, r.envelope) for r in store.read_after(conn, 0, events)]

        admin = pika.BlockingConnection(pika.URLParameters(uri))
        channel = admin.channel()
        channel.exchange_declare(exchange, "topic", durable=True)
        channel.queue_declare(SINK, durable=True)
        channel.queue_bind(SINK, exchange, "#")

        def queued() -> int:
            return channel.queue_declare(SINK, durable=True, passive=True).method.message_count

        def drain_and_purge():
            wait_until(lambda: queued() >= events, timeout=60, interval=0.05, what="all messages queued")
            channel.queue_purge(SINK)

        raw = spawn_child("bench.raw", "publish-loop", url.removeprefix("sqlite:///"), uri, exchange,
                          stdin=subprocess.PIPE)
        relay_s, raw_s, green_s, relay_cpu, raw_cpu = [], [], [], [], []
        try:
            assert read_json_line(raw)["ready"] == events

            def run_raw():
                raw.stdin.write("go\n")
                raw.stdin.flush()
                answer = read_json_line(raw)
                raw_s.append(answer["seconds"])
                raw_cpu.append(answer["cpu"])
                drain_and_purge()

            def run_relay():
                with db.write() as conn:  # a fresh relay from position 0 (new owner: clear the lease)
                    conn.execute(update(cursors).where(cursors.c.name == "relay")
                                 .values(position=0, owner=None, lease_until=0.0))
                relay = OutboxRelay(db, store, uri)
                started, cpu = time.perf_counter(), time.process_time()
                published = relay.publish_pending()
                relay_s.append(time.perf_counter() - started)
                relay_cpu.append(time.process_time() - cpu)
                relay.publisher.close()
                assert published == events, published
                drain_and_purge()

            for n in range(rounds):
                order = (run_raw, run_relay) if n % 2 == 0 else (run_relay, run_raw)
                for step in order:
                    step()
                green_s.append(_raw_loop_in_process(uri, exchange, rows, service))
                drain_and_purge()
                progress(f"relay round {n + 1}/{rounds}: relay {events / relay_s[-1]:,.0f}/s, "
                         f"raw pika {events / raw_s[-1]:,.0f}/s, raw pika under eventlet "
                         f"{events / green_s[-1]:,.0f}/s")
        finally:
            if raw.poll() is None:
                raw.stdin.write("quit\n")
                raw.stdin.close()
                raw.wait(10)
            admin.close()
            db.dispose()

    relay_rates = [events / s for s in relay_s]
    raw_rates = [events / s for s in raw_s]
    green_rates = [events / s for s in green_s]
    per_msg = 1e6 / events
    return [
        Figure("relay", f"relay publish_pending() ({events:,} events, confirms)", max(relay_rates),
               "msg/s", "raw pika loop, no confirms", max(raw_rates), target=0.5,
               notes=f"relay {spread(relay_rates)}; raw {spread(raw_rates)}; medians "
                     f"{median(relay_rates):,.0f} vs {median(raw_rates):,.0f} "
                     f"(ratio {median(relay_rates) / median(raw_rates):.2f})"),
        Figure("relay", "  info: publisher CPU per message (relay vs raw pika)",
               min(relay_cpu) * per_msg, "us/msg", "raw pika loop", min(raw_cpu) * per_msg,
               higher_is_better=False, notes="process CPU time, least of the rounds; broker CPU not counted"),
        Figure("relay", "  info: raw pika loop inside an eventlet-patched process",
               max(green_rates), "msg/s", "raw pika loop, no confirms", max(raw_rates),
               notes=spread(green_rates)),
    ]


if __name__ == "__main__":
    cli(run, __doc__)
