"""The booking load that ``make chaos`` and tests/e2e/test_replicas.py put on the system.

Clients book distinct slots of the demo store through the gateways, each booking with an
Idempotency-Key that is retried, through the next gateway, on 502-504 or a dropped connection
until an answer comes or ``patience`` runs out. With ``walk`` each booking is then started and
completed, so its stream carries three events (created, started, completed) that orders must
handle in that order: the only way an out-of-order check can catch anything.
"""
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import requests

from chaos.checks import demo_slots

WALK = (("start", "in_service"), ("complete", "completed"))  # check-in waits for the day itself
RETRIED = (502, 503, 504)

_slots = demo_slots()
_slots_lock = threading.Lock()


def next_slot() -> tuple[str, str]:
    """A (staff, local start) slot no other client of this process has had."""
    with _slots_lock:
        return next(_slots)


def booking_body(prefix: str) -> dict:
    staff, start = next_slot()
    return {"store_id": "paris-opera", "service_id": "cut-and-blow-dry", "staff_id": staff,
            "customer_id": f"{prefix}-{uuid.uuid4().hex[:8]}", "start": start}


class Load:
    """``clients`` threads booking until stopped (or ``bookings_each`` each).

    What came of it: ``accepted`` (booking id -> when, monotonic), ``walked`` (the bookings
    completed), ``refused`` (answers that were neither success nor retried, by request and
    status), ``gave_up`` (requests with no answer but 502-504 within ``patience``) and
    ``failures`` (one line for each refusal or giving up)."""

    def __init__(self, gateways: list[str], token: str, clients: int, *, walk: bool = False,
                 bookings_each: int | None = None, patience: float = 90.0, prefix: str = "load",
                 headers: Callable[[], dict] = dict):
        self.gateways, self.token, self.walk, self.bookings_each = gateways, token, walk, bookings_each
        self.patience, self.prefix, self.headers = patience, prefix, headers
        self.accepted: dict[str, float] = {}
        self.walked: set[str] = set()
        self.refused: Counter = Counter()
        self.gave_up = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                         for n in range(clients)]

    def start(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 120) -> None:
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            raise RuntimeError(f"load clients still busy {timeout:g} s after being asked to stop")

    def accepted_copy(self) -> dict[str, float]:
        with self._lock:
            return dict(self.accepted)

    def _client(self, n: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                   **self.headers()}
        turn = iter(range(n, 1 << 62))  # which gateway the next try goes to

        def post(path: str, body: dict, extra: dict | None = None) -> requests.Response | None:
            deadline = time.monotonic() + self.patience
            while time.monotonic() < deadline:
                gateway = self.gateways[next(turn) % len(self.gateways)]
                try:
                    answer = session.post(f"{gateway}{path}", json=body, timeout=10,
                                          headers={**headers, **(extra or {})})
                except requests.RequestException:
                    time.sleep(0.3)
                    continue
                if answer.status_code not in RETRIED:
                    return answer
                time.sleep(0.3)
            with self._lock:
                self.gave_up += 1
            self._fail(f"POST {path}: no answer but 502-504 within {self.patience:g} s")
            return None

        done = 0
        while not self._stop.is_set() and (self.bookings_each is None or done < self.bookings_each):
            done += 1
            body = booking_body(self.prefix)
            booked = post("/api/v1/bookings", body, {"Idempotency-Key": f"{self.prefix}-{uuid.uuid4().hex}"})
            if booked is None:
                continue
            if booked.status_code != 201:
                self._refuse("book", booked, f"{body['staff_id']} at {body['start']}")
                continue
            booking_id = booked.json()["booking_id"]
            with self._lock:
                self.accepted[booking_id] = time.monotonic()
            if self.walk and self._walk(session, headers, post, booking_id):
                with self._lock:
                    self.walked.add(booking_id)

    def _walk(self, session, headers: dict, post, booking_id: str) -> bool:
        for action, status in WALK:
            answer = post(f"/api/v1/bookings/{booking_id}/{action}", {})
            if answer is None:
                return False
            if answer.status_code == 409:  # a retry of a try that went through after all
                answer = session.get(f"{self.gateways[0]}/api/v1/bookings/{booking_id}",
                                     headers=headers, timeout=10)
            if answer.status_code != 200 or answer.json()["status"] != status:
                self._refuse(action, answer, booking_id)
                return False
        return True

    def _refuse(self, what: str, answer: requests.Response, detail: str) -> None:
        with self._lock:
            self.refused[f"{what} {answer.status_code}"] += 1
        self._fail(f"{what} {detail}: {answer.status_code} {answer.text[:200]}")

    def _fail(self, what: str) -> None:
        with self._lock:
            self.failures.append(what)
