"""The payment-provider adapter, and the simulated provider that is its default.

Orders never sees a card number: a card is the provider's token. Every request carries our
own reference (the tender id), and the provider keeps at most one payment per reference
(and one refund per refund reference), so asking again after a timeout can never charge or
refund twice: the order first asks the provider what became of its reference (``inquire``)
and only then decides.

The simulated provider keeps its payments in a SQLite file of its own, as a provider keeps
them on its side: they survive a restart of orders and are the same for every replica. It
answers by the token it is given:
- ``tok_approve`` (or any other): approved;
- ``tok_decline``: declined;
- ``tok_timeout``: the payment goes through but the answer is lost (``ProviderTimeout``);
  ``inquire`` then finds it approved;
- ``tok_lost``: the request never arrives (``ProviderTimeout``); ``inquire`` finds nothing;
- ``tok_later``: pending; the provider decides later and reports it by a signed callback
  to the gateway (``Callbacks``), as a real one does.
A real provider plugs in behind the same methods.
"""

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Protocol

import requests

from shared import signing

APPROVED, DECLINED, PENDING, ABSENT = "approved", "declined", "pending", "absent"
SIGNATURE_HEADER = "Provider-Signature"


class ProviderTimeout(Exception):
    """No answer: the outcome is unknown until the provider is asked about the reference."""


@dataclass(frozen=True)
class Outcome:
    status: str  # approved, declined, pending (decided later) or absent (inquire: no such payment)
    provider_ref: str | None = None
    reason: str | None = None
    captured: int = 0
    refunded: int = 0
    voided: bool = False


