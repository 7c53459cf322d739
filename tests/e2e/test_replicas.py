"""Replicas, for real: two orders processes consuming one broker's partition queues and two
gateways on two ports, as two pods of each would run, checked as ``make chaos`` checks
(chaos/checks.py: lost, duplicated, out of order).

One system for the module, on its own vhost and databases: PostgreSQL databases with
TEST_POSTGRES_URL, else SQLite files, the orders file shared by both orders replicas (the
kernel's green write lock is per process, but every write transaction is BEGIN IMMEDIATE with
a busy timeout, so SQLite's file lock serializes the two processes' writers; WAL lets readers
on). The load is the chaos suite's (chaos/load.py): clients book distinct slots and walk each
booking through start and completion, so every booking stream carries three events for orders
to handle in order; each client retries a request that met a 502-504 or a dropped connection
through the other gateway, a booking with its Idempotency-Key.
"""
import contextlib
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from chaos.checks import Evidence, settle
from chaos.load import WALK, Load, booking_body
from shared.config import SERVICES
from shared.launcher import System, run_manage
from shared.testing import poll_until
from tests.e2e.conftest import ADMIN_PASSWORD, Api, client_address, running_system

ORDERS = ("orders", "orders-2")  # the two orders replicas, as start_system names them
PARTITION_QUEUE = re.compile(r"^orders\.from\.\w+\.\d+$")
SETTLE_LIMIT = 60.0


@dataclass
class Replicated:
    system: System
    token: str
    evidence: Evidence
    partitions: Callable[[], int]  # how many partition queues orders consumes, of every source


@pytest.fixture(scope="module")
def replicated(request, vhost_pipeline, rabbit_manager, tmp_path_factory) -> Iterator[Replicated]:
    replicas = {"orders": 2, "gateway": 2}
    with running_system(request, vhost_pipeline, tmp_path_factory.mktemp("replicas"), replicas) as system, \
            contextlib.ExitStack() as stack:
        env = system.env
        vhost = env["AMQP_URI"].rsplit("/", 1)[1]
        urls = {service: env[f"{service.upper()}_DATABASE_URL"] for service in SERVICES}
        run_manage(env, "seed", "all")
        evidence = Evidence(urls)
        stack.callback(evidence.close)

        def partitions() -> int:
            return sum(1 for queue in rabbit_manager.get_queues(vhost)
                       if PARTITION_QUEUE.match(queue["name"]))

        token = Api(system.gateway).login("admin", ADMIN_PASSWORD)["access_token"]
        yield Replicated(system, token, evidence, partitions)


# --- what each orders replica says of itself (its own /metrics) ------------------------------

def scrape(system: System, name: str, metric: str, **labels: str) -> float:
    """The sum of ``metric``'s samples with ``labels`` (a label's value ending in ``*``: any
    value with that prefix) on orders replica ``name``'s metrics port."""
    def matches(sample) -> bool:
        return sample.name == metric and all(
            sample.labels.get(k, "").startswith(v[:-1]) if v.endswith("*") else sample.labels.get(k) == v
            for k, v in labels.items())

    port = system.env_of(name)["ORDERS_METRICS_PORT"]
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples if matches(sample))


def held(system: System, name: str) -> int:
    """Partition queues the replica consumes; 0 while it does not answer (starting, or dead)."""
    try:
        return int(scrape(system, name, "salon_partitions_held", service="orders"))
    except requests.ConnectionError:
        return 0


def handled(system: System, name: str) -> float:
    """Booking events this replica's handlers have run for (repeats included)."""
    return scrape(system, name, "salon_entrypoint_calls_total", service="orders", entrypoint="on_booking_*")


def shares_settled(replicated: Replicated) -> tuple[int, int] | None:
    """Each orders replica consumes a share of the partitions, the shares covering them all."""
    shares = tuple(held(replicated.system, name) for name in ORDERS)
    return shares if all(shares) and sum(shares) == replicated.partitions() else None


def bookers_of(replicated: Replicated, bookings_each: int | None = None) -> Load:
    """Four clients through both gateways, each from an address of its own, walking bookings."""
    return Load(replicated.system.gateways, replicated.token, clients=4, walk=True, patience=60,
                bookings_each=bookings_each, prefix="replica",
                headers=lambda: {"X-Forwarded-For": client_address()})


def accepted_after(bookers: Load, moment: float) -> set[str]:
    return {b for b, at in bookers.accepted_copy().items() if at > moment}


# --- what orders made of it ------------------------------------------------------------------

def fulfilments(evidence: Evidence, bookings: set[str]) -> dict[str, list[str]]:
    """Per booking, the progress its order recorded, in the order's stream order."""
    import json

    from shared.db import events

    with evidence.orders.read() as conn:
        rows = conn.execute(events.select().with_only_columns(events.c.envelope)
                            .where(events.c.event_type == "OrderProgressed")
                            .order_by(events.c.position)).scalars().all()
    found: dict[str, list[str]] = {b: [] for b in bookings}
    for row in rows:
        data = json.loads(row)["data"]
        if data["booking_id"] in found:
            found[data["booking_id"]].append(data["fulfilment"])
    return found


