"""Idempotency keys: a command retried with the same key has its effect once and gets its
first result back, whichever worker or replica the retry reaches.

Owns ``Idempotency`` (what a command hands to ``run_unit_of_work``), ``fingerprint`` (what
"the same request" means) and ``once``, which looks the key up and stores it in the
kernel's ``idempotency_keys`` table inside the command's own transaction: the key is
stored exactly when the command's events are. Only commands that succeed are stored (one
that raised recorded nothing, so running it again is safe). Keys are kept for ever for
now; an expiry would be a periodic delete by ``created_at``.
"""
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from shared.db import idempotency_keys
from shared.envelope import utc_iso
from shared.errors import InvalidInput, Unprocessable
from shared.eventstore import ConcurrencyError

MAX_KEY_LENGTH = idempotency_keys.c.key.type.length
REUSED = "this Idempotency-Key was already used for a different request"

_FIND = select(idempotency_keys.c.fingerprint, idempotency_keys.c.result).where(
    idempotency_keys.c.scope == bindparam("scope"), idempotency_keys.c.key == bindparam("key"))
_STORE = idempotency_keys.insert()


@dataclass(frozen=True)
class Idempotency:
    scope: str  # the command ("booking.create_booking"): keys of different commands never meet
    key: str  # the caller's Idempotency-Key, already made unique per caller by the gateway
    fingerprint: str  # ``fingerprint`` of the request's arguments

    def __post_init__(self):
        # Checked here, not left to the column: SQLite would store any length silently.
        if not 0 < len(self.key) <= MAX_KEY_LENGTH:
            raise InvalidInput(f"an Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters",
                               {"idempotency_key": [f"Length must be between 1 and {MAX_KEY_LENGTH}."]})


def fingerprint(payload: dict) -> str:
    """sha256 (hex) of ``payload`` as canonical JSON: equal arguments, equal fingerprint."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def keyed(scope: str, key: str | None, payload: dict) -> Idempotency | None:
    """The idempotency of a command called with the caller's ``key`` (None: without one)."""
    return None if key is None else Idempotency(scope, key, fingerprint(payload))


def answered(conn, request: Idempotency | None) -> bool:
    """Whether the key was used already: its retry replays the stored answer, so checks that
    only guard a first use (a stock check before a sale) are not asked again."""
    if request is None:
        return False
    return conn.execute(_FIND, {"scope": request.scope, "key": request.key}).first() is not None


def once(request: Idempotency, work: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``work`` as a unit of work that replays the stored result of an earlier use of the key.

    The result must be JSON-serializable; the first call returns it JSON round-tripped too,
    so a caller gets an equal value whether its request ran or was replayed.
    """
    def idempotent(uow):
        params = {"scope": request.scope, "key": request.key}
        found = uow.conn.execute(_FIND, params).first()
        if found is not None:
            if found.fingerprint != request.fingerprint:
                raise Unprocessable(REUSED, {"idempotency_key": [REUSED]})
            return json.loads(found.result)
        stored = json.dumps(work(uow))
        try:
            uow.conn.execute(_STORE, {**params, "fingerprint": request.fingerprint, "result": stored,
                                      "created_at": utc_iso(datetime.now(UTC))})
        except IntegrityError as exc:
            # A concurrent first use committed this key while we worked (on PostgreSQL the
            # insert waited for it). Our transaction is rolled back; run_unit_of_work runs
            # us again, and that run finds and replays the other one's result.
            raise ConcurrencyError(f"idempotency key {request.scope}/{request.key} "
                                   "was used concurrently") from exc
        return json.loads(stored)

    return idempotent