class Provider(Protocol):
    def authorize(self, reference: str, token: str, amount: int, currency: str) -> Outcome: ...

    def capture(self, reference: str, amount: int) -> Outcome: ...

    def void(self, reference: str) -> Outcome: ...

    def refund(self, reference: str, amount: int, refund_ref: str) -> Outcome: ...

    def inquire(self, reference: str) -> Outcome: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (reference TEXT PRIMARY KEY, status TEXT NOT NULL, provider_ref TEXT,
  reason TEXT, amount INTEGER NOT NULL, captured INTEGER NOT NULL DEFAULT 0,
  refunded INTEGER NOT NULL DEFAULT 0, voided INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (refund_ref TEXT PRIMARY KEY, reference TEXT NOT NULL,
  amount INTEGER NOT NULL);
"""


class Callbacks:
    """How the simulated provider reports a payment it decided later: a signed POST to the
    gateway's callback route, ``delay`` seconds after the request, from a thread of its own."""

    def __init__(self, url: str, secret: str, delay: float = 1.0):
        self.url, self.secret, self.delay = url, secret, delay

    def later(self, provider: "SimulatedProvider", reference: str) -> None:
        def report():
            time.sleep(self.delay)
            outcome = provider.confirm(reference)
            body = json.dumps(
                {
                    "callback_id": str(uuid.uuid4()),
                    "reference": reference,
                    "status": outcome.status,
                    "provider_ref": outcome.provider_ref,
                }
            ).encode()
            try:
                requests.post(
                    self.url,
                    data=body,
                    timeout=5,
                    headers={
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: signing.sign(self.secret, body),
                    },
                )
            except requests.RequestException:
                pass  # the order's own inquiry finds the outcome later

        threading.Thread(target=report, name=f"provider-callback-{reference}", daemon=True).start()


class SimulatedProvider:
    """Payments by reference in the SQLite file at ``path``; ``latency`` seconds per call,
    as a provider takes; ``callbacks`` reports payments decided later (none: only
    ``confirm`` and ``inquire`` decide them)."""

    def __init__(self, path: str, latency: float = 0.0, callbacks: Callbacks | None = None):
        self.path, self.latency, self.callbacks = path, latency, callbacks
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        finally:
            db.close()

    def authorize(self, reference: str, token: str, amount: int, currency: str) -> Outcome:
        self._wait()
        with self._tx() as db:
            known = self._find(db, reference)
            if known is not None:  # the same request again: the first answer, no second charge
                return known
            if token == "tok_lost":
                raise ProviderTimeout(reference)
            status, reason = {"tok_decline": (DECLINED, "card declined"), "tok_later": (PENDING, None)}.get(
                token, (APPROVED, None)
            )
            db.execute(
                "INSERT INTO payments (reference, status, provider_ref, reason, amount, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (reference, status, f"sim-{uuid.uuid4().hex[:12]}", reason, amount, time.time()),
            )
            outcome = self._find(db, reference)
        if token == "tok_timeout":
            raise ProviderTimeout(reference)
        if status == PENDING and self.callbacks is not None:
            self.callbacks.later(self, reference)
        return outcome

    def confirm(self, reference: str, approve: bool = True) -> Outcome:
        """A pending payment decided (what the provider's callback reports)."""
        with self._tx() as db:
            found = self._known(db, reference)
            if found.status == PENDING:
                decided = (APPROVED, None) if approve else (DECLINED, "declined later")
                db.execute(
                    "UPDATE payments SET status = ?, reason = ? WHERE reference = ?", (*decided, reference)
                )
            return self._find(db, reference)

    def capture(self, reference: str, amount: int) -> Outcome:
        self._wait()
        with self._tx() as db:
            found = self._known(db, reference)
            row = db.execute("SELECT amount FROM payments WHERE reference = ?", (reference,)).fetchone()
            if found.status != APPROVED or found.voided or not 0 < amount <= row[0]:
                return Outcome(
                    found.status,
                    found.provider_ref,
                    "cannot capture",
                    found.captured,
                    found.refunded,
                    found.voided,
                )
            db.execute("UPDATE payments SET captured = ? WHERE reference = ?", (amount, reference))
            return self._find(db, reference)

    def void(self, reference: str) -> Outcome:
        self._wait()
        with self._tx() as db:
            found = self._find(db, reference)
            if found is None:
                return Outcome(ABSENT)
            if not found.captured:
                db.execute("UPDATE payments SET voided = 1 WHERE reference = ?", (reference,))
            return self._find(db, reference)

    def refund(self, reference: str, amount: int, refund_ref: str) -> Outcome:
        self._wait()
        with self._tx() as db:
            found = self._known(db, reference)
            if db.execute("SELECT 1 FROM refunds WHERE refund_ref = ?", (refund_ref,)).fetchone():
                return found  # this refund was made: not a second time
            if not 0 < amount <= found.captured - found.refunded:
                return Outcome(
                    found.status,
                    found.provider_ref,
                    "cannot refund",
                    found.captured,
                    found.refunded,
                    found.voided,
                )
            db.execute("INSERT INTO refunds VALUES (?, ?, ?)", (refund_ref, reference, amount))
            db.execute("UPDATE payments SET refunded = refunded + ? WHERE reference = ?", (amount, reference))
            return self._find(db, reference)

    def inquire(self, reference: str) -> Outcome:
        self._wait()
        with self._tx() as db:
            return self._find(db, reference) or Outcome(ABSENT)

    def _tx(self):
        return _Immediate(sqlite3.connect(self.path, timeout=30, isolation_level=None))

    @staticmethod
    def _find(db, reference: str) -> Outcome | None:
        row = db.execute(
            "SELECT status, provider_ref, reason, captured, refunded, voided FROM payments "
            "WHERE reference = ?",
            (reference,),
        ).fetchone()
        return None if row is None else Outcome(row[0], row[1], row[2], row[3], row[4], bool(row[5]))

    def _known(self, db, reference: str) -> Outcome:
        found = self._find(db, reference)
        if found is None:
            raise KeyError(f"no payment {reference}")
        return found

    def _wait(self) -> None:
        if self.latency:
            time.sleep(self.latency)


class _Immediate:
    """One write transaction on the provider's file, on a connection of its own (BEGIN
    IMMEDIATE: one writer at a time, across processes and green threads)."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, tb):
        try:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self.db.close()