def check(replicated: Replicated, bookers: Load) -> None:
    """Every accepted booking has exactly one order, every walked one has its progress once each
    and in order, no stream was handled out of order or parked: the chaos suite's verdict."""
    evidence = replicated.evidence
    lost, duplicated = settle(evidence, lambda: set(bookers.accepted), SETTLE_LIMIT)
    walked = [status for _, status in WALK]

    def progressed() -> dict[str, list[str]] | None:
        found = fulfilments(evidence, bookers.walked)
        return found if all(len(f) >= len(walked) for f in found.values()) else None

    progress = poll_until(progressed, timeout=SETTLE_LIMIT, interval=0.5,
                          what="every walked booking's order progressed")
    assert (lost, duplicated, evidence.out_of_order()) == (0, 0, 0)
    assert {b: f for b, f in progress.items() if f != walked} == {}
    assert evidence.parked() == []


# --- the specifications ----------------------------------------------------------------------

def test_two_consumer_replicas_handle_every_event_once_in_stream_order(replicated):
    system = replicated.system
    poll_until(lambda: shares_settled(replicated), timeout=30, interval=0.2,
               what="both orders replicas consuming a share of the partitions")
    before = {name: handled(system, name) for name in ORDERS}
    bookers = bookers_of(replicated, bookings_each=8).start()
    bookers.join()
    assert bookers.failures == []
    assert len(bookers.walked) == len(bookers.accepted) == 32
    check(replicated, bookers)
    # Both took part: each replica ran handlers for some of the 96 booking events.
    took = {name: handled(system, name) - before[name] for name in ORDERS}
    assert all(took.values()) and sum(took.values()) >= 32 * (1 + len(WALK)), took


def test_two_gateways_answer_clients_alike(replicated):
    one, other = (Api(gateway, replicated.token) for gateway in replicated.system.gateways)
    assert one.base != other.base
    ready = [api.get("/readyz") for api in (one, other)]
    assert [r.status_code for r in ready] == [200, 200] and ready[0].json() == ready[1].json()

    slot = booking_body("replica")
    key = {"Idempotency-Key": f"replicas-{uuid.uuid4().hex}"}
    booked = one.post("/api/v1/bookings", json=slot, headers=key)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    # Read back through the other gateway: the same booking, at once.
    read = other.get(booked.headers["Location"])
    assert read.status_code == 200 and read.json() == booking
    assert read.headers["ETag"] == booked.headers["ETag"]
    # The client's retry lands on the other gateway: the same answer, nothing booked twice.
    again = other.post("/api/v1/bookings", json=slot, headers=key)
    assert (again.status_code, again.json(), again.headers["Location"]) == (
        201, booking, booked.headers["Location"])
    # The key reused for another request is refused alike by both.
    reused = [api.post("/api/v1/bookings", json={**slot, "customer_id": "someone-else"}, headers=key)
              for api in (one, other)]
    assert reused[0].status_code == reused[1].status_code == 422, reused[0].text
    assert reused[0].json()["type"] == reused[1].json()["type"]
    # Its order, read through either gateway, is the same one.
    orders = [api.get("/api/v1/orders", params={"booking_id": booking["booking_id"]}) for api in (other, one)]
    assert [o.status_code for o in orders] == [200, 200], orders[0].text
    assert orders[0].json() == orders[1].json()
    # A change through one is seen through the other; a stale If-Match is refused by both.
    moved = other.post(f"/api/v1/bookings/{booking['booking_id']}/start",
                       headers={"If-Match": booked.headers["ETag"]})
    assert moved.status_code == 200, moved.text
    assert one.get(booked.headers["Location"]).json() == moved.json()
    stale = [api.post(f"/api/v1/bookings/{booking['booking_id']}/complete",
                      headers={"If-Match": booked.headers["ETag"]}) for api in (one, other)]
    assert [s.status_code for s in stale] == [412, 412]
    # An unknown booking: the same problem from both; a token from one login works at both.
    missing = [api.get(f"/api/v1/bookings/{uuid.uuid4()}") for api in (one, other)]
    assert [m.status_code for m in missing] == [404, 404]
    assert missing[0].json()["type"] == missing[1].json()["type"]
    token = other.login("admin", ADMIN_PASSWORD)["access_token"]
    assert [api.as_(token).get("/api/v1/me").status_code for api in (one, other)] == [200, 200]


def test_killing_one_replica_mid_load_loses_nothing(replicated):
    system = replicated.system
    victim, survivor = ORDERS[1], ORDERS[0]
    poll_until(lambda: shares_settled(replicated), timeout=30, interval=0.2,
               what="both orders replicas consuming a share of the partitions")
    bookers = bookers_of(replicated).start()
    try:
        try:
            poll_until(lambda: len(bookers.walked) >= 8, timeout=60, interval=0.1,
                       what="clients booking")
            system.stop(victim, signal.SIGKILL)  # mid-load: what it held unacked goes back to the queues
            killed_at = time.monotonic()
            handled_before = handled(system, survivor)
            # The survivor takes the dead replica's partitions once its announcements stop...
            poll_until(lambda: held(system, survivor) == replicated.partitions(), timeout=30,
                       interval=0.2, what="the survivor consuming every partition")
            # ... and the clients keep booking meanwhile and after.
            poll_until(lambda: len(accepted_after(bookers, killed_at)) >= 24, timeout=60, interval=0.2,
                       what="bookings accepted after the kill")
        finally:
            bookers.stop()
        assert bookers.failures == []
        check(replicated, bookers)
        # Every booking accepted after the kill has its order (check), made by the survivor:
        # the one orders process left, which ran a handler for each of those bookings' events.
        after = accepted_after(bookers, killed_at)
        assert len(after) >= 24
        assert handled(system, survivor) - handled_before >= len(after)
    finally:
        system.start(victim)  # as its supervisor would: the module's system has two again
        poll_until(lambda: shares_settled(replicated), timeout=60, interval=0.2,
                   what="the restarted replica taking its share again")
