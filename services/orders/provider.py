"""The payment-provider adapter, and the simulated provider that is its default.

Orders never sees a card number: a card is the provider's token. Every request carries our
own reference (one per tender), and the provider keeps at most one payment per reference, so
asking again after a timeout can never charge twice: the order first asks the provider what
became of its reference (``inquire``) and only then decides.

The simulated provider answers by the token it is given:
- ``tok_approve`` (or any other): approved;
- ``tok_decline``: declined;
- ``tok_timeout``: the payment goes through but the answer is lost (``ProviderTimeout``);
  ``inquire`` then finds it approved;
- ``tok_lost``: the request never arrives (``ProviderTimeout``); ``inquire`` finds nothing;
- ``tok_later``: pending; the provider confirms it later (``confirm``), as a real one calls
  back.
A real provider plugs in behind the same five methods.
"""
import threading
import time
import uuid
from dataclasses import dataclass, replace
from typing import Protocol

APPROVED, DECLINED, PENDING, ABSENT = "approved", "declined", "pending", "absent"


class ProviderTimeout(Exception):
    """No answer: the outcome is unknown until the provider is asked about the reference."""


@dataclass(frozen=True)
class Outcome:
    status: str  # approved, declined, pending (confirmed later) or absent (inquire: no such payment)
    provider_ref: str | None = None
    reason: str | None = None
    captured: int = 0
    refunded: int = 0
    voided: bool = False


class Provider(Protocol):
    def authorize(self, reference: str, token: str, amount: int, currency: str) -> Outcome: ...

    def capture(self, reference: str, amount: int) -> Outcome: ...

    def void(self, reference: str) -> Outcome: ...

    def refund(self, reference: str, amount: int) -> Outcome: ...

    def inquire(self, reference: str) -> Outcome: ...


class SimulatedProvider:
    """In-memory payments by reference; ``latency`` seconds per call, as a provider takes."""

    def __init__(self, latency: float = 0.0):
        self.latency = latency
        self._payments: dict[str, Outcome] = {}
        self._amounts: dict[str, int] = {}
        self._lock = threading.Lock()

    def authorize(self, reference: str, token: str, amount: int, currency: str) -> Outcome:
        self._wait()
        with self._lock:
            known = self._payments.get(reference)
            if known is not None:  # the same request again: the first answer, no second charge
                return known
            if token == "tok_lost":
                raise ProviderTimeout(reference)
            status, reason = {"tok_decline": (DECLINED, "card declined"),
                              "tok_later": (PENDING, None)}.get(token, (APPROVED, None))
            outcome = Outcome(status, f"sim-{uuid.uuid4().hex[:12]}", reason)
            self._payments[reference], self._amounts[reference] = outcome, amount
        if token == "tok_timeout":
            raise ProviderTimeout(reference)
        return outcome

    def confirm(self, reference: str, approve: bool = True) -> Outcome:
        """A pending payment decided later (what the provider's callback reports)."""
        with self._lock:
            found = self._known(reference)
            if found.status == PENDING:
                decided = (APPROVED, None) if approve else (DECLINED, "declined later")
                found = self._payments[reference] = replace(found, status=decided[0], reason=decided[1])
            return found

    def capture(self, reference: str, amount: int) -> Outcome:
        self._wait()
        with self._lock:
            found = self._known(reference)
            if found.status != APPROVED or found.voided or not 0 < amount <= self._amounts[reference]:
                return replace(found, reason="cannot capture")
            found = self._payments[reference] = replace(found, captured=amount)
            return found

    def void(self, reference: str) -> Outcome:
        self._wait()
        with self._lock:
            found = self._payments.get(reference)
            if found is None:
                return Outcome(ABSENT)
            if not found.captured:
                found = self._payments[reference] = replace(found, voided=True)
            return found

    def refund(self, reference: str, amount: int) -> Outcome:
        self._wait()
        with self._lock:
            found = self._known(reference)
            if not 0 < amount <= found.captured - found.refunded:
                return replace(found, reason="cannot refund")
            found = self._payments[reference] = replace(found, refunded=found.refunded + amount)
            return found

    def inquire(self, reference: str) -> Outcome:
        self._wait()
        with self._lock:
            return self._payments.get(reference, Outcome(ABSENT))

    def _known(self, reference: str) -> Outcome:
        found = self._payments.get(reference)
        if found is None:
            raise KeyError(f"no payment {reference}")
        return found

    def _wait(self) -> None:
        if self.latency:
            time.sleep(self.latency)
