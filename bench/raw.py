"""Raw-pika baselines, run in their own plain interpreter (no eventlet, no kernel).

This module measures what RabbitMQ and a bare client manage without the kernel, so the
benchmarks can print their figures beside it. It is started by bench/relay.py and
bench/latency.py as a child process and talks one JSON object per stdout line:

``publish-loop DB_FILE URI EXCHANGE``
    Loads (position order) every stored event of a SQLite event store, prints
    ``{"ready": n}``, then for each ``go`` line on stdin opens a connection and publishes
    all of them exactly as the relay would (same body, routing key and properties,
    delivery_mode 2) but WITHOUT publisher confirms, and prints ``{"seconds": wall,
    "cpu": this process's CPU seconds}``;
    ``quit`` ends it. The timed span is connect + the publish loop (the relay's timed span
    also includes its connect).

``consume URI EXCHANGE QUEUE COUNT TIMEOUT``
    Declares a durable queue bound to the exchange, prints ``{"ready": true}``, consumes
    with manual acks (prefetch 10, like a nameko service) until COUNT messages, then
    prints ``{"received": {seq: [sent, received]}}`` (received = time after the ack).

``paced-publish URI EXCHANGE RATE COUNT``
    Publishes COUNT persistent messages on a fixed schedule (message i at start + i/RATE,
    never sleep-after-each), bodies shaped like an envelope with ``seq`` and ``sent``
    (time.time() just before the publish), and prints ``{"sent": COUNT, "late": n}``.
"""
import json
import sqlite3
import sys
import time

import pika

CONTENT_TYPE = "application/cloudevents+json"  # = shared.envelope.CONTENT_TYPE (not imported: no kernel here)


def say(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def publish_loop(db_file: str, uri: str, exchange: str) -> None:
    con = sqlite3.connect(db_file)
    rows = con.execute("SELECT event_id, event_type, envelope FROM events ORDER BY position").fetchall()
    con.close()
    service = exchange.rsplit(".events", 1)[0]
    say({"ready": len(rows)})
    params = pika.URLParameters(uri)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        started, cpu = time.perf_counter(), time.process_time()
        conn = pika.BlockingConnection(params)
        channel = conn.channel()
        for event_id, event_type, envelope in rows:
            channel.basic_publish(
                exchange, event_type, envelope,
                pika.BasicProperties(content_type=CONTENT_TYPE, content_encoding="utf-8",
                                     delivery_mode=2, message_id=event_id, type=event_type,
                                     app_id=service))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        conn.close()
        say({"seconds": elapsed, "cpu": cpu})


def consume(uri: str, exchange: str, queue: str, count: int, timeout: float) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(uri))
    channel = conn.channel()
    channel.exchange_declare(exchange, "topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, exchange, "#")
    channel.basic_qos(prefetch_count=10)
    received: dict[int, tuple[float, float]] = {}

    def on_message(ch, method, _props, body):
        message = json.loads(body)
        ch.basic_ack(method.delivery_tag)
        received[message["seq"]] = (message["sent"], time.time())
        if len(received) >= count:
            ch.stop_consuming()

    channel.basic_consume(queue, on_message)
    say({"ready": True})
    conn.call_later(timeout, channel.stop_consuming)
    channel.start_consuming()
    conn.close()
    say({"received": received})


def paced_publish(uri: str, exchange: str, rate: float, count: int) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(uri))
    channel = conn.channel()
    pad = "x" * 380  # an envelope of the bench domain is ~500 bytes
    late = 0
    start = time.perf_counter() + 0.05
    for seq in range(count):
        due = start + seq / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        elif delay < -0.002:
            late += 1
        body = json.dumps({"seq": seq, "sent": time.time(), "pad": pad})
        channel.basic_publish(exchange, "BenchDeposited", body,
                              pika.BasicProperties(content_type="application/json", delivery_mode=2))
    conn.close()
    say({"sent": count, "late": late})


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "publish-loop":
        publish_loop(*args)
    elif command == "consume":
        consume(args[0], args[1], args[2], int(args[3]), float(args[4]))
    elif command == "paced-publish":
        paced_publish(args[0], args[1], float(args[2]), int(args[3]))
    else:
        raise SystemExit(f"unknown command {command!r}")
